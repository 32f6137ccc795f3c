"""Request ids and JSON logs (authkeep/reqlog.py), over HTTP on both backends: every answer carries
X-Request-Id (a sane incoming one is kept), the access line and any error line logged for a
request carry the same id, and no secret, token or bound SQL value reaches the log."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from authkeep import reqlog
from authkeep.logsafe import current
from tests.conftest import fresh_server, unique
from tests.server import Server
from tests.test_console import db_execute

OURS = re.compile(r"[0-9a-f]{20}")
PASSWORD = "Pw-" + "9c1e" * 5
SECRET = "sk_live_" + "41d7" * 5


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def srv(request: pytest.FixtureRequest) -> Iterator[Server]:
    with fresh_server(request.param, {"AUTHKEEP_ACCESS_LOG": "on"}) as server:
        yield server


def _lines(srv: Server) -> list[dict[str, Any]]:
    assert srv.log_path is not None
    text = srv.log_path.read_text()
    return [json.loads(line) for line in text.splitlines() if line.strip()]  # every line is JSON


def _access(srv: Server, request_id: str) -> dict[str, Any]:
    found = [r for r in _lines(srv) if r.get("request_id") == request_id and r["logger"] == "authkeep.access"]
    assert len(found) == 1, found
    return found[0]


def test_every_answer_names_its_request(srv: Server) -> None:
    token = srv.token()
    with httpx.Client(base_url=srv.base_url, timeout=30) as http:
        seen = set()
        for method, path in (("GET", "/api/status"), ("GET", "/api/status/ready"), ("GET", "/oidc/jwks"),
                             ("GET", "/api/users"), ("GET", "/nowhere"), ("POST", "/oidc/token")):  # fmt: skip
            res = http.request(method, path)
            assert OURS.fullmatch(res.headers["x-request-id"]), (path, res.headers)
            seen.add(res.headers["x-request-id"])
        assert len(seen) == 6
        kept = http.get("/api/status", headers={"X-Request-Id": "lb-7f2a:9/x=1"})
        assert kept.headers["x-request-id"] == "lb-7f2a:9/x=1"
        for insane in ("a b", "x" * 129, "", "caf\u00e9", '"><script>'):
            res = http.get("/api/status", headers={"X-Request-Id": insane.encode()})
            assert OURS.fullmatch(res.headers["x-request-id"]), insane
        user = http.post("/api/users", json={"username": unique("rid").replace("-", "_"), "password": PASSWORD},
                         headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        assert user.status_code == 200
        got = http.get(f"/api/users/{user.json()['id']}", headers={"Authorization": f"Bearer {token}"})
    line = _access(srv, got.headers["x-request-id"])
    assert (line["method"], line["route"], line["status"]) == ("GET", "/api/users/{userId}", 200)
    assert line["duration_ms"] >= 0 and line["level"] == "info" and line["time"].endswith("Z")
    assert user.json()["id"] not in json.dumps(line)  # the route template, never the raw path
    assert _access(srv, "lb-7f2a:9/x=1")["status"] == 204


def test_logs_hold_no_secret_token_or_bound_value(srv: Server) -> None:
    token = srv.token()
    auth = {"Authorization": f"Bearer {token}"}
    search = unique("needle")
    with httpx.Client(base_url=srv.base_url, headers=auth, timeout=30) as api:
        assert api.get("/api/users", params={"search": search}).status_code == 200
        assert api.post("/oidc/token", data={"grant_type": "client_credentials"}, auth=(srv.client_id, SECRET)).status_code
        boom = unique("boom")
        if srv.backend == "sqlite":
            db_execute(srv, "CREATE TRIGGER rid_boom BEFORE INSERT ON roles BEGIN SELECT RAISE(ABORT, 'boom'); END")
        else:
            db_execute(srv, """CREATE FUNCTION rid_boom() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'boom: %', NEW.description; END $$""")
            db_execute(srv, "CREATE TRIGGER rid_boom BEFORE INSERT ON roles FOR EACH ROW EXECUTE FUNCTION rid_boom()")
        try:
            failed = api.post("/api/roles", json={"name": boom, "description": SECRET}, headers={"X-Request-Id": boom})
        finally:
            db_execute(srv, "DROP TRIGGER rid_boom" if srv.backend == "sqlite" else "DROP TRIGGER rid_boom ON roles")
    assert failed.status_code == 500 and failed.headers["x-request-id"] == boom
    errors = [r for r in _lines(srv) if r.get("request_id") == boom and r["level"] == "error"]
    assert len(errors) == 1 and "POST /api/roles" in errors[0]["message"], errors
    assert _access(srv, boom)["status"] == 500
    assert srv.log_path is not None
    text = srv.log_path.read_text()
    for secret in (PASSWORD, SECRET, token, srv.client_secret, search, "boom:"):
        assert secret not in text, secret


def test_formatters_write_no_exception_message() -> None:
    try:
        raise ValueError(f"bound value {SECRET}")
    except ValueError:
        info = sys.exc_info()

    def record() -> logging.LogRecord:
        return logging.LogRecord("authkeep", logging.ERROR, __file__, 1, "failed %s", ("here",), info)

    token = current.set("rid-1")
    try:
        line = json.loads(reqlog.JsonFormatter().format(record()))
        text = reqlog.TextFormatter().format(record())
    finally:
        current.reset(token)
    assert line["request_id"] == "rid-1" and line["message"] == "failed here" and "ValueError" in line["error"]
    assert SECRET not in json.dumps(line) and SECRET not in text
    assert text.startswith("ERROR authkeep: failed here [request rid-1]") and "ValueError" in text


def test_cached_answers_get_their_own_id(srv: Server) -> None:
    """The response cache replays one stored answer: its headers must not collect ids."""
    with httpx.Client(base_url=srv.base_url, headers={"Authorization": f"Bearer {srv.token()}"}, timeout=30) as api:
        answers = [api.get("/api/roles", params={"page_size": 3}) for _ in range(4)]
    assert all(a.status_code == 200 and len(a.headers.get_list("x-request-id")) == 1 for a in answers)
    assert len({a.headers["x-request-id"] for a in answers}) == 4
