"""The authorization code flow for people: /oidc/auth, resume, consent, the code exchange, the ID
token and userinfo (logto-user-flows-facts §1-3)."""

from __future__ import annotations

import httpx
import pytest

from tests.oidc_helpers import (
    CALLBACK,
    Browser,
    exchange,
    jwt_parts,
    make_app,
    make_user,
    pkce,
    query_of,
    userinfo,
    wait_logs,
)
from tests.server import Server


@pytest.fixture
def browser(server: Server) -> Browser:
    b = Browser(server)
    yield b  # type: ignore[misc]
    b.close()


def test_discovery_lists_what_is_served(server: Server) -> None:
    doc = httpx.get(f"{server.base_url}/oidc/.well-known/openid-configuration").json()
    issuer = f"{server.base_url}/oidc"
    assert doc["authorization_endpoint"] == f"{issuer}/auth"
    assert doc["userinfo_endpoint"] == f"{issuer}/me"
    assert doc["end_session_endpoint"] == f"{issuer}/session/end"
    assert doc["revocation_endpoint"] == f"{issuer}/token/revocation"
    assert doc["introspection_endpoint"] == f"{issuer}/token/introspection"
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["response_types_supported"] == ["code"]
    assert doc["authorization_response_iss_parameter_supported"] is True
    assert set(doc["grant_types_supported"]) == {
        "authorization_code", "refresh_token", "client_credentials", "urn:ietf:params:oauth:grant-type:token-exchange"
    }
    assert "none" in doc["token_endpoint_auth_methods_supported"]
    assert "urn:logto:scope:sessions" in doc["scopes_supported"] and "created_at" in doc["claims_supported"]


def test_traditional_app_full_flow(server: Server, api: httpx.Client, browser: Browser) -> None:
    app_id, secret = make_app(api, "Traditional")
    user_id = make_user(api, primaryEmail=f"a{app_id}@example.com")
    first = browser.authorize(app_id, scope="openid profile email offline_access", prompt="consent", nonce="n-1")
    assert first.status_code == 303
    assert first.headers["location"] == f"/sign-in?app_id={app_id}"
    assert first.headers["cache-control"] == "no-store"
    cookies = first.headers.get_list("set-cookie")
    assert any(c.startswith("_interaction=") and "HttpOnly" in c and "SameSite=lax" in c.replace("Lax", "lax") for c in cookies)
    uid = browser.http.cookies["_interaction"]
    assert any(c.startswith("_interaction_resume=") and f"Path=/oidc/auth/{uid}" in c for c in cookies)

    from tests.end_user import finish_login

    finish_login(server, uid, user_id)
    res = browser.http.get(f"/oidc/auth/{uid}")
    assert res.status_code == 303 and res.headers["location"] == f"/consent?app_id={app_id}"
    assert browser.http.cookies["_session"]
    assert browser.http.cookies["_interaction"] != uid  # a new interaction for consent
    res = browser.follow(res)
    assert res.status_code == 302 and res.headers["location"].startswith(f"{server.base_url}/oidc/auth/")
    res = browser.follow(res)
    assert res.status_code == 303 and res.headers["location"].startswith(CALLBACK + "?")
    back = query_of(res.headers["location"])
    assert back["state"] == "st" and back["iss"] == f"{server.base_url}/oidc" and len(back["code"]) == 43

    res = exchange(server, app_id, secret, back["code"], None)
    assert res.status_code == 200, res.text
    assert res.headers["cache-control"] == "no-store"
    body = res.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert len(body["access_token"]) == 43 and body["refresh_token"]
    assert body["scope"].split() == ["openid", "profile", "email", "offline_access"]
    header, claims = jwt_parts(body["id_token"])
    assert header["alg"] == "ES384" and "typ" not in header and header["kid"]
    assert claims["sub"] == user_id and claims["aud"] == app_id and claims["nonce"] == "n-1"
    assert claims["iss"] == f"{server.base_url}/oidc" and claims["exp"] - claims["iat"] == 3600
    assert claims["created_at"] > 10**12 and claims["updated_at"] > 10**12  # epoch ms
    assert claims["picture"] is None and claims["email_verified"] is True
    assert "at_hash" not in claims and "sid" not in claims and "roles" not in claims

    info = userinfo(server, body["access_token"])
    assert info.status_code == 200, info.text
    assert info.json()["sub"] == user_id and info.json()["email"] == f"a{app_id}@example.com"
    assert info.json()["name"] == "Ann" and "phone_number" not in info.json()

    logs = wait_logs(api, logKey="ExchangeTokenBy.AuthorizationCode", applicationId=app_id)
    assert logs and logs[0]["payload"]["userId"] == user_id
    assert logs[0]["payload"]["tokenTypes"] == ["AccessToken", "IdToken", "RefreshToken"]
    assert logs[0]["payload"]["params"]["code"] == "******"
    created = wait_logs(api, logKey="Interaction.Create", applicationId=app_id)
    assert {e["payload"]["prompt"]["name"] for e in created} == {"login", "consent"}
    assert created[-1]["payload"]["params"]["nonce"] == "n-1"
    ended = wait_logs(api, logKey="Interaction.End", applicationId=app_id)
    assert len(ended) == 2 and all(e["payload"]["userId"] == user_id for e in ended)


