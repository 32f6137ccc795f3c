"""Mixed read/write workload: N keep-alive connections, 90 % reads over the lists, 10 % writes.

Used by bench/run.py; also runnable alone against a seeded server:

    .venv/bin/python bench/mixed.py http://127.0.0.1:3001 TOKEN --duration 10

A minimal HTTP/1.1 client on asyncio streams (uvloop when available) drives the server, since
wrk cannot report latency per request kind. The client shares the machine's CPU with the server,
so its figures are a little lower than wrk's for the same paths.

The response-cache hit rate cannot be counted from outside without a server-side counter, so the
driver reports an upper bound: the share of reads whose URL was already answered by a read that
started after the last completed write to a family the route reads. The cache is per worker
process, so with 2 workers the true hit rate is lower than this bound.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import secrets
import time
from urllib.parse import urlsplit

# kind -> (method, path, families the route reads); families as declared by the routes' `reads=`.
READS = {
    "users list": ("/api/users?page_size=20", ("users", "roles", "organizations")),
    "applications list": ("/api/applications?page_size=20", ("applications", "roles", "organizations")),
    "users search": ("/api/users?search=%25user1%25", ("users", "roles", "organizations")),
    "roles list": ("/api/roles?page_size=20", ("roles", "users", "applications")),
}
WRITES = {"user PATCH name": "users", "role create": "roles"}
WRITE_SHARE = 0.10


async def _send(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes) -> int:
    writer.write(raw)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length, chunked = 0, False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status


def _stats(seconds: list[float], elapsed: float, non2xx: int) -> dict[str, float]:
    values = sorted(seconds)
    n = len(values)
    p50 = values[n // 2] * 1000 if n else 0.0
    p99 = values[min(n - 1, int(0.99 * n))] * 1000 if n else 0.0
    return {"rps": n / elapsed if elapsed else 0.0, "p50": p50, "p99": p99, "non2xx": float(non2xx)}


class Mixed:
    def __init__(self, base_url: str, token: str, user_ids: list[str], seed: int = 1) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.auth = f"Authorization: Bearer {token}\r\nHost: {parts.netloc}\r\n"
        self.user_ids = user_ids
        self.rng = random.Random(seed)
        self.run_id = secrets.token_hex(3)
        self.counter = 0
        self.latencies: dict[str, list[float]] = {k: [] for k in (*READS, *WRITES)}
        self.non2xx: dict[str, int] = dict.fromkeys(self.latencies, 0)
        self.write_done = dict.fromkeys(("users", "roles", "applications", "organizations"), -1.0)
        self.filled: dict[str, float] = {}  # path -> start time of the latest completed 2xx read
        self.eligible = 0
        self.reads = 0
        self.elapsed = 0.0

    def _request(self) -> tuple[str, bytes]:
        if self.rng.random() >= WRITE_SHARE:
            kind = self.rng.choice(list(READS))
            return kind, f"GET {READS[kind][0]} HTTP/1.1\r\n{self.auth}\r\n".encode()
        self.counter += 1
        if self.rng.random() < 0.5:
            kind, path = "user PATCH name", f"/api/users/{self.rng.choice(self.user_ids)}"
            body = json.dumps({"name": f"Bench {self.run_id} {self.counter}"})
            method = "PATCH"
        else:
            kind, path, method = "role create", "/api/roles", "POST"
            body = json.dumps({"name": f"mixed-{self.run_id}-{self.counter}", "description": "bench"})
        data = body.encode()
        head = f"{method} {path} HTTP/1.1\r\n{self.auth}Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
        return kind, head.encode() + data

    async def _connection(self, deadline: float) -> None:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            while time.perf_counter() < deadline:
                kind, raw = self._request()
                start = time.perf_counter()
                if kind in READS:
                    path, families = READS[kind]
                    last_write = max(self.write_done[f] for f in families)
                    self.reads += 1
                    self.eligible += self.filled.get(path, -2.0) > last_write
                status = await _send(reader, writer, raw)
                end = time.perf_counter()
                self.latencies[kind].append(end - start)
                if not 200 <= status < 300:
                    self.non2xx[kind] += 1
                elif kind in READS:
                    self.filled[path] = max(self.filled.get(path, -2.0), start)
                else:
                    self.write_done[WRITES[kind]] = end
        finally:
            writer.close()

    async def run(self, connections: int, duration: float) -> None:
        start = time.perf_counter()
        await asyncio.gather(*(self._connection(start + duration) for _ in range(connections)))
        self.elapsed = time.perf_counter() - start

    def results(self) -> list[tuple[str, dict[str, float]]]:
        everything = [v for values in self.latencies.values() for v in values]
        rows = [("all", _stats(everything, self.elapsed, sum(self.non2xx.values())))]
        rows += [(kind, _stats(values, self.elapsed, self.non2xx[kind])) for kind, values in self.latencies.items()]
        return rows

    def hit_rate_bound(self) -> float:
        return self.eligible / self.reads if self.reads else 0.0


def run_mixed(base_url: str, token: str, user_ids: list[str], connections: int, duration: float) -> Mixed:
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    mixed = Mixed(base_url, token, user_ids)
    runner(mixed.run(connections, duration))
    return mixed


def main() -> None:
    import httpx

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url")
    parser.add_argument("token")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10)
    args = parser.parse_args()
    with httpx.Client(base_url=args.base_url, headers={"Authorization": f"Bearer {args.token}"}) as api:
        users = api.get("/api/users", params={"page_size": 100}).raise_for_status().json()
    mixed = run_mixed(args.base_url, args.token, [u["id"] for u in users], args.connections, args.duration)
    for kind, r in mixed.results():
        print(f"{kind:20} {r['rps']:9.0f} {r['p50']:8.2f} {r['p99']:8.2f} {int(r['non2xx']):8d}")
    print(f"response-cache hit rate: not measurable from outside; upper bound {mixed.hit_rate_bound():.0%}")


if __name__ == "__main__":
    main()
