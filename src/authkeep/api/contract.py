"""The route contract: a router declares its auth policy and table family; each route declares
its inputs. One endpoint wrapper then does, for every route and in this order: tenant, auth
(the policy), rate limit, response cache lookup, NUL guard, the route's `before` check, paging,
query and body parsing, the handler (re-run on a deadlock before its first commit), database
error mapping, ETag and 304. A POST carrying `Idempotency-Key` claims it after parsing and
stores its answer (api/idempotency.py).
docs/architecture.md, "How to add an endpoint".
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import random
import typing
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import DBAPIError
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from authkeep import web
from authkeep.api import idempotency
from authkeep.api.context import Ctx
from authkeep.auth.policies import POLICIES
from authkeep.dberrors import _sqlstate, map_db_error
from authkeep.domain.hooks import route_for
from authkeep.errors import LogtoError
from authkeep.hooks import capture
from authkeep.paging import parse_page
from authkeep.state import AppState
from authkeep.store.db import commits
from authkeep.web import JSON_TYPE, RouteSpec, dumps, empty, json_response

__all__ = ["ApiRouter", "Ctx", "endpoint"]

Handler = Callable[[Ctx], Awaitable[Any]]
Check = Callable[[Ctx], Awaitable[None]]
ATTEMPTS = 5  # runs of a handler that keeps hitting deadlocks before its first commit


class ApiRouter:
    """One family's routes. `policy` is a key of auth.policies.POLICIES; `family` names the
    tables its routes write, and what its cached GETs read unless a route says `reads=`."""

    def __init__(self, policy: str = "management", family: str = "") -> None:
        if policy not in POLICIES:
            raise ValueError(f"unknown policy {policy!r}")
        self.policy = policy
        self.family = family
        self.routes: list[RouteSpec] = []

    def _add(self, method: str, path: str, status: int, **declared: Any) -> Callable[[Handler], Handler]:
        reads = declared.pop("reads", None)
        families = tuple(reads) if reads is not None else ((self.family,) if self.family else ())

        def deco(fn: Handler) -> Handler:
            self.routes.append(RouteSpec(method, path, fn, status, policy=self.policy, reads=families, **declared))
            return fn

        return deco

    def get(
        self,
        path: str,
        *,
        status: int = 200,
        cache: bool = True,
        query: type[web.Query] | None = None,
        paged: bool | str = False,
        search: Mapping[str, Any] | None = None,
        reads: tuple[str, ...] | None = None,
        reads_if: Mapping[str, tuple[str, ...]] | None = None,
        before: Check | None = None,
    ) -> Callable[[Handler], Handler]:
        return self._add(
            "GET", path, status, cache=cache, query=query, paged=paged, search=search, reads=reads,
            reads_if=reads_if, before=before,
        )  # fmt: skip

    def post(self, path: str, *, status: int = 201, **declared: Any) -> Callable[[Handler], Handler]:
        """`body=`, `query=`, `before=` as for every writing method."""
        return self._add("POST", path, status, **declared)

    def put(self, path: str, *, status: int = 200, **declared: Any) -> Callable[[Handler], Handler]:
        return self._add("PUT", path, status, **declared)

    def patch(self, path: str, *, status: int = 200, **declared: Any) -> Callable[[Handler], Handler]:
        return self._add("PATCH", path, status, **declared)

    def delete(self, path: str, *, status: int = 204, **declared: Any) -> Callable[[Handler], Handler]:
        return self._add("DELETE", path, status, **declared)


# --- inputs ------------------------------------------------------------------------------------


def _nul(where: str) -> LogtoError:
    # PostgreSQL cannot store NUL; every backend refuses it alike (bodies: web.read_json).
    return LogtoError("guard.invalid_input", 400, type=where, details="Strings must not contain NUL characters.")


def _refuse_nul(request: Request) -> None:
    scope = request.scope
    if "\x00" in scope["path"]:  # routes have no NUL in their literal segments: it is a parameter
        raise _nul("params")
    raw = scope["query_string"]
    if (b"%00" in raw or b"\x00" in raw) and any(
        "\x00" in k or "\x00" in v for k, v in request.query_params.multi_items()
    ):
        raise _nul("query")


def _is_list(annotation: Any) -> bool:
    if typing.get_origin(annotation) is list:
        return True
    return any(_is_list(arg) for arg in typing.get_args(annotation))


def query_reader(model: type[BaseModel]) -> Callable[[QueryParams], Any]:
    """Reads `model` from the query string: `list[...]` fields take every repeat of their key."""
    keys = [(f.alias or name, _is_list(f.annotation)) for name, f in model.model_fields.items()]

    def read(query: QueryParams) -> Any:
        given = {key: query.getlist(key) if many else query[key] for key, many in keys if key in query}
        try:
            return model.model_validate(given)
        except ValidationError as exc:
            raise web.invalid_input("query", exc) from None

    return read


# --- running the handler -----------------------------------------------------------------------


def retryable(exc: DBAPIError) -> bool:
    """A deadlock or serialization failure: the transaction rolled back and may simply run again."""
    if _sqlstate(exc) in {"40P01", "40001"}:
        return True
    text = str(exc.orig).lower()
    return "database is locked" in text or "deadlock" in text


async def run(handler: Handler, ctx: Ctx) -> Any:
    """Runs the handler, again after a retryable database error if nothing was committed yet
    (`store.db.commits`): a rolled-back request leaves no trace, a committed one must not repeat.
    Commits count in the request's own task; writes in tasks it spawns are not seen."""
    start = commits.get()
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return await handler(ctx)
        except DBAPIError as exc:
            if attempt == ATTEMPTS or commits.get() != start or not retryable(exc):
                raise
        await asyncio.sleep(random.uniform(0.002, 0.02) * attempt)
    raise AssertionError("unreachable")


