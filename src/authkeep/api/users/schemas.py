"""Request bodies and queries of the Users routes (Logto's zod guards: `userProfileGuard`,
`jsonObjectGuard`, MFA and personal access token bodies)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from authkeep import web
from authkeep.domain import users as rules


def _matches(regex: Any, message: str = "Invalid", allow_empty: bool = False) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if value is None or (allow_empty and value == ""):
            return value
        if not regex.fullmatch(value):
            raise PydanticCustomError("string_pattern_mismatch", message)
        return value

    return check


def _url(allow_empty: bool = True) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if value is None or (allow_empty and value == ""):
            return value
        if not rules.valid_url(value):
            raise PydanticCustomError("string_pattern_mismatch", "Invalid url")
        return value

    return check


Username = Annotated[str, AfterValidator(_matches(rules.USERNAME_RE))]
Email = Annotated[str, AfterValidator(_matches(rules.EMAIL_RE))]
Phone = Annotated[str, AfterValidator(_matches(rules.PHONE_RE))]
UsernameOrEmpty = Annotated[str, AfterValidator(_matches(rules.USERNAME_RE, allow_empty=True))]
EmailOrEmpty = Annotated[str, AfterValidator(_matches(rules.EMAIL_RE, allow_empty=True))]
PhoneOrEmpty = Annotated[str, AfterValidator(_matches(rules.PHONE_RE, allow_empty=True))]
Avatar = Annotated[str, AfterValidator(_url())]
NonEmpty = Annotated[str, Field(min_length=1)]
Algorithm = Literal["Argon2i", "Argon2id", "Argon2d", "SHA1", "SHA256", "MD5", "Bcrypt", "Legacy"]


class Address(web.Body):
    formatted: str = None  # type: ignore[assignment]
    street_address: str = Field(None, alias="streetAddress")  # type: ignore[assignment]
    locality: str = None  # type: ignore[assignment]
    region: str = None  # type: ignore[assignment]
    postal_code: str = Field(None, alias="postalCode")  # type: ignore[assignment]
    country: str = None  # type: ignore[assignment]


class Profile(web.Body):
    """userProfileGuard: every key optional, `null` refused, unknown keys dropped."""

    family_name: str = Field(None, alias="familyName")  # type: ignore[assignment]
    given_name: str = Field(None, alias="givenName")  # type: ignore[assignment]
    middle_name: str = Field(None, alias="middleName")  # type: ignore[assignment]
    nickname: str = None  # type: ignore[assignment]
    preferred_username: str = Field(None, alias="preferredUsername")  # type: ignore[assignment]
    profile: str = None  # type: ignore[assignment]
    website: str = None  # type: ignore[assignment]
    gender: str = None  # type: ignore[assignment]
    birthdate: str = None  # type: ignore[assignment]
    zoneinfo: str = None  # type: ignore[assignment]
    locale: str = None  # type: ignore[assignment]
    address: Address = None  # type: ignore[assignment]

    def wire(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_unset=True)


class CreateUser(web.Body):
    primary_phone: Phone = Field(None, alias="primaryPhone")  # type: ignore[assignment]
    primary_email: Email = Field(None, alias="primaryEmail")  # type: ignore[assignment]
    username: Username = None  # type: ignore[assignment]
    password: NonEmpty = None  # type: ignore[assignment]
    password_digest: Annotated[str, Field(max_length=256)] = Field(None, alias="passwordDigest")  # type: ignore[assignment]
    password_algorithm: Algorithm = Field(None, alias="passwordAlgorithm")  # type: ignore[assignment]
    name: str = None  # type: ignore[assignment]
    avatar: Avatar | None = None
    custom_data: dict[str, Any] = Field(None, alias="customData")  # type: ignore[assignment]
    profile: Profile = None  # type: ignore[assignment]


class UpdateUser(web.Body):
    username: UsernameOrEmpty | None = None
    primary_email: EmailOrEmpty | None = Field(None, alias="primaryEmail")
    primary_phone: PhoneOrEmpty | None = Field(None, alias="primaryPhone")
    name: str | None = None
    avatar: Avatar | None = None
    custom_data: dict[str, Any] = Field(None, alias="customData")  # type: ignore[assignment]
    profile: Profile = None  # type: ignore[assignment]


class CustomDataBody(web.Body):
    custom_data: dict[str, Any] = Field(alias="customData")


class ProfileBody(web.Body):
    profile: Profile


class MfaConfig(web.Body):
    enabled: bool = None  # type: ignore[assignment]
    skipped: bool = None  # type: ignore[assignment]
    additional_binding_suggestion_skipped: bool = Field(None, alias="additionalBindingSuggestionSkipped")  # type: ignore[assignment]
    skip_mfa_on_sign_in: bool = Field(None, alias="skipMfaOnSignIn")  # type: ignore[assignment]


class PasskeyConfig(web.Body):
    skipped: bool = None  # type: ignore[assignment]


class LogtoConfigBody(web.Body):
    mfa: MfaConfig = None  # type: ignore[assignment]
    passkey_sign_in: PasskeyConfig = Field(None, alias="passkeySignIn")  # type: ignore[assignment]


class PasswordBody(web.Body):
    password: NonEmpty


class ExpirationBody(web.Body):
    is_expired: bool = Field(alias="isExpired")


class SuspendBody(web.Body):
    is_suspended: bool = Field(alias="isSuspended")


class RoleIdsBody(web.Body):
    role_ids: list[NonEmpty] = Field(alias="roleIds", max_length=1000)  # bounded work, as other id lists


class IdentityBody(web.Body):
    user_id: str = Field(alias="userId")
    details: dict[str, Any] = None  # type: ignore[assignment]


class LinkIdentityBody(web.Body):
    connector_id: str = Field(alias="connectorId")
    connector_data: dict[str, Any] = Field(alias="connectorData")


class TotpBody(web.Body):
    type: Literal["Totp"]
    secret: str = None  # type: ignore[assignment]


class BackupCodeBody(web.Body):
    type: Literal["BackupCode"]
    codes: list[str] = None  # type: ignore[assignment]


class CreatePatBody(web.Body):
    name: Annotated[str, Field(min_length=1, max_length=256)]
    expires_at: float | None = Field(None, alias="expiresAt")


class RenamePatBody(web.Body):
    name: Annotated[str, Field(min_length=1, max_length=256)]
    current_name: str = Field(None, alias="currentName")  # type: ignore[assignment]


class PatNameBody(web.Body):
    name: str


class GrantsQuery(web.Query):
    app_type: Literal["firstParty", "thirdParty"] = Field(None, alias="appType")  # type: ignore[assignment]


class SessionDeleteQuery(web.Query):
    revoke_grants_target: Literal["all", "firstParty"] = Field(None, alias="revokeGrantsTarget")  # type: ignore[assignment]


class UserListQuery(web.Query):
    exclude_role_id: str = Field(None, alias="excludeRoleId")  # type: ignore[assignment]
    exclude_organization_id: str = Field(None, alias="excludeOrganizationId")  # type: ignore[assignment]
    include_password_hash: web.Yes = Field(False, alias="includePasswordHash")


class UserQuery(web.Query):
    include_password_hash: web.Yes = Field(False, alias="includePasswordHash")
    include_sso_identities: web.Yes = Field(False, alias="includeSsoIdentities")
