"""Account API rules (Logto `routes/account/utils/get-scoped-profile.ts`, `utils/user.ts`,
core-kit `username-policy.ts`): the profile a token may see, username policy, identifiers left."""

from __future__ import annotations

import re
from typing import Any

from authkeep.errors import LogtoError
from authkeep.store import rows

EDIT, READ_ONLY = "Edit", "ReadOnly"


def scoped_profile(user: Any, scopes: frozenset[str]) -> dict[str, Any]:
    """getScopedProfile: what the token's OIDC scopes cover (keys in Logto's order)."""
    info = rows.user_info(user)
    out: dict[str, Any] = {"id": info["id"]}
    if "identities" in scopes:
        out["identities"] = info["identities"]
    if "custom_data" in scopes:
        out["customData"] = info["customData"]
    if "email" in scopes:
        out["primaryEmail"] = info["primaryEmail"]
    if "phone" in scopes:
        out["primaryPhone"] = info["primaryPhone"]
    if "profile" in scopes:
        profile = dict(info["profile"] or {})
        address = profile.pop("address", None)
        if "address" in scopes and address is not None:
            profile["address"] = address
        out.update(
            name=info["name"], avatar=info["avatar"], username=info["username"], profile=profile,
            lastSignInAt=info["lastSignInAt"], createdAt=info["createdAt"], updatedAt=info["updatedAt"],
            applicationId=info["applicationId"], cimdClientId=info["cimdClientId"], isSuspended=info["isSuspended"],
            hasPassword=info["hasPassword"],
        )  # fmt: skip
    return out


_FILTERED = (
    ("name", "name"), ("avatar", "avatar"), ("username", "username"), ("email", "primaryEmail"),
    ("phone", "primaryPhone"), ("profile", "profile"), ("customData", "customData"), ("social", "identities"),
    ("password", "hasPassword"),
)  # fmt: skip


def has_verification_method(user: Any) -> bool:
    """hasSecurityVerificationMethod: a password, an e-mail or a phone."""
    return bool(user.password_encrypted or user.primary_email or user.primary_phone)


def filtered(profile: dict[str, Any], fields: dict[str, Any], user: Any) -> dict[str, Any]:
    """getAccountCenterFilteredProfile: fields the account center leaves Off (or unset) go."""
    keys = {key for _, key in _FILTERED}
    out = {k: v for k, v in profile.items() if k not in keys}
    for field, key in _FILTERED:
        if fields.get(field) in (EDIT, READ_ONLY) and key in profile:
            out[key] = profile[key]
    out["hasSecurityVerificationMethod"] = has_verification_method(user)
    return out


def username_violation(username: str, policy: dict[str, Any] | None) -> str | None:
    """core-kit validateUsernameAgainstPolicy (the body regex already holds the hard floor)."""
    if re.match(r"^\d", username):
        return "starts_with_number"
    policy = policy or {}
    min_len, max_len = policy.get("minLength", 1), policy.get("maxLength", 128)
    if isinstance(min_len, int) and len(username) < min_len:
        return "too_short"
    if isinstance(max_len, int) and len(username) > max_len:
        return "too_long"
    allowed = policy.get("allowedChars") or {}
    checks = (("uppercase", r"[A-Z]"), ("lowercase", r"[a-z]"), ("numbers", r"\d"), ("underscore", "_"))
    for name, pattern in checks:
        if allowed.get(name) is False and re.search(pattern, username):
            return f"{name}_not_allowed"
    return None


def check_username(username: str, policy: dict[str, Any] | None) -> None:
    violation = username_violation(username, policy)
    if violation:
        raise LogtoError(f"user.username_{violation}", 422)


def identifier_count(user: Any, sso_count: int, **changes: Any) -> int:
    """getUserIdentifierCount with the update applied."""
    values = {
        "username": user.username, "primary_email": user.primary_email, "primary_phone": user.primary_phone,
        "identities": user.identities or {},
    }  # fmt: skip
    values.update(changes)
    return (
        int(bool(values["username"])) + int(bool(values["primary_email"])) + int(bool(values["primary_phone"]))
        + len(values["identities"] or {}) + sso_count
    )  # fmt: skip


def keep_an_identifier(user: Any, sso_count: int, **changes: Any) -> None:
    if identifier_count(user, sso_count, **changes) <= 0:
        raise LogtoError("user.last_sign_in_method_required", 400)