def test_spa_needs_pkce(server: Server, api: httpx.Client, browser: Browser) -> None:
    app_id, _ = make_app(api, "SPA")
    user_id = make_user(api)
    res = browser.authorize(app_id, scope="openid")
    assert res.status_code == 303
    err = query_of(res.headers["location"])
    assert res.headers["location"].startswith(CALLBACK) and err["error"] == "invalid_request" and err["state"] == "st"
    res = browser.authorize(app_id, scope="openid", code_challenge="x" * 43, code_challenge_method="plain")
    assert query_of(res.headers["location"])["error"] == "invalid_request"

    verifier, challenge = pkce()
    back = browser.sign_in(app_id, user_id, scope="openid profile", code_challenge=challenge, code_challenge_method="S256")
    assert exchange(server, app_id, None, back["code"], None).json()["error"] == "invalid_grant"
    assert exchange(server, app_id, None, back["code"], pkce()[0]).json()["error"] == "invalid_grant"
    res = exchange(server, app_id, None, back["code"], verifier)
    assert res.status_code == 200, res.text
    assert "refresh_token" not in res.json()  # no offline_access
    assert userinfo(server, res.json()["access_token"]).json()["username"]


def test_redirect_uri_mismatch_is_never_redirected(server: Server, api: httpx.Client, browser: Browser) -> None:
    app_id, _ = make_app(api, "SPA")
    res = browser.authorize(app_id, scope="openid", redirect_uri="http://evil.example/cb")
    assert res.status_code == 400 and "location" not in res.headers
    assert res.json()["error"] == "invalid_redirect_uri"
    res = browser.authorize("no-such-app", scope="openid")
    assert res.status_code == 400 and "location" not in res.headers and res.json()["error"] == "invalid_client"
    m2m = api.post("/api/applications", json={"name": "m", "type": "MachineToMachine"}).json()["id"]
    res = browser.authorize(m2m, scope="openid")
    assert res.status_code == 400 and "location" not in res.headers


def test_prompt_none_without_session(server: Server, api: httpx.Client, browser: Browser) -> None:
    app_id, _ = make_app(api, "Traditional")
    res = browser.authorize(app_id, scope="openid", prompt="none")
    assert res.status_code == 303 and query_of(res.headers["location"])["error"] == "login_required"


def test_code_replay_revokes_the_grant(server: Server, api: httpx.Client, browser: Browser) -> None:
    app_id, secret = make_app(api, "Traditional")
    back = browser.sign_in(app_id, make_user(api), prompt="consent")
    first = exchange(server, app_id, secret, back["code"], None)
    assert first.status_code == 200
    assert userinfo(server, first.json()["access_token"]).status_code == 200
    again = exchange(server, app_id, secret, back["code"], None)
    assert again.status_code == 400 and again.json()["code"] == "oidc.invalid_grant"
    res = userinfo(server, first.json()["access_token"])
    assert res.status_code == 401 and res.json()["error"] == "invalid_token"
    assert "invalid_token" in res.headers["www-authenticate"]
    refresh = {"grant_type": "refresh_token", "refresh_token": first.json()["refresh_token"]}
    assert httpx.post(f"{server.base_url}/oidc/token", data=refresh, auth=(app_id, secret)).status_code == 400


def test_live_session_skips_login_and_sign_in_rotates_the_session(
    server: Server, api: httpx.Client, browser: Browser
) -> None:
    app_id, _secret = make_app(api, "Traditional")
    user_id = make_user(api)
    browser.sign_in(app_id, user_id)
    before = browser.http.cookies["_session"]
    res = browser.authorize(app_id, scope="openid profile")
    assert res.status_code == 303 and res.headers["location"].startswith(CALLBACK)  # no sign-in page
    assert "code" in query_of(res.headers["location"])
    res = browser.authorize(app_id, scope="openid profile", prompt="login")
    assert res.headers["location"].startswith("/sign-in")
    browser.sign_in(app_id, user_id, prompt="login")
    after = browser.http.cookies["_session"]
    assert after != before  # no fixation: a sign-in always gets a new session
    sessions = api.get(f"/api/users/{user_id}/sessions").json()["sessions"]
    assert len(sessions) == 1 and sessions[0]["accountId"] == user_id
    assert sessions[0]["lastSubmission"]["interactionEvent"] == "SignIn"


