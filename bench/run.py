"""Load benchmark on PostgreSQL: the token endpoint, four Management API lists and a mixed workload.

    make bench            # or: .venv/bin/python bench/run.py [--connections 32] [--duration 10]

Starts authkeep (uvicorn, AUTHKEEP_WORKERS processes) on a fresh PostgreSQL database, seeds 2,000
users (`user<i>`), 40 applications and 40 roles with 5 users each through the API, runs ANALYZE
(the statistics autovacuum would gather within a minute), then drives it
with wrk and prints rps and p50/p99 per scenario. Each list is run first with
AUTHKEEP_RESPONSE_CACHE_SECONDS=0 (the cost of a request that reaches the database), then on a
second server on the same database as served (response cache on, the default), followed by the
token endpoint and the mixed workload (bench/mixed.py: 90 % reads, 10 % writes). One table is
printed at the end.
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.mixed import run_mixed
from tests.server import create_pg_database, drop_pg_database, start_server

BENCH = Path(__file__).resolve().parent


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(url: str, script: str, env: dict[str, str], connections: int, duration: int, threads: int) -> dict[str, float]:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(BENCH / script), url]
    out = subprocess.run(cmd, env={**os.environ, **env}, capture_output=True, text=True, check=True)
    text = out.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", text, re.MULTILINE).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", text, re.MULTILINE).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return {"rps": rps, "p50": p50, "p99": p99, "non2xx": float(errors.group(1)) if errors else 0.0}


def seed(api: httpx.Client, users: int, apps: int, roles: int) -> list[str]:
    """Create the data through the API on a small thread pool; returns the user ids."""

    def post(path: str, body: dict[str, object]) -> dict[str, object]:
        response = api.post(path, json=body)
        response.raise_for_status()
        return response.json() if response.content else {}

    def user(i: int) -> str:
        return str(post("/api/users", {"username": f"user{i}", "name": f"User {i}"})["id"])

    def app(i: int) -> None:
        post("/api/applications", {"name": f"bench-app-{i}", "type": "MachineToMachine"})

    def role(i: int) -> None:
        # Five consecutive users per role, so a role's users page is never empty.
        role_id = post("/api/roles", {"name": f"bench-role-{i}", "description": "bench"})["id"]
        first = i * 5 % users
        post(f"/api/roles/{role_id}/users", {"userIds": user_ids[first:first + 5]})

    t0 = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        user_ids = list(pool.map(user, range(users)))
        list(pool.map(app, range(apps)))
        list(pool.map(role, range(roles)))
    print(f"seeded {users} users, {apps} applications, {roles} roles in {time.monotonic() - t0:.1f}s", flush=True)
    return user_ids


def analyze(url: str) -> None:
    """Planner statistics for the seeded tables, as autovacuum would gather within about a minute:
    without this the first scenarios ran on plans made for empty tables, and which scenarios did
    depended on autovacuum's timing."""
    import asyncio

    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute("ANALYZE")
        finally:
            await conn.close()

    asyncio.run(run())


LISTS = (
    "/api/users?page_size=20",
    "/api/applications?page_size=20",
    "/api/users?search=%25user1%25",
    "/api/roles?page_size=20",
)
ROW = "{:48} {:>9} {:>8} {:>8} {:>8}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=int, default=10)
    # One wrk thread drives >10k rps here; a second only takes CPU from the server it measures.
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("AUTHKEEP_WORKERS", "2")))
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--sqlite", action="store_true", help="bench the embedded SQLite default instead")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is required: apt-get install -y wrk")

    name = None
    if args.sqlite:
        url = f"sqlite:///{BENCH}/results/bench.db"
        (BENCH / "results").mkdir(exist_ok=True)
        Path(url.split("///")[1]).unlink(missing_ok=True)
    else:
        name = create_pg_database()
        url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    # Cache off first, then a second server with the cache on, on the same database; only one runs
    # at a time. The mixed workload runs last, so its role creates and renames skew no list figure.
    server = start_server("bench", url, {"AUTHKEEP_WORKERS": str(args.workers), "AUTHKEEP_RESPONSE_CACHE_SECONDS": "0"})
    table: list[tuple[str, dict[str, float]]] = []
    backend = "SQLite" if args.sqlite else "PostgreSQL"
    title = f"authkeep bench: {backend}, {args.workers} workers, {args.connections} connections, {args.duration}s each"
    try:
        token = server.token()
        with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as api:
            user_ids = seed(api, args.users, 40, 40)
        if name:
            analyze(url)
        basic = base64.b64encode(f"{server.client_id}:{server.client_secret}".encode()).decode()
        print(title, flush=True)
        same_db = {k: server.env[k] for k in ("AUTHKEEP_SECRET_KEY", "AUTHKEEP_ENDPOINT", "AUTHKEEP_BOOTSTRAP_CLIENT_ID",
                                              "AUTHKEEP_BOOTSTRAP_CLIENT_SECRET")}

        def bench(label: str, path: str, script: str, env: dict[str, str]) -> None:
            wrk(server.base_url + path, script, env, 8, 2, 1)  # warm-up
            r = wrk(server.base_url + path, script, env, args.connections, args.duration, args.threads)
            add(label, r)

        def add(label: str, r: dict[str, float]) -> None:
            table.append((label, r))
            print(ROW.format(label, f"{r['rps']:.0f}", f"{r['p50']:.2f}", f"{r['p99']:.2f}", int(r["non2xx"])), flush=True)

        for path in LISTS:
            bench(f"GET {path} (cache off)", path, "bearer.lua", {"BENCH_TOKEN": token})
        server.stop()
        server = start_server("bench", url, {"AUTHKEEP_WORKERS": str(args.workers), **same_db})
        bench("POST /oidc/token", "/oidc/token", "token.lua", {"BENCH_BASIC": basic})
        for path in LISTS:
            bench(f"GET {path}", path, "bearer.lua", {"BENCH_TOKEN": token})
        mixed = run_mixed(server.base_url, token, user_ids, args.connections, args.duration, basic)
        for kind, r in mixed.results():
            add(f"mixed 90/10, cache on: {kind}", r)
    finally:
        server.stop()
        if name:
            drop_pg_database(name)

    print()
    print(title)
    print(ROW.format("scenario", "rps", "p50 ms", "p99 ms", "non-2xx"))
    for label, r in table:
        print(ROW.format(label, f"{r['rps']:.0f}", f"{r['p50']:.2f}", f"{r['p99']:.2f}", int(r["non2xx"])))
    print(f"mixed: response-cache hit rate of the list reads {mixed.hit_rate():.0%} (answers with X-Authkeep-Cache: hit)")


if __name__ == "__main__":
    main()
