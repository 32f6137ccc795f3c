"""A real client signs in unchanged: the official Python `logto` SDK from PyPI builds the sign-in
URL, Debian's Chromium (Playwright) signs a person in on authkeep's hosted sign-in page, the SDK
handles the callback (code exchange, ID token verified against the JWKS), fetches userinfo and an
access token for an API resource, and a resource server verifies that token and answers."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from tests.conftest import IN_CI, fresh_server, unique
from tests.server import Server

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]  # fmt: skip
PASSWORD = "Real-cl1ent-Passw0rd"
INDICATOR = "https://api.example.test"

if not (shutil.which("chromium") or os.path.exists(CHROMIUM)):
    if IN_CI:
        raise RuntimeError("chromium is required in CI (make console-deps installs it)")
    pytest.skip("Debian's chromium is not installed (make console-deps)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")
logto = pytest.importorskip("logto")


class ResourceServer:
    """An API that accepts only authkeep's access tokens for INDICATOR with scope `read:data`
    (verified with the JWKS, as a real backend does) and a callback page for the browser."""

    def __init__(self, issuer: str) -> None:
        from joserfc import jwt
        from joserfc.jwk import KeySet

        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.startswith("/callback"):
                    return self._answer(200, {"page": "callback"})
                header = self.headers.get("Authorization", "")
                try:
                    keys = KeySet.import_key_set(httpx.get(f"{issuer}/jwks").json())
                    token = jwt.decode(header.removeprefix("Bearer "), keys, algorithms=["ES384"])
                    jwt.JWTClaimsRegistry(iss={"essential": True, "value": issuer},
                                          aud={"essential": True, "value": INDICATOR}).validate(token.claims)  # fmt: skip
                except Exception as exc:  # noqa: BLE001  (any failure is a refusal)
                    return self._answer(401, {"error": type(exc).__name__})
                if "read:data" not in str(token.claims.get("scope", "")).split():
                    return self._answer(403, {"error": "insufficient_scope"})
                outer.seen.append(token.claims)
                self._answer(200, {"hello": token.claims["sub"]})

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.seen: list[dict[str, Any]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def srv() -> Iterator[Server]:
    with fresh_server("postgres") as server:
        yield server


def test_logto_python_sdk_signs_in_through_the_hosted_page(srv: Server) -> None:
    resource = ResourceServer(f"{srv.base_url}/oidc")
    try:
        callback = f"{resource.url}/callback"
        with httpx.Client(base_url=srv.base_url, headers={"Authorization": f"Bearer {srv.token()}"}) as api:
            app = api.post("/api/applications", json={"name": "python-sdk", "type": "Traditional",
                                                       "oidcClientMetadata": {"redirectUris": [callback],
                                                                              "postLogoutRedirectUris": []}}).json()  # fmt: skip
            secret = api.get(f"/api/applications/{app['id']}/secrets").json()[0]["value"]
            res = api.post("/api/resources", json={"name": "api", "indicator": INDICATOR}).json()
            scope = api.post(f"/api/resources/{res['id']}/scopes", json={"name": "read:data"}).json()
            role = api.post("/api/roles", json={"name": unique("reader"), "description": "reads", "scopeIds": [scope["id"]]}).json()
            assert "id" in role, role
            username = unique("sdk").replace("-", "_")
            user = api.post("/api/users", json={"username": username, "password": PASSWORD}).json()
            assert api.post(f"/api/users/{user['id']}/roles", json={"roleIds": [role["id"]]}).status_code == 201

        config = logto.LogtoConfig(endpoint=srv.base_url, appId=app["id"], appSecret=secret,
                                   resources=[INDICATOR], scopes=["read:data", "email"])  # fmt: skip
        from logto.Storage import MemoryStorage

        client = logto.LogtoClient(config, MemoryStorage())
        loop = asyncio.new_event_loop()
        try:
            sign_in_url = loop.run_until_complete(client.signIn(callback))
            with sync_api.sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                page = browser.new_page()
                page.goto(sign_in_url)
                page.get_by_label("Username").first.fill(username)
                page.get_by_label("Password").first.fill(PASSWORD)
                page.keyboard.press("Enter")
                page.wait_for_url(f"{callback}*", timeout=15000)
                landed = page.url
                browser.close()
            loop.run_until_complete(client.handleSignInCallback(landed))
            claims = client.getIdTokenClaims()
            assert claims.sub == user["id"] and claims.username == username and claims.aud == app["id"]
            info = loop.run_until_complete(client.fetchUserInfo())
            assert info.sub == user["id"]
            token = loop.run_until_complete(client.getAccessToken(INDICATOR))
            assert token
        finally:
            loop.close()
        answer = httpx.get(f"{resource.url}/data", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200 and answer.json() == {"hello": user["id"]}, answer.text
        assert resource.seen[-1]["client_id"] == app["id"]
        # A token for another audience is refused by the same resource server.
        assert httpx.get(f"{resource.url}/data", headers={"Authorization": f"Bearer {srv.token()}"}).status_code == 401
    finally:
        resource.close()
