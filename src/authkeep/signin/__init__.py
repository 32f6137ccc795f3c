"""The hosted sign-in pages (docs/sign-in-pages.md): `/sign-in`, `/register`, `/forgot-password`,
`/identifier` and the consent page, over the Experience API and Logto's consent API."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from authkeep.signin import pages
from authkeep.signin.web import ASSETS, HERE


class _Static(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers["Cache-Control"] = "public, max-age=300"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


routes: list[BaseRoute] = [
    Route("/sign-in", pages.sign_in, methods=["GET"]),
    Route("/register", pages.register, methods=["GET"]),
    Route("/forgot-password", pages.forgot_password, methods=["GET"]),
    Route("/identifier", pages.identifier, methods=["GET"]),
    Route(f"{ASSETS}/theme.css", pages.theme, methods=["GET"]),
    Mount(ASSETS, app=_Static(directory=HERE / "static"), name="sign-in-assets"),
]
