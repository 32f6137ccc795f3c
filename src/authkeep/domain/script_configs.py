"""Logto's JWT customizer and action configs: keys, body guards (Logto's zod guards, with their
`guard.invalid_input` issues) and storage in `system_settings`. Environment variables are sealed
at rest (they hold API keys) and opened when read."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep.errors import LogtoError
from authkeep.secretbox import SecretBox
from authkeep.store import logto_configs as store

TOKEN_KEYS = {"access-token": "jwt.accessToken", "client-credentials": "jwt.clientCredentials"}
ACTION_KEYS = ("action.postFirstFactorVerification", "action.postSignIn")
JWT_KEYS = tuple(TOKEN_KEYS.values())
_SEALED = "sealedEnvironmentVariables"  # the stored form of `environmentVariables`

_BASE_TOKEN = {"jti": "string", "aud": "aud", "scope": "string", "clientId": "string"}
TOKEN_FIELDS = {
    "access-token": {
        **_BASE_TOKEN, "accountId": "string", "expiresWithSession": "boolean", "grantId": "string", "gty": "string",
        "sessionUid": "string", "sid": "string", "kind": ("AccessToken",),
    },
    "client-credentials": {**_BASE_TOKEN, "kind": ("ClientCredentials",)},
}  # fmt: skip
CONTEXT_FIELDS = {
    "access-token": ("user", "grant", "interaction", "application", "organization"),
    "client-credentials": ("application",),
}


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else "unknown"


class Issues:
    """Zod issues collected in order, raised as one `guard.invalid_input`."""

    def __init__(self, where: str = "body") -> None:
        self.where = where
        self.items: list[tuple[dict[str, Any], str]] = []

    def type(self, path: list[Any], expected: str, value: Any) -> None:
        received = "undefined" if value is _MISSING else _type_name(value)
        msg = "Required" if value is _MISSING else f"Expected {expected}, received {received}"
        issue = {"code": "invalid_type", "expected": expected, "received": received, "path": path, "message": msg}
        line = msg if value is _MISSING else f"Expected {expected} but received {received}."
        self._add(issue, line)

    def unknown_keys(self, path: list[Any], keys: list[str]) -> None:
        msg = "Unrecognized key(s) in object: " + ", ".join(f"'{k}'" for k in keys)
        self._add({"code": "unrecognized_keys", "keys": keys, "path": path, "message": msg}, msg)

    def enum(self, path: list[Any], options: tuple[str, ...], value: Any, code: str = "invalid_enum_value") -> None:
        expected = " | ".join(f"'{o}'" for o in options)
        if code == "invalid_union_discriminator":
            msg = f"Invalid discriminator value. Expected {expected}"
            issue: dict[str, Any] = {"code": code, "options": list(options), "path": path, "message": msg}
        elif code == "invalid_literal":
            msg = f"Invalid literal value, expected {expected}"
            issue = {"code": code, "expected": options[0], "path": path, "message": msg}
        else:
            msg = f"Invalid enum value. Expected {expected}, received '{value}'"
            issue = {"code": code, "options": list(options), "received": value, "path": path, "message": msg}
        self._add(issue, msg)

    def _add(self, issue: dict[str, Any], line: str) -> None:
        key = ".".join(str(p) for p in issue["path"])
        self.items.append((issue, f'Error in key path "{key}": ({issue["code"]}) {line}'))

    def check(self) -> None:
        if self.items:
            raise LogtoError(
                "guard.invalid_input", 400, type=self.where,
                data={"issues": [i for i, _ in self.items], "name": "ZodError"},
                details="\n".join(line for _, line in self.items),
            )  # fmt: skip


_MISSING = object()


def _check_object(issues: Issues, path: list[Any], value: Any) -> bool:
    if not isinstance(value, dict):
        issues.type(path, "object", value)
        return False
    return True


def _check_string_record(issues: Issues, path: list[Any], value: Any) -> None:
    if _check_object(issues, path, value):
        for k, v in value.items():
            if not isinstance(v, str):
                issues.type([*path, k], "string", v)


def _check_fields(issues: Issues, path: list[Any], value: dict[str, Any], fields: dict[str, Any]) -> None:
    extra = [k for k in value if k not in fields]
    for name, kind in fields.items():
        if name not in value:
            continue
        v = value[name]
        if isinstance(kind, tuple):
            if v != kind[0]:
                issues.enum([*path, name], kind, v, "invalid_literal")
        elif kind == "aud":
            if not (isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v))):
                issues.type([*path, name], "string", v)
        elif kind == "string" and not isinstance(v, str):
            issues.type([*path, name], "string", v)
        elif kind == "boolean" and not isinstance(v, bool):
            issues.type([*path, name], "boolean", v)
    if extra:
        issues.unknown_keys(path, extra)


def _check_context(issues: Issues, path: list[Any], value: Any, token_type: str) -> dict[str, Any] | None:
    """Logto's contextSample guard: an object (unknown keys dropped); `user` required for access tokens."""
    if not _check_object(issues, path, value):
        return None
    kept = {k: v for k, v in value.items() if k in CONTEXT_FIELDS[token_type]}
    if token_type == "access-token" and "user" not in kept:
        issues.type([*path, "user"], "object", _MISSING)
    for name, v in kept.items():
        _check_object(issues, [*path, name], v)
    return kept


