"""User rules without HTTP: identifier formats, phone normalisation, creating and updating users
(identifier conflicts, passwords, the batched or general create), roles, logto-config merging, MFA
factors and personal access tokens (logto-facts §9; Logto `libraries/user.ts`, `utils/user.ts`).
"""

from __future__ import annotations

import base64
import re
import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import phonenumbers
import segno
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep import clock, ids
from authkeep.domain import passwords, sign_in_exp
from authkeep.errors import LogtoError, not_exists_with_id
from authkeep.store import sign_in_exp as sign_in_store
from authkeep.store import users as store
from authkeep.store import users_create
from authkeep.store.db import Database

# @logto/core-kit regexes, matched with fullmatch (JS `$` does not match before a final "\n";
# JS `\w` and `\d` are ASCII-only, `\S` is Unicode-aware).
USERNAME_RE = re.compile(r"[A-Z_a-z][A-Za-z0-9_]*")
EMAIL_RE = re.compile(r"\S+@\S+\.\S+")
PHONE_RE = re.compile(r"[0-9]+")
_URL_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):(.*)", re.DOTALL)
_SPECIAL_SCHEMES = {"http", "https", "ftp", "ws", "wss"}


def valid_url(value: str) -> bool:
    """Roughly what zod's `.url()` (WHATWG `new URL()`) accepts: a scheme, and a host for the
    special schemes."""
    m = _URL_RE.fullmatch(value.strip())
    if not m or any(c in value for c in "\n\t\r"):
        return False
    scheme, rest = m.group(1).lower(), m.group(2)
    if scheme in _SPECIAL_SCHEMES or scheme == "file":
        host = re.split(r"[/?#\\]", rest.lstrip("/\\"), maxsplit=1)[0]
        return bool(host) or scheme == "file"
    return True


MFA_TOTP = "Totp"
MFA_BACKUP_CODE = "BackupCode"
MFA_WEBAUTHN = "WebAuthn"
BACKUP_CODE_COUNT = 10
_BACKUP_ALPHABET = "0123456789abcdef"
_BACKUP_RE = re.compile(r"^[\da-f]{10}$", re.IGNORECASE)
_BASE32_RE = re.compile(r"^(?:[2-7A-Z]{8})*(?:[2-7A-Z]{2}={6}|[2-7A-Z]{4}={4}|[2-7A-Z]{5}={3}|[2-7A-Z]{7}=)?$")


# --- phone numbers (libphonenumber, as @logto/shared PhoneNumberParser) ----------------------


def _parse_phone(phone: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(phone if phone.startswith("+") else f"+{phone}", None)
    except phonenumbers.NumberParseException:
        return None


def phone_variants(phone: str) -> tuple[str, ...]:
    """Stored forms that count as the same number: `<cc><national>` and `<cc>0<national>`.

    An unparsable number only matches itself (Logto falls back to an exact match)."""
    parsed = _parse_phone(phone)
    if parsed is None or not parsed.country_code:
        return (phone,)
    national = phonenumbers.national_significant_number(parsed)
    if not national:
        return (phone,)
    return (f"{parsed.country_code}{national}", f"{parsed.country_code}0{national}")


def normalize_phone(phone: str) -> str:
    """The stored form; 422 `user.invalid_phone` when libphonenumber cannot parse it."""
    parsed = _parse_phone(phone)
    if parsed is None or not parsed.country_code:
        raise LogtoError("user.invalid_phone", 422)
    national = phonenumbers.national_significant_number(parsed)
    if not national:
        raise LogtoError("user.invalid_phone", 422)
    return f"{parsed.country_code}{national}"


def display_phone(phone: str) -> str:
    parsed = _parse_phone(phone)
    if parsed is None:
        return phone
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def display_name(user: dict[str, Any]) -> str | None:
    """@logto/shared getUserDisplayName: name, username, e-mail, then the formatted phone."""
    for key in ("name", "username", "primary_email"):
        if user.get(key):
            return str(user[key])
    if user.get("primary_phone"):
        return display_phone(str(user["primary_phone"]))
    return None


# --- logto-configs -----------------------------------------------------------------------------


def _section(config: Any, key: str) -> dict[str, Any]:
    value = config.get(key) if isinstance(config, dict) else None
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(v, bool)}


