"""Application rules and request shapes (logto-facts §10; Logto's routes/applications/*.ts)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints

from authkeep.errors import LogtoError, render
from authkeep.guard import Body
from authkeep.store.management_api import INTERNAL_PREFIX  # noqa: F401 (re-exported)
from authkeep.store.user_scopes import USER_SCOPES  # noqa: F401 (re-exported)

TYPES = ("Native", "SPA", "Traditional", "MachineToMachine", "Protected", "SAML")
AppType = Literal["Native", "SPA", "Traditional", "MachineToMachine", "Protected", "SAML"]
WITH_SECRETS = ("MachineToMachine", "Traditional", "Protected")  # CHECK on application_secrets
THIRD_PARTY_TYPES = ("Traditional", "SPA", "Native")
DEFAULT_SECRET_NAME = "Default secret"
BUILT_IN = {
    "demo-app": ("Live Preview", "Preview for Sign-in Experience.", "SPA", {}),
    "account-center": ("Account Center", "Placeholder application for Account Center.", "SPA", {}),
    "device-demo-app": (
        "Device Flow Preview",
        "Preview for Device Authorization Flow.",
        "Native",
        {"isDeviceFlow": True},
    ),
}
UserScope = Literal[
    "profile",
    "email",
    "phone",
    "address",
    "custom_data",
    "identities",
    "roles",
    "urn:logto:scope:organizations",
    "urn:logto:scope:organization_roles",
    "urn:logto:scope:sessions",
    "urn:logto:scope:trusted_devices",
]
CONSENT_SCOPE_TYPES = ("organization-scopes", "resource-scopes", "organization-resource-scopes", "user-scopes")
MAX_TIMESTAMP = 8_640_000_000_000_000  # JavaScript's largest Date

# --- URLs: what `new URL()` (zod's .url()) and core-kit's validateRedirectUrl accept ---------

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_SPECIAL = {"http", "https", "ws", "wss", "ftp"}
_BAD_HOST = re.compile(r"[\x00-\x20#%/:<>?@\[\\\]^|\x7f]")
_C0_AND_SPACE = "".join(map(chr, range(0x21)))
_MOBILE = re.compile(r"^(?!https?:)[a-z][\d+_a-z-]*(\.[\d+_a-z-]+)*:$")


def url_scheme(url: str) -> str | None:
    """The scheme when WHATWG URL parsing would succeed, else None (a close approximation)."""
    text = re.sub(r"[\t\n\r]", "", url.strip(_C0_AND_SPACE))
    match = _SCHEME.match(text)
    if not match:
        return None
    scheme = match.group()[:-1].lower()
    if scheme not in _SPECIAL:
        return scheme
    authority = re.split(r"[/\\?#]", text[match.end():].lstrip("/\\"), maxsplit=1)[0]
    host = authority.rsplit("@", 1)[-1]
    if host.startswith("["):
        end = host.find("]")
        if end < 0 or not re.fullmatch(r"[0-9A-Fa-f:.]+", host[1:end]):
            return None
        port = host[end + 1:]
        if port and not re.fullmatch(r":\d{0,5}", port):
            return None
        return scheme
    host, _, port = host.partition(":")
    if not host or _BAD_HOST.search(host) or (port and (not port.isdigit() or int(port) > 65535)):
        return None
    return scheme


def _dot_segments(url: str) -> bool:
    sep = url.find("://")
    if sep <= 0:
        return False
    authority = re.split(r"[#/?]", url[sep + 3:], maxsplit=1)[0]
    path = re.split(r"[#?]", url[sep + 3 + len(authority):], maxsplit=1)[0]
    return any(s in (".", "..") or s.lower() in ("%2e", "%2e%2e") for s in path.split("/")) if path else False


def _wildcard_web(url: str) -> bool:
    sep = url.find("://")
    if sep <= 0 or "*" in url[:sep]:
        return False
    for mark in ("?", "#"):
        at = url.find(mark)
        if at >= 0 and "*" in url[at:]:
            return False
    authority = re.split(r"[#/?]", url[sep + 3:], maxsplit=1)[0]
    if "@" in authority or authority.startswith("["):
        return False
    colon = authority.rfind(":")
    has_port = colon > -1 and authority.find(":") == colon
    hostname = authority[:colon] if has_port else authority
    if "*" in hostname and "." not in hostname:
        return False
    if has_port and "*" in authority[colon + 1:]:
        return False
    return not _dot_segments(url) and url_scheme(url.replace("*", "wildcard")) in ("http", "https")


def valid_redirect_uri(url: str) -> bool:
    if "*" in url:
        web = _wildcard_web(url)
    else:
        web = not _dot_segments(url) and url_scheme(url) in ("http", "https")
    if web:
        return True
    scheme = url_scheme(url)
    return scheme is not None and bool(_MOBILE.match(scheme + ":"))


def _redirect(value: str) -> str:
    if not valid_redirect_uri(value):
        raise ValueError("Invalid input")
    return value


def _url(value: str) -> str:
    if url_scheme(value) is None:
        raise ValueError("Invalid url")
    return value


def _url_or_empty(value: str) -> str:
    return value if value == "" else _url(value)


RedirectUri = Annotated[str, AfterValidator(_redirect)]
Url = Annotated[str, AfterValidator(_url)]
Name256 = Annotated[str, StringConstraints(min_length=1, max_length=256)]
NonEmpty = Annotated[str, StringConstraints(min_length=1)]
Number = int | float
HexColor = Annotated[str, StringConstraints(pattern=r"^#[\da-fA-F]{3}([\da-fA-F]{3})?$")]

# --- Request bodies. `x: T = None` means optional but not nullable, as zod's `.optional()`. ---


class OidcClientMetadata(Body):
    redirectUris: list[RedirectUri]
    postLogoutRedirectUris: list[RedirectUri]
    backchannelLogoutUri: Url = None
    backchannelLogoutSessionRequired: bool = None
    logoUri: str = None


class CustomClientMetadata(Body):
    corsAllowedOrigins: list[NonEmpty] = None
    idTokenTtl: Number = None
    refreshTokenTtl: Number = None
    refreshTokenTtlInDays: Annotated[int, Field(ge=1, le=180)] = None
    tenantId: str = None
    alwaysIssueRefreshToken: bool = None
    rotateRefreshToken: bool = None
    allowTokenExchange: bool = None
    isDeviceFlow: bool = None
    maxAllowedGrants: Annotated[int, Field(gt=0)] = None


class ProtectedCreate(Body):
    subDomain: str
    origin: str


class PageRule(Body):
    path: str


class ProtectedPatch(Body):
    origin: str = None
    sessionDuration: Number = None
    pageRules: list[PageRule] = None
    additionalScopes: list[
        Literal[
            "custom_data",
            "identities",
            "roles",
            "urn:logto:scope:organizations",
            "urn:logto:scope:organization_roles",
        ]
    ] = None


class AppCreate(Body):
    name: Name256
    type: AppType
    description: str | None = None
    oidcClientMetadata: OidcClientMetadata = None
    customClientMetadata: CustomClientMetadata = None
    protectedAppMetadata: ProtectedCreate = None
    customData: dict[str, Any] = None
    isThirdParty: bool = None


class AppPatch(Body):
    name: Name256 = None
    description: str | None = None
    oidcClientMetadata: OidcClientMetadata = None
    customClientMetadata: CustomClientMetadata = None
    customData: dict[str, Any] = None
    appLevelAccessControlEnabled: bool = None
    protectedAppMetadata: ProtectedPatch | None = None
    isAdmin: bool = None


class SecretCreate(Body):
    name: Name256
    expiresAt: Annotated[Number, Field(le=MAX_TIMESTAMP)] | None = None


class SecretRename(Body):
    name: Name256


class RoleIds(Body):
    roleIds: list[NonEmpty]


class OrgRoleRule(Body):
    organizationId: str
    organizationRoleIds: list[str]


_Ids = Annotated[list[str], Field(max_length=2000)]


class AccessControl(Body):
    userIds: _Ids
    userRoleIds: _Ids
    organizationIds: _Ids
    organizationRoleRules: Annotated[list[OrgRoleRule], Field(max_length=2000)]


class ConsentScopes(Body):
    organizationScopes: list[str] = None
    resourceScopes: list[str] = None
    organizationResourceScopes: list[str] = None
    userScopes: list[UserScope] = None


class PartialColor(Body):
    primaryColor: HexColor = None
    isDarkModeEnabled: bool = None
    darkPrimaryColor: HexColor = None


class Branding(Body):
    logoUrl: Url = None
    darkLogoUrl: Url = None
    favicon: Url = None
    darkFavicon: Url = None


_Link = Annotated[str, StringConstraints(max_length=2048), AfterValidator(_url_or_empty)]


class SignInExperience(Body):
    color: PartialColor = None
    branding: Branding = None
    customCss: str | None = None
    displayName: Annotated[str, StringConstraints(max_length=256)] | None = None
    termsOfUseUrl: _Link | None = None
    privacyPolicyUrl: _Link | None = None


class OrganizationIds(Body):
    organizationIds: list[NonEmpty]


class SomeOrganizationIds(Body):
    organizationIds: Annotated[list[NonEmpty], Field(min_length=1)]


class Domain(Body):
    domain: str


def given(model: Body) -> dict[str, Any]:
    """The keys the client sent, with nested models reduced to what they sent (zod strips the rest)."""
    return model.model_dump(exclude_unset=True)


# --- Rules -------------------------------------------------------------------------------------


def dedupe(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def check_create(body: AppCreate) -> None:
    """POST /applications checks, in Logto's order (application.ts)."""
    if body.type == "SAML":
        raise LogtoError("application.saml.use_saml_app_api", 400)
    ccm = body.customClientMetadata
    if body.type != "Native" and ccm is not None and ccm.isDeviceFlow:
        raise LogtoError("application.device_flow_native_only", 422)
    if body.type == "Protected" and body.protectedAppMetadata is None:
        raise LogtoError("application.protected_app_metadata_is_required", 400)
    if body.isThirdParty:
        if body.type not in THIRD_PARTY_TYPES:
            raise LogtoError("application.invalid_third_party_application_type", 400)
        check_token_exchange(True, ccm)
    if body.type == "Protected" and body.protectedAppMetadata is not None:
        if not re.fullmatch(r"[\da-z]([\da-z-]{0,61}[\da-z])?", body.protectedAppMetadata.subDomain):
            raise LogtoError("application.invalid_subdomain", 422)
        # OSS has no protected-app (Cloudflare) provider configured.
        raise not_configured()


