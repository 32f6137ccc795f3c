"""Webhook delivery survives SIGKILL and is done once across instances sharing a database."""

from __future__ import annotations

import collections
import signal
import time

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
