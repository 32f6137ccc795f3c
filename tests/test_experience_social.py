"""Social sign-in through the generic OAuth 2 connector against a real local provider (a small
HTTP server started by the test): register with the social identity, then sign in with it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.conftest import unique
from tests.experience_helpers import admin, begin, error, make_app
from tests.server import Server

REDIRECT = "http://127.0.0.1:9/social-callback"


class Provider:
    """Token endpoint (code -> access token) and user info (access token -> profile)."""

    def __init__(self) -> None:
        self.codes: dict[str, dict[str, Any]] = {}
        self.requests: list[dict[str, Any]] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                form = parse_qs(self.rfile.read(int(self.headers.get("content-length", "0"))).decode())
                provider.requests.append({k: v[0] for k, v in form.items()})
                code = form.get("code", [""])[0]
                ok = code in provider.codes and form.get("client_secret") == ["provider-secret"]
                self._json(200 if ok else 400, {"access_token": f"at-{code}", "token_type": "Bearer"} if ok else {"error": "invalid_grant"})

            def do_GET(self) -> None:
                token = self.headers.get("authorization", "").removeprefix("Bearer at-")
                if token in provider.codes:
                    self._json(200, provider.codes[token])
                else:
                    self._json(401, {"error": "invalid_token"})

            def _json(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    p = Provider()
    yield p
    p.server.shutdown()
    p.server.server_close()


@pytest.fixture(scope="module")
def api(own_server: Server) -> Iterator[httpx.Client]:
    with admin(own_server) as client:
        yield client


@pytest.fixture(scope="module")
def connector_id(api: httpx.Client, provider: Provider) -> str:
    config = {"authorizationEndpoint": f"{provider.base}/authorize", "tokenEndpoint": f"{provider.base}/token",
              "userInfoEndpoint": f"{provider.base}/userinfo", "clientId": "authkeep", "clientSecret": "provider-secret",
              "scope": "profile email", "profileMap": {"id": "sub", "email": "mail", "name": "name"}}  # fmt: skip
    r = api.post("/api/connectors", json={"connectorId": "oauth2", "config": config, "metadata": {"target": "my-oauth"}})
    assert r.status_code == 200, r.text
    return str(r.json()["id"])


def _verified(srv: Server, app_id: str, connector_id: str, provider: Provider, profile: dict[str, Any]) -> tuple[httpx.Client, str]:
    client, _ = begin(srv, app_id)
    r = client.post(f"/api/experience/verification/social/{connector_id}/authorization-uri",
                    json={"state": "st-1", "redirectUri": REDIRECT})  # fmt: skip
    assert r.status_code == 200, r.text
    uri = urlsplit(r.json()["authorizationUri"])
    query = {k: v[0] for k, v in parse_qs(uri.query).items()}
    assert uri.path == "/authorize" and query == {"response_type": "code", "client_id": "authkeep", "scope": "profile email",
                                                   "redirect_uri": REDIRECT, "state": "st-1"}  # fmt: skip
    code = unique("code")
    provider.codes[code] = profile
    vid = r.json()["verificationId"]
    r = client.post(f"/api/experience/verification/social/{connector_id}/verify",
                    json={"verificationId": vid, "connectorData": {"code": code, "state": "st-1"}})  # fmt: skip
    assert r.json() == {"verificationId": vid}, r.text
    assert provider.requests[-1]["redirect_uri"] == REDIRECT and provider.requests[-1]["grant_type"] == "authorization_code"
    return client, vid


def test_register_then_sign_in_with_social_identity(own_server: Server, api: httpx.Client, connector_id: str, provider: Provider) -> None:
    app_id = make_app(api)
    assert api.patch("/api/sign-in-exp", json={"socialSignIn": {"skipRequiredIdentifiers": True}}).status_code == 200
    subject, email = unique("sub"), f"{unique('soc')}@example.com"
    profile = {"sub": subject, "mail": email, "name": "Social Person"}
    client, vid = _verified(own_server, app_id, connector_id, provider, profile)
    record = client.get("/api/experience/interaction").json()["verificationRecords"][0]
    assert record["type"] == "Social" and record["connectorId"] == connector_id
    assert record["socialUserInfo"]["id"] == subject and "connectorSession" not in record
    r = client.post("/api/experience/identification", json={"verificationId": vid})
    assert error(r) == (404, "user.identity_not_exist")
    assert client.put("/api/experience/interaction-event", json={"interactionEvent": "Register"}).status_code == 204
    assert client.post("/api/experience/identification", json={"verificationId": vid}).status_code == 201
    assert client.post("/api/experience/submit").status_code == 200
    user_id = client.get("/api/experience/interaction").json()["userId"]
    user = api.get(f"/api/users/{user_id}").json()
    assert user["primaryEmail"] == email and user["name"] == "Social Person"
    assert user["identities"]["my-oauth"]["userId"] == subject

    client, vid = _verified(own_server, app_id, connector_id, provider, profile)
    assert client.post("/api/experience/identification", json={"verificationId": vid}).status_code == 204
    assert client.get("/api/experience/interaction").json()["userId"] == user_id
    assert client.post("/api/experience/submit").status_code == 200


def test_social_errors(own_server: Server, api: httpx.Client, connector_id: str) -> None:
    app_id = make_app(api)
    client, _ = begin(own_server, app_id)
    r = client.post("/api/experience/verification/social/nope/authorization-uri", json={"state": "s", "redirectUri": REDIRECT})
    assert error(r) == (404, "entity.not_found")
    r = client.post(f"/api/experience/verification/social/{connector_id}/authorization-uri",
                    json={"state": "s", "redirectUri": REDIRECT})  # fmt: skip
    vid = r.json()["verificationId"]
    r = client.post(f"/api/experience/verification/social/{connector_id}/verify", json={"connectorData": {"code": "x"}})
    assert error(r) == (404, "session.verification_session_not_found")
    r = client.post(f"/api/experience/verification/social/{connector_id}/verify",
                    json={"verificationId": vid, "connectorData": {"code": "unknown-code"}})  # fmt: skip
    assert r.status_code == 400 and r.json()["code"] == "connector.general"
    assert error(client.post("/api/experience/identification", json={"verificationId": vid})) == (
        400, "session.verification_failed")  # fmt: skip
