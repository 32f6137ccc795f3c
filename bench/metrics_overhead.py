"""What the /metrics middleware costs per request (docs/performance.md, "Metrics overhead").

    .venv/bin/python bench/metrics_overhead.py [--requests 20000] [--rounds 5]

1. The middleware alone: a bare ASGI app answering 200 is called directly, with and without
   `MetricsMiddleware` around it, in single-process mode and (in a subprocess) in prometheus-client's
   multiprocess mode, which `authkeep serve` uses with several workers.
2. End to end in-process: a cached `GET /api/applications` on SQLite through httpx's ASGITransport,
   on two apps built with AUTHKEEP_METRICS=on and off, in short alternating blocks.

The machine is shared: part 1 keeps the best of alternating rounds, part 2 the medians of blocks
taken turn about, so other load moves both sides alike. Compare the columns of one run, not runs
taken at different times.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


async def _bare(scope: Any, receive: Any, send: Any) -> None:
    scope["route"] = _ROUTE
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"[]"})


_ROUTE: Any = None


async def _noop(_message: Any) -> None:
    return None


async def _receive() -> Any:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _loop(app: Any, n: int) -> float:
    scope = {"type": "http", "method": "GET", "path": "/api/applications", "headers": []}
    started = time.perf_counter()
    for _ in range(n):
        await app(dict(scope), _receive, _noop)
    return (time.perf_counter() - started) / n * 1e6


def middleware_only(n: int, rounds: int) -> tuple[float, float]:
    """(µs per call without, with the middleware), best of `rounds`."""
    global _ROUTE
    from starlette.routing import Route

    from authkeep.metrics.web import MetricsMiddleware

    _ROUTE = Route("/api/applications", _bare)
    wrapped = MetricsMiddleware(_bare, routes=[_ROUTE])
    bare, with_mw = [], []
    for _ in range(rounds):
        bare.append(asyncio.run(_loop(_bare, n)))
        with_mw.append(asyncio.run(_loop(wrapped, n)))
    return min(bare), min(with_mw)


BLOCK = 25


async def _end_to_end(n: int, rounds: int, folder: str, same: bool) -> tuple[float, float, float]:
    import httpx

    from authkeep import cli
    from authkeep.app import create_app
    from authkeep.config import load_settings

    env = {
        "AUTHKEEP_DATABASE_URL": f"sqlite:///{folder}/authkeep.db",
        "AUTHKEEP_SECRET_KEY": secrets.token_urlsafe(32),
        "AUTHKEEP_BOOTSTRAP_CLIENT_ID": "bench",
        "AUTHKEEP_BOOTSTRAP_CLIENT_SECRET": secrets.token_urlsafe(24),
        "AUTHKEEP_RATE_LIMIT": "off",
        "AUTHKEEP_TOKEN_RATE_LIMIT": "off",
        "AUTHKEEP_ENDPOINT": "http://bench",
    }
    await cli.prepare(load_settings(env))
    # --same: both sides without metrics, the method's noise floor (an A/A run).
    apps = {on: create_app(load_settings({**env, "AUTHKEEP_METRICS": "off" if same else on})) for on in ("off", "on")}
    timings: dict[str, list[float]] = {"off": [], "on": []}
    async with apps["off"].router.lifespan_context(apps["off"]), apps["on"].router.lifespan_context(apps["on"]):
        clients = {k: httpx.AsyncClient(transport=httpx.ASGITransport(app=a), base_url="http://bench") for k, a in apps.items()}
        form = {"grant_type": "client_credentials", "resource": "https://default.logto.app/api", "scope": "all"}
        got = await clients["off"].post("/oidc/token", data=form, auth=("bench", env["AUTHKEEP_BOOTSTRAP_CLIENT_SECRET"]))
        headers = {"Authorization": f"Bearer {got.json()['access_token']}"}
        for client in clients.values():
            for _ in range(200):  # warm: token cache, response cache, label children
                assert (await client.get("/api/applications", headers=headers)).status_code == 200
        # Short blocks, alternating, so both sides see the same moments of the machine's load;
        # medians per side and of the paired differences.
        for block in range(n // BLOCK * rounds):
            order = list(clients.items())
            for key, client in order if block % 2 else order[::-1]:
                started = time.perf_counter()
                for _ in range(BLOCK):
                    await client.get("/api/applications", headers=headers)
                timings[key].append((time.perf_counter() - started) / BLOCK * 1e6)
        for client in clients.values():
            await client.aclose()
    diffs = [on - off for off, on in zip(timings["off"], timings["on"], strict=True)]
    return statistics.median(timings["off"]), statistics.median(timings["on"]), statistics.median(diffs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--part", choices=["all", "middleware"], default="all")
    parser.add_argument("--same", action="store_true", help="both apps without metrics (noise floor)")
    args = parser.parse_args()
    bare, with_mw = middleware_only(args.requests * 5, args.rounds)
    mode = "multiprocess" if os.environ.get("PROMETHEUS_MULTIPROC_DIR") else "single process"
    print(f"middleware alone, {mode}: {bare:.2f} µs bare, {with_mw:.2f} µs with metrics (+{with_mw - bare:.2f} µs)")
    if args.part != "all":
        return
    folder = tempfile.mkdtemp(dir=ROOT / "build")
    try:
        env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": folder}
        script = [sys.executable, __file__, "--part", "middleware", "--requests", str(args.requests), "--rounds", str(args.rounds)]
        print(subprocess.run(script, env=env, capture_output=True, text=True, check=True).stdout.strip())
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    folder = tempfile.mkdtemp(dir=ROOT / "build")
    try:
        off, on, diff = asyncio.run(_end_to_end(args.requests // 4, args.rounds, folder, args.same))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"{'A/A, both off: ' if args.same else ''}cached GET /api/applications in-process (median of {BLOCK}-request blocks): {off:.1f} µs off, "
          f"{on:.1f} µs on; median paired difference {diff:+.1f} µs ({100 * diff / off:+.1f} %)")


if __name__ == "__main__":
    (ROOT / "build").mkdir(exist_ok=True)
    main()
