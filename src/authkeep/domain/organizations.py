"""Organization rules without HTTP: request bodies, Logto's error codes inside organization
routes, relation checks, transactional writes with deadlock retry, invitation statuses.

Sources: Logto `routes/organization/**`, `routes/organization-role`, `organization-scope`,
`organization-invitation`, `libraries/organization-invitation.ts`, `utils/SchemaRouter.ts`,
`utils/RelationQueries.ts` (logto-facts §12).
"""

from __future__ import annotations

import asyncio
import functools
import random
import re
from collections.abc import Awaitable, Callable, Iterable
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, ConfigDict, Field
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep import web
from authkeep.dberrors import map_db_error
from authkeep.domain.users import valid_url
from authkeep.errors import LogtoError, render
from authkeep.store.db import Database
from authkeep.store.organization_invitations import (  # noqa: F401  (re-exported: invitation statuses)
    ACCEPTED,
    ENDING_STATUSES,
    EXPIRED,
    PENDING,
    REVOKED,
    invitation_status,
)

T = TypeVar("T")

# Ids end up in SQL IN lists and multi-row inserts; bound them well below driver limits.
MAX_IDS = 1000
# POST …/users/roles and …/applications/roles insert the cross product of two id lists.
MAX_PAIRS = 10_000
# JS Date's range, so stored timestamps stay meaningful (and fit a BIGINT).
MAX_EPOCH_MS = 8_640_000_000_000_000

ROLE_TYPES = ("User", "MachineToMachine")
M2M = "MachineToMachine"


# --- errors as Logto's organization routers answer them --------------------------------------


def foreign_key_error() -> LogtoError:
    """`entity.relation_foreign_key_not_found` is 422 inside organization routers (404 elsewhere)."""
    return LogtoError("entity.relation_foreign_key_not_found", 422)


def unique_error() -> LogtoError:
    return LogtoError("entity.unique_integrity_violation", 422)


def constraint_error() -> LogtoError:
    """What Logto's CHECK constraints answer: wrong role type in a relation, non-M2M app."""
    return LogtoError("entity.db_constraint_violated", 422)


def require_membership() -> LogtoError:
    return LogtoError("organization.require_membership", 422)


def invalid_input(details: str, status: int = 400) -> LogtoError:
    return LogtoError(
        "request.invalid_input", status, message=render("request.invalid_input", {"details": details})
    )


def value_too_long() -> LogtoError:
    return LogtoError("entity.value_too_long", 422)


def list_conjunction(items: list[str]) -> str:
    """English `Intl.ListFormat` conjunction, as i18next's `list(type:conjunction)`."""
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2:
        return f"{items[0]} and {items[1]}"
    return ", ".join(items[:-1]) + f", and {items[-1]}"


def role_names_not_found(names: list[str]) -> LogtoError:
    return LogtoError("organization.role_names_not_found", 422, names=list_conjunction(names))


def _sqlstate(exc: DBAPIError) -> str:
    orig = exc.orig
    for candidate in (orig, getattr(orig, "__cause__", None)):
        code = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if code:
            return str(code)
    return ""


def _retryable(exc: DBAPIError) -> bool:
    text = str(exc.orig).lower()
    return _sqlstate(exc) in {"40P01", "40001"} or "database is locked" in text or "deadlock" in text


def map_error(exc: DBAPIError) -> LogtoError | None:
    """Database errors inside organization routes: unique and FK violations are 422 here."""
    state, text = _sqlstate(exc), str(exc.orig).lower()
    if state == "23505" or "unique constraint failed" in text:
        return unique_error()
    if state == "23503" or "foreign key constraint failed" in text:
        return foreign_key_error()
    return map_db_error(exc)


async def write(db: Database, work: Callable[[AsyncConnection], Awaitable[T]], attempts: int = 5) -> T:
    """Runs `work` in one write transaction. Deadlocks and serialization failures (concurrent
    writers on the same rows) roll back and run again; other database errors become Logto's."""
    for attempt in range(attempts):
        try:
            async with db.write() as conn:
                return await work(conn)
        except DBAPIError as exc:
            if _retryable(exc) and attempt + 1 < attempts:
                await asyncio.sleep(random.uniform(0.002, 0.02) * (attempt + 1))
                continue
            mapped = map_error(exc)
            if mapped is None:
                raise
            raise mapped from None
    raise AssertionError("unreachable")


async def guard_db(work: Awaitable[T]) -> T:
    """Awaits `work`, turning database errors into Logto's organization-route errors."""
    try:
        return await work
    except DBAPIError as exc:
        mapped = map_error(exc)
        if mapped is None:
            raise
        raise mapped from None


async def read(db: Database, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    try:
        async with db.read() as conn:
            return await work(conn)
    except DBAPIError as exc:
        mapped = map_error(exc)
        if mapped is None:
            raise
        raise mapped from None


# --- relation checks (Logto leaves them to FKs and CHECK constraints; the order of errors is
# the same: a CHECK fails on the row, an FK at the end of the statement) -------------------------


def check_types(found: dict[str, str], wanted: Iterable[str], required_type: str | None) -> None:
    """`found` maps the existing ids among `wanted` to their type."""
    wanted = list(wanted)
    if required_type is not None and any(t != required_type for t in found.values()):
        raise constraint_error()
    if any(w not in found for w in wanted):
        raise foreign_key_error()


def dedupe(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


# --- request bodies ---------------------------------------------------------------------------


def nul_error(where: str) -> LogtoError:
    return LogtoError("guard.invalid_input", 400, type=where, details="NUL bytes are not allowed.")


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


# --- invitations ----------------------------------------------------------------------------------

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


class InvitationStatus(web.Body):
    acceptedUserId: Annotated[str, Field(max_length=21)] | None = None
    status: Literal["Accepted", "Revoked"]


def organization_urn(organization_id: str) -> str:
    return f"urn:logto:organization:{organization_id}"


def guarded(fn: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
    """Route decorator: NUL bytes in path or query are refused before they reach the database."""

    @functools.wraps(fn)
    async def wrapper(ctx: Any) -> T:
        if web.has_nul(dict(ctx.request.path_params)):
            raise nul_error("params")
        if any(web.has_nul(k) or web.has_nul(v) for k, v in ctx.query.multi_items()):
            raise nul_error("query")
        return await fn(ctx)

    return wrapper
