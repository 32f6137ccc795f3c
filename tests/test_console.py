"""Admin console over HTTP: sign-in and out, cookie flags, CSRF, session expiry, rate limit, and
that every change goes through the Management API (its errors shown in plain words)."""

from __future__ import annotations

import asyncio
import html
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from http.cookies import SimpleCookie

import httpx
import pytest

from tests.conftest import fresh_server, unique
from tests.server import Server

PASSWORD = "correct-horse-battery"


def create_admin(srv: Server, username: str, password: str = PASSWORD) -> str:
    run = subprocess.run(
        [sys.executable, "-m", "authkeep.cli", "admin", "create", "--username", username, "--password", password],
        env=srv.env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]*)"', page)
    assert found, page[:2000]
    return found.group(1)


def flash_of(page: str) -> str:
    found = re.search(r'class="flash (?:error|notice)"[^>]*>([^<]*)<', page)
    return html.unescape(found.group(1)) if found else ""


def sign_in(client: httpx.Client, username: str, password: str = PASSWORD) -> httpx.Response:
    form = client.get("/console/sign-in")
    return client.post(
        "/console/sign-in",
        data={"csrf": csrf_of(form.text), "username": username, "password": password, "next": "/console/"},
    )


def db_execute(srv: Server, sql: str) -> None:
    if srv.backend == "sqlite":
        with sqlite3.connect(srv.database_url.split("///", 1)[1]) as conn:
            conn.execute(sql)
        return

    async def run() -> None:
        import asyncpg

        conn = await asyncpg.connect(srv.database_url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


def set_cookies(response: httpx.Response) -> dict[str, SimpleCookie]:
    cookies = {}
    for header in response.headers.get_list("set-cookie"):
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        for name in jar:
            cookies[name] = jar
    return cookies


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def srv(request: pytest.FixtureRequest) -> Iterator[Server]:
    with fresh_server(request.param) as server:
        create_admin(server, "root")
        yield server


@pytest.fixture
def browser(srv: Server) -> Iterator[httpx.Client]:
    """A cookie-keeping client that is signed in."""
    with httpx.Client(base_url=srv.base_url, timeout=30, follow_redirects=True) as client:
        assert sign_in(client, "root").url.path == "/console/"
        yield client


@pytest.fixture
def api(srv: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=srv.base_url, headers={"Authorization": f"Bearer {srv.token()}"}, timeout=30) as c:
        yield c


def test_pages_need_sign_in(srv: Server) -> None:
    with httpx.Client(base_url=srv.base_url) as client:
        for path in ("/console/", "/console/applications", "/console/users?q=a", "/console/resources/x"):
            res = client.get(path)
            assert res.status_code == 303, path
            assert res.headers["location"].startswith("/console/sign-in?next=%2Fconsole%2F")
        res = client.post("/console/applications", data={"name": "x", "type": "SPA"})
        assert res.status_code == 303 and res.headers["location"].startswith("/console/sign-in")


def test_sign_in_sets_strict_cookies_and_sign_out_ends_the_session(srv: Server) -> None:
    with httpx.Client(base_url=srv.base_url, timeout=30) as client:
        form = client.get("/console/sign-in")
        login = set_cookies(form)["authkeep_console_login"]["authkeep_console_login"]
        assert login["httponly"] and login["samesite"].lower() == "strict" and login["path"] == "/console"
        res = client.post(
            "/console/sign-in",
            data={"csrf": csrf_of(form.text), "username": "root", "password": PASSWORD, "next": "/console/users"},
        )
        assert res.status_code == 303 and res.headers["location"] == "/console/users"
        cookie = set_cookies(res)["authkeep_console"]["authkeep_console"]
        assert cookie["httponly"] and cookie["samesite"].lower() == "strict" and cookie["path"] == "/console"
        assert not cookie["secure"]  # the endpoint is http here; see the https test below
        value = cookie.value
        page = client.get("/console/")
        assert page.status_code == 200 and "Sign out" in page.text and ">root<" in page.text
        out = client.post("/console/sign-out", data={"csrf": csrf_of(page.text)})
        assert out.status_code == 303 and out.headers["location"] == "/console/sign-in"
    # Replaying the old cookie after sign-out: the server-side row is gone.
    with httpx.Client(base_url=srv.base_url, cookies={"authkeep_console": value}) as replay:
        assert replay.get("/console/").status_code == 303


def test_wrong_or_unknown_credentials_look_the_same(srv: Server) -> None:
    with httpx.Client(base_url=srv.base_url, timeout=30) as client:
        wrong = sign_in(client, "root", "not-the-password")
        unknown = sign_in(client, unique("nobody"), "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert flash_of(wrong.text) == flash_of(unknown.text) == "The username or password is not correct."
    assert "authkeep_console=" not in wrong.headers.get("set-cookie", "").replace("authkeep_console_login=", "")


def test_sign_in_form_needs_its_csrf_token(srv: Server) -> None:
    with httpx.Client(base_url=srv.base_url, timeout=30) as client:
        client.get("/console/sign-in")
        res = client.post("/console/sign-in", data={"csrf": "forged", "username": "root", "password": PASSWORD})
    assert res.status_code == 403 and "authkeep_console=" not in res.headers.get("set-cookie", "")


def test_post_without_csrf_token_is_rejected_and_changes_nothing(
    srv: Server, browser: httpx.Client, api: httpx.Client
) -> None:
    name = unique("csrf-app")
    for token in (None, "", "wrong-token"):
        data = {"name": name, "type": "MachineToMachine"} | ({"csrf": token} if token is not None else {})
        res = browser.post("/console/applications", data=data)
        assert res.status_code == 403
        assert "This form has expired" in flash_of(res.text)
    found = api.get("/api/applications", params={"search": name})
    assert found.json() == []
    page = browser.get("/console/applications/new")
    ok = browser.post("/console/applications", data={"csrf": csrf_of(page.text), "name": name, "type": "SPA"})
    assert ok.status_code == 200 and flash_of(ok.text) == "Application created."
    assert [a["name"] for a in api.get("/api/applications", params={"search": name}).json()] == [name]


def test_expired_session_sends_back_to_sign_in(srv: Server) -> None:
    with httpx.Client(base_url=srv.base_url, timeout=30) as client:
        sign_in(client, "root")
        assert client.get("/console/").status_code == 200
        db_execute(srv, "UPDATE console_sessions SET expires_at = 1")
        res = client.get("/console/applications")
        assert res.status_code == 303 and res.headers["location"].startswith("/console/sign-in")


def test_tampered_cookie_is_ignored(srv: Server) -> None:
    with httpx.Client(base_url=srv.base_url, timeout=30) as client:
        res = sign_in(client, "root")
        value = set_cookies(res)["authkeep_console"]["authkeep_console"].value
    sid, mac = value.rsplit(".", 1)
    for forged in (sid, f"{sid}.{'A' * len(mac)}", f"{sid[:-1]}x.{mac}", "garbage"):
        with httpx.Client(base_url=srv.base_url, cookies={"authkeep_console": forged}) as client:
            assert client.get("/console/").status_code == 303


def test_next_parameter_cannot_leave_the_console(srv: Server) -> None:
    with httpx.Client(base_url=srv.base_url, timeout=30) as client:
        form = client.get("/console/sign-in")
        for target in ("https://evil.example/", "//evil.example/x", "/console//evil.example", "/api/users"):
            res = client.post(
                "/console/sign-in",
                data={"csrf": csrf_of(form.text), "username": "root", "password": PASSWORD, "next": target},
            )
            assert res.status_code == 303 and res.headers["location"] == "/console/", target
            client.cookies.clear()
            form = client.get("/console/sign-in")


def test_pages_send_security_headers_and_only_local_assets(browser: httpx.Client) -> None:
    page = browser.get("/console/applications")
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and all(a.startswith(("/console", "#")) for a in assets), assets
    for path in ("/console/static/console.css", "/console/static/console.js", "/console/static/favicon.svg"):
        assert browser.get(path).status_code == 200


def test_api_errors_are_shown_in_plain_words(browser: httpx.Client) -> None:
    page = browser.get("/console/resources/management-api")
    token = csrf_of(page.text)
    # The console hides these controls; a forged POST still meets the API's own rule.
    res = browser.post("/console/resources/management-api", data={"csrf": token, "name": "x"})
    assert res.url.path == "/console/resources/management-api"
    assert "cannot" in flash_of(res.text).lower() and "management api" in flash_of(res.text).lower()
    res = browser.post("/console/applications", data={"csrf": token, "name": "", "type": "SPA"})
    assert res.status_code == 400
    assert flash_of(res.text) == "The request body is invalid. name: String should have at least 1 character"
    missing = browser.get("/console/users/doesnotexist")
    assert missing.status_code == 404 and flash_of(missing.text)


def test_console_changes_go_through_the_management_api(browser: httpx.Client, api: httpx.Client) -> None:
    token = csrf_of(browser.get("/console/").text)
    created = browser.post("/console/applications", data={"csrf": token, "name": unique("svc"), "type": "MachineToMachine"})
    app_id = created.url.path.split("/")[3]
    assert created.url.path.endswith("/roles")  # M2M creation goes straight to role assignment
    access = next(r for r in api.get("/api/roles", params={"type": "MachineToMachine"}).json()
                  if r["name"] == "Logto Management API access")
    assert f'value="{access["id"]}"' in created.text and "badge mgmt" in created.text
    browser.post(f"/console/applications/{app_id}/roles", data={"csrf": token, "role": access["id"]})
    assert [r["id"] for r in api.get(f"/api/applications/{app_id}/roles").json()] == [access["id"]]
    detail = browser.get(f"/console/applications/{app_id}")
    secrets = api.get(f"/api/applications/{app_id}/secrets").json()
    assert secrets and all(s["value"] in detail.text for s in secrets)
    browser.post(f"/console/applications/{app_id}/delete", data={"csrf": token})
    assert api.get(f"/api/applications/{app_id}").status_code == 404


def test_user_search_modes(browser: httpx.Client, api: httpx.Client) -> None:
    tag = unique("Srch").replace("-", "")
    user = api.post("/api/users", json={"username": f"{tag}Alice", "name": "Console Search"}).json()
    cases = {
        f"q={tag.lower()}": True,  # fuzzy, case-insensitive
        f"q={tag.lower()}&case=1": False,  # fuzzy, case-sensitive
        f"q={tag}&match=exact": False,  # exact needs the whole value
        f"q={tag.lower()}alice&match=exact&field=username": True,
        f"q={tag.lower()}alice&match=exact&field=username&case=1": False,
        f"q={tag}Alice&match=exact&field=username&case=1": True,
        "q=100%25_no_such": False,  # % and _ are literal in fuzzy mode
    }
    for query, expected in cases.items():
        page = browser.get(f"/console/users?{query}")
        assert page.status_code == 200
        assert (f'/console/users/{user["id"]}"' in page.text) is expected, query


def test_dashboard_counts_new_users(browser: httpx.Client, api: httpx.Client) -> None:
    before = browser.get("/console/")
    total = int(re.search(r"Total users</span><strong>(\d+)", before.text).group(1))  # type: ignore[union-attr]
    api.post("/api/users", json={"username": unique("dash").replace("-", "")})
    after = browser.get("/console/")
    assert int(re.search(r"Total users</span><strong>(\d+)", after.text).group(1)) == total + 1  # type: ignore[union-attr]
    assert "<svg class=\"chart\"" in after.text and after.text.count("<rect ") == 30


def test_sign_in_is_rate_limited(srv: Server) -> None:
    name = unique("limited")
    create_admin(srv, name)
    with httpx.Client(base_url=srv.base_url, timeout=30) as client:
        codes = [sign_in(client, name, "wrong-password").status_code for _ in range(10)]
        assert codes == [401] * 10
        blocked = sign_in(client, name)  # even the right password, until the window passes
        assert blocked.status_code == 429 and "Too many sign-in attempts" in flash_of(blocked.text)
        assert sign_in(client, "root").status_code == 303  # other usernames are not affected
