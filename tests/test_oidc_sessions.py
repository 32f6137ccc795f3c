"""Sessions and grants: end session, the Management API's user sessions and grants, the Account
API's own sessions and grants, and third-party consent. Own server: the account center changes."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.end_user import finish_login, verified_record
from tests.oidc_helpers import (
    CALLBACK,
    LOGOUT,
    Browser,
    exchange,
    make_app,
    make_user,
    query_of,
    userinfo,
)
from tests.server import Server


@pytest.fixture(scope="module")
def api(own_server: Server) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {own_server.token()}"}
    with httpx.Client(base_url=own_server.base_url, headers=headers, timeout=30) as client:
        yield client


@pytest.fixture
def browser(own_server: Server) -> Iterator[Browser]:
    b = Browser(own_server)
    yield b
    b.close()


def _tokens(srv: Server, api: httpx.Client, browser: Browser, user_id: str, scope: str) -> tuple[str, dict]:  # type: ignore[type-arg]
    app_id, secret = make_app(api, "Traditional")
    back = browser.sign_in(app_id, user_id, scope=scope, prompt="consent")
    res = exchange(srv, app_id, secret, back["code"], None)
    assert res.status_code == 200, res.text
    return app_id, res.json()


def test_end_session(own_server: Server, api: httpx.Client, browser: Browser) -> None:
    user_id = make_user(api)
    app_id, tokens = _tokens(own_server, api, browser, user_id, "openid profile")
    bad = browser.http.get("/oidc/session/end", params={"client_id": app_id, "post_logout_redirect_uri": "http://x.example/"})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_request"
    page = browser.http.get("/oidc/session/end", params={"client_id": app_id, "post_logout_redirect_uri": LOGOUT, "state": "s1"})
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    xsrf = re.search(r'name="xsrf" value="([^"]+)"', page.text)
    assert xsrf is not None
    forged = browser.http.post("/oidc/session/end/confirm", data={"xsrf": "forged", "logout": "yes"})
    assert forged.status_code == 400
    res = browser.http.post("/oidc/session/end/confirm", data={"xsrf": xsrf.group(1), "logout": "yes"})
    assert res.status_code == 303 and res.headers["location"] == f"{LOGOUT}?state=s1"
    assert any(c.startswith("_session=") and "Max-Age=0" in c for c in res.headers.get_list("set-cookie"))
    assert api.get(f"/api/users/{user_id}/sessions").json() == {"sessions": []}
    assert userinfo(own_server, tokens["access_token"]).status_code == 401  # no offline_access: grant ended
    assert browser.authorize(app_id, scope="openid").headers["location"].startswith("/sign-in")


def test_management_sessions_and_grants(own_server: Server, api: httpx.Client, browser: Browser) -> None:
    user_id = make_user(api)
    first_app, first = _tokens(own_server, api, browser, user_id, "openid offline_access")
    second_app, second = _tokens(own_server, api, browser, user_id, "openid offline_access")
    found = api.get(f"/api/users/{user_id}/sessions").json()["sessions"]
    assert len(found) == 1
    session = found[0]
    assert session["accountId"] == user_id and session["payload"]["kind"] == "Session"
    assert set(session["payload"]["authorizations"]) == {first_app, second_app}
    assert {"exp", "iat", "jti", "uid", "loginTs", "accountId"} <= set(session["payload"])
    uid = session["payload"]["uid"]
    assert api.get(f"/api/users/{user_id}/sessions/{uid}").json()["payload"]["uid"] == uid
    missing = api.get(f"/api/users/{user_id}/sessions/nope")
    assert missing.status_code == 404 and missing.json()["code"] == "oidc.session_not_found"

    grants = api.get(f"/api/users/{user_id}/grants").json()["grants"]
    assert {g["application"]["id"] for g in grants} == {first_app, second_app}
    assert all(g["payload"]["kind"] == "Grant" and g["payload"]["accountId"] == user_id for g in grants)
    assert api.get(f"/api/users/{user_id}/grants", params={"appType": "thirdParty"}).json() == {"grants": []}
    first_grant = next(g["id"] for g in grants if g["application"]["id"] == first_app)
    assert api.delete(f"/api/users/{user_id}/grants/{first_grant}").status_code == 204
    assert api.delete(f"/api/users/{user_id}/grants/{first_grant}").status_code == 404
    assert userinfo(own_server, first["access_token"]).status_code == 401
    assert userinfo(own_server, second["access_token"]).status_code == 200
    left = api.get(f"/api/users/{user_id}/sessions/{uid}").json()["payload"]["authorizations"]
    assert set(left) == {second_app}

    assert api.delete(f"/api/users/{user_id}/sessions/{uid}", params={"revokeGrantsTarget": "all"}).status_code == 204
    assert api.get(f"/api/users/{user_id}/sessions").json() == {"sessions": []}
    assert userinfo(own_server, second["access_token"]).status_code == 401
    assert api.delete(f"/api/users/{user_id}/sessions/{uid}").status_code == 404
    assert browser.authorize(second_app, scope="openid").headers["location"].startswith("/sign-in")


def test_my_account_sessions(own_server: Server, api: httpx.Client, browser: Browser) -> None:
    user_id = make_user(api)
    _, tokens = _tokens(own_server, api, browser, user_id, "openid urn:logto:scope:sessions")
    mine = {"Authorization": f"Bearer {tokens['access_token']}"}
    url = f"{own_server.base_url}/api/my-account/sessions"
    assert httpx.get(url, headers=mine).json()["code"] == "account_center.not_enabled"
    center = api.patch("/api/account-center", json={"enabled": True, "fields": {"session": "ReadOnly"}})
    assert center.status_code == 200, center.text
    res = httpx.get(url, headers=mine)
    assert res.status_code == 401 and res.json()["code"] == "verification_record.permission_denied"
    other = verified_record(own_server, make_user(api))
    assert httpx.get(url, headers={**mine, "logto-verification-id": other}).status_code == 401
    verified = {**mine, "logto-verification-id": verified_record(own_server, user_id, token=tokens["access_token"])}
    res = httpx.get(url, headers=verified)
    assert res.status_code == 200, res.text
    uid = res.json()["sessions"][0]["payload"]["uid"]
    grants = httpx.get(f"{own_server.base_url}/api/my-account/grants", headers=verified)
    assert grants.status_code == 200 and len(grants.json()["grants"]) == 1
    res = httpx.delete(f"{url}/{uid}", headers=verified)
    assert res.status_code == 400 and res.json()["code"] == "account_center.field_not_editable"
    api.patch("/api/account-center", json={"fields": {"session": "Edit"}})
    assert httpx.delete(f"{url}/{uid}", headers=verified).status_code == 204
    assert api.get(f"/api/users/{user_id}/sessions").json() == {"sessions": []}

    _, plain = _tokens(own_server, api, browser, user_id, "openid profile")
    res = httpx.get(url, headers={"Authorization": f"Bearer {plain['access_token']}", "logto-verification-id": verified["logto-verification-id"]})
    assert res.status_code == 401 and res.json()["code"] == "auth.unauthorized"


def test_third_party_consent(own_server: Server, api: httpx.Client, browser: Browser) -> None:
    app_id, secret = make_app(api, "Traditional", third_party=True)
    res = api.post(f"/api/applications/{app_id}/user-consent-scopes", json={"userScopes": ["profile"]})
    assert res.status_code == 201, res.text
    user_id = make_user(api)
    res = browser.authorize(app_id, scope="openid profile email", prompt="consent")
    uid = browser.http.cookies["_interaction"]
    finish_login(own_server, uid, user_id)
    res = browser.http.get(f"/oidc/auth/{uid}")
    assert res.headers["location"] == f"/consent?app_id={app_id}"
    page = browser.follow(res)
    assert page.status_code == 200  # the consent page, not an automatic grant
    info = browser.http.get("/api/interaction/consent")
    assert info.status_code == 200, info.text
    assert info.json()["missingOIDCScope"] == ["profile"] and info.json()["application"]["id"] == app_id
    assert info.json()["user"]["id"] == user_id and info.json()["redirectUri"] == CALLBACK
    done = browser.http.post("/api/interaction/consent", json={})
    assert done.status_code == 200, done.text
    res = browser.http.get(done.json()["redirectTo"].removeprefix(own_server.base_url))
    assert res.status_code == 303 and res.headers["location"].startswith(CALLBACK)
    token = exchange(own_server, app_id, secret, query_of(res.headers["location"])["code"], None)
    assert token.status_code == 200 and token.json()["scope"] == "openid profile"  # email was not allowed
    assert api.get(f"/api/users/{user_id}").json()["applicationId"] == app_id
    assert httpx.get(f"{own_server.base_url}/api/interaction/consent").status_code == 404
