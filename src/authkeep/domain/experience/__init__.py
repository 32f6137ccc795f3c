"""The Experience API's interaction state (Logto's `ExperienceInteraction` storage), kept in the
OIDC interaction's `experience` field:

`{interactionEvent, userId?, profile, mfa, verificationRecords, captcha, signInContext}`.

Verification records keep what later steps need (a new password's digest, a TOTP secret); the
sanitized form (`GET /api/experience/interaction`) leaves those out, as Logto does."""

from __future__ import annotations

import copy
from typing import Any

from authkeep import errors, ids
from authkeep.errors import LogtoError

EVENTS = ("SignIn", "Register", "ForgotPassword")
HOOK_EVENTS = {"SignIn": "PostSignIn", "Register": "PostRegister", "ForgotPassword": "PostResetPassword"}
PROFILE_PUBLIC = ("avatar", "name", "username", "primaryEmail", "primaryPhone", "profile", "customData",
                  "socialIdentity", "enterpriseSsoIdentity", "jitOrganizationIds", "syncedEnterpriseSsoIdentity")  # fmt: skip
_PRIVATE_RECORD_KEYS = ("passwordEncrypted", "passwordEncryptionMethod", "secret", "backupCodes", "code",
                        "connectorSession", "connectorTarget", "encryptedTokenSet")
CODE_TYPES = {"email": "EmailVerificationCode", "phone": "PhoneVerificationCode"}
MFA_TYPES = ("Totp", "BackupCode", "WebAuthn", "MfaEmailVerificationCode", "MfaPhoneVerificationCode")


def new_state(event: str, ip: str | None) -> dict[str, Any]:
    state: dict[str, Any] = {
        "interactionEvent": event, "profile": {}, "mfa": {}, "verificationRecords": [],
        "captcha": {"verified": False, "skipped": False},
    }  # fmt: skip
    if ip:
        state["signInContext"] = {"ip": ip}
    return state


def require(experience: Any) -> dict[str, Any]:
    """The stored state, or Logto's 404 when `PUT /api/experience` has not run (or was cleared)."""
    if not isinstance(experience, dict) or experience.get("interactionEvent") not in EVENTS:
        raise LogtoError("session.interaction_not_found", 404)
    return experience


def ordered(state: dict[str, Any]) -> dict[str, Any]:
    """Logto's toJson key order."""
    out: dict[str, Any] = {"interactionEvent": state["interactionEvent"]}
    if state.get("userId"):
        out["userId"] = state["userId"]
    for key in ("profile", "mfa", "verificationRecords", "captcha", "signInContext"):
        if key in state:
            out[key] = state[key]
    return out


def sanitized(state: dict[str, Any]) -> dict[str, Any]:
    out = ordered(copy.deepcopy(state))
    out["profile"] = {k: v for k, v in out.get("profile", {}).items() if k in PROFILE_PUBLIC}
    mfa = out.get("mfa") or {}
    out["mfa"] = {k: _public_mfa(v) for k, v in mfa.items() if k != "additionalBindingSuggestionSkipped"}
    out["verificationRecords"] = [
        {k: v for k, v in r.items() if k not in _PRIVATE_RECORD_KEYS} for r in out.get("verificationRecords", [])
    ]
    return out


def _public_mfa(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k not in ("secret", "codes")}
    return value


def record_by_id(state: dict[str, Any], verification_id: str) -> dict[str, Any]:
    for record in state.get("verificationRecords", []):
        if record.get("id") == verification_id:
            return record
    raise LogtoError("session.verification_session_not_found", 404)


def record_by_type_and_id(state: dict[str, Any], kind: str, verification_id: str) -> dict[str, Any]:
    """Logto keeps one record per type; the id must be that record's."""
    for record in state.get("verificationRecords", []):
        if record.get("type") == kind:
            if record.get("id") == verification_id:
                return record
            break
    raise LogtoError("session.verification_session_not_found", 404)


def record_of_type(state: dict[str, Any], kind: str) -> dict[str, Any] | None:
    return next((r for r in state.get("verificationRecords", []) if r.get("type") == kind), None)


def put_record(state: dict[str, Any], record: dict[str, Any]) -> None:
    """A record replaces any earlier one of its type (Logto's VerificationRecordsMap)."""
    kept = [r for r in state.get("verificationRecords", []) if r.get("type") != record["type"]]
    state["verificationRecords"] = [*kept, record]


