"""Social sign-in through the generic OIDC connector against a real OpenID Provider: a second
authkeep server (one per module) with a Traditional app and a user. The test is the browser: it
takes the first server's authorization URI to the provider's `/oidc/auth`, signs in there through
the provider's Experience API, resumes to the callback and hands its query to `/verify`."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from tests.conftest import fresh_server, unique
from tests.experience_helpers import admin, begin, error, make_app
from tests.oidc_flow import location, password_sign_in
from tests.server import Server

PASSWORD = "Provider-Pass-77"


class TamperingProxy:
    """Forwards token requests to the provider and alters the ID token it answers."""

    def __init__(self, upstream: str) -> None:
        self.mode = "payload"
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "authorization")}
                body_out = httpx.post(upstream, content=body, headers=headers, timeout=30).json()
                body_out["id_token"] = proxy.tamper(body_out["id_token"])
                data = json.dumps(body_out).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/token"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def tamper(self, token: str) -> str:
        header, payload, signature = token.split(".")
        if self.mode == "none":  # the same claims, unsigned
            return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{payload}."
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        claims["sub"] = "someone-else"
        return f"{header}.{_b64(claims)}.{signature}"


def _b64(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def provider() -> Iterator[Server]:
    with fresh_server("sqlite") as srv:
        yield srv


@pytest.fixture(scope="module")
def proxy(provider: Server) -> Iterator[TamperingProxy]:
    p = TamperingProxy(f"{provider.base_url}/oidc/token")
    yield p
    p.server.shutdown()
    p.server.server_close()


@pytest.fixture(scope="module")
def setup(own_server: Server, provider: Server, proxy: TamperingProxy) -> dict[str, Any]:
    """The provider's app (redirecting to the first server's callback) and user; the first
    server's `oidc` connectors: a right one and misconfigured ones."""
    callback = f"{own_server.base_url}/callback/social-oidc"
    with admin(provider) as papi:
        issuer = papi.get("/oidc/.well-known/openid-configuration").json()["issuer"]
        r = papi.post("/api/applications", json={"name": "relying party", "type": "Traditional",
                                                  "oidcClientMetadata": {"redirectUris": [callback], "postLogoutRedirectUris": []}})  # fmt: skip
        assert r.status_code == 200, r.text
        app_id = r.json()["id"]
        secret = papi.get(f"/api/applications/{app_id}/secrets").json()[0]["value"]
        user = papi.post("/api/users", json={"username": unique("p").replace("-", "_"), "password": PASSWORD,
                                             "primaryEmail": f"{unique('oidc')}@example.com", "name": "Provider Person"}).json()  # fmt: skip
    base = {"authorizationEndpoint": f"{issuer}/auth", "tokenEndpoint": f"{issuer}/token", "clientId": app_id,
            "clientSecret": secret, "scope": "profile email",
            "idTokenVerificationConfig": {"jwksUri": f"{issuer}/jwks", "issuer": issuer}}  # fmt: skip
    variants = {
        "good": base,
        "basic": {**base, "tokenEndpointAuthMethod": "client_secret_basic"},
        # the provider's client acts (customConfig overrides client_id), the ID token's aud is not ours
        "audience": {**base, "clientId": "not-the-audience", "customConfig": {"client_id": app_id}},
        "issuer": {**base, "idTokenVerificationConfig": {"jwksUri": f"{issuer}/jwks", "issuer": "https://elsewhere.example/oidc"}},
        "tampered": {**base, "tokenEndpoint": proxy.url},
    }
    connectors = {}
    with admin(own_server) as api:
        for name, config in variants.items():
            r = api.post("/api/connectors", json={"connectorId": "oidc", "config": config, "metadata": {"target": f"oidc-{name}"}})
            assert r.status_code == 200, r.text
            connectors[name] = r.json()["id"]
    return {"callback": callback, "issuer": issuer, "app_id": app_id, "user": user, "connectors": connectors}


@pytest.fixture(scope="module")
def api(own_server: Server) -> Iterator[httpx.Client]:
    with admin(own_server) as client:
        yield client


def _provider_callback(provider: Server, uri: str, username: str, callback: str) -> dict[str, str]:
    """A new browser at the provider: `/oidc/auth`, password sign-in, resume to the callback."""
    with httpx.Client(base_url=provider.base_url, timeout=30, follow_redirects=False) as c:
        location(c.get(uri))
        r = password_sign_in(c, username, PASSWORD)
        assert r.status_code == 200, r.text
        url = r.json()["redirectTo"]
        for _ in range(6):
            if url.startswith(callback):
                return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
            url = location(c.get(url))
    raise AssertionError(f"no redirect to the callback: {url}")


def _social(srv: Server, provider: Server, setup: dict[str, Any], app_id: str, name: str,
            nonce: str | None = None) -> tuple[httpx.Client, str, httpx.Response]:  # fmt: skip
    """Authorization URI at the first server, sign-in at the provider, `/verify`."""
    connector_id = setup["connectors"][name]
    client, _ = begin(srv, app_id)
    r = client.post(f"/api/experience/verification/social/{connector_id}/authorization-uri",
                    json={"state": "st-9", "redirectUri": setup["callback"]})  # fmt: skip
    assert r.status_code == 200, r.text
    vid, uri = r.json()["verificationId"], r.json()["authorizationUri"]
    if nonce is not None:
        parts = urlsplit(uri)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        query = {**query, "nonce": nonce} if nonce else {k: v for k, v in query.items() if k != "nonce"}
        uri = f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(query)}"
    data = _provider_callback(provider, uri, setup["user"]["username"], setup["callback"])
    assert data["state"] == "st-9"
    r = client.post(f"/api/experience/verification/social/{connector_id}/verify", json={"verificationId": vid, "connectorData": data})
    return client, vid, r


