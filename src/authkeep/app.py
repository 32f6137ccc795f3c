"""Builds the ASGI app: OIDC routes, anonymous API routes and bearer-protected management routes."""

from __future__ import annotations

import base64
import gc
import hashlib
import logging
import re
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.exc import DBAPIError
from starlette._utils import get_route_path
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route, Router

from authkeep.api import ROUTERS, well_known
from authkeep.api import status as status_api
from authkeep.api.context import Ctx
from authkeep.config import Settings, load_settings
from authkeep.console import console_app
from authkeep.dberrors import map_db_error
from authkeep.errors import LogtoError
from authkeep.oidc import discovery, token
from authkeep.oidc.errors import OAuthError
from authkeep.secretbox import SecretBox
from authkeep.state import DEFAULT_TENANT, AppState
from authkeep.store.db import Database
from authkeep.web import JSON_TYPE, RouteSpec, dumps, empty, json_response

log = logging.getLogger("authkeep")


def _error(exc: LogtoError) -> Response:
    return json_response(exc.body(), exc.status)


def tag(response: Response) -> Response:
    """Strong ETag over the body, shaped like the `etag` package Logto uses."""
    body = bytes(response.body)
    digest = base64.b64encode(hashlib.sha1(body, usedforsecurity=False).digest()).decode()[:27]
    response.headers["ETag"] = f'"{len(body):x}-{digest}"'
    return response


def _not_modified(request: Request, response: Response) -> Response:
    etag = response.headers.get("etag")
    if etag and etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers={"ETag": etag})
    return response


def _limited(unavailable: bool) -> LogtoError:
    if unavailable:
        return LogtoError("request.rate_limiter_unavailable", 503)
    return LogtoError("request.too_many_requests", 429)


def _management_endpoint(spec: RouteSpec) -> Any:
    handler, status, cacheable = spec.handler, spec.status, spec.cache

    async def endpoint(request: Request) -> Response:
        state: AppState = request.app.state.authkeep
        tenant = state.tenant_for(request)
        limit_headers: dict[str, str] = {}
        generation = key = None
        try:
            principal = await tenant.verifier.authenticate(request.headers.get("authorization"))
            if state.limiter and state.api_limit:
                verdict = await state.limiter.check(
                    state.api_limit, "api", f"{tenant.id}:{principal.client_id or principal.subject}"
                )
                limit_headers = verdict.headers
                if not verdict.allowed:
                    raise _limited(verdict.unavailable)
            if cacheable and request.method == "GET":
                key = state.responses.key(tenant.id, request.scope)
                hit, generation = await state.responses.lookup(key)
                if hit is not None:
                    return _finish(request, hit, limit_headers)
            result = await handler(Ctx(request, tenant, principal, state))
        except LogtoError as exc:
            response = _error(exc)
            response.headers.update(limit_headers)
            return response
        except DBAPIError as exc:
            mapped = map_db_error(exc)
            if mapped is None:
                raise
            return _error(mapped)
        if isinstance(result, Response):
            response = result
        elif result is None:
            response = empty(status)
        else:
            response = Response(dumps(result), status_code=status, media_type=JSON_TYPE)
        if request.method == "GET" and response.status_code == 200:
            tag(response)
            if generation is not None and key is not None:
                state.responses.put(key, generation, response)
        return _finish(request, response, limit_headers)

    endpoint.__name__ = handler.__name__
    return endpoint


def _finish(request: Request, response: Response, limit_headers: dict[str, str]) -> Response:
    if response.status_code == 200 and request.method == "GET":
        response = _not_modified(request, response)
    if limit_headers:
        response.headers.update(limit_headers)
    return response


class SegmentRouter:
    """Dispatch on the first path segment, so a request is matched against its own family's
    routes (~30) instead of every management route (~200) one regex at a time."""

    def __init__(self, routes: list[Route]) -> None:
        groups: dict[str, list[BaseRoute]] = defaultdict(list)
        for route in routes:
            groups[route.path.lstrip("/").split("/", 1)[0]].append(route)
        self.routers = {segment: Router(routes=group) for segment, group in groups.items()}
        self.fallback = Router(routes=[])

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        segment = get_route_path(scope).lstrip("/").split("/", 1)[0]
        await self.routers.get(segment, self.fallback)(scope, receive, send)


def management_routes() -> list[Route]:
    return [
        _dotall(Route(spec.path, _management_endpoint(spec), methods=[spec.method]))
        for router in ROUTERS
        for spec in router.routes
    ]


async def _oidc_not_found(scope: Any, receive: Any, send: Any) -> None:
    request = Request(scope, receive)
    exc = OAuthError(
        "invalid_request",
        f"unrecognized route or not allowed method ({request.method} on {request.url.path[len('/oidc'):] or '/'})",
        404,
    )
    await Response(dumps(exc.body()), status_code=404, media_type=JSON_TYPE)(scope, receive, send)


def _oidc_router() -> Router:
    return Router(
        routes=[
            Route("/.well-known/openid-configuration", discovery.openid_configuration, methods=["GET"]),
            Route("/.well-known/oauth-authorization-server", discovery.openid_configuration, methods=["GET"]),
            Route("/jwks", discovery.jwks, methods=["GET"]),
            Route("/token", token.token_endpoint, methods=["POST"]),
        ],
        default=_oidc_not_found,
    )


async def _logto_error_handler(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LogtoError)
    return _error(exc)


async def _server_error(_request: Request, exc: Exception) -> Response:
    log.error("unhandled error: %s", type(exc).__name__, exc_info=exc)
    return json_response({"message": "Internal server error."}, 500)


async def start_state(settings: Settings) -> AppState:
    db = Database(settings.database_url)
    db.start_listening()
    state = AppState(settings, db, SecretBox(settings.secret_key, settings.old_secret_keys))
    tenant = state.add_tenant(DEFAULT_TENANT)
    await tenant.keys.refresh()
    await db.wait_listening(5)  # until then, caches stay off (Database.settle)
    return state


def _dotall(route: Any) -> Any:
    """Starlette matches `{name:path}` parameters and a Mount's remainder with `.*`, which stops at
    a newline: `/api/roles/a%0Ab` fell through to a plain 404 before authentication, and a secret
    name holding a newline could not be addressed. Koa (Logto) routes both."""
    route.path_regex = re.compile(route.path_regex.pattern, re.DOTALL)
    return route


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state = await start_state(settings)
        app.state.authkeep = state
        # Everything built so far lives as long as the process: keep it out of full collections,
        # which otherwise scan it every few seconds under load and stall the loop ~100 ms.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            await state.db.dispose()

    api_routes: list[Route] = [
        Route("/status", status_api.status, methods=["GET"]),
        Route("/swagger.json", status_api.openapi_document, methods=["GET"]),
        Route("/.well-known/management.openapi.json", status_api.openapi_document, methods=["GET"]),
        *well_known.ROUTES,
        *management_routes(),
    ]
    return Starlette(
        routes=[
            Mount("/oidc", app=_oidc_router()),
            _dotall(Mount("/api", app=SegmentRouter(api_routes))),
            Mount("/console", app=console_app),
        ],
        lifespan=lifespan,
        exception_handlers={LogtoError: _logto_error_handler, Exception: _server_error},
    )
