"""Typed shapes of Management API bodies, following Logto's OpenAPI document.

Keys are the wire's camelCase keys; responses are plain dicts at runtime. Keys the schema
marks optional are `NotRequired`; nullable columns are `X | None`. Timestamps are epoch
milliseconds (numbers). Request bodies are `total=False` TypedDicts with the schema's required
keys marked `Required`.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, Required, TypedDict

ApplicationType = Literal["Native", "SPA", "Traditional", "MachineToMachine", "Protected", "SAML"]
RoleType = Literal["User", "MachineToMachine"]
InvitationStatus = Literal["Pending", "Accepted", "Expired", "Revoked"]
PasswordAlgorithm = Literal[
    "Argon2i", "Argon2id", "Argon2d", "SHA1", "SHA256", "MD5", "Bcrypt", "Legacy"
]
JsonObject = dict[str, Any]


# ---------------------------------------------------------------------------------- users


class Address(TypedDict, total=False):
    formatted: str
    streetAddress: str
    locality: str
    region: str
    postalCode: str
    country: str


class UserProfile(TypedDict, total=False):
    familyName: str
    givenName: str
    middleName: str
    nickname: str
    preferredUsername: str
    profile: str
    website: str
    gender: str
    birthdate: str
    zoneinfo: str
    locale: str
    address: Address


class Identity(TypedDict):
    userId: str
    details: NotRequired[JsonObject]


class User(TypedDict):
    id: str
    username: str | None
    primaryEmail: str | None
    primaryPhone: str | None
    name: str | None
    avatar: str | None
    customData: JsonObject
    identities: dict[str, Identity]
    lastSignInAt: float | None
    createdAt: float
    updatedAt: float
    profile: UserProfile
    applicationId: str | None
    cimdClientId: NotRequired[str | None]
    isSuspended: bool
    hasPassword: NotRequired[bool]
    hasSecurityVerificationMethod: NotRequired[bool]
    ssoIdentities: NotRequired[list[JsonObject]]
    passwordDigest: NotRequired[str | None]
    passwordAlgorithm: NotRequired[PasswordAlgorithm | None]


class UserCreate(TypedDict, total=False):
    primaryPhone: str
    primaryEmail: str
    username: str
    password: str
    passwordDigest: str
    passwordAlgorithm: PasswordAlgorithm
    name: str
    avatar: str | None
    customData: JsonObject
    profile: UserProfile


class UserUpdate(TypedDict, total=False):
    username: str | None
    primaryEmail: str | None
    primaryPhone: str | None
    name: str | None
    avatar: str | None
    customData: JsonObject
    profile: UserProfile


class RoleAssignment(TypedDict):
    """`POST /api/users/{id}/roles` and `POST /api/applications/{id}/roles` answer."""

    roleIds: list[str]
    addedRoleIds: NotRequired[list[str]]


# --------------------------------------------------------------------------- applications


class OidcClientMetadata(TypedDict, total=False):
    redirectUris: list[str]
    postLogoutRedirectUris: list[str]
    backchannelLogoutUri: str
    backchannelLogoutSessionRequired: bool
    logoUri: str


class CustomClientMetadata(TypedDict, total=False):
    corsAllowedOrigins: list[str]
    idTokenTtl: float
    refreshTokenTtl: float
    refreshTokenTtlInDays: float
    tenantId: str
    alwaysIssueRefreshToken: bool
    rotateRefreshToken: bool
    allowTokenExchange: bool
    isDeviceFlow: bool
    maxAllowedGrants: float


class Application(TypedDict):
    tenantId: str
    id: str
    name: str
    secret: NotRequired[str]
    description: str | None
    type: ApplicationType
    oidcClientMetadata: OidcClientMetadata
    customClientMetadata: CustomClientMetadata
    protectedAppMetadata: JsonObject | None
    customData: JsonObject
    isThirdParty: bool
    appLevelAccessControlEnabled: NotRequired[bool]
    createdAt: float
    isAdmin: NotRequired[bool]


class ApplicationCreate(TypedDict, total=False):
    name: Required[str]
    type: Required[ApplicationType]
    description: str | None
    oidcClientMetadata: OidcClientMetadata
    customClientMetadata: CustomClientMetadata
    customData: JsonObject
    isThirdParty: bool
    protectedAppMetadata: JsonObject


class ApplicationUpdate(TypedDict, total=False):
    name: str
    description: str | None
    oidcClientMetadata: OidcClientMetadata
    customClientMetadata: CustomClientMetadata
    customData: JsonObject
    appLevelAccessControlEnabled: bool
    protectedAppMetadata: JsonObject | None
    isAdmin: bool


class ApplicationSecret(TypedDict):
    tenantId: str
    applicationId: str
    name: str
    value: str
    createdAt: float
    expiresAt: float | None


class ApplicationSecretCreate(TypedDict, total=False):
    name: Required[str]
    expiresAt: float | None


# ---------------------------------------------------------------------------------- roles


class FeaturedUser(TypedDict):
    id: str
    avatar: str | None
    name: str | None


class FeaturedApplication(TypedDict):
    id: str
    name: str
    type: ApplicationType


class Role(TypedDict):
    tenantId: str
    id: str
    name: str
    description: str
    type: RoleType
    isDefault: bool
    usersCount: NotRequired[int]
    featuredUsers: NotRequired[list[FeaturedUser]]
    applicationsCount: NotRequired[int]
    featuredApplications: NotRequired[list[FeaturedApplication]]


class RoleCreate(TypedDict, total=False):
    name: Required[str]
    description: Required[str]
    type: RoleType
    isDefault: bool
    scopeIds: list[str]


class RoleUpdate(TypedDict, total=False):
    name: str
    description: str
    isDefault: bool


# ------------------------------------------------------------------------------ resources


class Scope(TypedDict):
    tenantId: str
    id: str
    resourceId: str
    name: str
    description: str | None
    createdAt: float
    resource: NotRequired[JsonObject]


class ScopeCreate(TypedDict, total=False):
    name: Required[str]
    description: str | None


class ScopeUpdate(TypedDict, total=False):
    name: str
    description: str | None


class Resource(TypedDict):
    tenantId: str
    id: str
    name: str
    indicator: str
    isDefault: bool
    accessTokenTtl: float
    scopes: NotRequired[list[Scope]]


class ResourceCreate(TypedDict, total=False):
    name: Required[str]
    indicator: Required[str]
    accessTokenTtl: float


class ResourceUpdate(TypedDict, total=False):
    name: str
    accessTokenTtl: float


# -------------------------------------------------------------------------- organizations


class OrganizationColor(TypedDict, total=False):
    primaryColor: str
    isDarkModeEnabled: bool
    darkPrimaryColor: str


class OrganizationBranding(TypedDict, total=False):
    logoUrl: str
    darkLogoUrl: str
    favicon: str
    darkFavicon: str


class Organization(TypedDict):
    tenantId: str
    id: str
    name: str
    description: str | None
    customData: JsonObject
    isMfaRequired: bool
    color: OrganizationColor
    branding: OrganizationBranding
    customCss: str | None
    createdAt: float
    usersCount: NotRequired[int]
    featuredUsers: NotRequired[list[FeaturedUser]]


class OrganizationCreate(TypedDict, total=False):
    name: Required[str]
    description: str | None
    customData: JsonObject
    isMfaRequired: bool
    color: OrganizationColor
    branding: OrganizationBranding
    customCss: str | None


class OrganizationUpdate(TypedDict, total=False):
    name: str
    description: str | None
    customData: JsonObject
    isMfaRequired: bool
    color: OrganizationColor
    branding: OrganizationBranding
    customCss: str | None


class OrganizationRoleRef(TypedDict):
    id: str
    name: str


class OrganizationMember(User):
    """A user as listed by `GET /api/organizations/{id}/users`."""

    organizationRoles: list[OrganizationRoleRef]


class UserOrganization(Organization):
    """An organization as listed by `GET /api/users/{id}/organizations`."""

    organizationRoles: list[OrganizationRoleRef]


class OrganizationRole(TypedDict):
    tenantId: str
    id: str
    name: str
    description: str | None
    type: RoleType
    scopes: NotRequired[list[OrganizationRoleRef]]
    resourceScopes: NotRequired[list[JsonObject]]


class OrganizationRoleCreate(TypedDict, total=False):
    name: Required[str]
    description: str | None
    type: RoleType
    organizationScopeIds: list[str]
    resourceScopeIds: list[str]


class OrganizationRoleUpdate(TypedDict, total=False):
    name: str
    description: str | None


class InvitationMessage(TypedDict, total=False):
    code: str
    link: str
    locale: str
    uiLocales: str


class OrganizationInvitation(TypedDict):
    tenantId: str
    id: str
    inviterId: str | None
    invitee: str
    acceptedUserId: str | None
    organizationId: str
    status: InvitationStatus
    createdAt: float
    updatedAt: float
    expiresAt: float
    organizationRoles: list[OrganizationRoleRef]


class OrganizationInvitationCreate(TypedDict, total=False):
    invitee: Required[str]
    organizationId: Required[str]
    expiresAt: Required[float]
    inviterId: str | None
    organizationRoleIds: list[str]
    messagePayload: InvitationMessage | Literal[False]
