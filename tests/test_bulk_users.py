"""Bulk users: `authkeep users import/export` run as a subprocess against a live server's database,
checked through the Management API, and the `POST /api/users/bulk` extension (both backends)."""

from __future__ import annotations

import csv
import hashlib
import json
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bcrypt
import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hook_receiver import Receiver, receiver
from tests.server import Server


@pytest.fixture(scope="module")
def api(own_server: Server) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {own_server.token()}"}
    with httpx.Client(base_url=own_server.base_url, headers=headers, timeout=60) as client:
        yield client


def tag() -> str:
    return "b" + secrets.token_hex(4)


def cli(server: Server, *args: str, check: int | None = 0) -> subprocess.CompletedProcess[str]:
    run = subprocess.run(
        [sys.executable, "-m", "authkeep.cli", "users", *args],
        env=server.env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    if check is not None:
        assert run.returncode == check, run.stdout + run.stderr
    return run


def users_named(api: httpx.Client, prefix: str, **params: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    page = 1
    while True:
        res = api.get("/api/users", params={"search.username": f"{prefix}%", "page": page, "page_size": 100, **params})
        assert res.status_code == 200, res.text
        found += res.json()
        if len(found) >= int(res.headers["total-number"]):
            return found
        page += 1


def total_named(api: httpx.Client, prefix: str) -> int:
    res = api.get("/api/users", params={"search.username": f"{prefix}%", "page_size": 1})
    return int(res.headers["total-number"])


def total_all(api: httpx.Client) -> int:
    return int(api.get("/api/users", params={"page_size": 1}).headers["total-number"])


def verify(api: httpx.Client, user_id: str, password: str) -> int:
    return api.post(f"/api/users/{user_id}/password/verify", json={"password": password}).status_code


def write_jsonl(path: Path, lines: list[Any]) -> Path:
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))
    return path


def legacy_pbkdf2(password: str) -> str:
    derived = hashlib.pbkdf2_hmac("sha256", password.encode(), b"salt", 1000, 32).hex()
    return json.dumps(["pbkdf2", ["salt", "1000", "32", "sha256", "@"], derived])


def test_import_jsonl_with_hashes_and_bad_lines(own_server: Server, api: httpx.Client, tmp_path: Path) -> None:
    t = tag()
    lines: list[Any] = [
        {"username": f"{t}_plain", "primaryEmail": f"{t}@example.com", "name": "Plain", "customData": {"a": 1},
         "profile": {"givenName": "P"}, "primaryPhone": "+1 415 555 0100".replace(" ", "").lstrip("+")},
        {"username": f"{t}_sha", "passwordDigest": hashlib.sha256(b"sha-secret").hexdigest(), "passwordAlgorithm": "SHA256"},
        {"username": f"{t}_bcrypt", "passwordDigest": bcrypt.hashpw(b"bc-secret", bcrypt.gensalt(4)).decode(),
         "passwordAlgorithm": "Bcrypt"},
        {"username": f"{t}_legacy", "passwordDigest": legacy_pbkdf2("lg-secret"), "passwordAlgorithm": "Legacy"},
        "{not json",  # line 5
        {"username": f"{t}_plain"},  # line 6: taken by line 1
        {"username": "9starts_with_digit"},  # line 7
        {"username": f"{t}_pw", "password": "plain text"},  # line 8: digests only
        {"username": f"{t}_nolg", "passwordDigest": "[]", "passwordAlgorithm": "Legacy"},  # line 9
        [1, 2],  # line 10: not an object
        "",  # blank lines are skipped
        {"username": f"{t}_last", "primaryEmail": f"{t.upper()}@EXAMPLE.com"},  # line 12: e-mail taken (any case)
    ]
    everyone = total_all(api)
    run = cli(own_server, "import", str(write_jsonl(tmp_path / "users.jsonl", lines)), check=1)
    errors = [line for line in run.stderr.splitlines() if line.startswith("line ")]
    codes = [(e.split(":")[0], e.split(": ")[1]) for e in errors]
    assert codes == [
        ("line 5", "guard.invalid_input"),
        ("line 6", "user.username_already_in_use"),
        ("line 7", "guard.invalid_input"),
        ("line 8", "user.bulk_plain_password_unsupported"),
        ("line 9", "password.invalid_legacy_password_format"),
        ("line 10", "guard.invalid_input"),
        ("line 12", "user.email_already_in_use"),
    ], run.stderr
    assert "4 created, 0 skipped (already present), 7 failed" in run.stderr
    found = {u["username"]: u for u in users_named(api, t)}
    assert set(found) == {f"{t}_plain", f"{t}_sha", f"{t}_bcrypt", f"{t}_legacy"}
    plain = found[f"{t}_plain"]
    assert plain["primaryEmail"] == f"{t}@example.com" and plain["customData"] == {"a": 1}
    assert plain["profile"] == {"givenName": "P"} and plain["primaryPhone"] == "14155550100"
    assert plain["hasPassword"] is False and len(plain["id"]) == 12
    for name, password in (("sha", "sha-secret"), ("bcrypt", "bc-secret"), ("legacy", "lg-secret")):
        user = found[f"{t}_{name}"]
        assert verify(api, user["id"], password + "x") == 422
        assert verify(api, user["id"], password) == 204, name
    # The maintained count behind an unfiltered list's Total-Number moved with the import.
    assert total_named(api, t) == 4 and total_all(api) == everyone + 4


