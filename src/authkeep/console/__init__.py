"""The admin console at /console: server-rendered pages over the Management API (docs/console.md)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Router
from starlette.staticfiles import StaticFiles

from authkeep.console.pages import (
    applications,
    connectors,
    home,
    hooks,
    logs,
    organizations,
    resources,
    roles,
    sign_in_exp,
    users,
)
from authkeep.console.web import HERE, render


async def _not_found(scope: object, receive: object, send: object) -> None:
    request = Request(scope, receive)  # type: ignore[arg-type]
    response: Response = render(request, "error.html", 404, message="There is no such page in the console.")
    await response(scope, receive, send)  # type: ignore[arg-type]


class _Static(StaticFiles):
    async def get_response(self, path: str, scope: object) -> Response:
        response = await super().get_response(path, scope)  # type: ignore[arg-type]
        response.headers["Cache-Control"] = "public, max-age=300"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


console_app = Router(
    routes=[
        Mount("/static", app=_Static(directory=HERE / "static"), name="console-static"),
        *home.routes,
        *applications.routes,
        *resources.routes,
        *roles.routes,
        *users.routes,
        *organizations.routes,
        *connectors.routes,
        *sign_in_exp.routes,
        *hooks.routes,
        *logs.routes,
    ],
    default=_not_found,
)
