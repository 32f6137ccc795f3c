"""Start real authkeep servers (subprocess + real database) for black-box HTTP tests."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

PG_ADMIN_URL = os.environ.get("AUTHKEEP_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
MGMT = "https://default.logto.app/api"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pg_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


async def _pg(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def create_pg_database() -> str:
    name = f"authkeep_test_{os.getpid()}_{secrets.token_hex(4)}"
    asyncio.run(_pg(f'CREATE DATABASE "{name}"'))
    return name


def drop_pg_database(name: str) -> None:
    asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@dataclass
class Server:
    backend: str
    base_url: str
    client_id: str
    client_secret: str
    database_url: str
    secret_key: str
    proc: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    env: dict[str, str] = field(default_factory=dict)

    def token(self, client_id: str | None = None, client_secret: str | None = None, **form: str) -> str:
        data = {"grant_type": "client_credentials", "resource": MGMT, "scope": "all", **form}
        response = httpx.post(
            f"{self.base_url}/oidc/token",
            data=data,
            auth=(client_id or self.client_id, client_secret or self.client_secret),
        )
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def start_server(backend: str, database_url: str, extra_env: dict[str, str] | None = None) -> Server:
    port = free_port()
    client_id = "bootstrap" + secrets.token_hex(6)
    client_secret = secrets.token_urlsafe(24)
    secret_key = secrets.token_urlsafe(32)
    log_fd, log_name = tempfile.mkstemp(prefix=f"authkeep-{backend}-", suffix=".log")
    env = {
        **os.environ,
        "AUTHKEEP_DATABASE_URL": database_url,
        "AUTHKEEP_SECRET_KEY": secret_key,
        "AUTHKEEP_BOOTSTRAP_CLIENT_ID": client_id,
        "AUTHKEEP_BOOTSTRAP_CLIENT_SECRET": client_secret,
        "AUTHKEEP_ENDPOINT": f"http://127.0.0.1:{port}",
        "AUTHKEEP_LOG_LEVEL": "warning",
        # The suite sends thousands of requests from one app and IP; limits are tested on their own.
        "AUTHKEEP_RATE_LIMIT": "off",
        "AUTHKEEP_TOKEN_RATE_LIMIT": "off",
        **(extra_env or {}),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "authkeep.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log_fd,
        stderr=subprocess.STDOUT,
    )
    os.close(log_fd)
    server = Server(backend, f"http://127.0.0.1:{port}", client_id, client_secret, database_url, secret_key, proc, Path(log_name), env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"authkeep exited early:\n{Path(log_name).read_text()}")
        try:
            if httpx.get(f"{server.base_url}/api/status", timeout=1).status_code == 204:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"authkeep did not start:\n{Path(log_name).read_text()}")
