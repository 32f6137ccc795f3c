"""Identification, registration and submission rules of the Experience API (Logto's
ExperienceInteraction, SignInExperienceValidator, ProfileValidator, MfaValidator). Functions take
the stored state (a dict, see domain/experience) and a connection; they raise Logto's errors."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep.domain import password_policy, passwords
from authkeep.domain.experience import MFA_TYPES, is_verified, record_of_type
from authkeep.domain.users import normalize_phone, phone_variants, refuse_taken
from authkeep.errors import LogtoError
from authkeep.store import experience as store
from authkeep.store import sign_in_exp as sie_store
from authkeep.store import users as users_store

USERNAME_RE = re.compile(r"^[A-Z_a-z]\w*$")
PROFILE_COLUMNS = {"username": "username", "primaryEmail": "primary_email", "primaryPhone": "primary_phone",
                   "name": "name", "avatar": "avatar", "profile": "profile", "customData": "custom_data"}  # fmt: skip


def _phones(value: str) -> tuple[str, ...]:
    try:
        return phone_variants(value)
    except LogtoError:
        return (value,)


async def find_user(conn: AsyncConnection, tenant_id: str, identifier: dict[str, str]) -> Row[Any] | None:
    kind, value = identifier["type"], identifier["value"]
    sensitive = kind != "username" or await sie_store.username_case_sensitive(conn, tenant_id)
    phones = _phones(value) if kind == "phone" else ()
    return await store.find_user_by_identifier(conn, tenant_id, kind, value, phones, sensitive)


def profile_of_identifier(identifier: dict[str, str]) -> dict[str, str]:
    key = {"username": "username", "email": "primaryEmail", "phone": "primaryPhone"}[identifier["type"]]
    return {key: identifier["value"]}


# --- sign-in experience guards -------------------------------------------------------------------


def guard_event(sie: dict[str, Any], event: str, one_time_token: bool = False) -> None:
    mode = sie.get("signInMode")
    if event == "SignIn" and mode == "Register":
        raise LogtoError("auth.forbidden", 403)
    if event == "Register" and mode == "SignIn" and not one_time_token:
        raise LogtoError("auth.forbidden", 403)


def guard_identification_method(sie: dict[str, Any], event: str, record: dict[str, Any]) -> None:
    if record["type"] == "OneTimeToken" and is_verified(record):
        return
    guard_event(sie, event)
    kind = record["type"]
    if event == "SignIn":
        if kind in ("Password", "EmailVerificationCode", "PhoneVerificationCode"):
            wanted = "password" if kind == "Password" else "verificationCode"
            methods = (sie.get("signIn") or {}).get("methods") or []
            if not any(m.get("identifier") == record["identifier"]["type"] and m.get(wanted) for m in methods):
                raise LogtoError("user.sign_in_method_not_enabled", 422)
        elif kind == "EnterpriseSso":
            if not sie.get("singleSignOnEnabled"):
                raise LogtoError("user.sign_in_method_not_enabled", 422)
        elif kind not in ("OneTimeToken", "Social"):
            raise LogtoError("user.sign_in_method_not_enabled", 422)
        return
    if kind not in ("EmailVerificationCode", "PhoneVerificationCode"):
        raise LogtoError("session.not_supported_for_forgot_password", 422)
    allowed = sie.get("forgotPasswordMethods")
    if allowed is not None and kind not in allowed:
        raise LogtoError("session.not_supported_for_forgot_password", 422)


async def user_of_record(conn: AsyncConnection, tenant_id: str, record: dict[str, Any]) -> Row[Any]:
    """The user a verified record identifies (Logto's identifyUserByVerificationRecord)."""
    if not is_verified(record) or record["type"] not in ("Password", "EmailVerificationCode",
                                                        "PhoneVerificationCode", "OneTimeToken", "Social"):  # fmt: skip
        raise LogtoError("session.verification_failed", 400)
    if record["type"] == "Social":
        found = await store.find_user_by_identity(
            conn, tenant_id, record["connectorTarget"], record["socialUserInfo"]["id"]
        )
        if found is None:
            raise LogtoError("user.identity_not_exist", 404)
        return found
    user = await find_user(conn, tenant_id, record["identifier"])
    if user is None:
        raise LogtoError("user.user_not_exist", 404, identifier=record["identifier"]["value"])
    return user


# --- profile -------------------------------------------------------------------------------------


async def guard_unique(
    conn: AsyncConnection, tenant_id: str, profile: dict[str, Any], exclude_user_id: str | None = None
) -> None:
    """Logto's guardProfileUniquenessAcrossUsers (username, then e-mail, then phone, then the
    social identity)."""
    social = profile.get("socialIdentity")
    if isinstance(social, dict) and await store.find_user_by_identity(
        conn, tenant_id, social["target"], social["userInfo"]["id"]
    ):
        raise LogtoError("user.identity_already_in_use", 422)
    username, email, phone = profile.get("username"), profile.get("primaryEmail"), profile.get("primaryPhone")
    if not (username or email or phone):
        return
    taken = await users_store.identifier_conflict(
        conn, tenant_id, username=username, email=email, phones=_phones(phone) if phone else (),
        username_case_sensitive=not username or await sie_store.username_case_sensitive(conn, tenant_id),
        exclude_user_id=exclude_user_id,
    )  # fmt: skip
    refuse_taken(taken)


def guard_not_in_account(user: Row[Any], profile: dict[str, Any]) -> None:
    for key, column, code in (("username", "username", "user.username_exists_in_profile"),
                              ("primaryEmail", "primary_email", "user.email_exists_in_profile"),
                              ("primaryPhone", "primary_phone", "user.phone_exists_in_profile"),
                              ("passwordEncrypted", "password_encrypted", "user.password_exists_in_profile")):  # fmt: skip
        if profile.get(key) and getattr(user, column):
            raise LogtoError(code, 422)


async def password_digest(
    sie: dict[str, Any], password: str, profile: dict[str, Any], user: Row[Any] | None = None
) -> dict[str, str]:
    """Checks the password policy (and, for a known user, that it changes) and hashes it."""
    policy = password_policy.full_policy(sie.get("passwordPolicy"))
    info = {
        "name": profile.get("name") or (user.name if user is not None else None),
        "username": profile.get("username") or (user.username if user is not None else None),
        "email": profile.get("primaryEmail") or (user.primary_email if user is not None else None),
        "phoneNumber": profile.get("primaryPhone") or (user.primary_phone if user is not None else None),
    }
    issues = password_policy.check(policy, password, {k: v for k, v in info.items() if v})
    if issues:
        raise LogtoError("password.rejected", 422, data=issues)
    old = user.password_encrypted if user is not None and user.password_encryption_method == "Argon2i" else None
    if old and await passwords.check_async(password, old, "Argon2i"):
        raise LogtoError("user.same_password", 422)
    digest = await passwords.hash_password_async(password)
    return {"passwordEncrypted": digest, "passwordEncryptionMethod": passwords.DEFAULT_ALGORITHM}


def mandatory_profile(sie: dict[str, Any]) -> list[str]:
    sign_up = sie.get("signUp") or {}
    ids = set(sign_up.get("identifiers") or [])
    found: list[str] = []
    if "username" in ids:
        found.append("username")
    elif "email" in ids:
        found.append("emailOrPhone" if "phone" in ids else "email")
    elif "phone" in ids:
        found.append("phone")
    for item in sign_up.get("secondaryIdentifiers") or []:
        name = item.get("identifier") if isinstance(item, dict) else None
        if name in ("email", "phone", "username", "emailOrPhone") and name not in found:
            found.append(name)
    if sign_up.get("password"):
        found.append("password")
    return found


def missing_profile(
    sie: dict[str, Any], profile: dict[str, Any], user: Row[Any] | None, social_verified: bool = False
) -> list[str]:
    social = profile.get("socialIdentity") or social_verified
    if social and (sie.get("socialSignIn") or {}).get("skipRequiredIdentifiers"):
        return []
    def has(key: str, column: str) -> bool:
        return bool(profile.get(key) or (user is not None and getattr(user, column)))

    missing: list[str] = []
    for item in mandatory_profile(sie):
        if item == "username" and not has("username", "username") or item == "email" and not has("primaryEmail", "primary_email") or item == "phone" and not has("primaryPhone", "primary_phone") or item == "emailOrPhone" and not (has("primaryEmail", "primary_email") or has("primaryPhone", "primary_phone")):
            missing.append(item)
        elif item == "password":
            user_has = user is not None and (bool(user.password_encrypted) or bool(user.identities))
            if not user_has and not profile.get("passwordEncrypted") and not profile.get("socialIdentity"):
                missing.append(item)
    return missing


def user_values(profile: dict[str, Any]) -> dict[str, Any]:
    """Column values of the interaction's profile (new password included)."""
    values: dict[str, Any] = {PROFILE_COLUMNS[k]: v for k, v in profile.items() if k in PROFILE_COLUMNS}
    if values.get("primary_phone"):
        values["primary_phone"] = normalize_phone(values["primary_phone"])
    social = profile.get("socialIdentity")
    if isinstance(social, dict):
        info = social["userInfo"]
        values["identities"] = {social["target"]: {"userId": info["id"], "details": info}}
    if profile.get("passwordEncrypted") and profile.get("passwordEncryptionMethod"):
        values.update(password_encrypted=profile["passwordEncrypted"],
                      password_encryption_method=profile["passwordEncryptionMethod"],
                      is_password_expired=False)  # fmt: skip
    return values


# --- MFA -----------------------------------------------------------------------------------------

FACTOR_OF_RECORD = {"Totp": "Totp", "BackupCode": "BackupCode", "WebAuthn": "WebAuthn",
                    "MfaEmailVerificationCode": "EmailVerificationCode",
                    "MfaPhoneVerificationCode": "PhoneVerificationCode"}  # fmt: skip


def user_factors(sie: dict[str, Any], user: Row[Any]) -> list[str]:
    """The user's MFA factors the sign-in experience enables (each once, in the user's order)."""
    enabled = set((sie.get("mfa") or {}).get("factors") or [])
    found: list[str] = []
    for item in user.mfa_verifications or []:
        kind = item.get("type") if isinstance(item, dict) else None
        if kind == "BackupCode" and all(c.get("usedAt") for c in item.get("codes") or [] if isinstance(c, dict)):
            continue
        if kind in enabled and kind not in found:
            found.append(kind)
    # E-mail and phone factors are implicit: the user's own address or number (Logto 1.42).
    if "EmailVerificationCode" in enabled and user.primary_email:
        found.append("EmailVerificationCode")
    if "PhoneVerificationCode" in enabled and user.primary_phone:
        found.append("PhoneVerificationCode")
    return [f for f in found if f != "BackupCode"] + (["BackupCode"] if "BackupCode" in found else [])


def mask_email(email: str) -> str:
    name, _, domain = email.partition("@")
    return f"{name[:4] if len(name) > 4 else ''}****@{domain}"


def masked_identifiers(factors: list[str], user: Row[Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    if "EmailVerificationCode" in factors and user.primary_email:
        found["EmailVerificationCode"] = mask_email(user.primary_email)
    if "PhoneVerificationCode" in factors and user.primary_phone:
        found["PhoneVerificationCode"] = f"****{user.primary_phone[-4:]}"
    return found


def mfa_required(sie: dict[str, Any], user: Row[Any]) -> bool:
    factors = user_factors(sie, user)
    config = (user.logto_config or {}).get("mfa") if isinstance(user.logto_config, dict) else None
    config = config if isinstance(config, dict) else {}
    policy = (sie.get("mfa") or {}).get("policy")
    no_skip = policy in ("Mandatory", "PromptAtSignInAndSignUpMandatory", "PromptOnlyAtSignInMandatory")
    if (config.get("enabled") is False or config.get("skipMfaOnSignIn")) and not no_skip:
        return False
    return bool(factors)


def guard_mfa_verified(sie: dict[str, Any], state: dict[str, Any], user: Row[Any]) -> None:
    if not mfa_required(sie, user):
        return
    factors = user_factors(sie, user)
    for record in state.get("verificationRecords", []):
        kind = record.get("type")
        if kind in MFA_TYPES and is_verified(record) and not record.get("isNewBind") and FACTOR_OF_RECORD[kind] in factors:
            return
    raise LogtoError("session.mfa.require_mfa_verification", 403,
                     data={"availableFactors": factors, "maskedIdentifiers": masked_identifiers(factors, user)})  # fmt: skip


def guard_mfa_fulfilled(sie: dict[str, Any], state: dict[str, Any], user: Row[Any] | None) -> None:
    """A mandatory MFA policy needs a factor: already the user's, or bound in this interaction."""
    mfa = sie.get("mfa") or {}
    factors = [f for f in mfa.get("factors") or [] if f != "BackupCode"]
    if not factors or mfa.get("policy") not in ("Mandatory", "PromptAtSignInAndSignUpMandatory"):
        return
    if user is not None and any(f != "BackupCode" for f in user_factors(sie, user)):
        return
    if (state.get("mfa") or {}).get("totp"):
        return
    raise LogtoError("user.missing_mfa", 422, data={"availableFactors": factors})


def has_verified(state: dict[str, Any], kind: str) -> bool:
    record = record_of_type(state, kind)
    return record is not None and is_verified(record)


async def social_profile(conn: AsyncConnection, tenant_id: str, record: dict[str, Any]) -> dict[str, Any]:
    """A new user's profile from a social identity: the identity, plus the name, avatar and
    e-mail/phone of the provider when nobody holds them yet (Logto's toSyncedProfile)."""
    info = record["socialUserInfo"]
    profile: dict[str, Any] = {"socialIdentity": {"target": record["connectorTarget"], "userInfo": info}}
    for key, field in (("name", "name"), ("avatar", "avatar")):
        if info.get(key):
            profile[field] = info[key]
    email, phone = info.get("email"), info.get("phone")
    if email or phone:
        taken = await users_store.identifier_conflict(conn, tenant_id, email=email, phones=_phones(phone) if phone else ())
        if email and "email" not in taken:
            profile["primaryEmail"] = email
        if phone and "phone" not in taken:
            profile["primaryPhone"] = phone
    return profile
