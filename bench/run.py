"""Load benchmark: POST /oidc/token and GET /api/applications?page_size=20 on PostgreSQL.

    make bench            # or: .venv/bin/python bench/run.py [--connections 32] [--duration 15]

Starts authkeep (uvicorn, AUTHKEEP_WORKERS processes) on a fresh PostgreSQL database, seeds 40
applications, then drives it with wrk and prints rps and p50/p99 per scenario. The list is run
twice: as served (response cache on, the default) and by a second server on the same database
with AUTHKEEP_RESPONSE_CACHE_SECONDS=0, which shows the cost of a request that reaches the database.
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=int, default=15)
    # One wrk thread drives >10k rps here; a second only takes CPU from the server it measures.
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("AUTHKEEP_WORKERS", "2")))
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
    server = start_server("bench", url, {"AUTHKEEP_WORKERS": str(args.workers)})
    try:
        token = server.token()
        with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}) as api:
            for i in range(40):
                api.post("/api/applications", json={"name": f"bench-app-{i}", "type": "MachineToMachine"}).raise_for_status()
        basic = base64.b64encode(f"{server.client_id}:{server.client_secret}".encode()).decode()
        backend = "SQLite" if args.sqlite else "PostgreSQL"
        print(f"authkeep bench: {backend}, {args.workers} workers, {args.connections} connections, {args.duration}s each")
        same_db = {k: server.env[k] for k in ("AUTHKEEP_SECRET_KEY", "AUTHKEEP_ENDPOINT", "AUTHKEEP_BOOTSTRAP_CLIENT_ID",
                                              "AUTHKEEP_BOOTSTRAP_CLIENT_SECRET")}
        list_path = "/api/applications?page_size=20"
        scenarios = [
            ("POST /oidc/token", server, "/oidc/token", "token.lua", {"BENCH_BASIC": basic}),
            (f"GET {list_path}", server, list_path, "bearer.lua", {"BENCH_TOKEN": token}),
            ("  same, response cache off", None, list_path, "bearer.lua", {"BENCH_TOKEN": token}),
        ]
        print(f"{'scenario':40} {'rps':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}")
        for label, target, path, script, env in scenarios:
            if target is None:  # the second server: only one runs at a time, as on the first
                server.stop()
                server = target = start_server(
                    "bench", url, {"AUTHKEEP_WORKERS": str(args.workers), "AUTHKEEP_RESPONSE_CACHE_SECONDS": "0", **same_db}
                )
            wrk(target.base_url + path, script, env, 8, 3, 1)  # warm-up
            r = wrk(target.base_url + path, script, env, args.connections, args.duration, args.threads)
            print(f"{label:40} {r['rps']:9.0f} {r['p50']:8.2f} {r['p99']:8.2f} {int(r['non2xx']):8d}")
    finally:
        server.stop()
        if name:
            drop_pg_database(name)


if __name__ == "__main__":
    main()
