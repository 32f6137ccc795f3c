"""The consent page for third-party apps. The OIDC side's `/consent` route calls `consent_page`
once it knows the app is third-party; signin.js reads and answers Logto's consent API
(`GET/POST /api/interaction/consent`) from it."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from authkeep.signin import web

# Scopes the consent page does not list (Logto's consent page hides them too).
HIDDEN_SCOPES = ("openid", "offline_access")


async def consent_page(request: Request) -> Response:
    exp = await web.load(request)
    descriptions = (exp.t.tree.get("user_scopes") or {}).get("descriptions") or {}
    return web.render(
        "consent.html",
        exp,
        page="consent",
        scope_phrases=sorted((k, v) for k, v in descriptions.items() if isinstance(v, str)),
        hidden_scopes=" ".join(HIDDEN_SCOPES),
    )
