"""uvicorn's httptools protocol, sending each response with one write instead of two.

uvicorn writes a response's head and its body with separate `transport.write` calls: two `send`
syscalls and, on a keep-alive connection with TCP_NODELAY, two packets. On loopback the kernel
delivers each packet to the receiver inside the sender's syscall, and a profile of the uncached
lists put 15-40 % of a worker's busy time in those two writes (docs/performance.md, "Without the
cache"). Writes made in one event-loop step are joined and sent once at the end of the step;
nothing waits longer than that, and once 64 KiB are waiting they go out at once (the transport's
own flow control then applies as before).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

FLUSH_AT = 64 * 1024


class OneWrite:
    """A transport that joins the writes of one loop step (everything else passes through)."""

    __slots__ = ("_loop", "_parts", "_size", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._parts: list[bytes] = []
        self._size = 0

    def write(self, data: bytes) -> None:
        if not self._parts:
            self._loop.call_soon(self.flush)
        self._parts.append(data)
        self._size += len(data)
        if self._size >= FLUSH_AT:  # a large body (or a stream) goes out at once, under flow control
            self.flush()

    def flush(self) -> None:
        parts, self._parts, self._size = self._parts, [], 0
        if parts and not self._transport.is_closing():
            self._transport.write(parts[0] if len(parts) == 1 else b"".join(parts))

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class Protocol(HttpToolsProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(OneWrite(transport, self.loop))  # type: ignore[arg-type]