def test_register_then_sign_in_with_oidc_identity(own_server: Server, provider: Server, setup: dict[str, Any], api: httpx.Client) -> None:
    app_id = make_app(api)
    assert api.patch("/api/sign-in-exp", json={"socialSignIn": {"skipRequiredIdentifiers": True}}).status_code == 200
    client, _ = begin(own_server, app_id)
    r = client.post(f"/api/experience/verification/social/{setup['connectors']['good']}/authorization-uri",
                    json={"state": "st-1", "redirectUri": setup["callback"]})  # fmt: skip
    uri = urlsplit(r.json()["authorizationUri"])
    query = {k: v[0] for k, v in parse_qs(uri.query).items()}
    assert f"{uri.scheme}://{uri.netloc}{uri.path}" == f"{setup['issuer']}/auth"
    nonce = query.pop("nonce")
    assert len(nonce) >= 16 and query == {"response_type": "code", "client_id": setup["app_id"], "scope": "profile email openid",
                                          "redirect_uri": setup["callback"], "state": "st-1"}  # fmt: skip
    assert "connectorSession" not in client.get("/api/experience/interaction").json()["verificationRecords"][0]

    provider_user = setup["user"]
    client, vid, r = _social(own_server, provider, setup, app_id, "good")
    assert r.status_code == 200 and r.json() == {"verificationId": vid}, r.text
    record = client.get("/api/experience/interaction").json()["verificationRecords"][0]
    info = record["socialUserInfo"]
    assert info["id"] == provider_user["id"] and info["email"] == provider_user["primaryEmail"] and info["name"] == "Provider Person"
    assert info["rawData"]["iss"] == setup["issuer"] and info["rawData"]["aud"] == setup["app_id"]
    assert error(client.post("/api/experience/identification", json={"verificationId": vid})) == (404, "user.identity_not_exist")
    assert client.put("/api/experience/interaction-event", json={"interactionEvent": "Register"}).status_code == 204
    assert client.post("/api/experience/identification", json={"verificationId": vid}).status_code == 201
    assert client.post("/api/experience/submit").status_code == 200
    user_id = client.get("/api/experience/interaction").json()["userId"]
    user = api.get(f"/api/users/{user_id}").json()
    assert user["primaryEmail"] == provider_user["primaryEmail"] and user["name"] == "Provider Person"
    assert user["identities"]["oidc-good"]["userId"] == provider_user["id"]

    # later: the same identity signs the same user in
    client, vid, r = _social(own_server, provider, setup, app_id, "good")
    assert r.status_code == 200, r.text
    assert client.post("/api/experience/identification", json={"verificationId": vid}).status_code == 204
    assert client.get("/api/experience/interaction").json()["userId"] == user_id
    assert client.post("/api/experience/submit").status_code == 200


def test_client_secret_basic(own_server: Server, provider: Server, setup: dict[str, Any], api: httpx.Client) -> None:
    client, _, r = _social(own_server, provider, setup, make_app(api), "basic")
    assert r.status_code == 200, r.text
    record = client.get("/api/experience/interaction").json()["verificationRecords"][0]
    assert record["socialUserInfo"]["id"] == setup["user"]["id"]


@pytest.mark.parametrize("case", ["nonce", "no-nonce", "audience", "issuer", "tampered", "unsigned"])
def test_id_token_refused(own_server: Server, provider: Server, setup: dict[str, Any], api: httpx.Client,
                          proxy: TamperingProxy, case: str) -> None:  # fmt: skip
    proxy.mode = "none" if case == "unsigned" else "payload"
    name = {"nonce": "good", "no-nonce": "good", "unsigned": "tampered"}.get(case, case)
    nonce = {"nonce": "forged-nonce", "no-nonce": ""}.get(case)
    client, vid, r = _social(own_server, provider, setup, make_app(api), name, nonce=nonce)
    assert error(r) == (401, "connector.social_invalid_id_token"), r.text
    reason = {"nonce": "`nonce` mismatch", "no-nonce": "`nonce` mismatch", "audience": "'aud'", "issuer": "'iss'", "tampered": "bad_signature",
              "unsigned": "unsupported_algorithm"}[case]  # fmt: skip
    assert reason in r.json()["data"]["message"], r.json()
    assert error(client.post("/api/experience/identification", json={"verificationId": vid})) == (400, "session.verification_failed")


def test_bad_callback_data(own_server: Server, setup: dict[str, Any], api: httpx.Client) -> None:
    connector_id = setup["connectors"]["good"]
    client, _ = begin(own_server, make_app(api))
    r = client.post(f"/api/experience/verification/social/{connector_id}/authorization-uri",
                    json={"state": "s", "redirectUri": setup["callback"]})  # fmt: skip
    vid = r.json()["verificationId"]
    for data, code in (({"state": "s"}, "connector.general"), ({"code": "not-a-code"}, "connector.general")):
        r = client.post(f"/api/experience/verification/social/{connector_id}/verify", json={"verificationId": vid, "connectorData": data})
        assert r.status_code == 400 and r.json()["code"] == code, r.text
