"""Anonymous endpoints: health and the OpenAPI document."""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from pathlib import Path

from starlette.responses import Response

from authkeep import dberrors
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.store.health import database_ready

router = ApiRouter(policy="public")
_DOCS = Path(__file__).resolve().parent.parent / "openapi"


@lru_cache(maxsize=4)
def _document(name: str) -> tuple[bytes, str]:
    body = (_DOCS / f"{name}.json").read_bytes()
    digest = base64.b64encode(hashlib.sha1(body, usedforsecurity=False).digest()).decode()[:27]
    return body, f'"{len(body):x}-{digest}"'


@router.get("/status", status=204, cache=False)
async def status(_ctx: Ctx) -> None:
    return None


@router.get("/status/ready", status=204, cache=False)
async def ready(ctx: Ctx) -> None:
    """Readiness: 204 when the database answers, else 503 with Retry-After. `/status` is liveness."""
    if not await database_ready(ctx.db):
        raise dberrors.unavailable()


@router.get("/swagger.json", cache=False)
@router.get("/.well-known/management.openapi.json", cache=False)
async def openapi_document(_ctx: Ctx) -> Response:
    return _served("management")


@router.get("/.well-known/experience.openapi.json", cache=False)
async def experience_document(_ctx: Ctx) -> Response:
    return _served("experience")


@router.get("/.well-known/user.openapi.json", cache=False)
async def user_document(_ctx: Ctx) -> Response:
    """The Account (`/api/my-account`) and Verification (`/api/verifications`) APIs."""
    return _served("user")


def _served(name: str) -> Response:
    body, etag = _document(name)  # tagged once here rather than hashed on every request
    return Response(body, media_type="application/json; charset=utf-8", headers={"ETag": etag})
