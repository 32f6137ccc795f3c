"""The response cache: repeated GETs are served from memory, yet a write made through any worker,
any instance or straight into the database is read at once, and a lost change feed turns the
cache off instead of going stale."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from typing import Any

import asyncpg
import httpx
import pytest

from tests.conftest import IN_CI, fresh_server, unique
from tests.server import Server

FEED = "authkeep-changes"  # application_name of the servers' LISTEN connections


def _client(server: Server) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {server.token()}"}, timeout=30)


def _sql(server: Server, statement: str, *args: Any, settings: dict[str, str] | None = None) -> Any:
    if server.backend == "sqlite":
        with sqlite3.connect(server.database_url.split("///", 1)[1]) as conn:
            return conn.execute(statement.replace("$1", "?").replace("$2", "?"), args).fetchall()

    async def run() -> Any:
        conn = await asyncpg.connect(server.database_url, server_settings=settings or {})
        try:
            return await conn.fetch(statement, *args)
        finally:
            await conn.close()

    return asyncio.run(run())


def _rename(server: Server, app_id: str, name: str) -> None:
    """An operator's write straight into the database (psql, sqlite3)."""
    _sql(server, "UPDATE applications SET name = $1 WHERE id = $2", name, app_id)


def _rename_unannounced(server: Server, app_id: str, name: str) -> None:
    """A write in a session that claims to be authkeep's own, so nothing announces it: only the
    TTL or an explicit NOTIFY can make it visible. This shows what the cache holds."""
    _sql(server, "UPDATE applications SET name = $1 WHERE id = $2", name, app_id, settings={"authkeep.app": "on"})


def _feed_pids(server: Server) -> list[int]:
    rows = _sql(server, "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()", FEED)
    return [r["pid"] for r in rows]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_writes_through_any_worker_are_read_at_once(backend: str) -> None:
    with fresh_server(backend, {"AUTHKEEP_WORKERS": "2"}) as server:
        # Separate connections land on both workers; each round reads on one and writes on another.
        clients = [_client(server) for _ in range(6)]
        try:
            for i in range(60):
                reader, writer = clients[i % 6], clients[(i + 3) % 6]
                assert reader.get("/api/roles", params={"page_size": 3}).status_code == 200
                name = unique("coherent")
                role = writer.post("/api/roles", json={"name": name, "description": "d"}).json()
                listed = reader.get("/api/roles", params={"page_size": 3})
                assert role["id"] in [r["id"] for r in listed.json()], f"round {i}: a cached list missed a write"
                assert reader.get(f"/api/roles/{role['id']}").json()["description"] == "d"
                assert writer.patch(f"/api/roles/{role['id']}", json={"description": "e"}).status_code == 200
                assert reader.get(f"/api/roles/{role['id']}").json()["description"] == "e"
                assert writer.delete(f"/api/roles/{role['id']}").status_code == 204
                assert reader.get(f"/api/roles/{role['id']}").status_code == 404
        finally:
            for client in clients:
                client.close()


@pytest.fixture
def pg_server() -> Iterator[Server]:
    with fresh_server("postgres", {"AUTHKEEP_RESPONSE_CACHE_SECONDS": "2"}) as server:
        yield server


def test_writes_straight_into_the_database_are_read_at_once(server: Server) -> None:
    with _client(server) as api:
        app = api.post("/api/applications", json={"name": "first", "type": "MachineToMachine"}).json()
        path, listed = f"/api/applications/{app['id']}", {"search.id": app["id"], "mode.id": "exact"}
        for i in range(20):
            assert api.get(path).json()["name"] == (f"v{i - 1}" if i else "first")
            assert api.get("/api/applications", params=listed).json()[0]["name"] == (f"v{i - 1}" if i else "first")
            _rename(server, app["id"], f"v{i}")  # a trigger (PostgreSQL) or PRAGMA data_version (SQLite)
            assert api.get(path).json()["name"] == f"v{i}", f"round {i}"
            assert api.get("/api/applications", params=listed).json()[0]["name"] == f"v{i}"


