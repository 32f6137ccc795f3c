"""Unhandled errors are logged without the values they carry.

An exception's message can quote what the request sent or what the database held (SQLAlchemy
appends the bound parameters; PostgreSQL quotes offending input), so a log line of a server error
holds the error types, the SQLSTATE, a request id, the route template and the stack frames
(code locations only), never a message.

`ErrorGuard` sits inside Starlette's ServerErrorMiddleware: it answers the 500 itself and does not
re-raise, so uvicorn neither logs the raw traceback nor drops the keep-alive connection.
"""

from __future__ import annotations

import itertools
import logging
import secrets
import traceback
from contextvars import ContextVar
from typing import Any

from authkeep.web import JSON_TYPE, dumps

log = logging.getLogger("authkeep")

_BODY = dumps({"message": "Internal server error."})
# The id of the request being served (set by reqlog.RequestId), carried by its log lines.
current: ContextVar[str | None] = ContextVar("authkeep_request_id", default=None)
_PREFIX = secrets.token_hex(6)  # per process: ids of different instances never collide
_counter = itertools.count(1)


def new_id() -> str:
    return f"{_PREFIX}{next(_counter):08x}"


def describe(exc: BaseException) -> str:
    """Types along the cause chain (with SQLSTATEs) and the innermost frames, no messages."""
    names = []
    seen: BaseException | None = exc
    while seen is not None and len(names) < 6:
        name = f"{type(seen).__module__}.{type(seen).__qualname__}"
        state = getattr(getattr(seen, "orig", None), "sqlstate", None) or getattr(seen, "sqlstate", None)
        names.append(f"{name} (SQLSTATE {state})" if isinstance(state, str) else name)
        seen = seen.__cause__ or seen.__context__
    frames = traceback.extract_tb(exc.__traceback__)
    # Our own frames say where it happened; of the library's, only the one that raised.
    kept = [f for f in frames[:-1] if "/authkeep/" in f.filename][-12:] + frames[-1:]
    return " <- ".join(names) + "".join(f"\n  at {f.filename}:{f.lineno} in {f.name}" for f in kept)


def route_of(scope: dict[str, Any]) -> str:
    route = scope.get("route")
    template = getattr(route, "path", None)
    where = f"{scope.get('root_path', '')}{template}" if template is not None else "(no route)"
    return f"{scope.get('method', '?')} {where}"


class SafeExceptions(logging.Filter):
    """For loggers outside our control (uvicorn's): a record's exception becomes `describe()`."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            record.msg = f"{record.getMessage().strip()} {describe(record.exc_info[1])}"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


def install() -> None:
    for name in ("uvicorn.error", "uvicorn", "authkeep", "sqlalchemy"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, SafeExceptions) for f in logger.filters):
            logger.addFilter(SafeExceptions())


class ErrorGuard:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:  # noqa: BLE001 - the last line of defence: answer 500, log safely
            request_id = current.get()
            if request_id is None:  # not behind reqlog.RequestId: name the request here
                request_id = new_id()
            log.error("server error, request %s, %s: %s", request_id, route_of(scope), describe(exc))
            if started:
                return
            headers = [(b"content-type", JSON_TYPE.encode()), (b"content-length", str(len(_BODY)).encode())]
            if current.get() is None:
                headers.append((b"x-request-id", request_id.encode()))
            await send({"type": "http.response.start", "status": 500, "headers": headers})
            await send({"type": "http.response.body", "body": _BODY})
