"""Latency of the user list's store call alone (`store.users.list_page`, what `GET /api/users`
runs; no HTTP), for the Users scenarios.

    .venv/bin/python bench/users_store_latency.py postgresql://postgres@127.0.0.1:5432/authkeep_bench_users_1m
    .venv/bin/python bench/users_store_latency.py sqlite:////path/authkeep.db
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from starlette.datastructures import QueryParams

from authkeep.config import normalize_database_url
from authkeep.paging import Page
from authkeep.search import parse_search
from authkeep.store import users as store
from authkeep.store.db import Database

CASES = [
    ("list page 1", "", 1),
    ("deep page 40000", "", 40000),
    ("middle page 25000", "", 25000),
    ("fuzzy %bulk77777%", "search=%25bulk77777%25", 1),
    ("exact e-mail (ci)", "search.primaryEmail=Bulk123456@example.com&mode=exact", 1),
    ("exact username (cs)", "search.username=bulk654321&mode=exact&isCaseSensitive=true", 1),
    ("username like bulk12345%", "search.username=bulk12345%25", 1),
]


async def main(url: str, runs: int = 60) -> None:
    db = Database(normalize_database_url(url))
    print(f"{'store call (no HTTP)':30} {'p50 ms':>7} {'p99 ms':>7}  rows  total")
    try:
        for label, qs, page in CASES:
            search = parse_search(QueryParams(qs), tuple(store.SEARCH))
            times = []
            for i in range(runs):
                t0 = time.perf_counter()
                rows, total = await store.list_page(db, "default", search, Page(page, 20))
                if i >= 10:
                    times.append((time.perf_counter() - t0) * 1000)
            times.sort()
            p99 = times[max(0, int(len(times) * 0.99) - 1)]
            print(f"{label:30} {statistics.median(times):7.2f} {p99:7.2f}  {len(rows):4}  {total}")
    finally:
        await db.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