def test_suspended_user_is_refused(server: Server, api: httpx.Client, browser: Browser) -> None:
    app_id, secret = make_app(api, "Traditional")
    user_id = make_user(api)
    back = browser.sign_in(app_id, user_id, prompt="consent")
    body = exchange(server, app_id, secret, back["code"], None).json()
    assert api.patch(f"/api/users/{user_id}/is-suspended", json={"isSuspended": True}).status_code == 200
    assert userinfo(server, body["access_token"]).status_code == 401
    refresh = {"grant_type": "refresh_token", "refresh_token": body["refresh_token"]}
    res = httpx.post(f"{server.base_url}/oidc/token", data=refresh, auth=(app_id, secret))
    assert res.status_code == 400 and res.json()["error"] == "invalid_grant"
    res = browser.authorize(app_id, scope="openid")
    assert res.headers["location"].startswith("/sign-in")  # the session no longer counts


def test_hostile_inputs_never_fail_the_server(server: Server, api: httpx.Client, browser: Browser) -> None:
    app_id, secret = make_app(api, "Traditional")
    base = server.base_url
    answers = [
        browser.http.get("/oidc/auth", params=[("client_id", app_id), ("client_id", app_id)]),
        browser.http.get("/oidc/auth", params={"client_id": app_id, "scope": "openid\x00"}),
        browser.http.get("/oidc/auth", params={"client_id": "x" * 5000}),
        browser.http.post("/oidc/auth", json={"client_id": app_id}),
        browser.http.post("/oidc/auth", content=b"\xff\xfe", headers={"content-type": "application/x-www-form-urlencoded"}),
        browser.authorize(app_id, scope="openid", resource="not a uri"),
        browser.authorize(app_id, scope="openid", response_type="token"),
        browser.authorize(app_id, scope="openid", prompt="none login"),
        browser.authorize(app_id, scope="openid", code_challenge="short", code_challenge_method="S256"),
        browser.authorize(app_id, scope="profile"),
        browser.http.get("/oidc/auth/" + "u" * 300),
        httpx.get(f"{base}/oidc/auth/abc", headers={"cookie": "_interaction_resume=abc"}),
        httpx.get(f"{base}/consent", headers={"cookie": "_interaction=" + "%C3" * 200}),
        browser.http.get("/oidc/session/end", params={"id_token_hint": "a.b.c", "post_logout_redirect_uri": "x"}),
        browser.http.post("/oidc/session/end/confirm", content=b"\x00"),
        httpx.get(f"{base}/oidc/me", headers={"Authorization": "Bearer " + "x" * 4000}),
        httpx.post(f"{base}/oidc/me", headers={"Authorization": "Basic abc"}),
        httpx.post(f"{base}/oidc/token", data={"grant_type": "authorization_code", "code": "\u00e9" * 600}, auth=(app_id, secret)),
        httpx.post(f"{base}/oidc/token", data={"grant_type": "refresh_token"}, auth=(app_id, secret)),
        httpx.post(f"{base}/oidc/token/introspection", data={"token": "t" * 1000}, auth=(app_id, secret)),
        httpx.get(f"{base}/api/interaction/consent", headers={"cookie": "_interaction=nope"}),
    ]
    for res in answers:
        assert res.status_code < 500, (res.request.url, res.text)
    assert answers[0].status_code == 400 and answers[5].headers["location"].startswith(CALLBACK)
    assert query_of(answers[6].headers["location"])["error"] == "unsupported_response_type"


def test_userinfo_needs_openid_and_a_live_token(server: Server, api: httpx.Client) -> None:
    from tests.end_user import user_access_token

    app_id, _ = make_app(api, "SPA")
    user_id = make_user(api, customData={"k": 1})
    res = userinfo(server, user_access_token(server, user_id, app_id, "profile"))
    assert res.status_code == 403 and res.json()["error"] == "insufficient_scope"
    res = userinfo(server, user_access_token(server, user_id, app_id, "openid custom_data roles identities"))
    assert res.status_code == 200
    assert res.json() == {"sub": user_id, "custom_data": {"k": 1}, "roles": [], "identities": {}, "sso_identities": []}
    assert userinfo(server, user_access_token(server, user_id, app_id, "openid", ttl_s=-1)).status_code == 401
    res = httpx.get(f"{server.base_url}/oidc/me")
    assert res.status_code == 401 and res.headers["www-authenticate"].startswith("Bearer realm=")