def new_record(kind: str, **fields: Any) -> dict[str, Any]:
    return {"id": ids.standard_id(), "type": kind, **fields}


def is_verified(record: dict[str, Any]) -> bool:
    if record.get("type") == "Social":
        return bool(record.get("socialUserInfo"))
    if record.get("type") == "EnterpriseSso":
        return bool(record.get("enterpriseSsoUserInfo") and record.get("issuer"))
    if record.get("type") == "NewPasswordIdentity":
        return bool(record.get("passwordEncrypted") and record.get("passwordEncryptionMethod"))
    return bool(record.get("verified"))


def relative_minutes(ms: int) -> str:
    """Intl.RelativeTimeFormat('en').format(n, 'minute')."""
    n = round(ms / 60000)
    if n == 0:
        return "in 0 minutes"
    unit = "minute" if abs(n) == 1 else "minutes"
    return f"in {n} {unit}" if n > 0 else f"{-n} {unit} ago"


for _code, _phrase in {
    "session.verification_session_not_found":
        "The verification was not successful. Restart the verification flow and try again.",
    "session.verification_blocked_too_many_attempts": "Too many attempts in a short time. Please try again {relativeTime}.",
    "session.verification_failed": "The verification was not successful. Restart the verification flow and try again.",
    "session.identifier_not_found": "User identifier not found. Please go back and sign in again.",
    "session.invalid_interaction_type":
        "This operation is not supported for the current interaction. Please initiate a new session.",
    "session.not_supported_for_forgot_password": "This operation is not supported for forgot password.",
    "session.identity_conflict":
        "Identity mismatch detected. Please initiate a new session to proceed with a different identity.",
    "session.mfa.require_mfa_verification": "Mfa verification is required to sign in.",
    "session.mfa.mfa_sign_in_only": "Mfa is only available for sign-in interaction.",
    "session.mfa.invalid_totp_code": "Invalid TOTP code.",
    "session.mfa.invalid_backup_code": "Invalid backup code.",
    "session.mfa.bind_mfa_existed": "MFA already exists.",
    "session.mfa.backup_code_required": "Backup code is required.",
    "session.mfa.mfa_factor_not_enabled": "MFA factor is not enabled.",
    "session.mfa.mfa_policy_not_user_controlled": "MFA policy is not user controlled.",
    "session.mfa.pending_info_not_found": "Pending MFA info not found, please initiate MFA first.",
    "session.captcha_required": "Captcha is required.",
    "session.captcha_failed": "Captcha verification failed.",
    "session.csrf_token_mismatch": "CSRF token mismatch.",
    "session.sso_enabled": "Single sign on is enabled for this given email. Please sign in with SSO.",
    "user.suspended": "This account is suspended.",
    "user.user_not_exist": "User with {identifier} does not exist.",
    "user.sign_in_method_not_enabled": "This sign-in method is not enabled.",
    "user.new_password_required_in_profile": "You need to set a new password.",
    "user.missing_profile": "You need to provide additional info before signing-in.",
    "user.missing_mfa": "You need to bind additional MFA before signing-in.",
    "user.same_password": "New password cannot be the same as your old password.",
    "user.username_exists_in_profile": "Username already exists in your profile.",
    "user.email_exists_in_profile": "Your profile has already associated with an email address.",
    "user.phone_exists_in_profile": "Your profile has already associated with a phone number.",
    "user.password_exists_in_profile": "Password already exists in your profile.",
    "user.totp_already_in_use": "TOTP is already in use.",
    "user.backup_code_already_in_use": "Backup code is already in use.",
    "password.rejected": "Password rejected. Please check if your password meets the requirements.",
    "password.expired": "Your password has expired. Please reset your password to continue.",
    "verification_code.not_found": "Verification code not found. Please send verification code first.",
    "verification_code.email_mismatch": "Email mismatch. Please request a new verification code.",
    "verification_code.phone_mismatch": "Phone mismatch. Please request a new verification code.",
    "verification_code.expired": "Verification code has expired. Please request a new verification code.",
    "verification_code.exceed_max_try":
        "Verification code retries limitation exceeded. Please request a new verification code.",
    "verification_code.code_mismatch": "Invalid verification code.",
}.items():
    errors.MESSAGES.setdefault(_code, _phrase)
