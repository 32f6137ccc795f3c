"""Insert N synthetic users fast, for the Users benchmarks.

    .venv/bin/python bench/users_seed.py postgresql://postgres@127.0.0.1:5432/db --count 1000000
    .venv/bin/python bench/users_seed.py sqlite:///path/authkeep.db --count 100000

The database must already be migrated (start authkeep once, or `authkeep migrate`). Users are
`bulk<i>` / `bulk<i>@example.com` / `Bulk User <i>`, created one millisecond apart, no password.
PostgreSQL uses binary COPY in batches; for large runs the secondary search indexes are dropped
first and rebuilt afterwards (much faster than maintaining 10 indexes row by row), then the table
is VACUUM ANALYZEd so list pages can use index-only scans. `user_counts` is kept by the triggers.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sqlite3
import string
import time
from collections.abc import Iterator

_B36 = string.digits + string.ascii_lowercase
COLUMNS = (
    "tenant_id", "id", "username", "primary_email", "name", "profile", "identities", "custom_data",
    "logto_config", "mfa_verifications", "is_suspended", "is_password_expired", "created_at", "updated_at",
)


def _b36(n: int, width: int) -> str:
    out = []
    for _ in range(width):
        n, r = divmod(n, 36)
        out.append(_B36[r])
    return "".join(reversed(out))


def rows(count: int, start: int, tenant: str) -> Iterator[tuple[object, ...]]:
    run = "".join(secrets.choice(_B36) for _ in range(4))
    base = int(time.time() * 1000) - count - 1000
    for i in range(start, start + count):
        ts = base + (i - start)
        yield (
            tenant, run + _b36(i, 8), f"bulk{i}", f"bulk{i}@example.com", f"Bulk User {i}",
            "{}", "{}", "{}", "{}", "[]", False, False, ts, ts,
        )


async def seed_pg(url: str, count: int, start: int, tenant: str, batch: int, rebuild: bool) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute("SET maintenance_work_mem = '512MB'")
        dropped: list[str] = []
        if rebuild:
            defs = await conn.fetch(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'users' "
                "AND indexname LIKE 'ix_users_%'"
            )
            for r in defs:
                await conn.execute(f'DROP INDEX "{r["indexname"]}"')
                dropped.append(r["indexdef"])
        t0 = time.monotonic()
        it = rows(count, start, tenant)
        done = 0
        while done < count:
            chunk = [next(it) for _ in range(min(batch, count - done))]
            await conn.copy_records_to_table("users", records=chunk, columns=COLUMNS)
            done += len(chunk)
            print(f"  {done:>9} users  {done / (time.monotonic() - t0):9.0f}/s", flush=True)
        for ddl in dropped:
            t1 = time.monotonic()
            await conn.execute(ddl)
            print(f"  rebuilt in {time.monotonic() - t1:5.1f}s: {ddl[:90]}", flush=True)
        await conn.execute("VACUUM ANALYZE users")
        await conn.execute("VACUUM ANALYZE user_counts")
        print(f"seeded {count} users in {time.monotonic() - t0:.1f}s")
    finally:
        await conn.close()


def seed_sqlite(url: str, count: int, start: int, tenant: str, batch: int) -> None:
    conn = sqlite3.connect(url.split("///", 1)[1], timeout=60)
    t0 = time.monotonic()
    sql = f"INSERT INTO users ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    it = rows(count, start, tenant)
    done = 0
    with conn:
        while done < count:
            chunk = [next(it) for _ in range(min(batch, count - done))]
            conn.executemany(sql, chunk)
            done += len(chunk)
    conn.execute("ANALYZE")
    conn.close()
    print(f"seeded {count} users in {time.monotonic() - t0:.1f}s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database_url")
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--start", type=int, default=0, help="first bulk<i> number (to add more later)")
    parser.add_argument("--tenant", default="default")
    parser.add_argument("--batch", type=int, default=50_000)
    parser.add_argument("--rebuild-indexes", choices=("auto", "yes", "no"), default="auto")
    args = parser.parse_args()
    if args.database_url.startswith("sqlite"):
        seed_sqlite(args.database_url, args.count, args.start, args.tenant, args.batch)
        return
    rebuild = args.rebuild_indexes == "yes" or (args.rebuild_indexes == "auto" and args.count >= 200_000)
    asyncio.run(seed_pg(args.database_url, args.count, args.start, args.tenant, args.batch, rebuild))


if __name__ == "__main__":
    main()
