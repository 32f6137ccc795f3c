"""Request ids and structured logs (docs/operations.md, "Logs and request ids").

`RequestId` gives every HTTP request an id: the incoming `X-Request-Id` when it is sane (1-128
of `A-Z a-z 0-9 . _ : / = + @ -`, as a proxy or load balancer sets it), else a fresh one. The id is
sent back in `X-Request-Id`, and every log line written while the request is served carries it.
With `AUTHKEEP_ACCESS_LOG=on` each request also writes one line: method, route template (never
the raw path or query), status and duration.

Log lines are JSON objects (`AUTHKEEP_LOG_FORMAT=json`, the default) or plain text. A record's
exception is written as logsafe.describe() has it: types and code locations, never a message.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import UTC, datetime
from typing import Any

import orjson

from authkeep.logsafe import current, describe, new_id, route_of

access = logging.getLogger("authkeep.access")
HEADER = b"x-request-id"
_SANE = re.compile(rb"[A-Za-z0-9._:/=+@-]{1,128}")


class RequestId:
    def __init__(self, app: Any, access_log: bool = False) -> None:
        self.app = app
        self.access_log = access_log

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = None
        for name, value in scope["headers"]:
            if name == HEADER:
                raw = value
                break
        rid = raw.decode() if raw is not None and _SANE.fullmatch(raw) else new_id()
        current.set(rid)
        header = (HEADER, rid.encode())
        status = 0

        async def sending(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                # A new list: a cached response's own header list must not grow.
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        if not self.access_log:
            await self.app(scope, receive, sending)
            return
        started = time.perf_counter()
        try:
            await self.app(scope, receive, sending)
        finally:
            ms = round((time.perf_counter() - started) * 1000, 2)
            where = route_of(scope)
            access.info(
                "%s %s %.2f ms", where, status, ms,
                extra={"fields": {"method": scope["method"], "route": where.split(" ", 1)[1], "status": status, "duration_ms": ms}},
            )  # fmt: skip


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = current.get()
        if rid is not None:
            line["request_id"] = rid
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info and record.exc_info[1] is not None:
            line["error"] = describe(record.exc_info[1])
        return orjson.dumps(line).decode()


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        exc, record.exc_info, record.exc_text = record.exc_info, None, None
        text = super().format(record)
        rid = current.get()
        if rid is not None:
            text += f" [request {rid}]"
        if exc and exc[1] is not None:
            text += f" {describe(exc[1])}"
        return text


def logging_config(log_format: str, level: str) -> dict[str, Any]:
    """For `logging.config.dictConfig` and uvicorn's `log_config` (every worker applies it)."""
    formatter = JsonFormatter if log_format == "json" else TextFormatter
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"main": {"()": f"{__name__}.{formatter.__name__}"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "main", "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": False},
            # Access lines are asked for by AUTHKEEP_ACCESS_LOG, whatever the level.
            "authkeep.access": {"level": "INFO"},
        },
    }