def test_every_table_feeds_the_change_trigger(pg_server: Server) -> None:
    tables = {r["tablename"] for r in _sql(pg_server, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    triggered = {
        r["relname"]
        for r in _sql(
            pg_server,
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname = 'authkeep_change_feed'",
        )
    }
    assert len(tables) > 20 and tables - {"alembic_version"} == triggered


def test_repeats_are_cached_until_a_notification_or_the_ttl(pg_server: Server) -> None:
    with _client(pg_server) as api:
        app = api.post("/api/applications", json={"name": "first", "type": "MachineToMachine"}).json()
        path = f"/api/applications/{app['id']}"
        assert api.get(path).json()["name"] == "first"

        _rename_unannounced(pg_server, app["id"], "second")
        assert api.get(path).json()["name"] == "first"  # served from memory
        _sql(pg_server, "SELECT pg_notify('authkeep_changes', 'ops')")
        assert api.get(path).json()["name"] == "second"  # the barrier has seen the NOTIFY

        _rename_unannounced(pg_server, app["id"], "third")
        assert api.get(path).json()["name"] == "second"
        time.sleep(2.1)
        assert api.get(path).json()["name"] == "third"  # AUTHKEEP_RESPONSE_CACHE_SECONDS bounds it


def test_a_read_waits_for_a_notification_still_in_flight(pg_server: Server) -> None:
    """Freeze the server's LISTEN backend so a notification cannot reach it: a cached read must
    wait for it (the barrier) instead of answering what it holds."""
    with _client(pg_server) as api:
        app = api.post("/api/applications", json={"name": "before", "type": "MachineToMachine"}).json()
        path = f"/api/applications/{app['id']}"
        assert api.get(path).json()["name"] == "before"
        (pid,) = _feed_pids(pg_server)
        try:
            os.kill(pid, signal.SIGSTOP)
        except PermissionError:
            if IN_CI:
                raise
            pytest.skip("cannot signal the PostgreSQL backend")
        thaw = threading.Timer(0.5, os.kill, (pid, signal.SIGCONT))
        thaw.start()
        try:
            _rename(pg_server, app["id"], "after")
            started = time.monotonic()
            assert api.get(path).json()["name"] == "after"
            assert time.monotonic() - started >= 0.3
        finally:
            thaw.cancel()
            os.kill(pid, signal.SIGCONT)


def test_a_lost_change_feed_turns_the_cache_off(pg_server: Server) -> None:
    with _client(pg_server) as api:
        app = api.post("/api/applications", json={"name": "before", "type": "MachineToMachine"}).json()
        path = f"/api/applications/{app['id']}"
        assert api.get(path).json()["name"] == "before"
        (pid,) = _feed_pids(pg_server)

        _sql(pg_server, "SELECT pg_terminate_backend($1)", pid)
        time.sleep(0.2)  # the server notices at once and retries after a second
        assert api.get(path).json()["name"] == "before"
        _rename_unannounced(pg_server, app["id"], "while-deaf")
        assert api.get(path).json()["name"] == "while-deaf"  # nothing was cached while deaf

        deadline = time.monotonic() + 10
        while _feed_pids(pg_server) in ([], [pid]):
            assert time.monotonic() < deadline, "the change feed never reconnected"
            time.sleep(0.1)
        time.sleep(0.2)
        assert api.get(path).json()["name"] == "while-deaf"
        _rename_unannounced(pg_server, app["id"], "after")
        assert api.get(path).json()["name"] == "while-deaf"  # caching again once reconnected


def test_cached_answers_keep_paging_etag_and_host(server: Server) -> None:
    with _client(server) as api:
        for _ in range(3):
            api.post("/api/resources", json={"name": unique("rc"), "indicator": f"https://{unique('rc')}.example.com"})
        first = api.get("/api/resources", params={"page_size": 2})
        again = api.get("/api/resources", params={"page_size": 2})
        assert again.content == first.content
        for header in ("etag", "total-number", "content-type"):
            assert again.headers[header] == first.headers[header]
        assert again.headers.get_list("link") == first.headers.get_list("link")

        not_modified = api.get("/api/resources", params={"page_size": 2}, headers={"If-None-Match": first.headers["etag"]})
        assert not_modified.status_code == 304 and not_modified.headers["etag"] == first.headers["etag"]

        # The Link URLs follow the Host the caller used, so Host is part of the cache key.
        other = api.get("/api/resources", params={"page_size": 2}, headers={"Host": "auth.example.com"})
        assert all("//auth.example.com/api/resources?" in link for link in other.headers.get_list("link"))
        assert all(server.base_url in link for link in api.get("/api/resources", params={"page_size": 2}).headers.get_list("link"))
