"""Logto's actions at sign-in (ActionLibrary.runAction): `action.postSignIn` at Experience API
submit (validatePostSignInActionResult), which may answer `{action: "updateUser", user}` to patch
the signing-in user; and `action.postFirstFactorVerification` after a failed password
verification (validatePostFirstFactorVerificationActionResult), which may vouch for the password
and create or update the user."""

from __future__ import annotations

from typing import Any

from authkeep.domain import custom_jwt
from authkeep.domain import script_configs as cfg
from authkeep.domain.users import normalize_phone
from authkeep.errors import LogtoError
from authkeep.secretbox import SecretBox
from authkeep.store import logto_configs as store
from authkeep.store.db import Database

KEY = "action.postSignIn"
FIRST_FACTOR = "action.postFirstFactorVerification"
_COLUMNS = {"username": "username", "primaryEmail": "primary_email", "primaryPhone": "primary_phone",
            "name": "name", "avatar": "avatar", "profile": "profile", "customData": "custom_data"}  # fmt: skip
_PROFILE = ("familyName", "givenName", "middleName", "nickname", "preferredUsername", "profile", "website",
            "gender", "birthdate", "zoneinfo", "locale", "address")  # fmt: skip
_ADDRESS = ("formatted", "streetAddress", "locality", "region", "postalCode", "country")


def _failed() -> LogtoError:
    return LogtoError(
        "session.verification_failed", 400,
        message="The verification was not successful. Restart the verification flow and try again.",
    )  # fmt: skip


async def post_sign_in(db: Database, box: SecretBox, tenant_id: str, user_id: str, custom_data: Any) -> dict[str, Any]:
    """The user column values the tenant's postSignIn action asks for ({} for none)."""
    async with db.read() as conn:
        stored = (await store.get_many(conn, tenant_id, (KEY,))).get(KEY)
        if not isinstance(stored, dict) or stored.get("enabled") is not True:
            return {}
        context = await store.user_context(conn, tenant_id, user_id)
    config = cfg.open_value(box, tenant_id, KEY, stored)
    event = {"key": KEY, "interactionEvent": "SignIn", "user": context}
    try:
        result = await custom_jwt.run_action(str(config.get("script") or ""), event, config.get("environmentVariables"))
    except custom_jwt.ScriptFailure:
        if config.get("onExecutionError") == "allow":
            return {}
        raise _failed() from None
    return _patch(result, custom_data)


def _patch(result: Any, custom_data: Any) -> dict[str, Any]:
    if result is None or custom_jwt.returned_nothing(result) or result == {}:
        return {}
    if not isinstance(result, dict) or result.get("action") != "updateUser":
        raise _failed()
    user = result.get("user")
    if user is None and "user" not in result:
        return {}
    if not isinstance(user, dict) or any(k not in _COLUMNS for k in user):
        raise _failed()
    values: dict[str, Any] = {}
    for key, value in user.items():
        if key == "customData":
            if not isinstance(value, dict):
                raise _failed()
            value = {**(custom_data if isinstance(custom_data, dict) else {}), **value}  # merged, as Logto
        elif key == "profile":
            if not _profile(value):
                raise _failed()
        elif value is not None and not isinstance(value, str):
            raise _failed()
        values[_COLUMNS[key]] = value
    return values


def _profile(value: Any) -> bool:
    if not isinstance(value, dict) or any(k not in _PROFILE for k in value):
        return False
    for key, item in value.items():
        if key == "address":
            if not isinstance(item, dict) or any(k not in _ADDRESS or not isinstance(v, str) for k, v in item.items()):
                return False
        elif not isinstance(item, str):
            return False
    return True


def _same_identifier(identifier: dict[str, str], returned: str) -> bool:
    kind, value = identifier["type"], identifier["value"]
    if kind == "email":
        return value.lower() == returned.lower()
    if kind == "phone":
        try:
            return normalize_phone(value) == normalize_phone(returned)
        except LogtoError:
            return value == returned
    return value == returned


def _provisioning(result: Any) -> tuple[str, dict[str, Any]] | None:
    """Logto's postFirstFactorVerificationResultGuard then its strict provisioning profile guard:
    (action, user patch), or None (the credentials stay rejected)."""
    if not isinstance(result, dict) or result.get("action") not in ("createUser", "updateUser"):
        return None
    user = result.get("user")
    if result.get("passwordVerified") is not True or not isinstance(user, dict):
        return None
    if any(k not in _COLUMNS for k in user):
        return None
    for key, value in user.items():
        if key == "customData" and not isinstance(value, dict):
            return None
        if key == "profile" and not _profile(value):
            return None
        if key not in ("customData", "profile") and value is not None and not isinstance(value, str):
            return None
    return str(result["action"]), user


async def post_first_factor(
    db: Database, box: SecretBox, tenant_id: str, identifier: dict[str, str], user: Any, password: str
) -> tuple[str, dict[str, Any]] | None:
    """After a failed password verification: `("createUser" | "updateUser", user patch)` when the
    tenant's enabled action vouches for the password, None when the credentials stay rejected (no
    action, a failing script whatever `onExecutionError` says, or an answer Logto refuses)."""
    async with db.read() as conn:
        stored = (await store.get_many(conn, tenant_id, (FIRST_FACTOR,))).get(FIRST_FACTOR)
    if not isinstance(stored, dict) or stored.get("enabled") is not True:
        return None
    config = cfg.open_value(box, tenant_id, FIRST_FACTOR, stored)
    event = {
        "key": FIRST_FACTOR, "interactionEvent": "SignIn", "verificationType": "Password", "identifier": identifier,
        "user": None if user is None else {
            "id": user.id, "username": user.username, "primaryEmail": user.primary_email,
            "primaryPhone": user.primary_phone, "name": user.name, "avatar": user.avatar,
            "customData": user.custom_data or {}, "profile": user.profile or {},
        },
        "password": password,
    }  # fmt: skip
    try:
        result = await custom_jwt.run_action(str(config.get("script") or ""), event, config.get("environmentVariables"))
    except custom_jwt.ScriptFailure:
        return None  # Logto maps both `block` and `allow` to rejecting the credentials
    found = _provisioning(result)
    if found is None:
        return None
    action, patch = found
    field = {"username": "username", "email": "primaryEmail", "phone": "primaryPhone"}[identifier["type"]]
    if field in patch and not (isinstance(patch[field], str) and _same_identifier(identifier, patch[field])):
        raise LogtoError(
            "action.sign_in_identifier_changed", 422, data={"identifierType": identifier["type"]},
            message="The action cannot change the sign-in identifier used for this verification.",
        )  # fmt: skip
    if (action == "createUser") != (user is None):
        raise LogtoError(
            "session.identity_conflict", 409,
            message="Identity mismatch detected. Please initiate a new session to proceed with a different identity.",
        )  # fmt: skip
    return action, patch
