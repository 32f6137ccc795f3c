"""Users benchmark on PostgreSQL: list, deep page, fuzzy and exact search at N users.

    .venv/bin/python bench/users_bench.py --users 1000000            # fresh database, seeded
    .venv/bin/python bench/users_bench.py --database authkeep_bench_users --keep   # reuse it

1. per-request latency with no load (sequential, `--samples` requests per scenario): p50/p99/rps,
   with the response cache off, so every request runs its query;
2. wrk at `--connections` for the list and fuzzy search (rps, p50/p99), with the response cache
   off and then on (the default);
3. wrk POST /api/users without a password (creation rate).
Prints a table; docs/performance-users.md records the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import statistics
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from run import wrk
from users_seed import seed_pg

from tests.server import PG_ADMIN_URL, _pg, drop_pg_database, start_server

SCENARIOS = [
    ("list page 1", "/api/users?page_size=20"),
    ("deep page (page 40000)", "/api/users?page=40000&page_size=20"),
    ("middle page (page 25000)", "/api/users?page=25000&page_size=20"),
    ("fuzzy search=%bulk77777%", "/api/users?search=%25bulk77777%25"),
    ("exact e-mail (case-insensitive)", "/api/users?search.primaryEmail=Bulk123456@example.com&mode=exact"),
    ("exact username (case-sensitive)", "/api/users?search.username=bulk654321&mode=exact&isCaseSensitive=true"),
]


async def _count(url: str) -> int:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        exists = await conn.fetchval("SELECT to_regclass('users') IS NOT NULL")
        return int(await conn.fetchval("SELECT count(*) FROM users")) if exists else 0
    finally:
        await conn.close()


async def _exists(name: str) -> bool:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
    finally:
        await conn.close()


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def latency(api: httpx.Client, path: str, samples: int) -> tuple[float, float, float, str]:
    for _ in range(5):
        api.get(path).raise_for_status()
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        res = api.get(path)
        times.append((time.perf_counter() - t0) * 1000)
        res.raise_for_status()
    return _percentile(times, 0.5), _percentile(times, 0.99), 1000 / statistics.mean(times), res.headers.get("total-number", "")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--database", help="existing/kept database name (default: a fresh one)")
    parser.add_argument("--keep", action="store_true", help="do not drop the database afterwards")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("AUTHKEEP_WORKERS", "2")))
    parser.add_argument("--skip-load", action="store_true", help="latency only, no wrk runs")
    args = parser.parse_args()

    name = args.database or f"authkeep_bench_users_{secrets.token_hex(3)}"
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    url = f"{base}/{name}"
    if not asyncio.run(_exists(name)):
        asyncio.run(_pg(f'CREATE DATABASE "{name}"'))
    # A fixed secret so a kept database (its sealed signing keys) opens on the next run.
    env = {"AUTHKEEP_WORKERS": str(args.workers), "AUTHKEEP_SECRET_KEY": "authkeep-users-bench-secret"}
    server = start_server("bench", url, {**env, "AUTHKEEP_RESPONSE_CACHE_SECONDS": "0"})
    try:
        have = asyncio.run(_count(url))
        if have < args.users:
            print(f"seeding {args.users - have} users (have {have}) …", flush=True)
            asyncio.run(seed_pg(url, args.users - have, have, "default", 50_000, args.users - have >= 200_000))
        token = server.token()
        print(f"authkeep users bench: PostgreSQL, {asyncio.run(_count(url))} users, {args.workers} workers")
        print(f"{'scenario (no load, sequential)':40} {'p50 ms':>8} {'p99 ms':>8} {'rps':>7}  Total-Number")
        with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as api:
            for label, path in SCENARIOS:
                p50, p99, rps, total = latency(api, path, args.samples)
                print(f"{label:40} {p50:8.2f} {p99:8.2f} {rps:7.0f}  {total}", flush=True)
        if args.skip_load or shutil.which("wrk") is None:
            return
        print(f"\n{'under load (wrk, ' + str(args.connections) + ' connections)':40} {'rps':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}")
        loads = [
            ("GET /api/users?page_size=20", "/api/users?page_size=20", "bearer.lua"),
            ("GET /api/users?search=%bulk77777%", "/api/users?search=%25bulk77777%25", "bearer.lua"),
        ]
        same = {"AUTHKEEP_ENDPOINT": server.env["AUTHKEEP_ENDPOINT"], "AUTHKEEP_BOOTSTRAP_CLIENT_ID": server.client_id,
                "AUTHKEEP_BOOTSTRAP_CLIENT_SECRET": server.client_secret}
        for label, path, script in [
            *[(f"{label} (cache off)", path, script) for label, path, script in loads],
            ("restart", "", ""),
            *[(f"{label} (cache on)", path, script) for label, path, script in loads],
            ("POST /api/users (no password)", "/api/users", "users_create.lua"),
        ]:
            if label == "restart":  # the same database, now with the default response cache
                server.stop()
                server = start_server("bench", url, {**env, **same})
                continue
            run_env = {"BENCH_TOKEN": token, "BENCH_PREFIX": "c" + secrets.token_hex(3)}
            wrk(server.base_url + path, script, run_env, 8, 2, 1)
            run_env["BENCH_PREFIX"] = "c" + secrets.token_hex(3)
            r = wrk(server.base_url + path, script, run_env, args.connections, args.duration, 1)
            print(f"{label:40} {r['rps']:9.0f} {r['p50']:8.2f} {r['p99']:8.2f} {int(r['non2xx']):8d}", flush=True)
    finally:
        server.stop()
        if not args.keep:
            drop_pg_database(name)
        else:
            print(f"kept database {name}")


if __name__ == "__main__":
    main()
