"""The whole life of a person's sign-in, browserless, over HTTP (issue 16's proof): create app and
user -> /oidc/auth -> Experience API -> consent -> code -> tokens -> userinfo -> refresh (and reuse
after the grace period) -> Account API change with a verification record -> revocation -> end
session; registration; forgot password with an e-mail code from a local SMTP server; a suspended
user. For a Traditional app (client_secret_basic) and an SPA (public, PKCE)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from tests.conftest import fresh_server
from tests.connector_helpers import TEMPLATES, SmtpInbox
from tests.oidc_flow import (
    LOGOUT_REDIRECT,
    App,
    authorize,
    browser,
    create_app,
    exchange,
    follow_to_callback,
    location,
    password_sign_in,
    refresh,
    sign_in,
)
from tests.server import Server

PASSWORD = "Flow-Passw0rd!"


def unique(prefix: str) -> str:
    """A valid username (Logto's pattern: letters, digits, underscores)."""
    return f"{prefix}_{secrets.token_hex(5)}"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def srv(request: pytest.FixtureRequest) -> Iterator[Server]:
    with fresh_server(request.param) as server:
        yield server


@pytest.fixture(scope="module")
def api(srv: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=srv.base_url, headers={"Authorization": f"Bearer {srv.token()}"}, timeout=30) as c:
        yield c


def _user(api: httpx.Client, **extra: Any) -> dict[str, Any]:
    r = api.post("/api/users", json={"username": unique("p"), "password": PASSWORD, **extra})
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize("kind", ["Traditional", "SPA"])
def test_whole_life_of_a_sign_in(srv: Server, api: httpx.Client, kind: str) -> None:
    app = create_app(api, kind, name=f"flow-{kind}")
    user = _user(api)
    c = browser(srv)

    # Authorize: 303 to the hosted sign-in page with the interaction cookies.
    auth, r = authorize(c, app)
    assert r.status_code == 303 and urlparse(location(r)).path == "/sign-in"
    assert "_interaction" in c.cookies

    # Experience API, then resume -> consent -> resume -> code.
    r = password_sign_in(c, user["username"], PASSWORD)
    assert r.status_code == 200, r.text
    assert r.json()["redirectTo"].startswith(f"{srv.base_url}/oidc/auth/")
    query = follow_to_callback(c, r.json()["redirectTo"])
    assert query["state"] == auth.state and query["iss"] == f"{srv.base_url}/oidc"
    tokens = exchange(c, app, query["code"], auth)
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    assert {"access_token", "id_token", "refresh_token", "expires_in", "scope", "token_type"} <= set(body)

    # The ID token is signed by the tenant's key and names the user.
    jwks = httpx.get(f"{srv.base_url}/oidc/jwks").json()
    from joserfc import jwt
    from joserfc.jwk import KeySet

    claims = jwt.decode(body["id_token"], KeySet.import_key_set(jwks), algorithms=["ES384"]).claims
    assert claims["sub"] == user["id"] and claims["aud"] == app.id and claims["nonce"] == auth.nonce
    assert claims["iss"] == f"{srv.base_url}/oidc" and claims["username"] == user["username"]

    # Userinfo; the user's lastSignInAt is set.
    me = c.get("/oidc/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json()["sub"] == user["id"], me.text
    assert api.get(f"/api/users/{user['id']}").json()["lastSignInAt"] is not None

    # Refresh: an SPA's token rotates; the old one works for the grace period only.
    r = refresh(c, app, body["refresh_token"])
    assert r.status_code == 200, r.text
    second = r.json()
    if kind == "SPA":
        assert second["refresh_token"] != body["refresh_token"]
        assert refresh(c, app, body["refresh_token"]).status_code == 200  # within 3 s
    else:
        assert second["refresh_token"] == body["refresh_token"]

    # Account API: change the username with a password verification record.
    assert api.patch("/api/account-center", json={"enabled": True, "fields": {"username": "Edit", "name": "Edit"}}).status_code == 200
    bearer = {"Authorization": f"Bearer {second['access_token']}"}
    r = c.post("/api/verifications/password", json={"password": PASSWORD}, headers=bearer)
    assert r.status_code == 201, r.text
    record = r.json()["verificationRecordId"]
    new_name = unique("renamed")
    r = c.patch("/api/my-account", json={"username": new_name}, headers=bearer)
    assert r.status_code == 401 and r.json()["code"] == "verification_record.permission_denied", r.text
    r = c.patch("/api/my-account", json={"username": new_name}, headers={**bearer, "logto-verification-id": record})
    assert r.status_code == 200 and r.json()["username"] == new_name, r.text
    assert c.get("/oidc/me", headers=bearer).json()["username"] == new_name

    # Revoking the refresh token ends the grant: refresh and userinfo stop working.
    data = {"token": second["refresh_token"], "token_type_hint": "refresh_token"}
    if app.auth is None:
        data["client_id"] = app.id
    r = c.post("/oidc/token/revocation", data=data, auth=app.auth or httpx.USE_CLIENT_DEFAULT)  # type: ignore[arg-type]
    assert r.status_code == 200, r.text
    r = refresh(c, app, second["refresh_token"])
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    assert c.get("/oidc/me", headers=bearer).status_code == 401

    # End the session: the confirm page, then back to the registered logout URI.
    r = c.get("/oidc/session/end", params={"id_token_hint": body["id_token"], "client_id": app.id,
                                           "post_logout_redirect_uri": LOGOUT_REDIRECT, "state": "bye"})  # fmt: skip
    assert r.status_code == 200 and "xsrf" in r.text
    xsrf = r.text.split('name="xsrf" value="', 1)[1].split('"', 1)[0]
    r = c.post("/oidc/session/end/confirm", data={"xsrf": xsrf, "logout": "yes"})
    assert r.status_code == 303 and r.headers["location"].startswith(LOGOUT_REDIRECT)
    assert parse_qs(urlparse(r.headers["location"]).query)["state"] == ["bye"]
    # No session any more: a new authorization asks to sign in again.
    _, r = authorize(c, app, prompt="login")
    assert urlparse(location(r)).path == "/sign-in"


def test_session_survives_for_a_second_app(srv: Server, api: httpx.Client) -> None:
    """With a live session, another app's authorization needs no password (and gets a new code)."""
    first, second = create_app(api, "Traditional", name="one"), create_app(api, "SPA", name="two")
    user = _user(api)
    c, _ = sign_in(srv, first, user["username"], PASSWORD)
    auth, r = authorize(c, second, prompt="consent")
    query = follow_to_callback(c, location(r))
    assert exchange(c, second, query["code"], auth).status_code == 200


def test_refresh_reuse_after_grace_revokes_the_grant(srv: Server, api: httpx.Client) -> None:
    app = create_app(api, "SPA", name="grace")
    user = _user(api)
    c, body = sign_in(srv, app, user["username"], PASSWORD)
    rotated = refresh(c, app, body["refresh_token"]).json()
    time.sleep(4)  # Logto's reuse grace is 3 s
    r = refresh(c, app, body["refresh_token"])
    assert r.status_code == 400 and r.json()["code"] == "oidc.invalid_grant"
    assert refresh(c, app, rotated["refresh_token"]).status_code == 400  # the whole grant is gone
    assert c.get("/oidc/me", headers={"Authorization": f"Bearer {rotated['access_token']}"}).status_code == 401


def test_registration(srv: Server, api: httpx.Client) -> None:
    app = create_app(api, "Traditional", name="register")
    r = api.patch("/api/sign-in-exp", json={"signUp": {"identifiers": ["username"], "password": True, "verify": False}})
    assert r.status_code == 200, r.text
    c = browser(srv)
    auth, r = authorize(c, app)
    location(r)
    name = unique("new")
    assert c.put("/api/experience", json={"interactionEvent": "Register"}).status_code == 204
    r = c.post("/api/experience/verification/new-password-identity",
               json={"identifier": {"type": "username", "value": name}, "password": PASSWORD})  # fmt: skip
    assert r.status_code == 200, r.text
    r = c.post("/api/experience/identification", json={"verificationId": r.json()["verificationId"]})
    assert r.status_code == 201, r.text
    r = c.post("/api/experience/submit")
    assert r.status_code == 200, r.text
    query = follow_to_callback(c, r.json()["redirectTo"])
    tokens = exchange(c, app, query["code"], auth).json()
    found = api.get("/api/users", params={"search.username": name}).json()
    assert len(found) == 1 and found[0]["hasPassword"] is True
    me = c.get("/oidc/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
    assert me["sub"] == found[0]["id"] and me["username"] == name
    # The new user signs in with the password chosen at registration.
    sign_in(srv, app, name, PASSWORD)


def test_forgot_password_with_an_email_code(srv: Server, api: httpx.Client) -> None:
    app = create_app(api, "Traditional", name="forgot")
    email = f"{unique('f')}@example.com"
    user = _user(api, primaryEmail=email)
    with SmtpInbox() as inbox:
        for existing in api.get("/api/connectors").json():
            api.delete(f"/api/connectors/{existing['id']}")
        config = {"host": "127.0.0.1", "port": inbox.port, "auth": {}, "fromEmail": "auth@example.com", "templates": TEMPLATES}
        r = api.post("/api/connectors", json={"connectorId": "simple-mail-transfer-protocol", "config": config})
        assert r.status_code == 200, r.text
        assert api.patch("/api/sign-in-exp", json={"forgotPasswordMethods": ["EmailVerificationCode"]}).status_code == 200
        c = browser(srv)
        authorize(c, app)
        assert c.put("/api/experience", json={"interactionEvent": "ForgotPassword"}).status_code == 204
        identifier = {"type": "email", "value": email}
        r = c.post("/api/experience/verification/verification-code",
                   json={"identifier": identifier, "interactionEvent": "ForgotPassword"})  # fmt: skip
        assert r.status_code == 200, r.text
        verification = r.json()["verificationId"]
        code = inbox.last_code()
    r = c.post("/api/experience/verification/verification-code/verify",
               json={"identifier": identifier, "verificationId": verification, "code": code})  # fmt: skip
    assert r.status_code == 200, r.text
    r = c.post("/api/experience/identification", json={"verificationId": verification})
    assert r.status_code == 204, r.text
    new_password = "Brand-n3w-Passw0rd"
    assert c.put("/api/experience/profile/password", json={"password": new_password}).status_code == 204
    assert c.post("/api/experience/submit").status_code in (200, 204)
    # The old password no longer works; the new one does.
    fresh = browser(srv)
    authorize(fresh, app)
    r = password_sign_in(fresh, user["username"], PASSWORD)
    assert r.status_code == 422 and r.json()["code"] == "session.invalid_credentials"
    sign_in(srv, app, user["username"], new_password)


def test_suspended_user(srv: Server, api: httpx.Client) -> None:
    app: App = create_app(api, "Traditional", name="suspended")
    user = _user(api)
    c, body = sign_in(srv, app, user["username"], PASSWORD)
    assert api.patch(f"/api/users/{user['id']}/is-suspended", json={"isSuspended": True}).status_code == 200
    # Existing tokens stop working at once; a new sign-in is refused after the password check.
    assert c.get("/oidc/me", headers={"Authorization": f"Bearer {body['access_token']}"}).status_code == 401
    assert refresh(c, app, body["refresh_token"]).status_code == 400
    fresh = browser(srv)
    authorize(fresh, app)
    r = password_sign_in(fresh, user["username"], PASSWORD)
    assert r.status_code == 401 and r.json()["code"] == "user.suspended"
    r = password_sign_in(fresh, user["username"], "wrong-password-1")
    assert r.status_code == 422 and r.json()["code"] == "session.invalid_credentials"
