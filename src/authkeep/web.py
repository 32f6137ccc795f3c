"""HTTP edge helpers shared by every route: JSON in and out, validation errors in Logto's shape."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from authkeep.errors import LogtoError
from authkeep.guard import (
    Body,
    M,
    Query,
    Yes,
    has_nul,
    invalid_input,
    not_object,
    validate,
    yes,
)

__all__ = ["Body", "M", "Query", "Yes", "has_nul", "invalid_input", "not_object", "validate", "yes"]

JSON_TYPE = "application/json; charset=utf-8"


def dumps(data: Any) -> bytes:
    return orjson.dumps(data)


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(data), status_code=status, media_type=JSON_TYPE, headers=headers)


def empty(status: int = 204) -> Response:
    """Body-less success; 201/200 ones send Content-Length: 0 (see docs/compatibility.md)."""
    return Response(b"", status_code=status)


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
        raise not_object(data, "body")
    return data


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
    # Families read only when the query names a parameter (a filter joining another family).
    reads_if: Mapping[str, tuple[str, ...]] | None = None
    query: type[BaseModel] | None = None
    body: type[BaseModel | dict[str, Any]] | None = None
    paged: bool | str = False  # True, False or "optional"
    search: Mapping[str, Any] | None = None  # snake_case field -> column
    # Runs before paging, query and body are parsed, as Logto's `router.use(path, ...)` checks do.
    before: Callable[..., Awaitable[None]] | None = None


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
