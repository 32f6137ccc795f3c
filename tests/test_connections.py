"""The connection budget: one process never holds more PostgreSQL connections than
AUTHKEEP_DATABASE_POOL_SIZE; a database that refuses connections gives 503 + Retry-After in Logto's
error shape (never a 500), readiness says so, and the service recovers on its own."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from authkeep.config import load_settings
from authkeep.dberrors import map_db_error
from authkeep.store.db import DEFAULT_POOL_SIZE, MIN_POOL_SIZE, PoolBudget
from tests.conftest import IN_CI, unique
from tests.server import (
    MGMT,
    PG_ADMIN_URL,
    Server,
    create_pg_database,
    drop_pg_database,
    pg_available,
    start_server,
)

POOL = 6


def test_the_budget_adds_up() -> None:
    assert DEFAULT_POOL_SIZE < 10
    for total in range(MIN_POOL_SIZE, 40):
        b = PoolBudget.split(total)
        assert b.listen + b.notify + b.engine + b.reads + b.writes == b.total == total
        assert min(b.listen, b.notify, b.engine, b.reads, b.writes) >= 1
        assert b.engine >= 2  # a transaction may read through a second connection
    assert PoolBudget.split(1).total == MIN_POOL_SIZE


def test_settings_carry_the_budget_and_the_listen_url() -> None:
    env = {"AUTHKEEP_SECRET_KEY": "k" * 40, "AUTHKEEP_DATABASE_URL": "postgresql://app@pgbouncer:6432/auth",
           "AUTHKEEP_DATABASE_POOL_SIZE": "7", "AUTHKEEP_LISTEN_DATABASE_URL": "postgres://app@db:5432/auth"}
    db = load_settings(env).database()  # builds engines only; connects to nothing
    assert db.budget == PoolBudget.split(7)
    assert db.engine.pool.size() == db.budget.engine  # type: ignore[attr-defined]
    assert (db.engine.url.host, db.engine.url.port) == ("pgbouncer", 6432)
    assert (db.listen_url.host, db.listen_url.port, db.listen_url.database) == ("db", 5432, "auth")
    default = load_settings({"AUTHKEEP_SECRET_KEY": "k" * 40, "AUTHKEEP_DATABASE_URL": "postgresql://app@db/auth"})
    assert default.database_pool_size == DEFAULT_POOL_SIZE
    assert default.database().listen_url == default.database().engine.url


def test_database_errors_are_mapped_by_kind_not_by_input() -> None:
    """Connection trouble is a 503 with Retry-After; a constraint violation stays itself even when
    the bound values read like an outage (they are never inspected)."""
    exc = asyncpg.exceptions
    violation = IntegrityError("INSERT", {"name": "database is locked, connection is closed"},
                               exc.UniqueViolationError("duplicate key value violates unique constraint"))
    mapped = map_db_error(violation)
    assert mapped is not None and (mapped.status, mapped.code) == (422, "entity.unique_integrity_violation")
    outages = [
        OperationalError("SELECT 1", {}, exc.TooManyConnectionsError("sorry, too many clients already")),
        OperationalError("SELECT 1", {}, exc.CannotConnectNowError("the database system is starting up")),
        exc.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        exc.ObjectNotInPrerequisiteStateError('database "x" is not currently accepting connections'),
        ConnectionRefusedError(111, "Connect call failed"),
        PoolTimeout("QueuePool limit of size 3 overflow 0 reached"),
        OperationalError("BEGIN", {}, sqlite3.OperationalError("database is locked")),
    ]
    for outage in outages:
        mapped = map_db_error(outage)
        assert mapped is not None and mapped.status == 503, outage
        assert mapped.code == "request.database_unavailable" and int(mapped.headers["Retry-After"]) >= 1
    assert map_db_error(ValueError("connection is closed")) is None  # not a database error: a 500
    assert map_db_error(OperationalError("SELECT", {}, exc.SyntaxOrAccessError("syntax error"))) is None


async def _admin(sql: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        return await conn.fetch(sql)
    finally:
        await conn.close()


def admin(sql: str) -> list[asyncpg.Record]:
    return asyncio.run(_admin(sql))


@pytest.fixture
def pg_server() -> Iterator[tuple[Server, str]]:
    if not pg_available():
        if IN_CI:
            pytest.fail("PostgreSQL is required in CI")
        pytest.skip("PostgreSQL is not running")
    name = create_pg_database()
    server = start_server("postgres", f"postgresql://postgres@127.0.0.1:5432/{name}",
                          {"AUTHKEEP_DATABASE_POOL_SIZE": str(POOL)})
    try:
        yield server, name
    finally:
        server.stop()
        admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        drop_pg_database(name)


def _connections(name: str, pid: int) -> int:
    """Connections to the database held by process `pid` (not by the webhook deliverer beside it,
    which keeps its own budget): pg_stat_activity's client ports that are sockets of `pid`."""
    ports = _ports_of(pid)
    rows = admin(f"SELECT client_port FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()")
    return sum(1 for row in rows if row["client_port"] in ports)


