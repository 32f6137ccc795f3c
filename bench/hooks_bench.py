"""Benchmark: webhook delivery throughput and the latency a hook adds to the API request.

    .venv/bin/python bench/hooks_bench.py [--events 10000] [--requests 400] [--sqlite]

Starts authkeep on a fresh PostgreSQL database (or SQLite), with a minimal asyncio HTTP receiver
(keep-alive, 200 to every POST). 1) Latency: POST /api/roles `--requests` times sequentially with
no hook, then with a hook subscribed to Role.Created; prints p50/p99 of both. 2) Throughput: inserts
`--events` ready outbox rows straight into the database (as committed requests would leave them)
and times the worker until the receiver has them all. Targets (issue 17): >= 2,000 events/s and
under 1 ms added per request.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from authkeep.config import normalize_database_url
from authkeep.store.db import Database
from authkeep.store.tables_hooks import hook_outbox
from tests.server import create_pg_database, drop_pg_database, start_server


class Receiver:
    def __init__(self) -> None:
        self.count = 0
        self.first = self.last = 0.0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                await reader.readexactly(length)
                now = time.perf_counter()
                self.first = self.first or now
                self.last = now
                self.count += 1
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            writer.close()


def _ms(values: list[float]) -> str:
    values = sorted(values)
    return f"p50 {statistics.median(values) * 1000:.2f} ms, p99 {values[int(len(values) * 0.99) - 1] * 1000:.2f} ms"


async def latency(base: str, token: str, requests: int) -> list[float]:
    took = []
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}) as client:
        for i in range(requests):
            start = time.perf_counter()
            response = await client.post("/api/roles", json={"name": f"bench-{time.time_ns()}-{i}", "description": "d"})
            took.append(time.perf_counter() - start)
            assert response.status_code == 200, response.text
    return took


async def main(args: argparse.Namespace) -> None:
    rec = Receiver()
    server = await asyncio.start_server(rec.handle, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/hook"
    if args.sqlite:
        database_url, pg_name = f"sqlite:///{tempfile.mkdtemp(prefix='authkeep-')}/bench.db", None
    else:
        pg_name = await asyncio.to_thread(create_pg_database)
        database_url = f"postgresql://postgres@127.0.0.1:5432/{pg_name}"
    srv = await asyncio.to_thread(start_server, "sqlite" if args.sqlite else "postgres", database_url)
    try:
        token = srv.token()
        await latency(srv.base_url, token, 50)  # warm up
        without = await latency(srv.base_url, token, args.requests)
        async with httpx.AsyncClient(base_url=srv.base_url, headers={"Authorization": f"Bearer {token}"}) as client:
            created = await client.post("/api/hooks", json={"events": ["Role.Created"], "config": {"url": url}})
            assert created.status_code == 201, (created.status_code, created.text)
            hook = created.json()
        with_hook = await latency(srv.base_url, token, args.requests)
        print(f"POST /api/roles without a hook: {_ms(without)}")
        print(f"POST /api/roles with a hook:    {_ms(with_hook)}")
        print(f"added p50: {(statistics.median(with_hook) - statistics.median(without)) * 1000:.2f} ms")
        while rec.count < args.requests:
            await asyncio.sleep(0.05)

        db = Database(normalize_database_url(database_url))
        now = int(time.time() * 1000)
        context = {"createdAt": "2026-01-01T00:00:00.000Z", "userAgent": "bench", "ip": "127.0.0.1", "path": "/roles",
                   "method": "POST", "params": {}, "matchedRoute": "/roles"}  # fmt: skip
        data = {"tenantId": "default", "id": "x" * 21, "name": "bench", "description": "d", "type": "User", "isDefault": False}
        rows = [{"tenant_id": "default", "hook_id": hook["id"], "event": "Role.Created", "context": context, "status": 200,
                 "data": data, "ready": True, "attempts": 0, "due_at": now + 1500, "created_at": now}
                for _ in range(args.events)]  # fmt: skip
        async with db.write() as conn:
            await conn.execute(hook_outbox.insert(), rows)
        await db.dispose()
        base = rec.count
        rec.first = 0.0
        deadline = time.monotonic() + 300
        while rec.count < base + args.events and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        done = rec.count - base
        print(f"{done} events delivered in {rec.last - rec.first:.2f} s: {done / (rec.last - rec.first):.0f} events/s")
    finally:
        srv.stop()
        server.close()
        if pg_name:
            await asyncio.to_thread(drop_pg_database, pg_name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--sqlite", action="store_true")
    asyncio.run(main(parser.parse_args()))
