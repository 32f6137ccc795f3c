"""End-user test helpers over the real HTTP flow: an interaction for the Experience API
(`/oidc/auth`), a finished login (the Experience API), an access token for the Account API (a
whole sign-in) and a verified identity (the Verification API).

`stored_access_token` is the one helper that writes a record directly: an access token in states
the flow cannot produce on demand (already expired, or without `openid`), as an aged code is
written with `run_sql` elsewhere.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import secrets
import time
from typing import Any
from urllib.parse import parse_qs, urljoin, urlparse

import httpx

from tests.server import Server


def _digest(secret: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest()).rstrip(b"=").decode()


def _execute(srv: Server, sql: str, args: list[Any]) -> None:
    """One statement with positional `?` parameters on the server's database."""
    if srv.backend == "sqlite":
        import sqlite3

        with sqlite3.connect(srv.database_url.removeprefix("sqlite:///")) as conn:
            conn.execute(sql, args)
        return
    import asyncpg

    numbered, n = "", 0
    for ch in sql:
        if ch == "?":
            n += 1
            numbered += f"${n}"
        else:
            numbered += ch

    async def go() -> None:
        conn = await asyncpg.connect(srv.database_url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            await conn.execute(numbered, *args)
        finally:
            await conn.close()

    asyncio.run(go())


def _json(srv: Server, value: Any) -> Any:
    return json.dumps(value)


def _cast(srv: Server) -> str:
    return "?::jsonb" if srv.backend == "postgres" else "?"


def _admin(srv: Server) -> httpx.Client:
    return httpx.Client(base_url=srv.base_url, headers={"Authorization": f"Bearer {srv.token()}"}, timeout=30)


def _redirect_uri(admin: httpx.Client, app_id: str, wanted: str) -> str:
    """The app's registered redirect URI: `wanted` if registered (else registered now)."""
    app = admin.get(f"/api/applications/{app_id}").json()
    meta = app.get("oidcClientMetadata") or {}
    uris = list(meta.get("redirectUris") or [])
    if wanted not in uris:
        if uris:
            return str(uris[0])
        r = admin.patch(f"/api/applications/{app_id}", json={"oidcClientMetadata": {**meta, "redirectUris": [wanted]}})
        assert r.status_code == 200, r.text
    return wanted


def start_interaction(
    srv: Server,
    client: httpx.Client,
    app_id: str,
    *,
    scope: str = "openid profile offline_access",
    redirect_uri: str = "http://127.0.0.1:9/callback",
    prompt: str = "login",
) -> str:
    """`GET /oidc/auth` (PKCE S256) in `client`'s cookie jar; returns the interaction's uid."""
    with _admin(srv) as admin:
        redirect = _redirect_uri(admin, app_id, redirect_uri)
    verifier = secrets.token_urlsafe(32)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    params = {"client_id": app_id, "redirect_uri": redirect, "response_type": "code", "scope": scope, "state": "s",
              "code_challenge": challenge, "code_challenge_method": "S256", "prompt": prompt}  # fmt: skip
    r = client.get(f"{srv.base_url}/oidc/auth", params=params, follow_redirects=False)
    assert r.status_code == 303, r.text
    return str(client.cookies["_interaction"])


def _identifier(user: dict[str, Any]) -> tuple[str, str]:
    for kind, key in (("username", "username"), ("email", "primaryEmail"), ("phone", "primaryPhone")):
        if user.get(key):
            return kind, str(user[key])
    raise AssertionError("the user has no identifier to sign in with")


_CHOSEN: dict[tuple[str, str], str] = {}  # (server, user id) -> the password these helpers gave


def _password(admin: httpx.Client, user_id: str, password: str | None) -> str:
    """The user's password: the one given, the one given here before, or a new random one for a
    user who has none."""
    if password is not None:
        return password
    key = (str(admin.base_url), user_id)
    if key in _CHOSEN:
        return _CHOSEN[key]
    user = admin.get(f"/api/users/{user_id}").json()
    assert not user.get("hasPassword"), "pass the password of a user who has one"
    chosen = _CHOSEN[key] = f"Aa1-{secrets.token_urlsafe(12)}"
    assert admin.patch(f"/api/users/{user_id}/password", json={"password": chosen}).status_code == 200
    return chosen


def finish_login(srv: Server, uid: str, account_id: str, password: str | None = None) -> None:
    """The Experience API's password sign-in for the interaction `uid` (its `_interaction`
    cookie); a user without a password gets a random one first. The browser then resumes at
    `GET /oidc/auth/<uid>`."""
    with _admin(srv) as admin:
        secret = _password(admin, account_id, password)
        kind, value = _identifier(admin.get(f"/api/users/{account_id}").json())
    with httpx.Client(base_url=srv.base_url, timeout=30, cookies={"_interaction": uid}) as c:
        assert c.put("/api/experience", json={"interactionEvent": "SignIn"}).status_code == 204
        r = c.post("/api/experience/verification/password",
                   json={"identifier": {"type": kind, "value": value}, "password": secret})  # fmt: skip
        assert r.status_code == 200, r.text
        r = c.post("/api/experience/identification", json={"verificationId": r.json()["verificationId"]})
        assert r.status_code == 204, r.text
        r = c.post("/api/experience/submit")
        assert r.status_code == 200, r.text


def user_access_token(
    srv: Server, user_id: str, app_id: str, scopes: str = "openid profile", ttl_s: int = 3600, password: str | None = None
) -> str:
    """An opaque access token (no resource) from a whole sign-in of the user to the app:
    `/oidc/auth`, the Experience API, consent (a third-party app's through the consent API),
    `/oidc/token`. Tokens the flow cannot give without changing the user (expired, no `openid`,
    a user with no password or no username: the default sign-in method) come from
    `stored_access_token`."""
    if ttl_s <= 0 or "openid" not in scopes.split():
        return stored_access_token(srv, user_id, app_id, scopes, ttl_s)
    with _admin(srv) as admin:
        user = admin.get(f"/api/users/{user_id}").json()
        known = (str(admin.base_url), user_id) in _CHOSEN
        if not user.get("username") or not (known or user.get("hasPassword")):
            return stored_access_token(srv, user_id, app_id, scopes, ttl_s)
        app = admin.get(f"/api/applications/{app_id}").json()
        secret = admin.get(f"/api/applications/{app_id}/secrets").json()[0]["value"] if app["type"] == "Traditional" else None
        if app.get("isThirdParty"):
            wanted = [s for s in scopes.split() if s != "openid"]
            admin.post(f"/api/applications/{app_id}/user-consent-scopes", json={"userScopes": wanted})
    with httpx.Client(base_url=srv.base_url, timeout=30) as c:
        verifier = secrets.token_urlsafe(32)
        with _admin(srv) as admin:
            redirect = _redirect_uri(admin, app_id, "http://127.0.0.1:9/callback")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        params = {"client_id": app_id, "redirect_uri": redirect, "response_type": "code", "scope": scopes,
                  "state": "s", "code_challenge": challenge, "code_challenge_method": "S256"}  # fmt: skip
        r = c.get("/oidc/auth", params=params)
        assert r.status_code == 303, r.text
        finish_login(srv, c.cookies["_interaction"], user_id, password)
        url = f"{srv.base_url}/oidc/auth/{c.cookies['_interaction']}"
        for _ in range(6):
            if url.startswith(redirect):
                break
            r = c.get(url)
            if r.status_code == 200 and urlparse(url).path == "/consent":  # a third-party app's page
                r = c.post("/api/interaction/consent", json={})
                assert r.status_code == 200, r.text
                url = r.json()["redirectTo"]
                continue
            assert r.status_code in (302, 303), r.text
            url = urljoin(str(r.request.url), r.headers["location"])
        code = parse_qs(urlparse(url).query)["code"][0]
        data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect, "code_verifier": verifier}
        if secret is None:
            data["client_id"] = app_id
        r = c.post("/oidc/token", data=data, auth=(app_id, secret) if secret else httpx.USE_CLIENT_DEFAULT)  # type: ignore[arg-type]
        assert r.status_code == 200, r.text
        return str(r.json()["access_token"])


