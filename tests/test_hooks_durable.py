"""Webhook delivery survives SIGKILL and is done once across instances sharing a database."""

from __future__ import annotations

import collections
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import fresh_server, unique
from tests.hook_receiver import receiver
from tests.server import Server, launch_server


def _sibling(srv: Server) -> Server:
    """Another server process on the same database and secret key."""
    same = {
        "AUTHKEEP_SECRET_KEY": srv.secret_key,
        "AUTHKEEP_BOOTSTRAP_CLIENT_ID": srv.client_id,
        "AUTHKEEP_BOOTSTRAP_CLIENT_SECRET": srv.client_secret,
    }
    other = launch_server(srv.backend, srv.database_url, same).wait_ready()
    other.client_id, other.client_secret = srv.client_id, srv.client_secret
    return other


def _client(srv: Server) -> httpx.Client:
    return httpx.Client(base_url=srv.base_url, headers={"Authorization": f"Bearer {srv.token()}"}, timeout=30)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_sigkill_between_commit_and_delivery_still_delivers(backend: str) -> None:
    with receiver() as rec, fresh_server(backend) as srv:
        rec.statuses[:] = [503] * 1000  # the endpoint is down while the first server runs
        with _client(srv) as api:
            hook = api.post("/api/hooks", json={"events": ["Role.Created"], "config": {"url": rec.url}}).json()
            role = api.post("/api/roles", json={"name": unique("role"), "description": "d"}).json()
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not api.get(f"/api/hooks/{hook['id']}/recent-logs?page=1").json():
                time.sleep(0.05)  # until one attempt failed: committed, not delivered
        assert srv.proc is not None
        srv.proc.send_signal(signal.SIGKILL)
        srv.proc.wait(10)
        rec.statuses.clear()
        again = _sibling(srv)
        try:
            [got] = rec.wait(1, timeout=30, event="Role.Created")
            assert got.json["data"] == role and got.signed_by(hook["signingKey"])
            time.sleep(1.5)
            assert len(rec.of()) == 1
        finally:
            again.stop()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_two_instances_deliver_each_event_once(backend: str) -> None:
    with receiver() as rec, fresh_server(backend) as first:
        second = _sibling(first)
        try:
            with _client(first) as a, _client(second) as b:
                a.post("/api/hooks", json={"events": ["Role.Created"], "config": {"url": rec.url}})
                ids = []
                for i in range(40):
                    api = a if i % 2 else b
                    ids.append(api.post("/api/roles", json={"name": unique("r"), "description": "d"}).json()["id"])
                rec.wait(40, timeout=60)
                time.sleep(2)
                counts = collections.Counter(r.json["data"]["id"] for r in rec.of())
                assert set(counts) == set(ids) and set(counts.values()) == {1}
        finally:
            second.stop()


def _deliverers(parent: int) -> list[int]:
    """The webhook deliverer processes (hooks/deliverer.py) `authkeep serve` started as `parent`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == parent and b"authkeep.hooks.deliverer" in cmdline:
            found.append(int(entry.name))
    return found


def _wait_for(check: Callable[[], Any], timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := check()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_killed_deliverer_is_restarted_and_nothing_is_lost(backend: str) -> None:
    with receiver() as rec, fresh_server(backend) as srv, _client(srv) as api:
        assert srv.proc is not None
        [first] = _wait_for(lambda: _deliverers(srv.proc.pid))
        hook = api.post("/api/hooks", json={"events": ["Role.Created"], "config": {"url": rec.url}}).json()
        before = api.post("/api/roles", json={"name": unique("role"), "description": "d"}).json()
        rec.wait(1, timeout=30, event="Role.Created")
        os.kill(first, signal.SIGKILL)
        # Raised while the deliverer is down or just back: handed over again or claimed from the outbox.
        during = [api.post("/api/roles", json={"name": unique("role"), "description": "d"}).json() for _ in range(5)]
        [second] = _wait_for(lambda: [p for p in _deliverers(srv.proc.pid) if p != first])
        after = api.post("/api/roles", json={"name": unique("role"), "description": "d"}).json()
        got = rec.wait(7, timeout=30, event="Role.Created")
        assert sorted(r.json["data"]["id"] for r in got) == sorted(r["id"] for r in [before, *during, after])
        assert all(r.json["data"] == role for r in got for role in [before, *during, after] if r.json["data"]["id"] == role["id"])
        assert all(r.signed_by(hook["signingKey"]) for r in got)
        srv.proc.send_signal(signal.SIGKILL)  # the deliverer dies with its server, however it dies
        srv.proc.wait(10)
        assert _wait_for(lambda: not _alive(second), timeout=15)


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _outbox_ready(srv: Server) -> list[bool]:
    """`hook_outbox.ready` of every row, read straight from the database."""
    if srv.backend == "sqlite":
        import sqlite3

        with sqlite3.connect(srv.database_url.removeprefix("sqlite:///")) as conn:
            return [bool(r[0]) for r in conn.execute("SELECT ready FROM hook_outbox")]
    import asyncio

    import asyncpg

    async def read() -> list[bool]:
        conn = await asyncpg.connect(srv.database_url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            return [r["ready"] for r in await conn.fetch("SELECT ready FROM hook_outbox")]
        finally:
            await conn.close()

    return asyncio.run(read())


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_committed_rows_reach_the_deliverer_over_its_socket(backend: str) -> None:
    """The request hands its rows to the deliverer in memory; had the socket failed, the request
    would have written its answer to the rows (`ready`) for the claim loop instead."""
    with receiver() as rec, fresh_server(backend) as srv, _client(srv) as api:
        assert srv.proc is not None
        [deliverer] = _wait_for(lambda: _deliverers(srv.proc.pid))
        hook = api.post("/api/hooks", json={"events": ["Role.Created"], "config": {"url": rec.url}}).json()
        api.post("/api/roles", json={"name": unique("role"), "description": "d"})
        rec.wait(1, timeout=30, event="Role.Created")  # connected and warm
        os.kill(deliverer, signal.SIGSTOP)
        try:
            role = api.post("/api/roles", json={"name": unique("role"), "description": "d"}).json()
            time.sleep(0.5)
            assert _outbox_ready(srv) == [False]  # handed over, not yet delivered
        finally:
            os.kill(deliverer, signal.SIGCONT)
        got = rec.wait(2, timeout=30, event="Role.Created")
        assert got[-1].json["data"] == role and got[-1].signed_by(hook["signingKey"])
        assert _wait_for(lambda: _outbox_ready(srv) == [], timeout=10)