def test_import_csv(own_server: Server, api: httpx.Client, tmp_path: Path) -> None:
    t = tag()
    path = tmp_path / "users.csv"
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["username", "primaryEmail", "name", "customData", "passwordDigest", "passwordAlgorithm"])
        writer.writerow([f"{t}_a", f"{t}a@example.com", "Line\nbreak", '{"k": [1, 2]}',
                         hashlib.md5(b"md5-secret").hexdigest(), "MD5"])  # fmt: skip
        writer.writerow([f"{t}_b", "", "", "", "", ""])
        writer.writerow([f"{t}_c", "not-an-email", "", "", "", ""])  # line 5 (line 2's record spans 2)
        writer.writerow([f"{t}_d", "", "", "{oops", "", ""])
    run = cli(own_server, "import", str(path), check=1)
    errors = [line.split(": ")[0:2] for line in run.stderr.splitlines() if line.startswith("line ")]
    assert errors == [["line 5", "guard.invalid_input"], ["line 6", "guard.invalid_input"]], run.stderr
    found = {u["username"]: u for u in users_named(api, t)}
    assert set(found) == {f"{t}_a", f"{t}_b"}
    assert found[f"{t}_a"]["name"] == "Line\nbreak" and found[f"{t}_a"]["customData"] == {"k": [1, 2]}
    assert found[f"{t}_b"]["primaryEmail"] is None and found[f"{t}_b"]["name"] is None
    assert verify(api, found[f"{t}_a"]["id"], "md5-secret") == 204


