"""Mixed read/write workload: N keep-alive connections, 90 % reads over the lists, 10 % writes.

Used by bench/run.py; also runnable alone against a seeded server:

    .venv/bin/python bench/mixed.py http://127.0.0.1:3001 TOKEN --duration 10

A minimal HTTP/1.1 client on asyncio streams (uvloop when available) drives the server, since
wrk cannot report latency per request kind. The client shares the machine's CPU with the server,
so its figures are a little lower than wrk's for the same paths.

Reads are spread evenly over the five read workloads of `make bench` (four lists and the token
endpoint, which no response cache serves). The response-cache hit rate is counted from the
`X-Authkeep-Cache: hit` header the server puts on answers it served from its cache, over the
list reads.
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
TOKEN = "token"  # POST /oidc/token (client credentials): a read of the data, never cached
WRITES = {"user PATCH name": "users", "role create": "roles"}
WRITE_SHARE = 0.10


async def _send(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes) -> tuple[int, bool]:
    """(status, whether the server answered from its response cache)."""
    writer.write(raw)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length, chunked, hit = 0, False, False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
        elif name == b"x-authkeep-cache":
            hit = value.strip() == b"hit"
    if chunked:
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status, hit


def _stats(seconds: list[float], elapsed: float, non2xx: int) -> dict[str, float]:
    values = sorted(seconds)
    n = len(values)
    p50 = values[n // 2] * 1000 if n else 0.0
    p99 = values[min(n - 1, int(0.99 * n))] * 1000 if n else 0.0
    return {"rps": n / elapsed if elapsed else 0.0, "p50": p50, "p99": p99, "non2xx": float(non2xx)}


class Mixed:
    def __init__(self, base_url: str, token: str, user_ids: list[str], basic: str = "", seed: int = 1) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.auth = f"Authorization: Bearer {token}\r\nHost: {parts.netloc}\r\n"
        self.user_ids = user_ids
        form = b"grant_type=client_credentials&resource=https%3A%2F%2Fdefault.logto.app%2Fapi&scope=all"
        self.token_request = (
            f"POST /oidc/token HTTP/1.1\r\nHost: {parts.netloc}\r\nAuthorization: Basic {basic}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(form)}\r\n\r\n"
        ).encode() + form
        self.rng = random.Random(seed)
        self.run_id = secrets.token_hex(3)
        self.counter = 0
        self.kinds = [*READS, *([TOKEN] if basic else [])]
        self.latencies: dict[str, list[float]] = {k: [] for k in (*self.kinds, *WRITES)}
        self.non2xx: dict[str, int] = dict.fromkeys(self.latencies, 0)
        self.hits = 0
        self.reads = 0
        self.elapsed = 0.0

    def _request(self) -> tuple[str, bytes]:
        if self.rng.random() >= WRITE_SHARE:
            kind = self.rng.choice(self.kinds)
            if kind == TOKEN:
                return kind, self.token_request
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
                status, hit = await _send(reader, writer, raw)
                self.latencies[kind].append(time.perf_counter() - start)
                if kind in READS:
                    self.reads += 1
                    self.hits += hit
                if not 200 <= status < 300:
                    self.non2xx[kind] += 1
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

    def hit_rate(self) -> float:
        """Share of list reads the server answered from its response cache."""
        return self.hits / self.reads if self.reads else 0.0


def run_mixed(
    base_url: str, token: str, user_ids: list[str], connections: int, duration: float, basic: str = ""
) -> Mixed:
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    mixed = Mixed(base_url, token, user_ids, basic)
    runner(mixed.run(connections, duration))
    return mixed


def main() -> None:
    import httpx

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url")
    parser.add_argument("token")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--basic", default="", help="base64 client_id:secret, to add the token endpoint to the reads")
    args = parser.parse_args()
    with httpx.Client(base_url=args.base_url, headers={"Authorization": f"Bearer {args.token}"}) as api:
        users = api.get("/api/users", params={"page_size": 100}).raise_for_status().json()
    mixed = run_mixed(args.base_url, args.token, [u["id"] for u in users], args.connections, args.duration, args.basic)
    for kind, r in mixed.results():
        print(f"{kind:20} {r['rps']:9.0f} {r['p50']:8.2f} {r['p99']:8.2f} {int(r['non2xx']):8d}")
    print(f"response-cache hit rate of the list reads: {mixed.hit_rate():.0%}")


if __name__ == "__main__":
    main()
