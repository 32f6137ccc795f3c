"""Request bodies and queries of the organization routes (Logto's zod guards:
`Organizations.createGuard`/`updateGuard`, SchemaRouter relation bodies, invitation guards)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field

from authkeep import web
from authkeep.domain.organizations import MAX_EPOCH_MS, MAX_IDS
from authkeep.domain.users import valid_url


def _url(value: str) -> str:
    if not valid_url(value):
        raise ValueError("Invalid url")
    return value


def _epoch(value: float) -> float:
    if not -MAX_EPOCH_MS <= value <= MAX_EPOCH_MS:
        raise ValueError("Invalid date")
    return value


# NUL is refused before these models: in bodies by web.read_json, in path and query by `guarded`.
Text = str
Id = Annotated[str, Field(min_length=1)]
AnyId = str  # z.string() without min(1)
Ids = Annotated[list[Id], Field(min_length=1, max_length=MAX_IDS)]  # `.array().nonempty()`
IdsOrEmpty = Annotated[list[Id], Field(max_length=MAX_IDS)]
Name = Annotated[str, Field(min_length=1, max_length=128)]
Description = Annotated[str, Field(max_length=256)]
TenantId = Annotated[str, Field(max_length=21)]
Epoch = Annotated[int | float, AfterValidator(_epoch)]
HexColor = Annotated[str, Field(pattern=r"^#[\da-fA-F]{3}([\da-fA-F]{3})?$")]
Url = Annotated[str, AfterValidator(_url)]
RoleType = Literal["User", "MachineToMachine"]


class PartialColor(web.Body):
    primaryColor: HexColor = None  # type: ignore[assignment]
    isDarkModeEnabled: bool = None  # type: ignore[assignment]
    darkPrimaryColor: HexColor = None  # type: ignore[assignment]


class Branding(web.Body):
    logoUrl: Url = None  # type: ignore[assignment]
    darkLogoUrl: Url = None  # type: ignore[assignment]
    favicon: Url = None  # type: ignore[assignment]
    darkFavicon: Url = None  # type: ignore[assignment]


class OrganizationPatch(web.Body):
    """`Organizations.updateGuard` minus `id` (and the hidden `isTrustedDeviceAllowed`)."""

    tenantId: TenantId = None  # type: ignore[assignment]  # accepted, never applied
    name: Name = None  # type: ignore[assignment]
    description: Description | None = None
    customData: dict[str, Any] = None  # type: ignore[assignment]
    isMfaRequired: bool = None  # type: ignore[assignment]
    color: PartialColor = None  # type: ignore[assignment]
    branding: Branding = None  # type: ignore[assignment]
    customCss: Text | None = None
    createdAt: Epoch = None  # type: ignore[assignment]


class OrganizationCreate(OrganizationPatch):
    name: Name


def organization_values(body: OrganizationPatch) -> dict[str, Any]:
    """Column values for the fields the body carries (PATCH replaces JSON columns wholesale)."""
    out: dict[str, Any] = {}
    sent = body.model_fields_set
    simple = {"name": "name", "description": "description", "customData": "custom_data"}
    simple |= {"isMfaRequired": "is_mfa_required", "customCss": "custom_css"}
    for key, column in simple.items():
        if key in sent:
            out[column] = getattr(body, key)
    if "color" in sent:
        out["color"] = body.color.model_dump(exclude_unset=True)
    if "branding" in sent:
        out["branding"] = body.branding.model_dump(exclude_unset=True)
    if "createdAt" in sent:
        out["created_at"] = int(body.createdAt)
    return {k: v for k, v in out.items() if v is not None or k in {"description", "custom_css"}}


class UserIds(web.Body):
    userIds: Ids


class UserIdsOrEmpty(web.Body):
    userIds: IdsOrEmpty


class ApplicationIds(web.Body):
    applicationIds: Ids


class ApplicationIdsOrEmpty(web.Body):
    applicationIds: IdsOrEmpty


class UsersRoles(web.Body):
    userIds: Ids
    organizationRoleIds: Ids


class ApplicationsRoles(web.Body):
    applicationIds: Ids
    organizationRoleIds: Ids


class RoleIdsOrNames(web.Body):
    organizationRoleIds: IdsOrEmpty = None  # type: ignore[assignment]
    organizationRoleNames: IdsOrEmpty = None  # type: ignore[assignment]


class OrganizationRoleIds(web.Body):
    organizationRoleIds: Ids


class OrganizationRoleIdsOrEmpty(web.Body):
    organizationRoleIds: IdsOrEmpty


class OrganizationScopeIds(web.Body):
    organizationScopeIds: Ids


class OrganizationScopeIdsOrEmpty(web.Body):
    organizationScopeIds: IdsOrEmpty


class ScopeIds(web.Body):
    scopeIds: Ids


class ScopeIdsOrEmpty(web.Body):
    scopeIds: IdsOrEmpty


class SsoConnectorIds(web.Body):
    ssoConnectorIds: Ids


class SsoConnectorIdsOrEmpty(web.Body):
    ssoConnectorIds: IdsOrEmpty


class EmailDomain(web.Body):
    emailDomain: Id


class EmailDomains(web.Body):
    emailDomains: Annotated[list[AnyId], Field(max_length=MAX_IDS)]


class OrganizationRoleCreate(web.Body):
    tenantId: TenantId = None  # type: ignore[assignment]
    name: Name
    description: Description | None = None
    type: RoleType = "User"
    organizationScopeIds: Annotated[list[AnyId], Field(max_length=MAX_IDS)] = Field(default_factory=list)
    resourceScopeIds: Annotated[list[AnyId], Field(max_length=MAX_IDS)] = Field(default_factory=list)


class OrganizationRolePatch(web.Body):
    tenantId: TenantId = None  # type: ignore[assignment]
    name: Name = None  # type: ignore[assignment]
    description: Description | None = None
    type: RoleType = None  # type: ignore[assignment]


class OrganizationScopeCreate(web.Body):
    tenantId: TenantId = None  # type: ignore[assignment]
    name: Name
    description: Description | None = None


class OrganizationScopePatch(web.Body):
    tenantId: TenantId = None  # type: ignore[assignment]
    name: Name = None  # type: ignore[assignment]
    description: Description | None = None


def patch_values(body: web.Body, columns: dict[str, str]) -> dict[str, Any]:
    """Values of the sent fields among `columns` (body key -> column); `null` kept only where
    the column is nullable (pydantic already refused it elsewhere)."""
    return {column: getattr(body, key) for key, column in columns.items() if key in body.model_fields_set}


class MemberQuery(web.Query):
    q: str = None  # type: ignore[assignment]
    organizationRoleId: Id = None  # type: ignore[assignment]


# --- invitations ---------------------------------------------------------------------------------

# zod's `.email()` (v3.22+).
EMAIL_RE = re.compile(
    r"^(?!\.)(?!.*\.\.)([A-Z0-9_'+\-\.]*)[A-Z0-9_+-]@([A-Z0-9][A-Z0-9\-]*\.)+[A-Z]{2,}$", re.IGNORECASE
)


def _email(value: str) -> str:
    if not EMAIL_RE.fullmatch(value) or "\n" in value:
        raise ValueError("Invalid email")
    return value


class MessagePayload(web.Body):
    """`sendMessagePayloadGuard`: optional strings, other keys kept (`.catchall(z.unknown())`)."""

    model_config = ConfigDict(strict=True, extra="allow", populate_by_name=True)

    code: Text = None  # type: ignore[assignment]
    link: Text = None  # type: ignore[assignment]
    locale: Text = None  # type: ignore[assignment]
    uiLocales: Text = None  # type: ignore[assignment]

    def data(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class InvitationCreate(web.Body):
    inviterId: Annotated[str, Field(max_length=21)] | None = None
    invitee: Annotated[str, AfterValidator(_email)]
    organizationId: Annotated[str, Field(min_length=1, max_length=21)]
    expiresAt: Epoch
    organizationRoleIds: Annotated[list[AnyId], Field(max_length=MAX_IDS)] = None  # type: ignore[assignment]
    messagePayload: MessagePayload | Literal[False] = False


class InvitationQuery(web.Query):
    organizationId: str | None = None
    inviterId: str | None = None
    invitee: str | None = None


class InvitationStatus(web.Body):
    acceptedUserId: Annotated[str, Field(max_length=21)] | None = None
    status: Literal["Accepted", "Revoked"]
