"""Bulk import benchmark on PostgreSQL: `authkeep users import` users/s, without and with password
digests (docs/performance.md, "Bulk import").

    .venv/bin/python bench/bulk_import.py [--users 100000] [--hashed 50000] [--batch-size 1000]
        [--without-search-indexes]

Each scenario runs on a fresh database (`authkeep migrate`, then the import of a generated JSONL
file, timed by the command's own summary line, which excludes start-up and migration). Plain
users have a username, e-mail, name and customData; hashed users add a digest (SHA256, Bcrypt
cost 10, Legacy PBKDF2, in turn), stored as given. `--without-search-indexes` drops the trigram
GIN indexes of `users` first: a diagnostic of what the import costs apart from them, not a way to
run authkeep. The load average is printed with each figure: the machine may be shared.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import asyncpg
import bcrypt

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.server import create_pg_database, drop_pg_database

BCRYPT = bcrypt.hashpw(b"bench-secret", bcrypt.gensalt(10)).decode()
LEGACY = json.dumps(["pbkdf2", ["salt", "1000", "32", "sha256", "@"], "00" * 32])


def write_users(path: Path, count: int, hashed: bool) -> None:
    with path.open("w") as out:
        for i in range(count):
            user: dict[str, object] = {"username": f"user_{i}", "primaryEmail": f"user{i}@example.com",
                                       "name": f"User {i}", "customData": {"n": i}}  # fmt: skip
            if hashed:
                kind = i % 3
                if kind == 0:
                    user.update(passwordDigest=hashlib.sha256(f"pw{i}".encode()).hexdigest(), passwordAlgorithm="SHA256")
                elif kind == 1:
                    user.update(passwordDigest=BCRYPT, passwordAlgorithm="Bcrypt")
                else:
                    user.update(passwordDigest=LEGACY, passwordAlgorithm="Legacy")
            out.write(json.dumps(user) + "\n")


async def drop_search_indexes(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        names = await conn.fetch("SELECT indexname FROM pg_indexes WHERE tablename = 'users' AND indexdef LIKE '%gin%'")
        for row in names:
            await conn.execute(f'DROP INDEX "{row["indexname"]}"')
    finally:
        await conn.close()


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "authkeep.cli", *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, check=True, timeout=3600)


def scenario(label: str, count: int, hashed: bool, args: argparse.Namespace, scratch: Path) -> None:
    name = create_pg_database()
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    env = {**os.environ, "AUTHKEEP_DATABASE_URL": url, "AUTHKEEP_SECRET_KEY": "bench-" + "k" * 40,
           "AUTHKEEP_LOG_LEVEL": "warning", "PYTHONPATH": str(ROOT / "src")}  # fmt: skip
    try:
        run(env, "migrate")
        if args.without_search_indexes:
            asyncio.run(drop_search_indexes(url))
        path = scratch / f"{label}.jsonl"
        write_users(path, count, hashed)
        before = os.getloadavg()[0]
        done = run(env, "users", "import", str(path), "--batch-size", str(args.batch_size), "--quiet")
        after = os.getloadavg()[0]
        summary = done.stderr.strip().splitlines()[-1]
        rate = re.search(r"\((\d+) users/s\)", summary)
        print(f"{label:<10} {count:>8} users  {rate.group(1) if rate else '?':>7} users/s   "
              f"load average {before:.1f} -> {after:.1f}   ({summary.removeprefix('authkeep: ')})")  # fmt: skip
    finally:
        drop_pg_database(name)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--hashed", type=int, default=50_000)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--without-search-indexes", action="store_true")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs; batch size {args.batch_size}"
          + ("; trigram GIN indexes dropped" if args.without_search_indexes else ""))  # fmt: skip
    scratch = Path(tempfile.mkdtemp(prefix="authkeep-bulk-bench-", dir=ROOT / "build" if (ROOT / "build").is_dir() else None))
    try:
        if args.users:
            scenario("plain", args.users, False, args, scratch)
        if args.hashed:
            scenario("hashed", args.hashed, True, args, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
