"""PLACEHOLDER (OIDC branch): the pages engineer's consent page replaces this file at merge.
`/consent` calls `consent_page(request)` for third-party apps; the page reads
`GET /api/interaction/consent` and submits `POST /api/interaction/consent`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response


async def consent_page(request: Request) -> Response:
    return HTMLResponse(
        "<!doctype html><title>Consent</title><p>This application asks for access to your account.</p>",
        headers={"Cache-Control": "no-store"},
    )
