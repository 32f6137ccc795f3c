"""HTTP edge helpers shared by every route: JSON in and out, validation errors in Logto's shape."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

import orjson
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from authkeep.errors import LogtoError

JSON_TYPE = "application/json; charset=utf-8"
M = TypeVar("M", bound=BaseModel)


def dumps(data: Any) -> bytes:
    return orjson.dumps(data)


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(data), status_code=status, media_type=JSON_TYPE, headers=headers)


def empty(status: int = 204) -> Response:
    """Body-less success; 201/200 ones send Content-Length: 0 (see docs/compatibility.md)."""
    return Response(b"", status_code=status)


class Body(BaseModel):
    """Base for request bodies: strict types, unknown keys dropped silently (as Logto's zod guards)."""

    model_config = ConfigDict(strict=True, extra="ignore", populate_by_name=True)


class Query(BaseModel):
    """Base for query-string models: values arrive as strings; a `list[...]` field takes every
    repeat of its key. Unknown keys are ignored (paging and search have their own parsers)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


_TYPE_NAMES = {
    "string_type": "string",
    "int_type": "number",
    "bool_type": "boolean",
    "dict_type": "object",
    "list_type": "array",
    "float_type": "number",
    "model_type": "object",
    "int_from_float": "integer",
}


def _received(value: Any) -> str:
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
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _issue(err: Any) -> tuple[dict[str, Any], str]:
    path = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith(("function-", "literal[")))]
    etype = err["type"]
    key = ".".join(str(p) for p in path)
    if etype == "missing":
        issue = {"code": "invalid_type", "expected": "unknown", "received": "undefined", "path": path, "message": "Required"}
        return issue, f'Error in key path "{key}": (invalid_type) Required'
    if etype in _TYPE_NAMES:
        expected = _TYPE_NAMES[etype]
        received = _received(err.get("input"))
        msg = f"Expected {expected}, received {received}"
        issue = {"code": "invalid_type", "expected": expected, "received": received, "path": path, "message": msg}
        return issue, f'Error in key path "{key}": (invalid_type) Expected {expected} but received {received}.'
    code = {
        "string_too_short": "too_small",
        "too_short": "too_small",
        "string_too_long": "too_big",
        "too_long": "too_big",
        "greater_than": "too_small",
        "greater_than_equal": "too_small",
        "less_than": "too_big",
        "less_than_equal": "too_big",
        "literal_error": "invalid_enum_value",
        "enum": "invalid_enum_value",
        "string_pattern_mismatch": "invalid_string",
    }.get(etype, "custom")
    msg = err.get("msg", "Invalid")
    msg = msg.removeprefix("Value error, ")
    issue = {"code": code, "path": path, "message": msg}
    return issue, f'Error in key path "{key}": ({code}) {msg}'


def invalid_input(where: str, exc: ValidationError) -> LogtoError:
    issues, lines = [], []
    for err in exc.errors(include_url=False):
        issue, line = _issue(err)
        issues.append(issue)
        lines.append(line)
    return LogtoError(
        "guard.invalid_input",
        400,
        data={"issues": issues, "name": "ZodError"},
        details="\n".join(lines),
        type=where,
    )


def _not_object(data: Any, where: str) -> LogtoError:
    received = _received(data)
    return LogtoError(
        "guard.invalid_input",
        400,
        data={
            "issues": [
                {"code": "invalid_type", "expected": "object", "received": received, "path": [],
                 "message": f"Expected object, received {received}"}
            ],
            "name": "ZodError",
        },
        details=f'Error in key path "": (invalid_type) Expected object but received {received}.',
        type=where,
    )


def validate(model: type[M], data: Any, where: str = "body") -> M:
    if not isinstance(data, dict):
        raise _not_object(data, where)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid_input(where, exc) from None


def has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_nul(v) for v in value)
    return False


async def read_json(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise LogtoError(
            "guard.invalid_input", 400, details=str(exc).split(":")[0], type="body"
        ) from None
    # PostgreSQL cannot store NUL in text or jsonb; refuse it on every backend alike.
    if b"u0000" in raw.lower() and has_nul(data):
        raise LogtoError("guard.invalid_input", 400, details="Strings must not contain NUL characters.", type="body")
    return data


async def read_body(request: Request, model: type[M]) -> M:
    return validate(model, await read_json(request))


async def read_object(request: Request) -> dict[str, Any]:
    """Any JSON object, kept as sent (a route declared with `body=dict`)."""
    data = await read_json(request)
    if not isinstance(data, dict):
        raise _not_object(data, "body")
    return data


def yes(value: str | None) -> bool:
    """Logto's `yes()` from @silverhand/essentials: 1/true/y/yes/yep/yeah."""
    return value is not None and value.strip().lower() in {"1", "true", "y", "yes", "yep", "yeah"}


# A query flag read with `yes()`: anything else, even "false" or "", is False.
Yes = Annotated[bool, BeforeValidator(lambda v: yes(v) if isinstance(v, str) else v)]


Policy = str  # "management" | "end_user" | "interaction" | "public" (auth/policies.py)


@dataclass
class RouteSpec:
    """One route as declared on an `ApiRouter` (api/contract.py builds its endpoint)."""

    method: str
    path: str
    handler: Callable[..., Awaitable[Any]]
    status: int = 200
    # A GET whose answer depends only on stored data (not on the clock) may be served from
    # the response cache (respcache.py), which drops it when one of `reads` changes.
    cache: bool = False
    policy: Policy = "management"
    reads: tuple[str, ...] = ()
    query: type[BaseModel] | None = None
    body: type[BaseModel | dict[str, Any]] | None = None
    paged: bool | str = False  # True, False or "optional"
    search: Mapping[str, Any] | None = None  # snake_case field -> column


@dataclass
class ApiRouter:
    """The pre-contract router (management policy, no declared inputs); families move to
    `authkeep.api.contract.ApiRouter`."""

    routes: list[RouteSpec] = field(default_factory=list)

    def _add(
        self, method: str, path: str, status: int, cache: bool = False
    ) -> Callable[[Callable[..., Awaitable[Any]]], Callable[..., Awaitable[Any]]]:
        def deco(fn: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
            self.routes.append(RouteSpec(method, path, fn, status, cache))
            return fn

        return deco

    def get(self, path: str, status: int = 200, cache: bool = True) -> Callable[..., Any]:
        return self._add("GET", path, status, cache)

    def post(self, path: str, status: int = 201) -> Callable[..., Any]:
        return self._add("POST", path, status)

    def put(self, path: str, status: int = 200) -> Callable[..., Any]:
        return self._add("PUT", path, status)

    def patch(self, path: str, status: int = 200) -> Callable[..., Any]:
        return self._add("PATCH", path, status)

    def delete(self, path: str, status: int = 204) -> Callable[..., Any]:
        return self._add("DELETE", path, status)
