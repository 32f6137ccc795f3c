"""Fixtures: one live authkeep per backend (SQLite and PostgreSQL), reached over real HTTP."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.server import (
    LOGS,
    Server,
    create_pg_database,
    drop_pg_database,
    pg_available,
    start_server,
)

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Server logs (build/test-logs) are kept only when something failed, to read why."""
    if exitstatus == 0:
        for path in LOGS:
            path.unlink(missing_ok=True)


@contextmanager
def fresh_server(backend: str, extra_env: dict[str, str] | None = None) -> Iterator[Server]:
    """A server with its own new database, for tests that change global state (keys, limits)."""
    if backend == "postgres":
        if not pg_available():
            if IN_CI:
                pytest.fail("PostgreSQL at 127.0.0.1:5432 is required in CI")
            pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
        name = create_pg_database()
        try:
            srv = start_server(backend, f"postgresql://postgres@127.0.0.1:5432/{name}", extra_env)
            try:
                yield srv
            finally:
                srv.stop()
        finally:
            drop_pg_database(name)
    else:
        tmp = tempfile.mkdtemp(prefix="authkeep-sqlite-")
        srv = start_server(backend, f"sqlite:///{tmp}/authkeep.db", extra_env)
        try:
            yield srv
        finally:
            srv.stop()
            shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    """The shared server: tests on it must not change global state."""
    with fresh_server(request.param) as srv:
        yield srv


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def own_server(request: pytest.FixtureRequest) -> Iterator[Server]:
    """A server for one test module alone."""
    with fresh_server(request.param) as srv:
        yield srv


@pytest.fixture(scope="session")
def token(server: Server) -> str:
    return server.token()


@pytest.fixture
def api(server: Server, token: str) -> Iterator[httpx.Client]:
    """An httpx client with a Management API token, rooted at the server."""
    with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        yield client


@pytest.fixture
def anon(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        yield client


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{secrets.token_hex(5)}"
