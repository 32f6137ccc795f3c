"""Builds the ASGI app: OIDC routes, the /api routes (each behind the route contract) and the console."""

from __future__ import annotations

import gc
import logging
import re
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette._utils import get_route_path
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route, Router

from authkeep import dberrors
from authkeep.api import ROUTERS, idempotency, status, user_assets
from authkeep.api.contract import endpoint
from authkeep.api.fallback import ExactRoute
from authkeep.config import Settings, load_settings
from authkeep.console import console_app
from authkeep.edge import HeadLimit
from authkeep.errors import LogtoError
from authkeep.hooks import worker as hook_worker
from authkeep.logsafe import ErrorGuard
from authkeep.logsafe import install as install_safe_logging
from authkeep.metrics import web as metrics
from authkeep.oidc import (
    authorize,
    discovery,
    end_session,
    resume,
    revocation,
    sweeper,
    token,
    userinfo,
)
from authkeep.oidc.errors import OAuthError
from authkeep.oidc.interactions import InteractionLookup
from authkeep.oidc.user_tokens import UserTokenLookup
from authkeep.reqlog import RequestId
from authkeep.secretbox import SecretBox
from authkeep.signin import routes as signin_routes
from authkeep.state import DEFAULT_TENANT, AppState
from authkeep.store.logs import LogWriter
from authkeep.web import JSON_TYPE, dumps, json_response

log = logging.getLogger("authkeep")


def _error(exc: LogtoError) -> Response:
    return json_response(exc.body(), exc.status, exc.headers or None)


class SegmentRouter:
    """Dispatch on the first path segment, so a request is matched against its own family's
    routes (~30) instead of every management route (~200) one regex at a time."""

    def __init__(self, routes: list[Route]) -> None:
        self.routes = routes  # for Mount.routes (the metrics' route templates)
        groups: dict[str, list[BaseRoute]] = defaultdict(list)
        for route in routes:
            groups[route.path.lstrip("/").split("/", 1)[0]].append(route)
        self.routers = {segment: Router(routes=group) for segment, group in groups.items()}
        self.fallback = Router(routes=[])

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        segment = get_route_path(scope).lstrip("/").split("/", 1)[0]
        await self.routers.get(segment, self.fallback)(scope, receive, send)


def api_routes() -> list[Route]:
    """Every /api route, each behind the route contract (api/contract.py)."""
    return [
        _dotall(Route(spec.path, endpoint(spec), methods=[spec.method]))
        for router in (status.router, *ROUTERS)
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
            ExactRoute("/.well-known/openid-configuration", discovery.openid_configuration, methods=["GET"]),
            ExactRoute("/.well-known/oauth-authorization-server", discovery.openid_configuration, methods=["GET"]),
            ExactRoute("/jwks", discovery.jwks, methods=["GET"]),
            ExactRoute("/token", token.token_endpoint, methods=["POST"]),
            ExactRoute("/auth", authorize.authorization, methods=["GET", "POST"]),
            ExactRoute("/auth/{uid}", resume.resume, methods=["GET"]),
            ExactRoute("/me", userinfo.userinfo, methods=["GET", "POST"]),
            ExactRoute("/token/revocation", revocation.revocation, methods=["POST"]),
            ExactRoute("/token/introspection", revocation.introspection, methods=["POST"]),
            ExactRoute("/session/end", end_session.end_session, methods=["GET", "POST"]),
            ExactRoute("/session/end/confirm", end_session.confirm, methods=["POST"]),
        ],
        default=_oidc_not_found,
    )


async def _logto_error_handler(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LogtoError)
    return _error(exc)


async def _server_error(_request: Request, exc: Exception) -> Response:
    log.error("unhandled error: %s", type(exc).__name__, exc_info=exc)
    return json_response({"message": "Internal server error."}, 500)


async def _database_error(request: Request, exc: Exception) -> Response:
    """Database failures outside a route's own mapping: a lost database is a 503, never a 500."""
    mapped = dberrors.map_db_error(exc)
    if mapped is None:
        raise exc  # a real bug: logsafe.ErrorGuard answers the 500 and logs it without values
    if mapped.status == 503:
        log.warning("database unavailable: %s", type(exc).__name__)
    return _error(mapped)


async def start_state(settings: Settings) -> AppState:
    db = settings.database()
    db.start_listening()
    state = AppState(settings, db, SecretBox(settings.secret_key, settings.old_secret_keys))
    db.before_commit.append(idempotency.before_commit)
    state.interactions = InteractionLookup(db)
    state.user_tokens = UserTokenLookup(db)
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
    install_safe_logging()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state = await start_state(settings)
        app.state.authkeep = state
        app.state.hook_worker = await hook_worker.start(state.db, state.box)
        app.state.audit_logs = LogWriter(state.db)
        app.state.oidc_sweeper = sweeper.start(state.db)
        metrics.start(app, state.db)
        # Everything built so far lives as long as the process: keep it out of full collections,
        # which otherwise scan it every few seconds under load and stall the loop ~100 ms.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            await metrics.stop(app)
            await hook_worker.stop(app.state.hook_worker)
            await sweeper.stop(app.state.oidc_sweeper)
            await app.state.audit_logs.close()
            await state.db.dispose()

    routes: list[BaseRoute] = [
        Mount("/oidc", app=_oidc_router()),
        Route("/consent", resume.consent_route, methods=["GET"]),
        _dotall(Mount("/api", app=SegmentRouter(api_routes()))),
        Mount("/console", app=console_app),
        *signin_routes,
        Route("/user-assets/{key:path}", user_assets.serve, methods=["GET", "HEAD"]),
    ]
    middleware = [Middleware(RequestId, access_log=settings.access_log), Middleware(HeadLimit), Middleware(ErrorGuard)]
    if settings.metrics:
        routes.append(Route("/metrics", metrics.metrics_endpoint, methods=["GET"]))
        middleware.insert(0, Middleware(metrics.MetricsMiddleware, routes=routes))
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=middleware,
        exception_handlers={
            LogtoError: _logto_error_handler,
            **{kind: _database_error for kind in dberrors.exception_types()},
            Exception: _server_error,
        },
    )