def stored_access_token(srv: Server, user_id: str, app_id: str, scopes: str, ttl_s: int = 3600) -> str:
    """An access token written as `/oidc/token` stores it (under its digest), for states a sign-in
    cannot produce on demand: already expired, or without `openid`."""
    token = secrets.token_urlsafe(32)
    now = int(time.time() * 1000)
    grant_id = secrets.token_urlsafe(16)
    payload = {"accountId": user_id, "clientId": app_id, "scope": scopes, "grantId": grant_id, "iat": now // 1000}
    _execute(
        srv,
        "INSERT INTO oidc_model_instances (tenant_id, model_name, id, grant_id, account_id, client_id, payload, expires_at) "
        f"VALUES ('default', 'AccessToken', ?, ?, ?, ?, {_cast(srv)}, ?)",
        [_digest(token), grant_id, user_id, app_id, _json(srv, payload), now + ttl_s * 1000],
    )
    return token


def verified_record(srv: Server, user_id: str, password: str | None = None, token: str | None = None) -> str:
    """A verified identity of the user (`logto-verification-id`): the Verification API's password
    record, with `token` or one from a sign-in to a throwaway app (the account center must be on)."""
    with _admin(srv) as admin:
        secret = _password(admin, user_id, password)
        if token is None:
            app = admin.post("/api/applications", json={"name": "verify", "type": "Traditional",
                                                         "oidcClientMetadata": {"redirectUris": ["http://127.0.0.1:9/callback"],
                                                                                "postLogoutRedirectUris": []}}).json()  # fmt: skip
    if token is None:
        token = user_access_token(srv, user_id, app["id"], "openid", password=secret)
    r = httpx.post(f"{srv.base_url}/api/verifications/password", json={"password": secret},
                   headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert r.status_code == 201, r.text
    return str(r.json()["verificationRecordId"])
