"""/metrics over HTTP: names and labels, counts that move, route templates, access control, no
secrets in labels, and two workers' counts summed in one scrape (docs/operations.md, "Metrics")."""

from __future__ import annotations

import asyncio
import re
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import fresh_server
from tests.server import MGMT, Server

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(server: Server, **headers: str) -> str:
    res = httpx.get(f"{server.base_url}/metrics", headers=headers)
    assert res.status_code == 200, res.text
    assert res.headers["content-type"].startswith("text/plain; version=")
    return res.text


def samples(text: str) -> Samples:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(found: Samples, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


def requests(found: Samples, route: str, status: str, method: str = "GET") -> float:
    return value(found, "authkeep_http_requests_total", method=method, route=route, status=status)


@pytest.fixture(scope="module")
def srv(own_server: Server) -> Server:
    return own_server


@pytest.fixture(scope="module")
def headers(srv: Server) -> dict[str, str]:
    return {"Authorization": f"Bearer {srv.token()}"}


def test_names_types_and_labels(srv: Server, headers: dict[str, str]) -> None:
    httpx.get(f"{srv.base_url}/api/applications", headers=headers)
    families = {f.name: f for f in text_string_to_metric_families(scrape(srv))}
    kinds = {name: families[name].type for name in families if name.startswith("authkeep_")}
    assert kinds == {
        "authkeep_http_requests": "counter",
        "authkeep_http_request_duration_seconds": "histogram",
        "authkeep_tokens_issued": "counter",
        "authkeep_rate_limit_rejections": "counter",
        "authkeep_response_cache_lookups": "counter",
        "authkeep_db_pool_connections": "gauge",
        "authkeep_hook_delivery_lag_seconds": "gauge",
    }
    labels = {name: {frozenset(s.labels) for s in families[name].samples} for name in kinds}
    assert labels["authkeep_http_requests"] == {frozenset({"method", "route", "status"})}
    assert frozenset({"method", "route", "le"}) in labels["authkeep_http_request_duration_seconds"]
    assert labels["authkeep_tokens_issued"] == {frozenset({"grant_type"})}
    assert labels["authkeep_rate_limit_rejections"] == {frozenset({"scope"})}
    assert labels["authkeep_response_cache_lookups"] == {frozenset({"result"})}
    pools = {(s.labels["pool"], s.labels["state"]) for s in families["authkeep_db_pool_connections"].samples}
    assert {("engine", "in_use"), ("engine", "idle"), ("engine", "max")} <= pools
    if srv.backend == "postgres":  # the raw asyncpg pool of hot reads opens on the first token check
        assert ("reads", "max") in pools
    assert labels["authkeep_hook_delivery_lag_seconds"] == {frozenset()}


def test_counts_move(srv: Server, headers: dict[str, str]) -> None:
    before = samples(scrape(srv))
    for _ in range(3):
        assert httpx.get(f"{srv.base_url}/api/applications", headers=headers).status_code == 200
    srv.token()
    after = samples(scrape(srv))
    assert requests(after, "/api/applications", "200") - requests(before, "/api/applications", "200") == 3
    hist = "authkeep_http_request_duration_seconds_count"
    route = {"method": "GET", "route": "/api/applications"}
    assert value(after, hist, **route) - value(before, hist, **route) == 3
    total = "authkeep_http_request_duration_seconds_sum"
    assert value(after, total, **route) > value(before, total, **route)
    lookups = "authkeep_response_cache_lookups_total"
    moved = sum(value(after, lookups, result=r) - value(before, lookups, result=r) for r in ("hit", "miss"))
    assert moved == 3
    assert value(after, lookups, result="hit") - value(before, lookups, result="hit") >= 2
    tokens = "authkeep_tokens_issued_total"
    assert value(after, tokens, grant_type="client_credentials") - value(before, tokens, grant_type="client_credentials") == 1
    assert requests(after, "/oidc/token", "200", "POST") - requests(before, "/oidc/token", "200", "POST") == 1


def test_token_requests_in_json(srv: Server) -> None:
    before = samples(scrape(srv))
    auth = (srv.client_id, srv.client_secret)
    for grant in ("client_credentials", ["client_credentials"]):
        body = {"grant_type": grant, "resource": MGMT, "scope": "all"}
        assert httpx.post(f"{srv.base_url}/oidc/token", json=body, auth=auth).status_code == 200
    after = samples(scrape(srv))
    tokens = "authkeep_tokens_issued_total"
    assert value(after, tokens, grant_type="client_credentials") - value(before, tokens, grant_type="client_credentials") == 2


def test_routes_are_templates_not_ids(srv: Server, headers: dict[str, str]) -> None:
    ids = [secrets.token_hex(8) for _ in range(4)]
    assert httpx.get(f"{srv.base_url}/api/users/{ids[0]}", headers=headers).status_code == 404
    assert httpx.get(f"{srv.base_url}/api/roles/{ids[1]}/scopes", headers=headers).status_code == 404
    assert httpx.get(f"{srv.base_url}/api/{ids[2]}", headers=headers).status_code == 404
    assert httpx.get(f"{srv.base_url}/{ids[3]}").status_code == 404
    assert httpx.request("PROPFIND", f"{srv.base_url}/api/status").status_code == 405
    text = scrape(srv)
    found = samples(text)
    assert requests(found, "/api/users/{userId}", "404") >= 1
    assert requests(found, "/api/roles/{id}/scopes", "404") >= 1
    assert requests(found, "/api/*", "404") >= 1
    assert requests(found, "(unmatched)", "404") >= 1
    assert requests(found, "/api/status", "405", method="OTHER") >= 1
    assert not any(i in text for i in ids) and "PROPFIND" not in text


def test_no_secret_or_token_in_any_label(srv: Server) -> None:
    form = {"grant_type": "client_credentials", "resource": MGMT, "scope": "all"}
    res = httpx.post(f"{srv.base_url}/oidc/token", data=form, auth=(srv.client_id, srv.client_secret))
    token = res.json()["access_token"]
    wrong = secrets.token_urlsafe(18)
    assert httpx.post(f"{srv.base_url}/oidc/token", data=form, auth=(srv.client_id, wrong)).status_code == 401
    odd = {**form, "grant_type": "x" + secrets.token_hex(6)}
    httpx.post(f"{srv.base_url}/oidc/token", data=odd, auth=(srv.client_id, srv.client_secret))
    httpx.get(f"{srv.base_url}/api/applications", headers={"Authorization": f"Bearer {token}"})
    text = scrape(srv)
    for secret in (srv.client_secret, wrong, token, token[:20], srv.secret_key, odd["grant_type"]):
        assert secret not in text
    grants = {s.labels["grant_type"] for f in text_string_to_metric_families(text) for s in f.samples
              if f.name == "authkeep_tokens_issued"}
    assert grants <= {"client_credentials", "other"}


def _sql(server: Server, statement: str, *args: Any) -> Any:
    if server.backend == "sqlite":
        with sqlite3.connect(server.database_url.split("///", 1)[1]) as conn:
            return conn.execute(re.sub(r"\$\d", "?", statement).replace("::jsonb", ""), args).fetchall()

    async def run() -> Any:
        conn = await asyncpg.connect(server.database_url)
        try:
            return await conn.fetch(statement, *args)
        finally:
            await conn.close()

    return asyncio.run(run())


def test_hook_delivery_lag(srv: Server, headers: dict[str, str]) -> None:
    hook = httpx.post(f"{srv.base_url}/api/hooks", headers=headers, json={
        "name": "lag", "events": ["Role.Created"], "config": {"url": "https://hooks.example.com/lag"},
    })
    assert hook.status_code == 201, hook.text
    now = int(time.time() * 1000)
    # A delivery due 60 s ago whose request has not finished yet: due, but not the worker's to take.
    _sql(srv, "INSERT INTO hook_outbox (tenant_id, hook_id, event, context, ready, attempts, due_at, created_at) "
              "VALUES ('default', $1, 'Role.Created', '{}'::jsonb, false, 0, $2, $3)", hook.json()["id"], now - 60_000, now)
    try:
        deadline = time.monotonic() + 8  # a reading is reused for 5 s
        lag = 0.0
        while lag < 60 and time.monotonic() < deadline:
            lag = value(samples(scrape(srv)), "authkeep_hook_delivery_lag_seconds")
            time.sleep(0.5)
        assert 60 <= lag < 120
    finally:
        _sql(srv, "DELETE FROM hook_outbox WHERE hook_id = $1", hook.json()["id"])
        httpx.delete(f"{srv.base_url}/api/hooks/{hook.json()['id']}", headers=headers)


def test_a_request_relayed_by_a_local_proxy_is_not_local(srv: Server) -> None:
    for header in ({"X-Forwarded-For": "127.0.0.1"}, {"X-Forwarded-For": "203.0.113.7"}, {"Via": "1.1 proxy"},
                   {"Forwarded": "for=127.0.0.1"}, {"X-Real-IP": "127.0.0.1"}):
        assert httpx.get(f"{srv.base_url}/metrics", headers=header).status_code == 403, header


def test_bearer_secret_and_allow_list_and_rejections_counted() -> None:
    secret = secrets.token_urlsafe(24)
    env = {
        "AUTHKEEP_METRICS_ALLOW": "203.0.113.0/24",
        "AUTHKEEP_METRICS_TOKEN": secret,
        "AUTHKEEP_TOKEN_RATE_LIMIT": "2/minute",
    }
    with fresh_server("sqlite", env) as server:
        url = f"{server.base_url}/metrics"
        assert httpx.get(url).status_code == 403  # loopback is no longer listed
        assert httpx.get(url, headers={"Authorization": f"Bearer {secret}x"}).status_code == 403
        assert httpx.get(url, headers={"Authorization": secret}).status_code == 403
        # uvicorn takes the client address from X-Forwarded-For sent by a proxy on 127.0.0.1
        assert httpx.get(url, headers={"X-Forwarded-For": "198.51.100.7"}).status_code == 403
        assert httpx.get(url, headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 200
        assert httpx.get(url, headers={"Authorization": f"bearer {secret}"}).status_code == 200
        form = {"grant_type": "client_credentials", "resource": MGMT, "scope": "all"}
        auth = (server.client_id, server.client_secret)
        codes = [httpx.post(f"{server.base_url}/oidc/token", data=form, auth=auth).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        text = scrape(server, Authorization=f"Bearer {secret}")
        assert secret not in text
        found = samples(text)
        assert value(found, "authkeep_rate_limit_rejections_total", scope="token") == 1
        assert value(found, "authkeep_tokens_issued_total", grant_type="client_credentials") == 2
        assert requests(found, "/oidc/token", "429", "POST") == 1
        assert requests(found, "/metrics", "403") == 4


def test_off() -> None:
    with fresh_server("sqlite", {"AUTHKEEP_METRICS": "off"}) as server:
        assert httpx.get(f"{server.base_url}/metrics").status_code == 404


def _per_worker(folder: Path, files: str, *parts: str) -> dict[str, float]:
    """Per worker pid, the values it wrote to its own file whose key holds every one of `parts`."""
    counts: dict[str, float] = {}
    for path in folder.glob(files):
        for key, val, _ts, _pos in MmapedDict.read_all_values_from_file(str(path)):
            if all(part in key for part in parts):
                pid = path.stem.rsplit("_", 1)[1]
                counts[pid] = counts.get(pid, 0.0) + val
    return counts


def _status_requests(folder: Path) -> dict[str, float]:
    return _per_worker(folder, "counter_*.db", '"authkeep_http_requests_total"', '"route": "/api/status"')


def test_two_workers_are_summed() -> None:
    """PostgreSQL, the production path with several workers (the summing does not depend on it)."""
    exited = subprocess.Popen(["true"])
    exited.wait()
    stale = Path(tempfile.mkdtemp(prefix=f"authkeep-metrics-{exited.pid}-"))  # as a killed server leaves
    try:
        _two_workers(stale)
    finally:
        shutil.rmtree(stale, ignore_errors=True)


def _two_workers(stale: Path) -> None:
    with fresh_server("postgres", {"AUTHKEEP_WORKERS": "2"}) as server:
        assert server.proc is not None
        assert not stale.exists()  # removed at start
        (folder,) = Path(tempfile.gettempdir()).glob(f"authkeep-metrics-{server.proc.pid}-*")

        deadline = time.monotonic() + 30  # the server answers once one worker is up; wait for both
        while len(list(folder.glob("gauge_livesum_*.db"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)

        def hit(_: int) -> int:  # a new connection each time, so both workers take some
            return httpx.get(f"{server.base_url}/api/status").status_code

        sent = 0
        with ThreadPoolExecutor(8) as pool:
            for _ in range(5):
                assert set(pool.map(hit, range(40))) == {204}
                sent += 40
                time.sleep(1.5)  # each worker writes its counts to its file every second (FLUSH_EVERY)
                if len(_status_requests(folder)) == 2:
                    break
        per_worker = _status_requests(folder)
        assert len(per_worker) == 2 and all(per_worker.values()), per_worker
        assert sum(per_worker.values()) >= sent
        for _ in range(4):  # whichever worker answers the scrape reports both workers' requests
            found = samples(scrape(server))
            assert requests(found, "/api/status", "204") == sum(per_worker.values())
        # Gauges: each worker's pool, summed over the live workers.
        pools = _per_worker(folder, "gauge_livesum_*.db", '"authkeep_db_pool_connections"', '"pool": "engine"',
                            '"state": "max"')
        assert len(pools) == 2 and all(pools.values()), pools
        assert value(found, "authkeep_db_pool_connections", pool="engine", state="max") == sum(pools.values())
    assert not folder.exists()
