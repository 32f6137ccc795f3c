"""A person's browser, without a browser: the authorization request, the Experience API, the
resume/consent redirects and the token exchange, over HTTP as Logto's own flow makes them
(spec/logto-user-flows-facts.md §1 and §4). Each `httpx.Client` is one browser (its cookie jar).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlparse

import httpx

from tests.server import Server

REDIRECT = "http://127.0.0.1:9/callback"
LOGOUT_REDIRECT = "http://127.0.0.1:9/signed-out"


@dataclass
class App:
    id: str
    secret: str | None
    type: str

    @property
    def auth(self) -> tuple[str, str] | None:
        return (self.id, self.secret) if self.secret else None


def create_app(api: httpx.Client, kind: str = "Traditional", name: str = "web", **extra: Any) -> App:
    body = {"name": name, "type": kind,
            "oidcClientMetadata": {"redirectUris": [REDIRECT], "postLogoutRedirectUris": [LOGOUT_REDIRECT]}, **extra}  # fmt: skip
    r = api.post("/api/applications", json=body)
    assert r.status_code == 200, r.text
    app_id = r.json()["id"]
    secret = None
    if kind == "Traditional":
        secret = api.get(f"/api/applications/{app_id}/secrets").json()[0]["value"]
    return App(app_id, secret, kind)


def browser(srv: Server) -> httpx.Client:
    return httpx.Client(base_url=srv.base_url, timeout=30, follow_redirects=False)


@dataclass
class Authorization:
    verifier: str
    state: str
    nonce: str
    params: dict[str, Any] = field(default_factory=dict)


def location(r: httpx.Response) -> str:
    assert r.status_code in (302, 303), (r.status_code, r.text[:500])
    return urljoin(str(r.request.url), r.headers["location"])


def authorize(
    c: httpx.Client, app: App, scope: str = "openid profile offline_access", **extra: str
) -> tuple[Authorization, httpx.Response]:
    """GET /oidc/auth with PKCE S256; the answer is returned unfollowed."""
    verifier = secrets.token_urlsafe(32)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    auth = Authorization(verifier, secrets.token_urlsafe(8), secrets.token_urlsafe(8))
    params = {"client_id": app.id, "redirect_uri": REDIRECT, "response_type": "code", "scope": scope,
              "state": auth.state, "nonce": auth.nonce, "code_challenge": challenge,
              "code_challenge_method": "S256", "prompt": "consent", **extra}  # fmt: skip
    auth.params = params
    return auth, c.get("/oidc/auth?" + urlencode(params))


def password_sign_in(c: httpx.Client, identifier: str, password: str, kind: str = "username") -> httpx.Response:
    """The Experience API's four calls; returns the submit answer."""
    r = c.put("/api/experience", json={"interactionEvent": "SignIn"})
    assert r.status_code == 204, r.text
    r = c.post("/api/experience/verification/password",
               json={"identifier": {"type": kind, "value": identifier}, "password": password})  # fmt: skip
    if r.status_code != 200:
        return r
    r = c.post("/api/experience/identification", json={"verificationId": r.json()["verificationId"]})
    if r.status_code != 204:
        return r
    return c.post("/api/experience/submit")


def follow_to_callback(c: httpx.Client, url: str, limit: int = 6) -> dict[str, str]:
    """Resume, consent, resume ... until the client's redirect URI; returns its query."""
    for _ in range(limit):
        if url.startswith(REDIRECT):
            return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
        url = location(c.get(url))
    raise AssertionError(f"no redirect to the client after {limit} hops: {url}")


def exchange(c: httpx.Client, app: App, code: str, auth: Authorization, **extra: str) -> httpx.Response:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
            "code_verifier": auth.verifier, **extra}  # fmt: skip
    if app.auth is None:
        data["client_id"] = app.id
    return c.post("/oidc/token", data=data, auth=app.auth or httpx.USE_CLIENT_DEFAULT)  # type: ignore[arg-type]


def refresh(c: httpx.Client, app: App, refresh_token: str, **extra: str) -> httpx.Response:
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token, **extra}
    if app.auth is None:
        data["client_id"] = app.id
    return c.post("/oidc/token", data=data, auth=app.auth or httpx.USE_CLIENT_DEFAULT)  # type: ignore[arg-type]


def sign_in(
    srv: Server, app: App, identifier: str, password: str, scope: str = "openid profile offline_access", **extra: str
) -> tuple[httpx.Client, dict[str, Any]]:
    """A whole sign-in; returns the browser (holding `_session`) and the token response."""
    c = browser(srv)
    auth, r = authorize(c, app, scope, **extra)
    location(r)
    r = password_sign_in(c, identifier, password)
    assert r.status_code == 200, r.text
    query = follow_to_callback(c, r.json()["redirectTo"])
    assert query["state"] == auth.state, query
    r = exchange(c, app, query["code"], auth)
    assert r.status_code == 200, r.text
    return c, r.json()