def jwt_customizer(token_type: str, body: Any) -> dict[str, Any]:
    """Logto's `accessTokenJwtCustomizerGuard` / `clientCredentialsJwtCustomizerGuard` (strict)."""
    issues = Issues()
    if not _check_object(issues, [], body):
        issues.check()
    out: dict[str, Any] = {}
    script = body.get("script", _MISSING)
    if not isinstance(script, str):
        issues.type(["script"], "string", script)
    for name, value in body.items():
        if name == "environmentVariables":
            _check_string_record(issues, [name], value)
        elif name == "blockIssuanceOnError" and not isinstance(value, bool):
            issues.type([name], "boolean", value)
        elif name == "tokenSample" and _check_object(issues, [name], value):
            _check_fields(issues, [name], value, TOKEN_FIELDS[token_type])
        elif name == "contextSample":
            value = _check_context(issues, [name], value, token_type)
        out[name] = value
    extra = [k for k in body if k not in ("script", "environmentVariables", "contextSample", "tokenSample", "blockIssuanceOnError")]
    if extra:
        issues.unknown_keys([], extra)
    issues.check()
    return out


_ACTION_FIELDS = ("script", "environmentVariables", "contextSample", "enabled", "onExecutionError")


def action(body: Any, partial: bool = False) -> dict[str, Any]:
    """Logto's `logtoActionGuard` (strict); `.partial()` for PATCH."""
    issues = Issues()
    if not _check_object(issues, [], body):
        issues.check()
    if not partial and "script" not in body:
        issues.type(["script"], "string", _MISSING)
    for name, value in body.items():
        if name == "script" and not isinstance(value, str):
            issues.type([name], "string", value)
        elif name == "environmentVariables":
            _check_string_record(issues, [name], value)
        elif name == "enabled" and not isinstance(value, bool):
            issues.type([name], "boolean", value)
        elif name == "onExecutionError" and value not in ("block", "allow"):
            issues.enum([name], ("block", "allow"), value)
    extra = [k for k in body if k not in _ACTION_FIELDS]
    if extra:
        issues.unknown_keys([], extra)
    issues.check()
    return dict(body)


def bad_param(name: str, value: str, options: tuple[str, ...]) -> LogtoError:
    expected = " | ".join(f"'{o}'" for o in options)
    return LogtoError(
        "guard.invalid_input", 400, type="params",
        details=f'Error in key path "{name}": (invalid_enum_value) Invalid enum value. Expected {expected}, received \'{value}\'',
    )  # fmt: skip


# --- storage --------------------------------------------------------------------------------------


def _seal(box: SecretBox, tenant_id: str, key: str, value: dict[str, Any]) -> dict[str, Any]:
    stored = dict(value)
    env = stored.pop("environmentVariables", None)
    if env is not None:
        stored[_SEALED] = box.seal(orjson.dumps(env).decode(), aad=f"{tenant_id}:{key}")
    return stored


def open_value(box: SecretBox, tenant_id: str, key: str, stored: dict[str, Any]) -> dict[str, Any]:
    """The stored value as Logto answers it."""
    out = {name: value for name, value in stored.items() if name != _SEALED}
    if isinstance(stored.get(_SEALED), str):
        out["environmentVariables"] = orjson.loads(box.open(stored[_SEALED], aad=f"{tenant_id}:{key}"))
    return out


def _not_exists(key: str) -> LogtoError:
    return LogtoError("entity.not_exists_with_id", 404, name="logto_config", id=key)


async def read_all(conn: AsyncConnection, box: SecretBox, tenant_id: str, keys: tuple[str, ...]) -> dict[str, Any]:
    found = await store.get_many(conn, tenant_id, keys)
    return {k: open_value(box, tenant_id, k, found[k]) for k in keys if isinstance(found.get(k), dict)}


async def read(conn: AsyncConnection, box: SecretBox, tenant_id: str, key: str) -> dict[str, Any]:
    found = (await read_all(conn, box, tenant_id, (key,))).get(key)
    if found is None:
        raise _not_exists(key)
    return found


async def upsert(conn: AsyncConnection, box: SecretBox, tenant_id: str, key: str, value: dict[str, Any]) -> bool:
    """True when the config is new (Logto answers 201)."""
    return await store.put(conn, tenant_id, key, _seal(box, tenant_id, key, value))


async def update(conn: AsyncConnection, box: SecretBox, tenant_id: str, key: str, patch: dict[str, Any]) -> dict[str, Any]:
    value = {**await read(conn, box, tenant_id, key), **patch}
    await store.put(conn, tenant_id, key, _seal(box, tenant_id, key, value))
    return value


async def delete(conn: AsyncConnection, tenant_id: str, key: str) -> None:
    if not await store.delete(conn, tenant_id, key):
        raise LogtoError("entity.not_found", 404)