def check_token_exchange(is_third_party: bool, ccm: CustomClientMetadata | None) -> None:
    if is_third_party and ccm is not None and ccm.allowTokenExchange is True:
        raise LogtoError("application.third_party_application_cannot_enable_token_exchange", 422)


def check_device_flow_unchanged(current: dict[str, Any], ccm: CustomClientMetadata | None) -> None:
    if ccm is not None and bool(ccm.isDeviceFlow) != bool(current.get("isDeviceFlow")):
        raise LogtoError("application.device_flow_not_changeable", 422)


def not_configured() -> LogtoError:
    return LogtoError("application.protected_app_not_configured", 501)


def _invalid_422(details: str) -> LogtoError:
    return LogtoError("request.invalid_input", 422, message=render("request.invalid_input", {"details": details}))


def has_rules(rules: dict[str, Any]) -> bool:
    return bool(
        rules["userIds"]
        or rules["userRoleIds"]
        or rules["organizationIds"]
        or any(r["organizationRoleIds"] for r in rules["organizationRoleRules"])
    )


def require_rules(rules: dict[str, Any]) -> None:
    if not has_rules(rules):
        raise _invalid_422("Application access control must include at least one rule before it can be enabled.")


def canonical_rules(body: AccessControl) -> dict[str, Any]:
    """Logto's applicationAccessControlGuard: dedupe, merge rule groups by organization, cap at 1000."""
    merged: dict[str, list[str]] = {}
    for rule in body.organizationRoleRules:
        merged.setdefault(rule.organizationId, [])
        merged[rule.organizationId] = dedupe(merged[rule.organizationId] + rule.organizationRoleIds)
    out = {
        "userIds": dedupe(body.userIds),
        "userRoleIds": dedupe(body.userRoleIds),
        "organizationIds": dedupe(body.organizationIds),
        "organizationRoleRules": [
            {"organizationId": org, "organizationRoleIds": roles} for org, roles in merged.items()
        ],
    }
    for key in ("userIds", "userRoleIds", "organizationIds", "organizationRoleRules"):
        if len(out[key]) > 1000:
            raise LogtoError(
                "guard.invalid_input",
                400,
                type="body",
                details=f'Error in key path "{key}": (too_big) Array must contain at most 1000 element(s)',
            )
    for rule in out["organizationRoleRules"]:
        if len(rule["organizationRoleIds"]) > 1000:
            raise LogtoError("guard.invalid_input", 400, type="body")
        if not rule["organizationRoleIds"]:
            raise _invalid_422("Organization-role rule groups must include at least one organization role.")
    return out


def built_in_app(tenant_id: str, app_id: str) -> dict[str, Any] | None:
    """Logto's synthetic apps (not rows); their placeholder secret `N/A` is not internal, so it shows."""
    spec = BUILT_IN.get(app_id)
    if spec is None:
        return None
    name, description, app_type, ccm = spec
    return {
        "tenantId": tenant_id,
        "id": app_id,
        "name": name,
        "secret": "N/A",
        "description": description,
        "type": app_type,
        "oidcClientMetadata": {"redirectUris": [], "postLogoutRedirectUris": []},
        "customClientMetadata": dict(ccm),
        "protectedAppMetadata": None,
        "customData": {},
        "isThirdParty": False,
        "appLevelAccessControlEnabled": False,
        "createdAt": 0,
        "isAdmin": False,
    }
