"""Refresh tokens (Logto's rotation rules and reuse grace), resource access tokens, revocation
and introspection for user tokens."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.oidc_helpers import (
    Browser,
    exchange,
    jwt_parts,
    make_app,
    make_user,
    pkce,
    token_call,
    userinfo,
)
from tests.server import Server


@pytest.fixture
def browser(server: Server) -> Iterator[Browser]:
    b = Browser(server)
    yield b
    b.close()


def _refresh(srv: Server, app_id: str, secret: str | None, rt: str, **extra: str) -> httpx.Response:
    return token_call(srv, app_id, secret, {"grant_type": "refresh_token", "refresh_token": rt, **extra})


def _signed_in(srv: Server, api: httpx.Client, browser: Browser, kind: str, scope: str, **params: str) -> tuple[str, str | None, dict]:  # type: ignore[type-arg]
    app_id, secret = make_app(api, kind)
    verifier, challenge = pkce()
    back = browser.sign_in(
        app_id, make_user(api), scope=scope, prompt="consent", code_challenge=challenge, code_challenge_method="S256",
        **params,
    )  # fmt: skip
    res = exchange(srv, app_id, secret, back["code"], verifier)
    assert res.status_code == 200, res.text
    return app_id, secret, res.json()


def test_confidential_refresh_is_not_rotated(server: Server, api: httpx.Client, browser: Browser) -> None:
    app_id, secret, first = _signed_in(server, api, browser, "Traditional", "openid profile email offline_access")
    res = _refresh(server, app_id, secret, first["refresh_token"])
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["refresh_token"] == first["refresh_token"] and body["id_token"]
    assert body["access_token"] != first["access_token"]
    narrow = _refresh(server, app_id, secret, first["refresh_token"], scope="openid email")
    assert narrow.status_code == 200 and narrow.json()["scope"] == "openid email"
    assert "name" not in userinfo(server, narrow.json()["access_token"]).json()
    wide = _refresh(server, app_id, secret, first["refresh_token"], scope="openid address")
    assert wide.status_code == 400
    assert wide.json() == {
        "code": "oidc.invalid_scope", "message": "Invalid scope: {{error_description}}.", "error": "invalid_scope",
        "error_description": "refresh token missing requested scope", "scope": "address",
    }  # fmt: skip
    target = _refresh(server, app_id, secret, first["refresh_token"], resource="https://nope.example")
    assert target.status_code == 400 and target.json()["code"] == "oidc.invalid_target"
    other_app, other_secret = make_app(api, "Traditional")
    assert _refresh(server, other_app, other_secret, first["refresh_token"]).json()["error"] == "invalid_grant"


def test_public_refresh_rotates_with_grace_then_revokes(server: Server, api: httpx.Client, browser: Browser) -> None:
    app_id, _, first = _signed_in(server, api, browser, "SPA", "openid offline_access")
    second = _refresh(server, app_id, None, first["refresh_token"])
    assert second.status_code == 200, second.text
    assert second.json()["refresh_token"] != first["refresh_token"]
    again = _refresh(server, app_id, None, first["refresh_token"])  # within the 3 s grace
    assert again.status_code == 200, again.text
    latest = again.json()
    assert userinfo(server, latest["access_token"]).status_code == 200
    time.sleep(4)
    late = _refresh(server, app_id, None, first["refresh_token"])
    assert late.status_code == 400 and late.json()["code"] == "oidc.invalid_grant"
    assert userinfo(server, latest["access_token"]).status_code == 401  # the whole grant is gone
    assert _refresh(server, app_id, None, latest["refresh_token"]).status_code == 400


def test_refresh_revocation_revokes_the_grant(server: Server, api: httpx.Client, browser: Browser) -> None:
    app_id, secret, first = _signed_in(server, api, browser, "Traditional", "openid offline_access")
    url = f"{server.base_url}/oidc/token/introspection"
    seen = httpx.post(url, data={"token": first["access_token"]}, auth=(app_id, secret)).json()
    assert seen["active"] is True and seen["client_id"] == app_id and seen["scope"] == "openid offline_access"
    res = httpx.post(
        f"{server.base_url}/oidc/token/revocation",
        data={"token": first["refresh_token"], "token_type_hint": "refresh_token"}, auth=(app_id, secret),
    )  # fmt: skip
    assert res.status_code == 200 and res.content == b""
    assert _refresh(server, app_id, secret, first["refresh_token"]).json()["error"] == "invalid_grant"
    assert userinfo(server, first["access_token"]).status_code == 401
    assert httpx.post(url, data={"token": first["access_token"]}, auth=(app_id, secret)).json() == {"active": False}
    bad = httpx.post(f"{server.base_url}/oidc/token/revocation", data={"token": "x"}, auth=(app_id, "wrong"))
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"


def test_access_token_revocation_leaves_the_grant(server: Server, api: httpx.Client, browser: Browser) -> None:
    app_id, secret, first = _signed_in(server, api, browser, "Traditional", "openid offline_access")
    res = httpx.post(f"{server.base_url}/oidc/token/revocation", data={"token": first["access_token"]}, auth=(app_id, secret))
    assert res.status_code == 200
    assert userinfo(server, first["access_token"]).status_code == 401
    assert _refresh(server, app_id, secret, first["refresh_token"]).status_code == 200


def test_resource_access_token_is_limited_to_role_scopes(server: Server, api: httpx.Client, browser: Browser) -> None:
    indicator = f"https://api.{secrets.token_hex(4)}.example"
    res_id = api.post("/api/resources", json={"name": "r", "indicator": indicator}).json()["id"]
    read = api.post(f"/api/resources/{res_id}/scopes", json={"name": "read:x"}).json()["id"]
    api.post(f"/api/resources/{res_id}/scopes", json={"name": "write:x"})
    role = api.post("/api/roles", json={"name": f"r{secrets.token_hex(4)}", "description": "d", "scopeIds": [read]})
    assert role.status_code == 200, role.text
    app_id, secret = make_app(api, "Traditional")
    user_id = make_user(api)
    assert api.post(f"/api/users/{user_id}/roles", json={"roleIds": [role.json()["id"]]}).status_code == 201
    back = browser.sign_in(app_id, user_id, scope="openid offline_access read:x write:x", prompt="consent", resource=indicator)
    opaque = exchange(browser.srv, app_id, secret, back["code"], None)
    assert opaque.status_code == 200 and len(opaque.json()["access_token"]) == 43
    res = _refresh(server, app_id, secret, opaque.json()["refresh_token"], resource=indicator)
    assert res.status_code == 200, res.text
    header, claims = jwt_parts(res.json()["access_token"])
    assert header["typ"] == "at+jwt" and header["alg"] == "ES384"
    assert claims["aud"] == indicator and claims["sub"] == user_id and claims["client_id"] == app_id
    assert claims["scope"] == "read:x" and res.json()["scope"] == "read:x"
    assert set(claims) == {"jti", "sub", "iat", "exp", "scope", "client_id", "iss", "aud"}
    unknown = _refresh(server, app_id, secret, opaque.json()["refresh_token"], resource="https://other.example")
    assert unknown.json()["code"] == "oidc.invalid_target"


def test_organization_token(server: Server, api: httpx.Client, browser: Browser) -> None:
    tag = secrets.token_hex(4)
    read = api.post("/api/organization-scopes", json={"name": f"read:{tag}"}).json()["id"]
    api.post("/api/organization-scopes", json={"name": f"admin:{tag}"})
    role = api.post("/api/organization-roles", json={"name": f"viewer-{tag}", "organizationScopeIds": [read]}).json()["id"]
    org = api.post("/api/organizations", json={"name": f"org-{tag}"}).json()["id"]
    user_id = make_user(api)
    assert api.post(f"/api/organizations/{org}/users", json={"userIds": [user_id]}).status_code == 201
    res = api.post(f"/api/organizations/{org}/users/{user_id}/roles", json={"organizationRoleIds": [role]})
    assert res.status_code == 201, res.text
    app_id, secret = make_app(api, "Traditional")
    scope = f"openid offline_access urn:logto:scope:organizations read:{tag} admin:{tag}"
    back = browser.sign_in(app_id, user_id, scope=scope, prompt="consent", resource="urn:logto:resource:organizations")
    first = exchange(server, app_id, secret, back["code"], None).json()
    res = _refresh(server, app_id, secret, first["refresh_token"], organization_id=org)
    assert res.status_code == 200, res.text
    header, claims = jwt_parts(res.json()["access_token"])
    assert header["typ"] == "at+jwt" and claims["aud"] == f"urn:logto:organization:{org}"
    assert claims["scope"] == f"read:{tag}" and claims["sub"] == user_id
    other = api.post("/api/organizations", json={"name": f"other-{tag}"}).json()["id"]
    res = _refresh(server, app_id, secret, first["refresh_token"], organization_id=other)
    assert res.status_code == 403 and res.json()["error"] == "access_denied"

    plain_app, plain_secret = make_app(api, "Traditional")
    back = browser.sign_in(plain_app, user_id, scope="openid offline_access", prompt="consent")
    rt = exchange(server, plain_app, plain_secret, back["code"], None).json()["refresh_token"]
    res = _refresh(server, plain_app, plain_secret, rt, organization_id=org)
    assert res.status_code == 403 and res.json()["error"] == "insufficient_scope"


def test_client_authentication_styles(server: Server, api: httpx.Client, browser: Browser) -> None:
    app_id, secret = make_app(api, "Traditional")
    assert secret is not None
    back = browser.sign_in(app_id, make_user(api), scope="openid")
    form = {"grant_type": "authorization_code", "code": back["code"], "redirect_uri": "http://127.0.0.1:9/callback"}
    res = httpx.post(f"{server.base_url}/oidc/token", data={**form, "client_id": app_id})
    assert res.status_code == 401 and res.json()["error"] == "invalid_client"  # a Traditional app needs its secret
    res = httpx.post(f"{server.base_url}/oidc/token", data={**form, "client_id": app_id, "client_secret": secret})
    assert res.status_code == 200, res.text
    spa, _ = make_app(api, "SPA")
    res = httpx.post(f"{server.base_url}/oidc/token", data={**form, "client_id": spa, "client_secret": "x"})
    assert res.status_code == 401  # a public client sends no secret
