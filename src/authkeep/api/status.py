"""Anonymous endpoints: health and the OpenAPI document."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

_DOC = Path(__file__).resolve().parent.parent / "openapi" / "management.json"


@lru_cache(maxsize=1)
def _document() -> bytes:
    return _DOC.read_bytes()


async def status(_request: Request) -> Response:
    return Response(status_code=204)


async def openapi_document(_request: Request) -> Response:
    return Response(_document(), media_type="application/json; charset=utf-8")
