"""The outermost ASGI layer: refuse an over-large request head before anything reads it.

uvicorn's httptools parser has no limit of its own, so a 1 MB `Authorization` header would reach
the bearer verifier and a 60 KB query the search and the `Link` builder. Node, under Logto,
refuses a head (request line + headers) over 16 KiB with 431; so do we, with a JSON body.
"""

from __future__ import annotations

from typing import Any

from authkeep.web import JSON_TYPE, dumps

MAX_HEAD_BYTES = 16 * 1024

_BODY = dumps(
    {"code": "request.header_fields_too_large", "message": "The request line or headers are too large."}
)


def head_size(scope: dict[str, Any]) -> int:
    size = len(scope.get("raw_path") or scope.get("path", "").encode()) + len(scope.get("query_string", b""))
    return size + sum(len(name) + len(value) + 4 for name, value in scope.get("headers", ()))


class HeadLimit:
    def __init__(self, app: Any, limit: int = MAX_HEAD_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or head_size(scope) <= self.limit:
            await self.app(scope, receive, send)
            return
        await send(
            {
                "type": "http.response.start",
                "status": 431,
                "headers": [
                    (b"content-type", JSON_TYPE.encode()),
                    (b"content-length", str(len(_BODY)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": _BODY})