# --- the endpoint ------------------------------------------------------------------------------


def tag(response: Response) -> Response:
    """Strong ETag over the body, shaped like the `etag` package Logto uses."""
    body = bytes(response.body)
    digest = base64.b64encode(hashlib.sha1(body, usedforsecurity=False).digest()).decode()[:27]
    response.headers["ETag"] = f'"{len(body):x}-{digest}"'
    return response


def _finish(request: Request, response: Response, limit_headers: dict[str, str]) -> Response:
    if response.status_code == 200 and request.method == "GET":
        etag = response.headers.get("etag")
        if etag and etag in request.headers.get("if-none-match", ""):
            response = Response(status_code=304, headers={"ETag": etag})
    if limit_headers:
        response.headers.update(limit_headers)
    return response


def _error(exc: LogtoError, limit_headers: dict[str, str]) -> Response:
    # An error may carry headers of its own (e.g. Retry-After on a 503).
    return json_response(exc.body(), exc.status, {**limit_headers, **(exc.headers)})


def _limited(unavailable: bool) -> LogtoError:
    if unavailable:
        return LogtoError("request.rate_limiter_unavailable", 503)
    return LogtoError("request.too_many_requests", 429)


def endpoint(spec: RouteSpec) -> Callable[[Request], Awaitable[Response]]:
    """The ASGI endpoint for one declared route. Everything per route is decided here, once."""
    policy = POLICIES[spec.policy]
    handler, status, families, reads_if = spec.handler, spec.status, spec.reads, spec.reads_if
    is_get = spec.method == "GET"
    cacheable = spec.cache and is_get
    paged, columns, body, before = spec.paged, spec.search, spec.body, spec.before
    read_query = query_reader(spec.query) if spec.query is not None else None
    # The webhook event this route raises on success (Logto's managementApiHooksRegistration).
    hook_route = route_for(spec.method, spec.path) if spec.policy == "management" else None
    # Idempotency-Key on POST, for policies that name the caller's client (api/idempotency.py).
    idempotency_scope = getattr(policy, "idempotency_scope", None) if spec.method == "POST" else None

    async def serve(request: Request, claim: bool = False) -> Response:
        state: AppState = request.app.state.authkeep
        tenant = state.tenant_for(request)
        limit_headers: dict[str, str] = {}
        generation = key = pending = None
        try:
            caller = await policy.authenticate(request, state, tenant)
            if state.limiter and state.api_limit:
                bucket = policy.limit_key(caller)
                if bucket is not None:
                    verdict = await state.limiter.check(state.api_limit, "api", f"{tenant.id}:{bucket}")
                    limit_headers = verdict.headers
                    if not verdict.allowed:
                        raise _limited(verdict.unavailable)
            if cacheable:
                key = state.responses.key(tenant.id, request.scope)
                reads = families
                if reads_if is not None:  # the query is part of the key: a key always reads the same
                    query = request.query_params
                    reads += tuple(f for name, more in reads_if.items() if name in query for f in more)
                hit, generation = await state.responses.lookup(key, reads)
                if hit is not None:
                    return _finish(request, hit, limit_headers)
            _refuse_nul(request)
            ctx = Ctx(request, tenant, caller, state, columns)
            if before is not None:
                await before(ctx)
            if paged:
                ctx.page = parse_page(request, optional=paged == "optional")
            if read_query is not None:
                ctx.q = read_query(request.query_params)
            if body is dict:
                ctx.body = await web.read_object(request)
            elif body is not None:
                ctx.body = await web.read_body(request, body)
            if claim and idempotency_scope is not None:
                ttl = state.settings.idempotency_ttl_seconds
                replay = await idempotency.begin(request, state.db, tenant.id, idempotency_scope(caller), ttl)
                if replay is not None:
                    return _finish(request, replay, limit_headers)
            if hook_route is not None:
                pending = await capture.begin(hook_route, request, state.db, tenant.id, ctx.body)
            result = await run(handler, ctx)
        except LogtoError as exc:
            if pending is not None:
                capture.finish(state.db, pending, exc.status, b"", None)
            return _error(exc, limit_headers)
        except DBAPIError as exc:
            mapped = map_db_error(exc)
            if mapped is None:
                raise
            if pending is not None:
                capture.finish(state.db, pending, mapped.status, b"", None)
            return _error(mapped, limit_headers)
        if isinstance(result, Response):
            response = result
            fresh = "etag" not in response.headers  # a handler may tag a fixed document itself
        else:
            response = empty(status) if result is None else Response(dumps(result), status, media_type=JSON_TYPE)
            fresh = True
        if pending is not None:
            worker = getattr(request.app.state, "hook_worker", None)
            capture.finish(state.db, pending, response.status_code, bytes(response.body), worker)
        if is_get and response.status_code == 200:
            if fresh:
                tag(response)
            if generation is not None and key is not None:
                state.responses.put(key, generation, response)
        return _finish(request, response, limit_headers)

    serve.__name__ = handler.__name__
    if idempotency_scope is None:
        return serve  # no frame more than before on any other route

    async def keyed(request: Request) -> Response:
        return await serve(request, True)

    async def checked(request: Request) -> Response:
        if idempotency.requested(request.scope):
            return await idempotency.around(keyed, request)
        return await serve(request)

    checked.__name__ = handler.__name__
    return checked
