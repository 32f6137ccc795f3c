"""`GET /api/status/ready`: 204 when the database answers, 503 (Logto's error shape, Retry-After)
when it does not. `GET /api/status` stays a liveness check that touches nothing."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from authkeep import dberrors
from authkeep.store.health import database_ready
from authkeep.web import json_response


async def ready(request: Request) -> Response:
    if await database_ready(request.app.state.authkeep.db):
        return Response(status_code=204)
    error = dberrors.unavailable()
    return json_response(error.body(), error.status, error.headers)
