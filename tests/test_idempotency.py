"""Idempotency-Key on POST (api/idempotency.py), over HTTP on both backends: a replay answers the
stored response without a second effect, another request under the same key is 422, concurrent
retries make one effect, keys belong to one client, expire, and only POST honours them."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, insert, select

from authkeep.store import idempotency as idem
from authkeep.store import tables
from authkeep.store.db import Database
from authkeep.store.migrate import migrate
from authkeep.store.tables_idempotency import idempotency_keys
from tests.conftest import IN_CI, fresh_server, unique
from tests.server import Server, create_pg_database, drop_pg_database, launch_server, pg_available
from tests.test_console import db_execute

ACCESS_ROLE = "Logto Management API access"


def key() -> dict[str, str]:
    return {"Idempotency-Key": unique("idem")}


def users_named(api: httpx.Client, username: str) -> list[dict[str, Any]]:
    found = api.get("/api/users", params={"search": username})
    assert found.status_code == 200, found.text
    return [u for u in found.json() if u["username"] == username]


def test_replay_returns_the_stored_answer_and_creates_one_user(api: httpx.Client) -> None:
    name, headers = unique("idem_u").replace("-", "_"), key()
    first = api.post("/api/users", json={"username": name, "name": "First"}, headers=headers)
    assert first.status_code == 200, first.text
    assert "idempotent-replayed" not in first.headers
    # The same JSON with its keys in another order is the same request.
    again = api.post("/api/users", content=f'{{"name": "First", "username": "{name}"}}',
                     headers={**headers, "Content-Type": "application/json"})  # fmt: skip
    assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    assert again.headers["content-type"] == first.headers["content-type"]
    assert again.headers["x-request-id"] != first.headers["x-request-id"]
    assert len(users_named(api, name)) == 1


def test_another_request_under_the_same_key_is_422(api: httpx.Client) -> None:
    name, headers = unique("idem_m").replace("-", "_"), key()
    assert api.post("/api/users", json={"username": name}, headers=headers).status_code == 200
    for other in (
        api.post("/api/users", json={"username": name + "x"}, headers=headers),  # another body
        api.post("/api/roles", json={"name": name, "description": "d"}, headers=headers),  # another path
        api.post("/api/users", params={"x": "1"}, json={"username": name}, headers=headers),  # another query
    ):
        assert other.status_code == 422, other.text
        body = other.json()
        assert body["code"] == "request.idempotency_key_mismatch" and body["message"]
    assert len(users_named(api, name)) == 1 and users_named(api, name + "x") == []


def test_a_4xx_is_stored_and_a_5xx_is_not(server: Server, api: httpx.Client) -> None:
    name = unique("idem_c").replace("-", "_")
    taken = api.post("/api/users", json={"username": name})
    assert taken.status_code == 200
    headers = key()
    conflict = api.post("/api/users", json={"username": name}, headers=headers)
    assert conflict.status_code == 422 and conflict.json()["code"] == "user.username_already_in_use"
    assert api.delete(f"/api/users/{taken.json()['id']}").status_code == 204
    replay = api.post("/api/users", json={"username": name}, headers=headers)
    assert replay.status_code == 422 and replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == conflict.json() and users_named(api, name) == []

    # A 5xx releases the key: the retry runs for real.
    boom = unique("boom")
    if server.backend == "sqlite":
        db_execute(server, f"CREATE TRIGGER idem_boom BEFORE INSERT ON roles WHEN NEW.description = '{boom}' "
                           "BEGIN SELECT RAISE(ABORT, 'boom'); END")  # fmt: skip
    else:
        db_execute(server, f"""CREATE FUNCTION idem_boom() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.description = '{boom}' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$""")
        db_execute(server, "CREATE TRIGGER idem_boom BEFORE INSERT ON roles FOR EACH ROW EXECUTE FUNCTION idem_boom()")
    role, headers = {"name": unique("idem-r"), "description": boom}, key()
    try:
        assert api.post("/api/roles", json=role, headers=headers).status_code == 500
    finally:
        db_execute(server, "DROP TRIGGER idem_boom" if server.backend == "sqlite" else "DROP TRIGGER idem_boom ON roles")
    retried = api.post("/api/roles", json=role, headers=headers)
    assert retried.status_code == 200 and "idempotent-replayed" not in retried.headers, retried.text


def _race(urls: list[str], token: str, body: dict[str, Any], headers: dict[str, str], n: int) -> list[httpx.Response]:
    results: list[httpx.Response] = []
    start = threading.Barrier(n)

    def send(i: int) -> None:
        with httpx.Client(timeout=30) as http:
            start.wait()
            res = http.post(f"{urls[i % len(urls)]}/api/users", json=body,
                            headers={**headers, "Authorization": f"Bearer {token}"})  # fmt: skip
            results.append(res)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _check_one_effect(api: httpx.Client, results: list[httpx.Response], name: str) -> None:
    statuses = sorted(r.status_code for r in results)
    assert set(statuses) <= {200, 409} and 200 in statuses, [(r.status_code, r.text) for r in results]
    assert len({r.content for r in results if r.status_code == 200}) == 1
    for busy in (r for r in results if r.status_code == 409):
        assert busy.json()["code"] == "request.idempotency_key_in_progress" and busy.headers["retry-after"] == "1"
    assert len(users_named(api, name)) == 1


def test_concurrent_retries_make_one_effect(server: Server, token: str, api: httpx.Client) -> None:
    name, headers = unique("idem_r").replace("-", "_"), key()
    body = {"username": name, "password": "Idem-Passw0rd!"}  # hashing makes the first one slow
    results = _race([server.base_url], token, body, headers, 8)
    _check_one_effect(api, results, name)
    after = api.post("/api/users", json=body, headers=headers)
    assert after.status_code == 200 and after.headers["idempotent-replayed"] == "true"


def test_keys_belong_to_one_client(server: Server, api: httpx.Client) -> None:
    role = next(r for r in api.get("/api/roles", params={"search": ACCESS_ROLE}).json() if r["name"] == ACCESS_ROLE)
    app = api.post("/api/applications", json={"name": unique("idem-m2m"), "type": "MachineToMachine"}).json()
    assert api.post(f"/api/applications/{app['id']}/roles", json={"roleIds": [role["id"]]}).status_code == 201
    secret = api.get(f"/api/applications/{app['id']}/secrets").json()[0]["value"]
    headers, name = key(), unique("idem_a").replace("-", "_")
    assert api.post("/api/users", json={"username": name}, headers=headers).status_code == 200
    other = {"Authorization": f"Bearer {server.token(app['id'], secret)}", **headers}
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        mine = http.post("/api/users", json={"username": name + "b"}, headers=other)  # not a mismatch
        assert mine.status_code == 200 and "idempotent-replayed" not in mine.headers, mine.text
        assert http.post("/api/users", json={"username": name + "b"}, headers=other).headers["idempotent-replayed"] == "true"
    assert len(users_named(api, name)) == 1 and len(users_named(api, name + "b")) == 1


def test_only_post_honours_the_key(api: httpx.Client) -> None:
    headers = key()
    for _ in range(2):
        listed = api.get("/api/users", params={"page_size": 1}, headers=headers)
        assert listed.status_code == 200 and "idempotent-replayed" not in listed.headers
    user = api.post("/api/users", json={"name": "p"}).json()
    for name in ("a", "b"):  # PATCH runs each time, under the same key
        patched = api.patch(f"/api/users/{user['id']}", json={"name": name}, headers=headers)
        assert patched.status_code == 200 and patched.json()["name"] == name
    for bad in (b"", b"x" * 256, "caf\u00e9".encode(), b"a\tb"):
        res = api.post("/api/users", json={}, headers={"Idempotency-Key": bad})
        assert res.status_code == 400 and res.json()["code"] == "request.idempotency_key_invalid"
    # Refused before the claim (auth, input): nothing stored, the key stays free.
    bad_input = api.post("/api/users", json={"username": 5}, headers=headers)
    assert bad_input.status_code == 400 and "idempotent-replayed" not in bad_input.headers
    assert api.post("/api/users", json={"name": "ok"}, headers=headers).status_code == 200


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def brief(request: pytest.FixtureRequest) -> Iterator[Server]:
    with fresh_server(request.param, {"AUTHKEEP_IDEMPOTENCY_TTL_SECONDS": "1"}) as srv:
        yield srv


def test_keys_expire(brief: Server) -> None:
    headers = {"Authorization": f"Bearer {brief.token()}", **key()}
    with httpx.Client(base_url=brief.base_url, headers=headers, timeout=30) as http:
        first = http.post("/api/roles", json={"name": unique("exp"), "description": "a"})
        assert first.status_code == 200
        time.sleep(1.2)
        second = http.post("/api/roles", json={"name": unique("exp"), "description": "b"})  # not a mismatch
        assert second.status_code == 200 and second.json()["id"] != first.json()["id"]
        assert "idempotent-replayed" not in second.headers


def test_concurrent_retries_across_two_instances_make_one_effect() -> None:
    if not pg_available():
        if IN_CI:
            pytest.fail("PostgreSQL is required in CI")
        pytest.skip("PostgreSQL is not running")
    name = create_pg_database()
    shared = {"AUTHKEEP_BOOTSTRAP_CLIENT_ID": unique("boot"), "AUTHKEEP_BOOTSTRAP_CLIENT_SECRET": unique("s") * 3,
              "AUTHKEEP_SECRET_KEY": unique("k") * 4, "AUTHKEEP_ENDPOINT": "https://auth.example.com"}  # fmt: skip
    servers = [launch_server("postgres", f"postgresql://postgres@127.0.0.1:5432/{name}", shared) for _ in range(2)]
    try:
        for srv in servers:
            srv.wait_ready()
            srv.client_id, srv.client_secret = shared["AUTHKEEP_BOOTSTRAP_CLIENT_ID"], shared["AUTHKEEP_BOOTSTRAP_CLIENT_SECRET"]
        token = servers[0].token()
        username = unique("idem_x").replace("-", "_")
        body = {"username": username, "password": "Idem-Passw0rd!"}
        results = _race([s.base_url for s in servers], token, body, key(), 8)
        with httpx.Client(base_url=servers[1].base_url, headers={"Authorization": f"Bearer {token}"}) as api:
            _check_one_effect(api, results, username)
    finally:
        for srv in servers:
            srv.stop()
        drop_pg_database(name)


def test_the_sweep_deletes_expired_keys_and_claims_are_fenced(tmp_path: Path) -> None:
    """The store underneath: a claim wins once, a stale owner changes nothing, the sweep removes
    expired keys only (the sweeper runs it every 10 minutes)."""
    async def go() -> None:
        db = Database(f"sqlite+aiosqlite:///{tmp_path}/idem.db")
        try:
            await migrate(db)
            async with db.write() as conn:
                await conn.execute(insert(tables.tenants).values(id="t1", name="t1", created_at=0))
            old, new = idem.KeyId("t1", "app", "", "old"), idem.KeyId("t1", "app", "", "new")
            async with db.write() as conn:
                assert await idem.claim(conn, old, "f", "o1", 0, 10, 1_000)
                assert await idem.claim(conn, new, "f", "o2", 0, 10, 5_000)
                assert not await idem.claim(conn, new, "f", "o3", 5, 10, 5_000)  # held, lease running
                assert not await idem.mark_committed(conn, new, "o3")  # not its owner
                assert await idem.mark_committed(conn, new, "o2")
                assert not await idem.claim(conn, new, "f", "o4", 20, 10, 5_000)  # committed: never taken over
                assert await idem.sweep(conn, 2_000) == 1
                keys = (await conn.execute(select(idempotency_keys.c.key))).scalars().all()
                assert keys == ["new"]
                assert (await conn.execute(select(func.count()).select_from(idempotency_keys))).scalar_one() == 1
        finally:
            await db.dispose()

    asyncio.run(go())
