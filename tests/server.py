"""Start real authkeep servers (subprocess + real database) for black-box HTTP tests."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
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
# Server logs live outside /tmp; conftest removes the ones a passing session wrote.
LOG_DIR = Path(os.environ.get("AUTHKEEP_TEST_LOG_DIR") or Path(__file__).resolve().parents[1] / "build" / "test-logs")
LOGS: list[Path] = []
# Each test server's connection budget (docs/configuration.md): the suite runs on shared PostgreSQL.
TEST_POOL_SIZE = "6"


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
                self.proc.wait(10)
        scratch = _scratch_dir(self.database_url)
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)

    def wait_ready(self, timeout: float = 60) -> Server:
        """Until `/api/status` answers; raises with the server's log if it exits or never does."""
        assert self.proc is not None and self.log_path is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"authkeep exited early:\n{self.log_path.read_text()}")
            try:
                if httpx.get(f"{self.base_url}/api/status", timeout=1).status_code == 204:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"authkeep did not start:\n{self.log_path.read_text()}")


def _scratch_dir(database_url: str) -> Path | None:
    """A SQLite database in a throwaway `authkeep-*` directory of the temp dir dies with its server
    (tests create those with tempfile.mkdtemp); anything else is the caller's."""
    if not database_url.startswith("sqlite"):
        return None
    folder = Path(database_url.split("///", 1)[-1]).parent
    temp = Path(tempfile.gettempdir())
    if folder.parent == temp and folder.name.startswith("authkeep-"):
        return folder
    return None


def start_server(backend: str, database_url: str, extra_env: dict[str, str] | None = None) -> Server:
    return launch_server(backend, database_url, extra_env).wait_ready()


def launch_server(backend: str, database_url: str, extra_env: dict[str, str] | None = None) -> Server:
    """Start a server process without waiting for it (see `Server.wait_ready`)."""
    port = free_port()
    client_id = "bootstrap" + secrets.token_hex(6)
    client_secret = secrets.token_urlsafe(24)
    secret_key = secrets.token_urlsafe(32)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_fd, log_name = tempfile.mkstemp(prefix=f"authkeep-{backend}-", suffix=".log", dir=LOG_DIR)
    LOGS.append(Path(log_name))
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
        **({} if backend == "bench" else {"AUTHKEEP_DATABASE_POOL_SIZE": TEST_POOL_SIZE}),  # bench: the default
        **(extra_env or {}),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "authkeep.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log_fd,
        stderr=subprocess.STDOUT,
    )
    os.close(log_fd)
    return Server(backend, f"http://127.0.0.1:{port}", client_id, client_secret, database_url, secret_key, proc, Path(log_name), env)
