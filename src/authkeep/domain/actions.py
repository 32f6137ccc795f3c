"""Logto's `action.postSignIn` at Experience API submit (ActionLibrary.runAction,
validatePostSignInActionResult): an enabled action's `runAction({event, environmentVariables})`
may answer `{action: "updateUser", user: {...}}` to patch the signing-in user."""

from __future__ import annotations

from typing import Any

from authkeep.domain import custom_jwt
from authkeep.domain import script_configs as cfg
from authkeep.errors import LogtoError
from authkeep.secretbox import SecretBox
from authkeep.store import logto_configs as store
from authkeep.store.db import Database

KEY = "action.postSignIn"
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
