"""User rules without HTTP: identifier formats, phone normalisation, logto-config merging, MFA
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

from authkeep import ids
from authkeep.errors import LogtoError

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

SEARCH_FIELDS = ("id", "primary_email", "primary_phone", "username", "name")
ROLE_SEARCH_FIELDS = ("id", "name", "description")

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