def _interrupt(server: Server, path: Path, sig: int, after_line: int) -> subprocess.Popen[str]:
    """Start an import and send `sig` once its progress file records a line past `after_line`."""
    progress = path.with_name(path.name + ".progress")
    proc = subprocess.Popen(
        [sys.executable, "-m", "authkeep.cli", "users", "import", str(path), "--batch-size", "50", "--quiet"],
        env=server.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            if orjson.loads(progress.read_bytes())["line"] > after_line:
                break
        except (OSError, orjson.JSONDecodeError):
            pass
        time.sleep(0.005)
    proc.send_signal(sig)
    proc.wait(60)
    return proc


def test_interrupted_import_resumes(own_server: Server, api: httpx.Client, tmp_path: Path) -> None:
    t = tag()
    count = 1500
    path = write_jsonl(tmp_path / "many.jsonl", [{"username": f"{t}_{i}", "primaryEmail": f"{t}{i}@e.com"} for i in range(count)])
    progress = tmp_path / "many.jsonl.progress"
    # Ctrl-C: the batch in flight commits, the progress says so, exit status 130.
    stopped = _interrupt(own_server, path, signal.SIGINT, 0)
    assert stopped.stderr is not None
    message = stopped.stderr.read()
    stopped.stderr.close()
    first = orjson.loads(progress.read_bytes())
    assert stopped.returncode == 130 and "interrupted; lines up to" in message, message
    assert 0 < first["line"] < count and total_named(api, t) == first["line"] == first["created"]
    # A crash (SIGKILL): no handler runs; what was committed stays.
    killed = _interrupt(own_server, path, signal.SIGKILL, first["line"])
    assert killed.stderr is not None
    killed.stderr.close()
    saved = orjson.loads(progress.read_bytes())
    assert first["line"] < saved["line"] < count and not saved["done"], saved
    assert total_named(api, t) >= saved["line"]  # the batch in flight may have committed too

    again = cli(own_server, "import", str(path), "--quiet")
    assert f"resuming {path} after line {saved['line']}" in again.stderr
    assert total_named(api, t) == count
    assert orjson.loads(progress.read_bytes())["done"] is True
    assert " 0 failed" in again.stderr

    # A crash between a batch's commit and its progress record: the re-run skips what is there.
    state = {**orjson.loads(progress.read_bytes()), "line": count - 120, "skipped": 0, "done": False}
    progress.write_bytes(orjson.dumps(state))
    rerun = cli(own_server, "import", str(path), "--quiet")
    assert "120 skipped (already present), 0 failed" in rerun.stderr, rerun.stderr
    assert total_named(api, t) == count
    # A complete import is not run twice unless asked; --restart skips every line.
    assert "imported completely" in cli(own_server, "import", str(path)).stderr
    assert f"{count} skipped" in cli(own_server, "import", str(path), "--restart", "--quiet").stderr


def test_export_round_trip(own_server: Server, api: httpx.Client, tmp_path: Path) -> None:
    t = tag()
    lines = [
        {"username": f"{t}_x", "primaryEmail": f"{t}x@example.com", "name": "X", "avatar": "https://a.example/x.png",
         "customData": {"nested": {"k": True}}, "profile": {"nickname": "ex"},
         "passwordDigest": hashlib.sha1(b"x-secret").hexdigest(), "passwordAlgorithm": "SHA1"},
        {"username": f"{t}_y", "primaryPhone": "8613800138000"},
    ]
    cli(own_server, "import", str(write_jsonl(tmp_path / "in.jsonl", lines)), "--quiet")
    plain = tmp_path / "plain.jsonl"
    cli(own_server, "export", "--out", str(plain), "--quiet")
    mine = [r for r in map(orjson.loads, plain.read_bytes().splitlines()) if r.get("username", "").startswith(t)]
    assert len(mine) == 2 and all("passwordDigest" not in r for r in mine)
    hashed = tmp_path / "hashed.jsonl"
    cli(own_server, "export", "--out", str(hashed), "--with-password-hashes", "--quiet")
    records = [r for r in map(orjson.loads, hashed.read_bytes().splitlines()) if r.get("username", "").startswith(t)]
    x = next(r for r in records if r["username"] == f"{t}_x")
    assert x["passwordAlgorithm"] == "SHA1" and x["passwordDigest"] == hashlib.sha1(b"x-secret").hexdigest()
    before = {u["id"]: u for u in users_named(api, t)}
    csv_out = tmp_path / "users.csv"
    cli(own_server, "export", "--format", "csv", "--out", str(csv_out), "--with-password-hashes", "--quiet")

    for user_id in before:
        assert api.delete(f"/api/users/{user_id}").status_code == 204
    assert total_named(api, t) == 0
    mine_path = write_jsonl(tmp_path / "mine.jsonl", records)
    cli(own_server, "import", str(mine_path), "--quiet")
    after = {u["id"]: u for u in users_named(api, t)}
    assert after == before  # same ids, fields and createdAt
    assert verify(api, x["id"], "x-secret") == 204

    # The CSV export reads back as the same users: every line is already there.
    run = cli(own_server, "import", str(csv_out), "--quiet")
    assert " 0 created, " in run.stderr and " 0 failed" in run.stderr


@pytest.fixture
def rec() -> Iterator[Receiver]:
    with receiver() as found:
        yield found


def test_bulk_endpoint_answers_per_item_and_raises_events(api: httpx.Client, rec: Receiver) -> None:
    t = tag()
    hook = api.post("/api/hooks", json={"name": t, "events": ["User.Created"], "config": {"url": rec.url}})
    assert hook.status_code == 201
    taken = api.post("/api/users", json={"username": f"{t}_taken"}).json()
    rec.wait(1, event="User.Created")
    body = {"users": [
        {"username": f"{t}_a", "primaryEmail": f"{t}a@example.com", "customData": {"n": 1}},
        {"username": f"{t}_taken"},
        {"username": f"{t}_a"},  # taken by item 0
        "not an object",
        {"primaryEmail": "nope"},
        {"username": f"{t}_pw", "password": "x"},
        {"username": f"{t}_h", "passwordDigest": hashlib.sha256(b"h-secret").hexdigest(), "passwordAlgorithm": "SHA256"},
        {"passwordDigest": "abc"},
        {},
    ]}  # fmt: skip
    res = api.post("/api/users/bulk", json=body, headers={"user-agent": "bulk-probe"})
    assert res.status_code == 200, res.text
    answer = res.json()
    assert [a["index"] for a in answer] == list(range(9))
    codes = {a["index"]: a["error"]["code"] for a in answer if "error" in a}
    assert codes == {
        1: "user.username_already_in_use", 2: "user.username_already_in_use", 3: "guard.invalid_input",
        4: "guard.invalid_input", 5: "user.bulk_plain_password_unsupported", 7: "user.password_algorithm_required",
    }  # fmt: skip
    assert all(a["error"]["message"] for a in answer if "error" in a)
    created = [a["id"] for a in answer if "id" in a]
    assert len(created) == 3
    users = {i: api.get(f"/api/users/{i}").json() for i in created}
    assert users[answer[0]["id"]]["customData"] == {"n": 1}
    assert verify(api, answer[6]["id"], "h-secret") == 204
    events = rec.wait(4, event="User.Created")
    bulk = [e.json for e in events if e.json["data"]["id"] != taken["id"]]
    assert sorted(e["data"]["id"] for e in bulk) == sorted(created)
    for event in bulk:
        assert event["data"] == users[event["data"]["id"]]
        assert event["path"] == "/users/bulk" and event["method"] == "POST" and event["status"] == 200
        assert event["userAgent"] == "bulk-probe" and event["hookId"] == hook.json()["id"]
    time.sleep(1)
    assert len(rec.of("User.Created")) == 4  # nothing for refused items
    api.delete(f"/api/hooks/{hook.json()['id']}")


def test_bulk_endpoint_refuses_bad_bodies(api: httpx.Client) -> None:
    too_many = api.post("/api/users/bulk", json={"users": [{}] * 1001})
    assert too_many.status_code == 400 and too_many.json()["code"] == "guard.invalid_input"
    for bad in ({}, {"users": {}}, [], {"users": None}):
        res = api.post("/api/users/bulk", json=bad)
        assert res.status_code == 400 and res.json()["code"] == "guard.invalid_input", (bad, res.text)
    assert api.post("/api/users/bulk", json={"users": []}).json() == []
    anon = httpx.post(str(api.base_url) + "/api/users/bulk", json={"users": []})
    assert anon.status_code == 401


NAMES = st.lists(st.sampled_from(["ann", "Ann", "bob", "cy", "dee"]), min_size=1, max_size=8)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=NAMES, existing=st.sets(st.sampled_from(["ann", "bob"])))
def test_bulk_matches_sequential_creates(api: httpx.Client, names: list[str], existing: set[str]) -> None:
    """The batch answers as the same POST /api/users calls, one after another, would."""
    t = tag()
    for name in sorted(existing):
        assert api.post("/api/users", json={"username": f"{t}_{name}"}).status_code == 200
    answer = api.post("/api/users/bulk", json={"users": [{"username": f"{t}_{n}"} for n in names]}).json()
    held = {n for n in existing}
    for name, result in zip(names, answer, strict=True):
        if name in held:  # usernames are case-sensitive by default
            assert result["error"]["code"] == "user.username_already_in_use"
        else:
            assert "id" in result
            held.add(name)
    assert total_named(api, t) == len(held)


def test_created_users_get_the_default_roles(own_server: Server, api: httpx.Client, tmp_path: Path) -> None:
    role = api.post("/api/roles", json={"name": tag(), "description": "d", "isDefault": True})
    assert role.status_code == 200, role.text
    try:
        t = tag()
        [answer] = api.post("/api/users/bulk", json={"users": [{"username": f"{t}_api"}]}).json()
        cli(own_server, "import", str(write_jsonl(tmp_path / "r.jsonl", [{"username": f"{t}_cli"}])), "--quiet")
        for user in users_named(api, t):
            roles = api.get(f"/api/users/{user['id']}/roles").json()
            assert [r["id"] for r in roles] == [role.json()["id"]], user["username"]
        assert answer["id"] in {u["id"] for u in users_named(api, t)}
    finally:
        api.delete(f"/api/roles/{role.json()['id']}")
