"""Running JWT customizer (`getCustomJwtClaims`) and action (`runAction`) scripts in the sandbox,
and Logto's mapping of their failures (libraries/script-runner, routes/logto-config)."""

from __future__ import annotations

from typing import Any

from authkeep import sandbox
from authkeep.domain import script_configs as cfg
from authkeep.errors import LogtoError

# Logto's scriptFailureStatusCodes; `unavailable` (no node) is authkeep's, mapped as a runtime error.
STATUS = {"denied": 403, "syntax": 422, "type": 422, "timeout": 500, "oom": 500, "runtime": 500, "unavailable": 500}
_JWT_MESSAGE = "An error occurred while customizing the token claims. Please try again later."
_ACTION_MESSAGE = "An error occurred while running the action. Please try again later."
_UNSET = object()  # the script returned undefined


class ScriptFailure(Exception):
    """Logto's ScriptExecutionError: an HTTP-like status and the error body `{message, ...}`."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(str(body.get("message")))
        self.status = status
        self.body = body

    @property
    def denied(self) -> bool:
        error = self.body.get("error")
        return isinstance(error, dict) and error.get("code") == "AccessDenied"


def _failure(result: dict[str, Any]) -> ScriptFailure:
    kind = str(result.get("kind"))
    status = STATUS.get(kind, 500)
    message = result.get("message")
    if kind == "denied":
        return ScriptFailure(status, {"message": message, "error": {"code": "AccessDenied", "message": message}})
    if kind == "timeout":
        return ScriptFailure(status, {"message": f"Script execution timed out after {sandbox.TIMEOUT_MS}ms."})
    if kind == "oom":
        return ScriptFailure(status, {"message": "Script execution exceeded the memory limit."})
    body: dict[str, Any] = {"message": message if isinstance(message, str) else "The script failed."}
    if isinstance(result.get("stack"), str):
        body["stack"] = result["stack"]
    return ScriptFailure(status, body)


def _received(value: Any) -> str:
    return "undefined" if value is _UNSET else cfg._type_name(value)


async def run_jwt(script: str, token: dict[str, Any], context: dict[str, Any] | None, env: dict[str, str] | None) -> dict[str, Any]:
    """The claims the script returns; ScriptFailure otherwise (a non-object result: 400)."""
    payload: dict[str, Any] = {"token": token}
    if context is not None:
        payload["context"] = context
    if env is not None:
        payload["environmentVariables"] = env
    result = await sandbox.shared().run(script, "getCustomJwtClaims", payload, with_api=True)
    if result.get("ok") is not True:
        raise _failure(result)
    value = result.get("value", _UNSET)
    if not isinstance(value, dict):
        received = _received(value)
        message = "Required" if value is _UNSET else f"Expected object, received {received}"
        issue = {"code": "invalid_type", "expected": "object", "received": received, "path": [], "message": message}
        raise ScriptFailure(400, {"message": "Invalid input", "errors": [issue]})
    return value


async def run_action(script: str, event: Any, env: dict[str, str] | None) -> Any:
    """What `runAction` returns (`_UNSET` for undefined); ScriptFailure otherwise."""
    payload: dict[str, Any] = {"event": event}
    if env is not None:
        payload["environmentVariables"] = env
    result = await sandbox.shared().run(script, "runAction", payload)
    if result.get("ok") is not True:
        raise _failure(result)
    return result.get("value", _UNSET)


def returned_nothing(value: Any) -> bool:
    return value is _UNSET


def jwt_test_error(exc: ScriptFailure) -> LogtoError:
    """POST /configs/jwt-customizer/test: 403 for a denial, 422 for every other failure."""
    data = {"message": exc.body.get("message")}
    if "error" in exc.body:
        data["error"] = exc.body["error"]
    return LogtoError("jwt_customizer.general", 403 if exc.denied else 422, message=_JWT_MESSAGE, data=data)


def action_test_error(exc: ScriptFailure) -> LogtoError:
    status = exc.status if exc.status in (400, 403, 422) else 422
    data: dict[str, Any] = {"message": exc.body.get("message") or _ACTION_MESSAGE}
    if isinstance(exc.body.get("errors"), list):
        data["errors"] = exc.body["errors"]
    return LogtoError("action.general", status, message=_ACTION_MESSAGE, data=data)


def jwt_test_body(body: Any) -> dict[str, Any]:
    """Logto's `jwtCustomizerTestRequestBodyGuard` (a union on `tokenType`; other keys dropped)."""
    issues = cfg.Issues()
    if not cfg._check_object(issues, [], body):
        issues.check()
    token_type = body.get("tokenType")
    if token_type not in cfg.TOKEN_KEYS:
        issues.enum(["tokenType"], tuple(cfg.TOKEN_KEYS), token_type, "invalid_union_discriminator")
        issues.check()
    script = body.get("script", cfg._MISSING)
    if not isinstance(script, str):
        issues.type(["script"], "string", script)
    if "environmentVariables" in body:
        cfg._check_string_record(issues, ["environmentVariables"], body["environmentVariables"])
    token = body.get("token", cfg._MISSING)
    if cfg._check_object(issues, ["token"], token):
        cfg._check_fields(issues, ["token"], token, cfg.TOKEN_FIELDS[token_type])
    context = cfg._check_context(issues, ["context"], body.get("context", cfg._MISSING), token_type)
    issues.check()
    return {
        "tokenType": token_type, "script": script, "environmentVariables": body.get("environmentVariables"),
        "token": token, "context": context,
    }  # fmt: skip


def action_test_body(body: Any) -> dict[str, Any]:
    """Logto's `actionExecutionRequestBodyGuard` (strict)."""
    issues = cfg.Issues()
    if not cfg._check_object(issues, [], body):
        issues.check()
    script = body.get("script", cfg._MISSING)
    if not isinstance(script, str):
        issues.type(["script"], "string", script)
    if body.get("actionType") not in cfg.ACTION_KEYS:
        issues.enum(["actionType"], cfg.ACTION_KEYS, body.get("actionType"))
    if "event" not in body:
        issues.type(["event"], "unknown", cfg._MISSING)
    if "environmentVariables" in body:
        cfg._check_string_record(issues, ["environmentVariables"], body["environmentVariables"])
    extra = [k for k in body if k not in ("script", "actionType", "event", "environmentVariables")]
    if extra:
        issues.unknown_keys([], extra)
    issues.check()
    return body
