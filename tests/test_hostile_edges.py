"""Issue 13's smaller hostile-input items, over HTTP on both backends: server errors log no
values, OIDC wrong methods answer oidc-provider's JSON 404, paging errors say the allowed range,
and the console's `next` cannot climb out of /console."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import fresh_server, unique
from tests.server import Server
from tests.test_console import PASSWORD, create_admin, csrf_of, db_execute

SECRET = "sk_live_" + "7f3a9c" * 4


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def srv(request: pytest.FixtureRequest) -> Iterator[Server]:
    with fresh_server(request.param) as server:
        create_admin(server, "root")
        yield server


@pytest.fixture
def api(srv: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=srv.base_url, headers={"Authorization": f"Bearer {srv.token()}"}, timeout=30) as c:
        yield c


def _fail_role_inserts(srv: Server) -> None:
    """A trigger that fails every role insert with an error the API does not map: a 500."""
    if srv.backend == "sqlite":
        db_execute(srv, "CREATE TRIGGER boom BEFORE INSERT ON roles BEGIN SELECT RAISE(ABORT, 'boom'); END")
        return
    db_execute(srv, """CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'boom: %', NEW.description; END $$""")
    db_execute(srv, "CREATE TRIGGER boom BEFORE INSERT ON roles FOR EACH ROW EXECUTE FUNCTION boom()")


def _allow_role_inserts(srv: Server) -> None:
    db_execute(srv, "DROP TRIGGER boom" if srv.backend == "sqlite" else "DROP TRIGGER boom ON roles")


def test_server_error_logs_no_values(srv: Server, api: httpx.Client) -> None:
    """A 500 logged the whole traceback, SQL bound parameters included."""
    assert srv.log_path is not None
    _fail_role_inserts(srv)
    try:
        res = api.post("/api/roles", json={"name": unique("boom"), "description": SECRET})
        assert res.status_code == 500 and res.json() == {"message": "Internal server error."}
        request_id = res.headers["x-request-id"]
        # The keep-alive connection survives the error (uvicorn used to drop it).
        assert api.get("/api/roles", params={"page_size": 1}).status_code == 200
    finally:
        _allow_role_inserts(srv)
    log = srv.log_path.read_text()
    assert request_id in log and "POST /api/roles" in log
    assert SECRET not in log and "parameters:" not in log and "boom:" not in log, log[-3000:]


def test_wrong_method_on_oidc_is_oidc_provider_404(srv: Server) -> None:
    """`GET /oidc/token` answered a text/plain 405."""
    for method, path in (("GET", "/oidc/token"), ("POST", "/oidc/jwks"), ("DELETE", "/oidc/token")):
        res = httpx.request(method, srv.base_url + path)
        assert res.status_code == 404 and res.headers["content-type"].startswith("application/json")
        assert res.json() == {
            "code": "oidc.invalid_request",
            "message": "Request is invalid.",
            "error": "invalid_request",
            "error_description": f"unrecognized route or not allowed method ({method} on {path[5:]})",
        }
    assert httpx.get(srv.base_url + "/oidc/jwks").status_code == 200


@pytest.mark.parametrize(
    ("query", "details"),
    [
        ("page=0", "`page` must be a whole number from 1 to 2147483648."),
        ("page=99999999999", "`page` must be a whole number from 1 to 2147483648."),
        ("page_size=101", "`page_size` must be a whole number from 1 to 100."),
        ("page_size=x", "`page_size` must be a whole number from 1 to 100."),
    ],
)
def test_invalid_pagination_says_the_range(api: httpx.Client, query: str, details: str) -> None:
    res = api.get(f"/api/roles?{query}")
    assert res.status_code == 400
    assert res.json() == {
        "code": "guard.invalid_pagination", "message": "The request pagination value is invalid.", "details": details
    }


@pytest.mark.parametrize(
    ("target", "location"),
    [
        ("/console/../../evil", "/console/"),
        ("/console/%2e%2e/%2e%2e/evil", "/console/"),
        ("/console/users/../applications", "/console/applications"),
        ("/console/users?page=2", "/console/users?page=2"),
    ],
)
def test_console_next_is_normalised_under_console(srv: Server, target: str, location: str) -> None:
    with httpx.Client(base_url=srv.base_url, timeout=30) as client:
        form = client.get("/console/sign-in")
        res = client.post(
            "/console/sign-in",
            data={"csrf": csrf_of(form.text), "username": "root", "password": PASSWORD, "next": target},
        )
        assert res.status_code == 303 and res.headers["location"] == location
        # Already signed in: the sign-in page sends `next` on at once.
        res = client.get("/console/sign-in", params={"next": target})
        assert res.status_code == 303 and res.headers["location"] == location