def logto_config_response(config: Any) -> dict[str, Any]:
    mfa = _section(config, "mfa")
    passkey = _section(config, "passkeySignIn")
    out_mfa: dict[str, Any] = {}
    if "enabled" in mfa:
        out_mfa["enabled"] = mfa["enabled"]
    out_mfa["skipped"] = mfa.get("skipped", False)
    out_mfa["skipMfaOnSignIn"] = mfa.get("skipMfaOnSignIn", False)
    return {"mfa": out_mfa, "passkeySignIn": {"skipped": passkey.get("skipped", False)}}


def merge_logto_config(config: Any, mfa: dict[str, Any], passkey: dict[str, Any]) -> dict[str, Any]:
    """Only the given fields change; other keys of `logtoConfig` are kept."""
    base = dict(config) if isinstance(config, dict) else {}
    base["mfa"] = {**_section(config, "mfa"), **{k: v for k, v in mfa.items() if v is not None}}
    base["passkeySignIn"] = {**_section(config, "passkeySignIn"), **{k: v for k, v in passkey.items() if v is not None}}
    return base


# --- MFA -----------------------------------------------------------------------------------------


def new_totp_secret() -> str:
    """20 random bytes in base32 (32 characters), as otplib's generateSecret(20)."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def valid_totp_secret(secret: str) -> bool:
    return 16 <= len(secret) <= 32 and bool(_BASE32_RE.match(secret))


def totp_key_uri(account: str, service: str, secret: str) -> str:
    """otplib authenticator.keyuri."""
    label = quote(f"{service}:{account}", safe=":@")
    return (
        f"otpauth://totp/{label}?secret={secret}&period=30&digits=6&algorithm=SHA1"
        f"&issuer={quote(service, safe='')}"
    )


def qr_data_url(text: str) -> str:
    return str(segno.make(text, error="m").png_data_uri(scale=4))


def new_backup_codes() -> list[str]:
    return ["".join(secrets.choice(_BACKUP_ALPHABET) for _ in range(10)) for _ in range(BACKUP_CODE_COUNT)]


def valid_backup_codes(codes: list[str]) -> bool:
    return len(codes) == BACKUP_CODE_COUNT and all(_BACKUP_RE.match(c) for c in codes)


def iso_now() -> str:
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def new_mfa_verification(kind: str, *, secret: str | None = None, codes: list[str] | None = None) -> dict[str, Any]:
    base: dict[str, Any] = {"id": ids.standard_id(), "createdAt": iso_now(), "type": kind}
    if kind == MFA_TOTP:
        base["key"] = secret
    else:
        base["codes"] = [{"code": c} for c in codes or []]
    return base


def mfa_response(verifications: Any) -> list[dict[str, Any]]:
    """transpileUserMfaVerifications: secrets never leave the server."""
    out: list[dict[str, Any]] = []
    for v in verifications if isinstance(verifications, list) else []:
        if not isinstance(v, dict):
            continue
        item: dict[str, Any] = {"id": v.get("id"), "createdAt": v.get("createdAt")}
        kind = v.get("type")
        if kind == MFA_BACKUP_CODE:
            codes = v.get("codes") or []
            item.update(type=kind, remainCodes=sum(1 for c in codes if isinstance(c, dict) and not c.get("usedAt")))
        elif kind == MFA_WEBAUTHN:
            if v.get("lastUsedAt") is not None:
                item["lastUsedAt"] = v["lastUsedAt"]
            item["type"] = kind
            for key in ("agent", "name"):
                if v.get(key) is not None:
                    item[key] = v[key]
        else:
            item["type"] = kind
        out.append(item)
    return out


def has_active_backup_codes(verifications: list[dict[str, Any]]) -> bool:
    return any(
        v.get("type") == MFA_BACKUP_CODE and not all(isinstance(c, dict) and c.get("usedAt") for c in v.get("codes") or [])
        for v in verifications
    )


# --- personal access tokens --------------------------------------------------------------------


def new_pat_value() -> str:
    return "pat_" + ids.standard_secret()


# --- creating and updating users ----------------------------------------------------------------

_MAX_LENGTHS = {"username": 128, "primary_email": 128, "primary_phone": 128, "name": 128, "avatar": 2048}
_TAKEN_CODES = {
    "username": "user.username_already_in_use",
    "email": "user.email_already_in_use",
    "phone": "user.phone_already_in_use",
}


def check_lengths(values: dict[str, Any]) -> None:
    """varchar limits, so SQLite answers like PostgreSQL (422 `entity.value_too_long`)."""
    for key, limit in _MAX_LENGTHS.items():
        value = values.get(key)
        if isinstance(value, str) and len(value) > limit:
            raise LogtoError("entity.value_too_long", 422)


def refuse_taken(taken: set[str], order: tuple[str, ...] = ("username", "email", "phone")) -> None:
    """The first taken identifier in Logto's order (create: username, e-mail, phone)."""
    for field in order:
        if field in taken:
            raise LogtoError(_TAKEN_CODES[field], 422)


