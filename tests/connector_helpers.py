"""Shared pieces of the connector tests: a server with the development connector's record files,
an SMTP server (aiosmtpd) and an HTTP receiver, both started by the test."""

from __future__ import annotations

import email
import email.policy
import json
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

import httpx

from tests.conftest import fresh_server
from tests.server import Server, free_port

TEMPLATES = [
    {"usageType": t, "contentType": "text/plain", "subject": f"{t} code", "content": f"{t}: your code is {{{{code}}}}"}
    for t in ("Register", "SignIn", "ForgotPassword", "Generic")
]


@contextmanager
def dev_server(backend: str) -> Iterator[tuple[Server, Path]]:
    folder = Path(tempfile.mkdtemp(prefix="authkeep-dev-connector-"))
    try:
        with fresh_server(backend, {"AUTHKEEP_DEV_CONNECTOR_DIR": str(folder)}) as srv:
            yield srv, folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def client(srv: Server) -> httpx.Client:
    return httpx.Client(base_url=srv.base_url, headers={"Authorization": f"Bearer {srv.token()}"}, timeout=30)


def dev_record(folder: Path, kind: str = "email") -> dict[str, Any]:
    return json.loads((folder / f"mock_{kind}_record.txt").read_text())


class SmtpInbox:
    """aiosmtpd on a free port; `messages` holds the parsed e-mails it received."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[email.message.EmailMessage] = []
        inbox = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                inbox.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))  # type: ignore[arg-type]
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> Self:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    def last_code(self) -> str:
        body = self.messages[-1].get_body(("plain",)).get_content()  # type: ignore[union-attr]
        found = re.search(r"\b(\d{6})\b", body)
        assert found, body
        return found.group(1)


class HttpReceiver:
    """A local HTTP server recording the JSON bodies and Authorization headers it receives;
    answers `status`."""

    def __init__(self, status: int = 200) -> None:
        self.requests: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                size = int(self.headers.get("Content-Length", 0))
                receiver.requests.append(
                    {"path": self.path, "authorization": self.headers.get("Authorization"), "json": json.loads(self.rfile.read(size))}
                )
                self.send_response(receiver.status)
                self.end_headers()
                self.wfile.write(b"receiver says no" if receiver.status >= 400 else b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.status = status
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"

    def __enter__(self) -> Self:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def run_sql(srv: Server, statement: str) -> None:
    """Changes stored data behind the server's back (to age a code without waiting)."""
    if srv.backend == "sqlite":
        import sqlite3

        with sqlite3.connect(srv.database_url.removeprefix("sqlite:///")) as conn:
            conn.execute(statement)
        return
    import asyncio

    import asyncpg

    async def go() -> None:
        conn = await asyncpg.connect(srv.database_url)
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(go())
