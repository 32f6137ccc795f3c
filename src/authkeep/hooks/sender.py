"""A lean HTTP/1.1 POST for webhook delivery: h11 frames the protocol over asyncio streams, with a
small keep-alive pool per origin. httpx spent ~2 ms of CPU per request here (its pool's work grows
with waiting requests x connections); this sends several thousand a second (docs/performance.md).
No proxies, no redirects (as Logto's ky), TLS verified with the system's trust store."""

from __future__ import annotations

import asyncio
import ssl
from urllib.parse import urlsplit

import h11


class SendError(Exception):
    """The request could not be sent or its answer not read (the message says why, no values)."""


Origin = tuple[str, str, int]
MAX_IDLE = 16  # kept-alive connections per origin


class _Conn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.h11 = h11.Connection(h11.CLIENT)

    def close(self) -> None:
        self.writer.close()


class Sender:
    def __init__(self, timeout: float, max_body: int) -> None:
        self.timeout = timeout
        self.max_body = max_body
        self._idle: dict[Origin, list[_Conn]] = {}
        self._tls: ssl.SSLContext | None = None

    def _origin(self, url: str) -> tuple[Origin, str]:
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise SendError("invalid URL") from exc
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SendError("unsupported URL")
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return (parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)), target

    async def _connect(self, origin: Origin) -> _Conn:
        scheme, host, port = origin
        tls = None
        if scheme == "https":
            self._tls = self._tls or ssl.create_default_context()
            tls = self._tls
        try:
            reader, writer = await asyncio.open_connection(host, port, ssl=tls, server_hostname=host if tls else None)
        except (OSError, ssl.SSLError, UnicodeError) as exc:
            raise SendError(f"connection failed: {type(exc).__name__}") from None
        return _Conn(reader, writer)

    async def post(self, url: str, headers: dict[str, str], body: bytes, fresh: bool = False) -> tuple[int, str]:
        """(status, the first `max_body` characters of the answer)."""
        origin, target = self._origin(url)
        idle = self._idle.setdefault(origin, [])
        reused = bool(idle) and not fresh
        conn = idle.pop() if reused else await self._connect(origin)
        try:
            async with asyncio.timeout(self.timeout):
                status, text, keep = await self._exchange(conn, origin, target, headers, body)
        except (SendError, TimeoutError, OSError, h11.ProtocolError, ValueError) as exc:
            conn.close()
            if reused and not isinstance(exc, TimeoutError):  # the server had closed it while idle
                return await self.post(url, headers, body, fresh=True)
            raise SendError(str(exc) if isinstance(exc, SendError) else type(exc).__name__) from None
        if keep and len(idle) < MAX_IDLE:
            conn.h11.start_next_cycle()
            idle.append(conn)
        else:
            conn.close()
        return status, text

    async def _exchange(
        self, conn: _Conn, origin: Origin, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, str, bool]:
        scheme, host, port = origin
        default = 443 if scheme == "https" else 80
        sent = [("host", host if port == default else f"{host}:{port}"), ("content-length", str(len(body)))]
        sent += [(k, v) for k, v in headers.items() if k.lower() not in ("host", "content-length", "transfer-encoding")]
        out = conn.h11.send(h11.Request(method="POST", target=target, headers=sent))
        out += conn.h11.send(h11.Data(data=body)) + conn.h11.send(h11.EndOfMessage())
        conn.writer.write(out)
        await conn.writer.drain()
        status, chunks, size = 0, [], 0
        while True:
            event = conn.h11.next_event()
            if event is h11.NEED_DATA:
                data = await conn.reader.read(65536)
                conn.h11.receive_data(data)
                if not data and conn.h11.their_state is not h11.DONE:
                    raise SendError("connection closed")
                continue
            if isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.Data) and size < self.max_body:
                chunks.append(bytes(event.data))
                size += len(event.data)
            elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
                break
        keep = conn.h11.our_state is h11.DONE and conn.h11.their_state is h11.DONE
        return status, b"".join(chunks)[: self.max_body].decode("utf-8", "replace"), keep

    def close(self) -> None:
        for conns in self._idle.values():
            for conn in conns:
                conn.close()
        self._idle.clear()
