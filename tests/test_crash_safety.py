"""Kill an instance with SIGKILL under concurrent writes: every acknowledged write survives and no
relation is half-written."""

from __future__ import annotations

import os
import signal
import threading
import time

import httpx
import pytest

from tests.conftest import IN_CI, unique
from tests.server import create_pg_database, drop_pg_database, pg_available, start_server


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_sigkill_under_write_load(backend: str, tmp_path: object) -> None:
    if backend == "postgres":
        if not pg_available():
            if IN_CI:
                pytest.fail("PostgreSQL is required in CI")
            pytest.skip("PostgreSQL is not running")
        name = create_pg_database()
        url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    else:
        name = None
        url = f"sqlite:///{tmp_path}/crash.db"
    server = start_server(backend, url)
    keep = {k: server.env[k] for k in ("AUTHKEEP_SECRET_KEY", "AUTHKEEP_BOOTSTRAP_CLIENT_ID", "AUTHKEEP_BOOTSTRAP_CLIENT_SECRET")}
    try:
        headers = {"Authorization": f"Bearer {server.token()}"}
        prefix = unique("crash")
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=10) as api:
            res = api.post("/api/resources", json={"name": prefix, "indicator": f"https://{prefix}.example/api"})
            resource_id = res.json()["id"]
            scope_ids = [
                api.post(f"/api/resources/{resource_id}/scopes", json={"name": f"s{i}"}).json()["id"] for i in range(3)
            ]
        acked: list[tuple[str, str]] = []  # (kind, id) of writes that returned 2xx
        lock = threading.Lock()
        stop = threading.Event()

        def writer(n: int) -> None:
            with httpx.Client(base_url=server.base_url, headers=headers, timeout=5) as api:
                i = 0
                while not stop.is_set():
                    i += 1
                    try:
                        res = api.post("/api/roles", json={
                            "name": f"{prefix}-{n}-{i}", "description": "crash test",
                            "type": "MachineToMachine", "scopeIds": scope_ids,
                        })
                    except httpx.HTTPError:
                        return
                    if res.status_code == 200:
                        with lock:
                            acked.append(("role", res.json()["id"]))
                    elif res.status_code >= 500:
                        with lock:
                            acked.append(("5xx", str(res.status_code)))

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        time.sleep(2.0)
        assert server.proc is not None
        os.kill(server.proc.pid, signal.SIGKILL)
        server.proc.wait(10)
        stop.set()
        for t in threads:
            t.join(10)
        assert not [a for a in acked if a[0] == "5xx"]
        roles = [rid for kind, rid in acked if kind == "role"]
        assert len(roles) > 5, "the load did not get going before the kill"

        restarted = start_server(backend, url, keep)
        try:
            restarted.client_id, restarted.client_secret = server.client_id, server.client_secret
            with httpx.Client(base_url=restarted.base_url, headers={"Authorization": f"Bearer {restarted.token()}"}) as api:
                for rid in roles:
                    assert api.get(f"/api/roles/{rid}").status_code == 200, rid
                listed = api.get("/api/roles", params={"search.name": f"{prefix}-%", "page_size": 100})
                total = int(listed.headers["total-number"])
                assert total >= len(roles)
                # Every role that exists, acknowledged or not, holds all three scopes: no half-writes.
                for page in range(1, total // 100 + 2):
                    batch = api.get("/api/roles", params={"search.name": f"{prefix}-%", "page_size": 100, "page": page})
                    for role in batch.json():
                        scopes = api.get(f"/api/roles/{role['id']}/scopes").json()
                        assert sorted(s["id"] for s in scopes) == sorted(scope_ids), role["name"]
        finally:
            restarted.stop()
    finally:
        server.stop()
        if name:
            drop_pg_database(name)