def _ports_of(pid: int) -> set[int]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[9] in inodes:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def test_a_busy_process_stays_within_its_budget(pg_server: tuple[Server, str]) -> None:
    server, name = pg_server
    assert server.proc is not None
    headers = {"Authorization": f"Bearer {server.token()}"}
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _connections(name, server.proc.pid))
            time.sleep(0.05)

    def work(i: int) -> int:
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as client:
            statuses = 0
            for j in range(6):
                statuses += client.post("/api/roles", json={"name": unique(f"b{i}-{j}"), "description": "x"}).status_code
                statuses += client.get("/api/roles", params={"page_size": 5, "page": j + 1}).status_code
                statuses += client.get("/api/users", params={"search": unique()}).status_code
                statuses += server_token_status(server)
            return statuses

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        with ThreadPoolExecutor(24) as pool:
            totals = list(pool.map(work, range(24)))
    finally:
        stop.set()
        sampler.join()
    assert totals == [6 * 800] * 24  # every request answered 200
    assert 3 <= peak <= POOL, peak


def server_token_status(server: Server) -> int:
    form = {"grant_type": "client_credentials", "resource": MGMT, "scope": "all"}
    return httpx.post(f"{server.base_url}/oidc/token", data=form, auth=(server.client_id, server.client_secret)).status_code


def _assert_unavailable(res: httpx.Response) -> None:
    assert res.status_code == 503, (res.status_code, res.text)
    assert int(res.headers["retry-after"]) >= 1
    assert res.headers["content-type"].startswith("application/json")
    assert res.json()["code"] == "request.database_unavailable"
    assert res.json()["message"]


def test_a_refusing_database_is_503_then_recovers(pg_server: tuple[Server, str]) -> None:
    server, name = pg_server
    headers = {"Authorization": f"Bearer {server.token()}"}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as client:
        assert client.get("/api/status/ready").status_code == 204
        assert client.get("/api/roles").status_code == 200

        # Nobody may connect any more, and every connection the server holds is cut.
        admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        for _ in range(3):  # not only the first request after the cut
            _assert_unavailable(client.get("/api/roles", params={"search": unique()}))
            _assert_unavailable(client.post("/api/roles", json={"name": unique("down"), "description": "x"}))
            form = {"grant_type": "client_credentials", "resource": MGMT, "scope": "all"}
            _assert_unavailable(client.post("/oidc/token", data=form, auth=(server.client_id, server.client_secret)))
            _assert_unavailable(client.get("/api/status/ready"))
            assert client.get("/api/status").status_code == 204  # liveness does not depend on the database
        assert server.proc is not None and server.proc.poll() is None

        admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        deadline = time.monotonic() + 20
        while client.get("/api/status/ready").status_code != 204:
            assert time.monotonic() < deadline, "readiness never came back"
            time.sleep(0.2)
        role = unique("back")
        created = client.post("/api/roles", json={"name": role, "description": "x"})
        assert created.status_code == 200, created.text
        assert client.get(f"/api/roles/{created.json()['id']}").json()["name"] == role
        assert server_token_status(server) == 200
    assert server.log_path is not None
    log = server.log_path.read_text()
    assert "database unavailable" in log
    # A lost database is an expected condition, not a crash: no request ended in a server error.
    assert "unhandled error" not in log and "Exception in ASGI application" not in log