def password_values(encrypted: str, method: str) -> dict[str, Any]:
    return {
        "password_encrypted": encrypted,
        "password_encryption_method": method,
        "password_updated_at": clock.now_ms(),
        "is_password_expired": False,
    }


async def new_password(password: str | None, digest: str | None, algorithm: str | None) -> dict[str, Any]:
    """Column values for a new user's password: hashed here, or an imported digest."""
    if password and digest:
        raise LogtoError("user.password_and_digest", 400)
    if digest and not algorithm:
        raise LogtoError("user.password_algorithm_required", 400)
    if password:
        return password_values(await passwords.hash_password_async(password), passwords.DEFAULT_ALGORITHM)
    if digest and algorithm:
        return password_values(digest, algorithm)
    return {}


def _phone_parses(phone: str | None) -> bool:
    try:
        return not phone or bool(normalize_phone(phone))
    except LogtoError:
        return False


async def create_user(
    db: Database,
    tenant_id: str,
    values: dict[str, Any],
    password: dict[str, Any],
    algorithm: str | None,
    digest: str | None,
) -> Any:
    """The new user's row. PostgreSQL takes the batched one-statement create; Legacy digests and
    unparsable phones keep Logto's order of errors (identifier conflicts first) on the general
    path, which also answers whatever the batch did not insert."""
    check_lengths(values)
    phone = values.get("primary_phone")
    phones = phone_variants(phone) if phone else ()
    # The batch relies on the unique constraints, which compare usernames exactly.
    exact = not values.get("username") or await sign_in_exp.usernames_case_sensitive(db, tenant_id)
    fast = not users_create.needs_transaction.get()
    if fast and exact and not db.is_sqlite and algorithm != "Legacy" and _phone_parses(phone):
        stored = {**values, **password}
        if phone:
            stored["primary_phone"] = normalize_phone(phone)
        created = await users_create.create(db, store.new_user_row(tenant_id, stored), phones=phones)
        if created is not None:
            return created
    async with db.write() as conn:
        taken, default_roles = await store.creation_checks(
            conn,
            tenant_id,
            username=values.get("username"),
            email=values.get("primary_email"),
            phones=phones,
            username_case_sensitive=exact,
        )
        refuse_taken(taken)
        if algorithm == "Legacy":
            passwords.parse_legacy(digest)
        if phone:
            values = {**values, "primary_phone": normalize_phone(phone)}
        return await store.insert_user(conn, tenant_id, {**values, **password}, default_roles)


async def update_user(conn: AsyncConnection, tenant_id: str, user_id: str, values: dict[str, Any]) -> Row[Any]:
    """PATCH /users/{id}: Logto checks e-mail, then phone, then username against other users."""
    await store.get_user(conn, tenant_id, user_id)
    phone = values.get("primary_phone")
    username = values.get("username")
    taken = await store.identifier_conflict(
        conn,
        tenant_id,
        username=username,
        email=values.get("primary_email"),
        phones=phone_variants(phone) if phone else (),
        username_case_sensitive=not username or await sign_in_store.username_case_sensitive(conn, tenant_id),
        exclude_user_id=user_id,
    )
    refuse_taken(taken, ("email", "phone", "username"))
    if phone:
        values = {**values, "primary_phone": normalize_phone(phone)}
    check_lengths(values)
    return await store.update_user(conn, tenant_id, user_id, values)


