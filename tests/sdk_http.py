"""Test helpers for the SDK: a scripted HTTP server on a real socket and counting transports."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

# --------------------------------------------------------------------------- transports


class CountingTransport(httpx.BaseTransport):
    """Wraps the real transport and counts requests per path (sync)."""

    def __init__(self, inner: httpx.BaseTransport | None = None) -> None:
        self.inner = inner or httpx.HTTPTransport()
        self.paths: Counter[str] = Counter()
        self.requests: list[httpx.Request] = []
        self.responses: list[httpx.Response] = []
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.paths[request.url.path] += 1
            self.requests.append(request)
        response = self.inner.handle_request(request)
        with self._lock:
            self.responses.append(response)
        return response

    def close(self) -> None:
        self.inner.close()

    @property
    def token_requests(self) -> int:
        return self.paths["/oidc/token"]

    def api_requests(self) -> int:
        return sum(n for path, n in self.paths.items() if path.startswith("/api/"))


class AsyncCountingTransport(httpx.AsyncBaseTransport):
    """Wraps the real transport and counts requests per path (async)."""

    def __init__(self, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self.inner = inner or httpx.AsyncHTTPTransport()
        self.paths: Counter[str] = Counter()
        self.requests: list[httpx.Request] = []
        self.responses: list[httpx.Response] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths[request.url.path] += 1
        self.requests.append(request)
        response = await self.inner.handle_async_request(request)
        self.responses.append(response)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()

    @property
    def token_requests(self) -> int:
        return self.paths["/oidc/token"]

    def api_requests(self) -> int:
        return sum(n for path, n in self.paths.items() if path.startswith("/api/"))


# ----------------------------------------------------------------------- scripted server


@dataclass
class Seen:
    """A request as the scripted server received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    @property
    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    status: int = 200
    body: bytes | str | Any = b""
    headers: Sequence[tuple[str, str]] = ()
    reason: str | None = None

    def encoded(self) -> tuple[bytes, list[tuple[str, str]]]:
        headers = [(k, v) for k, v in self.headers if k.lower() != "content-length"]
        if isinstance(self.body, bytes):
            data = self.body
        elif isinstance(self.body, str):
            data = self.body.encode()
        else:
            data = json.dumps(self.body).encode()
            if not any(k.lower() == "content-type" for k, _ in headers):
                headers.append(("Content-Type", "application/json; charset=utf-8"))
        return data, headers


DROP = Reply(status=0)
"""Close the connection without answering (the client sees a protocol/read error)."""


def json_reply(status: int, body: Any, *headers: tuple[str, str]) -> Reply:
    return Reply(status, body, list(headers))


def token_reply(value: str = "tok", expires_in: int = 3600, scope: str | None = "all") -> Reply:
    body: dict[str, Any] = {"access_token": value, "expires_in": expires_in, "token_type": "Bearer"}
    if scope is not None:
        body["scope"] = scope
    return json_reply(200, body, ("Cache-Control", "no-store"))


Responder = Callable[[Seen], Reply]


@dataclass
class _Route:
    method: str
    path: str
    query: Mapping[str, str] | None
    replies: list[Reply | Responder]
    hits: int = 0


@dataclass
class ScriptedServer:
    """An HTTP/1.1 server on 127.0.0.1 answering scripted replies per route.

    `on(method, path, *replies)` queues replies; the last one repeats. Each reply is a `Reply`
    or a callable taking the `Seen` request. Unrouted requests go to `fallback`, or get a
    plain-text 404.
    """

    routes: list[_Route] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    fallback: Responder | None = None
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def on(
        self,
        method: str,
        path: str,
        *replies: Reply | Responder,
        query: Mapping[str, str] | None = None,
    ) -> _Route:
        route = _Route(method.upper(), path, query, list(replies))
        with self._lock:
            self.routes.insert(0, route)
        return route

    def requests_to(self, path: str, method: str | None = None) -> list[Seen]:
        return [s for s in self.seen if s.path == path and (method is None or s.method == method)]

    def _dispatch(self, seen: Seen) -> Reply:
        with self._lock:
            self.seen.append(seen)
            for route in self.routes:
                if route.method != seen.method or route.path != seen.path:
                    continue
                if route.query is not None and any(
                    seen.query.get(k) != [v] for k, v in route.query.items()
                ):
                    continue
                reply = route.replies[min(route.hits, len(route.replies) - 1)]
                route.hits += 1
                break
            else:
                if self.fallback is not None:
                    return self.fallback(seen)
                return Reply(404, "Not Found", [("Content-Type", "text/plain; charset=utf-8")])
        return reply(seen) if callable(reply) else reply

    def start(self) -> ScriptedServer:
        scripted = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                split = urlsplit(self.path)
                seen = Seen(
                    self.command,
                    split.path,
                    parse_qs(split.query, keep_blank_values=True),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                reply = scripted._dispatch(seen)
                if reply.status == 0:
                    self.close_connection = True
                    return
                data, headers = reply.encoded()
                self.send_response(reply.status, reply.reason)
                for key, value in headers:
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def scripted_server() -> Iterator[ScriptedServer]:
    """Body of a pytest fixture: a started server, stopped afterwards."""
    server = ScriptedServer().start()
    try:
        yield server
    finally:
        server.stop()


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (connection refused)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
