"""Complete browserless sign-ins, as a person's browser makes them (issue 16's throughput bench).

    .venv/bin/python bench/signin.py [--parallel 8] [--count 400] [--users 200]

Starts authkeep on a fresh PostgreSQL database (AUTHKEEP_WORKERS processes), creates a Traditional
app and users with passwords through the Management API, then runs `--count` sign-ins with
`--parallel` of them at a time. Each sign-in is Logto's 9 requests: authorize, 4 Experience API
calls (start, password, identification, submit), resume, consent, resume, token. Prints sign-ins
per second, p50/p99 of a whole sign-in, the server's one Argon2 verification (measured here with
the server's own parameters) and the time outside it.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import os
import secrets
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlparse

import aiohttp
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.server import create_pg_database, drop_pg_database, start_server

REDIRECT = "http://127.0.0.1:9/callback"
PASSWORD = "bench-Passw0rd!"


def _follow(status: int, url: str, location: str | None) -> str:
    assert status in (302, 303) and location, status
    return urljoin(url, location)


async def sign_in(c: aiohttp.ClientSession, base: str, app_id: str, secret: str, username: str) -> float:
    """One complete sign-in on a fresh cookie jar (a browser's keep-alive connection reused);
    returns its duration in seconds."""
    c.cookie_jar.clear()
    verifier = secrets.token_urlsafe(32)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = {"client_id": app_id, "redirect_uri": REDIRECT, "response_type": "code", "state": "bench",
             "scope": "openid profile offline_access", "code_challenge": challenge,
             "code_challenge_method": "S256", "prompt": "consent"}  # fmt: skip
    t0 = time.perf_counter()
    async with c.get(f"{base}/oidc/auth?{urlencode(query)}", allow_redirects=False) as r:
        _follow(r.status, str(r.url), r.headers.get("location"))
    async with c.put(f"{base}/api/experience", json={"interactionEvent": "SignIn"}) as r:
        assert r.status == 204, await r.text()
    body = {"identifier": {"type": "username", "value": username}, "password": PASSWORD}
    async with c.post(f"{base}/api/experience/verification/password", json=body) as r:
        assert r.status == 200, await r.text()
        verification = (await r.json())["verificationId"]
    async with c.post(f"{base}/api/experience/identification", json={"verificationId": verification}) as r:
        assert r.status == 204, await r.text()
    async with c.post(f"{base}/api/experience/submit") as r:
        assert r.status == 200, await r.text()
        url = (await r.json())["redirectTo"]
    while not url.startswith(REDIRECT):  # resume, consent, resume
        async with c.get(url, allow_redirects=False) as r:
            url = _follow(r.status, str(r.url), r.headers.get("location"))
    code = parse_qs(urlparse(url).query)["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier}
    async with c.post(f"{base}/oidc/token", data=form, auth=aiohttp.BasicAuth(app_id, secret)) as r:
        assert r.status == 200 and "id_token" in await r.json(), await r.text()
    return time.perf_counter() - t0


async def drive(base: str, app_id: str, secret: str, users: list[str], count: int, parallel: int) -> list[float]:
    queue: asyncio.Queue[str] = asyncio.Queue()
    for i in range(count):
        queue.put_nowait(users[i % len(users)])
    times: list[float] = []

    async def worker() -> None:
        # One browser per worker; aiohttp because httpx's client CPU would take the server's core.
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as c:
            while not queue.empty():
                times.append(await sign_in(c, base, app_id, secret, queue.get_nowait()))

    await asyncio.gather(*(worker() for _ in range(parallel)))
    return times


def argon2_ms() -> float:
    """The server's one Argon2 verification, with its own parameters, on this machine."""
    from authkeep.domain import passwords

    digest = passwords.hash_password(PASSWORD)
    t0 = time.perf_counter()
    for _ in range(10):
        passwords.verify(PASSWORD, digest, "Argon2i")
    return (time.perf_counter() - t0) * 100


def setup(api: httpx.Client, users: int) -> tuple[str, str, list[str]]:
    app = api.post("/api/applications", json={"name": "bench-web", "type": "Traditional",
                                              "oidcClientMetadata": {"redirectUris": [REDIRECT],
                                                                     "postLogoutRedirectUris": []}})  # fmt: skip
    app.raise_for_status()
    app_id = app.json()["id"]
    secret = api.get(f"/api/applications/{app_id}/secrets").json()[0]["value"]
    names = [f"signin{i}" for i in range(users)]
    for name in names:
        api.post("/api/users", json={"username": name, "password": PASSWORD}).raise_for_status()
    return app_id, secret, names


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("AUTHKEEP_WORKERS", "2")))
    args = parser.parse_args()
    name = create_pg_database()
    server = start_server("bench", f"postgresql://postgres@127.0.0.1:5432/{name}", {"AUTHKEEP_WORKERS": str(args.workers)})
    try:
        with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {server.token()}"}, timeout=60) as api:
            app_id, secret, users = setup(api, args.users)
        asyncio.run(drive(server.base_url, app_id, secret, users, min(16, args.count), args.parallel))  # warm-up
        for parallel in sorted({1, args.parallel}):
            count = args.count if parallel > 1 else max(20, args.count // 10)
            t0 = time.perf_counter()
            times = asyncio.run(drive(server.base_url, app_id, secret, users, count, parallel))
            wall = time.perf_counter() - t0
            ms = sorted(t * 1000 for t in times)
            p50, p99 = statistics.median(ms), ms[min(len(ms) - 1, int(len(ms) * 0.99))]
            print(f"sign-ins, {parallel} in parallel: {len(ms) / wall:.1f}/s, p50 {p50:.0f} ms, p99 {p99:.0f} ms", flush=True)
        hashing = argon2_ms()
        print(f"one Argon2 verification: {hashing:.1f} ms; a sign-in's p50 outside it: {p50 - hashing:.0f} ms")
    finally:
        server.stop()
        drop_pg_database(name)


if __name__ == "__main__":
    main()
