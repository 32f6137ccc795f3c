"""Helpers for the end-user OIDC tests: apps, users, PKCE and a browser that signs in through
`/oidc/auth` (the login itself is the `finish_login` seam until the Experience API exists)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.end_user import finish_login
from tests.server import Server

CALLBACK = "http://127.0.0.1:9/callback"
LOGOUT = "http://127.0.0.1:9/bye"


def jwt_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    def part(seg: str) -> dict[str, Any]:
        return dict(json.loads(base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4))))

    header, payload, _ = token.split(".")
    return part(header), part(payload)


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def make_app(api: httpx.Client, kind: str, *, third_party: bool = False, **ccm: Any) -> tuple[str, str | None]:
    body: dict[str, Any] = {
        "name": f"app-{secrets.token_hex(3)}", "type": kind, "isThirdParty": third_party,
        "oidcClientMetadata": {"redirectUris": [CALLBACK], "postLogoutRedirectUris": [LOGOUT]},
    }  # fmt: skip
    if ccm:
        body["customClientMetadata"] = ccm
    res = api.post("/api/applications", json=body)
    assert res.status_code == 200, res.text
    app_id = res.json()["id"]
    if kind != "Traditional":
        return app_id, None
    found = api.get(f"/api/applications/{app_id}/secrets").json()
    return app_id, found[0]["value"]


def make_user(api: httpx.Client, **extra: Any) -> str:
    res = api.post("/api/users", json={"username": f"u{secrets.token_hex(5)}", "name": "Ann", **extra})
    assert res.status_code == 200, res.text
    return str(res.json()["id"])


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


class Browser:
    """A cookie jar that follows no redirect by itself."""

    def __init__(self, srv: Server) -> None:
        self.srv = srv
        self.http = httpx.Client(base_url=srv.base_url, follow_redirects=False, timeout=30)

    def close(self) -> None:
        self.http.close()

    def authorize(self, app_id: str, **params: str) -> httpx.Response:
        query = {"client_id": app_id, "redirect_uri": CALLBACK, "response_type": "code", "state": "st", **params}
        return self.http.get("/oidc/auth", params=query)

    def follow(self, res: httpx.Response) -> httpx.Response:
        location = res.headers["location"]
        location = location.removeprefix(self.srv.base_url)
        return self.http.get(location)

    def sign_in(self, app_id: str, user_id: str, *, scope: str = "openid profile offline_access", **params: str) -> dict[str, str]:
        """The whole browser side: returns the callback's query (code, state, iss)."""
        res = self.authorize(app_id, scope=scope, **params)
        assert res.status_code == 303, res.text
        if res.headers["location"].startswith("/sign-in"):
            uid = self.http.cookies["_interaction"]
            finish_login(self.srv, uid, user_id)
            res = self.http.get(f"/oidc/auth/{uid}")
            assert res.status_code == 303, res.text
        while not res.headers["location"].startswith(CALLBACK):
            res = self.follow(res)
            assert res.status_code in (302, 303), res.text
        return query_of(res.headers["location"])


def exchange(srv: Server, app_id: str, secret: str | None, code: str, verifier: str | None, **extra: str) -> httpx.Response:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK, **extra}
    if verifier is not None:
        data["code_verifier"] = verifier
    return token_call(srv, app_id, secret, data)


def token_call(srv: Server, app_id: str, secret: str | None, data: dict[str, str]) -> httpx.Response:
    if secret is None:
        return httpx.post(f"{srv.base_url}/oidc/token", data={**data, "client_id": app_id})
    return httpx.post(f"{srv.base_url}/oidc/token", data=data, auth=(app_id, secret))


def userinfo(srv: Server, access_token: str) -> httpx.Response:
    return httpx.get(f"{srv.base_url}/oidc/me", headers={"Authorization": f"Bearer {access_token}"})


def wait_logs(api: httpx.Client, **params: str) -> list[dict[str, Any]]:
    """Audit entries are written in batches, a moment later."""
    deadline = time.monotonic() + 10
    while True:
        found = api.get("/api/logs", params=params).json()
        if found or time.monotonic() > deadline:
            return list(found)
        time.sleep(0.1)