async def verify_password(db: Database, tenant_id: str, user_id: str, password: str) -> None:
    """422 `session.invalid_credentials` on a mismatch; an imported digest that matches is
    replaced by the default algorithm's."""
    async with db.read() as conn:
        row = await store.get_user(conn, tenant_id, user_id)
    digest, method = row.password_encrypted, row.password_encryption_method
    if not await passwords.check_async(password, digest, method):
        raise LogtoError("session.invalid_credentials", 422)
    if method != passwords.DEFAULT_ALGORITHM:
        encrypted = await passwords.hash_password_async(password)
        async with db.write() as conn:
            await store.upgrade_password(conn, tenant_id, row.id, digest, encrypted, passwords.DEFAULT_ALGORITHM)


# --- roles ---------------------------------------------------------------------------------------


async def assign_roles(conn: AsyncConnection, tenant_id: str, user_id: str, role_ids: list[str]) -> list[str]:
    """Adds the User roles the user does not hold yet; returns those added."""
    await store.lock_user(conn, tenant_id, user_id)
    existing = set(await store.user_role_ids(conn, tenant_id, user_id))
    to_add = list(dict.fromkeys(r for r in role_ids if r not in existing))
    found = await store.roles_by_ids(conn, tenant_id, to_add)
    for role_id in to_add:
        if role_id in found and found[role_id].type != "User":
            raise LogtoError("user.invalid_role_type", 422, roleId=role_id)
    for role_id in to_add:
        if role_id not in found:
            raise not_exists_with_id("roles", role_id)
    await store.add_user_roles(conn, tenant_id, user_id, to_add)
    return to_add


async def replace_roles(conn: AsyncConnection, tenant_id: str, user_id: str, wanted: list[str]) -> None:
    await store.lock_user(conn, tenant_id, user_id)
    existing = await store.user_role_ids(conn, tenant_id, user_id)
    to_add = [r for r in wanted if r not in existing]
    to_remove = [r for r in existing if r not in wanted]
    found = await store.roles_by_ids(conn, tenant_id, to_add)
    for role_id in to_add:
        if role_id not in found:
            raise not_exists_with_id("roles", role_id)
    if any(found[r].type != "User" for r in to_add):
        # Logto has no explicit check here; its users_roles CHECK constraint answers this.
        raise LogtoError("entity.db_constraint_violated", 422)
    await store.remove_user_roles(conn, tenant_id, user_id, to_remove)
    await store.add_user_roles(conn, tenant_id, user_id, to_add)


# --- MFA verifications ---------------------------------------------------------------------------


async def add_totp(conn: AsyncConnection, tenant_id: str, user_id: str, secret: str | None, service: str) -> dict[str, Any]:
    row = await store.get_user(conn, tenant_id, user_id)
    current = [v for v in (row.mfa_verifications or []) if isinstance(v, dict)]
    if any(v.get("type") == MFA_TOTP for v in current):
        raise LogtoError("user.totp_already_in_use", 422)
    if secret and not valid_totp_secret(secret):
        raise LogtoError("user.totp_secret_invalid", 422)
    secret = secret or new_totp_secret()
    entry = new_mfa_verification(MFA_TOTP, secret=secret)
    await store.update_user(conn, tenant_id, user_id, {"mfa_verifications": [*current, entry]})
    account = display_name(dict(row._mapping)) or "Unnamed User"
    uri = totp_key_uri(account, service, secret)
    return {"type": MFA_TOTP, "secret": secret, "secretQrCode": qr_data_url(uri)}


async def add_backup_codes(conn: AsyncConnection, tenant_id: str, user_id: str, codes: list[str] | None) -> dict[str, Any]:
    row = await store.get_user(conn, tenant_id, user_id)
    current = [v for v in (row.mfa_verifications or []) if isinstance(v, dict)]
    if has_active_backup_codes(current):
        raise LogtoError("user.backup_code_already_in_use", 422)
    if not any(v.get("type") != MFA_BACKUP_CODE for v in current):
        raise LogtoError("session.mfa.backup_code_can_not_be_alone", 422)
    if codes is not None and not valid_backup_codes(codes):
        raise LogtoError("user.wrong_backup_code_format", 422)
    codes = codes if codes else new_backup_codes()
    entry = new_mfa_verification(MFA_BACKUP_CODE, codes=codes)
    await store.update_user(conn, tenant_id, user_id, {"mfa_verifications": [*current, entry]})
    return {"type": MFA_BACKUP_CODE, "codes": codes}
