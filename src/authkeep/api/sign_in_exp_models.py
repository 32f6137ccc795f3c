"""Request bodies of PATCH /sign-in-exp (Logto's `SignInExperiences.createGuard`, partial)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from authkeep.domain import languages
from authkeep.errors import LogtoError
from authkeep.web import Body

_HEX = re.compile(r"^#[\da-f]{3}([\da-f]{3})?$", re.IGNORECASE)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z\d+.-]*:\S+$")
_EMAIL = re.compile(r"^[^\s@]+@[^\s@]+\.[^\s@]+$")


def _url(value: str) -> str:
    if not _SCHEME.match(value) or value.split(":", 1)[1] in ("", "//"):
        raise ValueError("Invalid url")
    return value


def _url_or_empty(value: str) -> str:
    return value if value == "" else _url(value)


def _email_or_empty(value: str) -> str:
    if value and not _EMAIL.match(value):
        raise ValueError("Invalid email")
    return value


def _hex(value: str) -> str:
    if not _HEX.match(value):
        raise ValueError("Invalid")
    return value


def _tag(value: str) -> str:
    if not languages.is_language_tag(value):
        raise ValueError("Invalid input")
    return value


Url = Annotated[str, AfterValidator(_url)]
UrlOrEmpty = Annotated[str, AfterValidator(_url_or_empty)]
Hex = Annotated[str, AfterValidator(_hex)]
Identifier = Literal["username", "email", "phone"]
MfaFactor = Literal["Totp", "WebAuthn", "BackupCode", "EmailVerificationCode", "PhoneVerificationCode"]
MfaPolicy = Literal[
    "UserControlled",
    "Mandatory",
    "PromptOnlyAtSignIn",
    "PromptAtSignInAndSignUp",
    "NoPrompt",
    "PromptAtSignInAndSignUpMandatory",
    "PromptOnlyAtSignInMandatory",
]


class Part(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


class Color(Part):
    primaryColor: Hex
    isDarkModeEnabled: bool
    darkPrimaryColor: Hex


class Branding(Part):
    logoUrl: Url | None = None
    darkLogoUrl: Url | None = None
    favicon: Url | None = None
    darkFavicon: Url | None = None


class LanguageInfo(Part):
    autoDetect: bool
    fallbackLanguage: Annotated[str, AfterValidator(_tag)]


class SignInMethod(Part):
    identifier: Identifier
    password: bool
    verificationCode: bool
    isPasswordPrimary: bool


class SignIn(Part):
    methods: list[SignInMethod]


class SecondaryIdentifier(Part):
    identifier: Literal["username", "email", "phone", "emailOrPhone"]
    verify: bool | None = None


class SignUp(Part):
    identifiers: list[Identifier]
    password: bool
    verify: bool
    secondaryIdentifiers: list[SecondaryIdentifier] | None = None


class SocialSignIn(Part):
    automaticAccountLinking: bool | None = None
    skipRequiredIdentifiers: bool | None = None


class UiAssets(Part):
    id: str
    createdAt: int | float


class UiCsp(Part):
    scriptSrc: list[str] | None = None
    connectSrc: list[str] | None = None


class Length(Part):
    min: int = Field(default=8, ge=1)
    max: int = Field(default=256, ge=1)


class CharacterTypes(Part):
    min: int = Field(default=1, ge=1, le=4)


class Rejects(Part):
    pwned: bool = True
    repetitionAndSequence: bool = True
    userInfo: bool = True
    words: list[str] = Field(default_factory=list)


class PasswordPolicy(Part):
    """Top-level keys stay optional; a given part gets its defaults (zod deepPartial over defaults)."""

    length: Length | None = None
    characterTypes: CharacterTypes | None = None
    rejects: Rejects | None = None


class Mfa(Part):
    factors: list[MfaFactor]
    policy: MfaPolicy
    organizationRequiredMfaPolicy: Literal["NoPrompt", "Mandatory"] | None = None


class Enabled(Part):
    enabled: bool | None = None


class Sentinel(Part):
    maxAttempts: int | float | None = None
    lockoutDuration: int | float | None = None


class EmailBlocklist(Part):
    blockDisposableAddresses: bool | None = None
    blockSubaddressing: bool | None = None
    customAllowlist: list[str] | None = None
    customBlocklist: list[str] | None = None


class PasskeySignIn(Part):
    enabled: bool | None = None
    showPasskeyButton: bool | None = None
    allowAutofill: bool | None = None


class Named(Part):
    name: str


class AllowedChars(Part):
    lowercase: bool
    uppercase: bool
    numbers: bool
    underscore: bool


class UsernamePolicy(Part):
    caseSensitive: bool
    minLength: int = Field(ge=1, le=128)
    maxLength: int = Field(ge=1, le=128)
    allowedChars: AllowedChars

    @model_validator(mode="after")
    def _consistent(self) -> UsernamePolicy:
        if self.minLength > self.maxLength:
            raise ValueError("Minimum length cannot exceed maximum length.")
        chars = self.allowedChars
        if not (chars.lowercase or chars.uppercase or chars.underscore):
            raise ValueError(
                "At least one of lowercase, uppercase, or underscore must be enabled. "
                "Usernames cannot start with a number, so numbers alone are not allowed."
            )
        return self


class PasswordExpiration(Part):
    enabled: bool | None = None
    validPeriodDays: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _union(self) -> PasswordExpiration:
        if self.enabled is True and self.validPeriodDays is None:
            raise ValueError("Invalid input")
        return self


class VerificationCodePolicy(Part):
    expirationDuration: int | None = Field(default=None, ge=60, le=3600)
    maxRetryAttempts: int | None = Field(default=None, ge=1, le=100)


class SignInExpPatch(Body):
    color: Color | None = None
    branding: Branding | None = None
    hideLogtoBranding: bool | None = None
    languageInfo: LanguageInfo | None = None
    agreeToTermsPolicy: Literal["Automatic", "ManualRegistrationOnly", "Manual"] | None = None
    signIn: SignIn | None = None
    signUp: SignUp | None = None
    socialSignIn: SocialSignIn | None = None
    socialSignInConnectorTargets: list[str] | None = None
    signInMode: Literal["SignIn", "Register", "SignInAndRegister"] | None = None
    customCss: str | None = None
    customContent: dict[str, str] | None = None
    customUiAssets: UiAssets | None = None
    customUiCsp: UiCsp | None = None
    passwordPolicy: PasswordPolicy | None = None
    mfa: Mfa | None = None
    adaptiveMfa: Enabled | None = None
    singleSignOnEnabled: bool | None = None
    captchaPolicy: Enabled | None = None
    sentinelPolicy: Sentinel | None = None
    emailBlocklistPolicy: EmailBlocklist | None = None
    forgotPasswordMethods: list[Literal["EmailVerificationCode", "PhoneVerificationCode"]] | None = None
    passkeySignIn: PasskeySignIn | None = None
    signUpProfileFields: list[Named] | None = None
    usernamePolicy: UsernamePolicy | None = None
    termsOfUseUrl: UrlOrEmpty | None = None
    privacyPolicyUrl: UrlOrEmpty | None = None
    supportEmail: Annotated[str, AfterValidator(_email_or_empty)] | None = None
    supportWebsiteUrl: UrlOrEmpty | None = None
    unknownSessionRedirectUrl: UrlOrEmpty | None = None
    passwordExpiration: PasswordExpiration | None = None
    verificationCodePolicy: VerificationCodePolicy | None = None


# Keys whose JSON null is a value (the column is nullable), not "leave unchanged".
NULLABLE = {
    "customCss",
    "customUiAssets",
    "forgotPasswordMethods",
    "signUpProfileFields",
    "termsOfUseUrl",
    "privacyPolicyUrl",
    "supportEmail",
    "supportWebsiteUrl",
    "unknownSessionRedirectUrl",
}


def _null(key: str) -> LogtoError:
    issue = {"code": "invalid_type", "expected": "object", "received": "null", "path": [key], "message": "Expected object, received null"}
    return LogtoError(
        "guard.invalid_input",
        400,
        data={"issues": [issue], "name": "ZodError"},
        details=f'Error in key path "{key}": (invalid_type) Expected object but received null.',
        type="body",
    )


def to_patch(body: SignInExpPatch) -> dict[str, Any]:
    """The keys the client sent, in wire shape (unset optional sub-keys left out, as zod does)."""
    out: dict[str, Any] = {}
    for key in SignInExpPatch.model_fields:
        if key not in body.model_fields_set:
            continue
        value = getattr(body, key)
        if value is None and key not in NULLABLE:
            raise _null(key)
        if isinstance(value, BaseModel):
            value = value.model_dump(exclude_unset=key != "passwordPolicy", exclude_none=key != "passwordPolicy")
            if key == "passwordPolicy":
                value = {k: v for k, v in value.items() if v is not None}
        elif isinstance(value, list):
            value = [v.model_dump(exclude_none=True) if isinstance(v, BaseModel) else v for v in value]
        out[key] = value
    return out
