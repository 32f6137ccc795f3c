"""Helpers of the Experience API tests: an app, users, a browser-like client holding the
interaction cookie (through the seam tests.end_user.start_interaction), audit log polling."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.conftest import unique
from tests.end_user import start_interaction
from tests.server import Server

PASSWORD = "Correct-Horse-Battery-9"


def admin(srv: Server) -> httpx.Client:
    return httpx.Client(base_url=srv.base_url, headers={"Authorization": f"Bearer {srv.token()}"}, timeout=30)


def make_app(api: httpx.Client) -> str:
    r = api.post("/api/applications", json={"name": unique("exp"), "type": "SPA",
                                            "oidcClientMetadata": {"redirectUris": ["http://127.0.0.1:9/callback"],
                                                                   "postLogoutRedirectUris": []}})  # fmt: skip
    assert r.status_code == 200, r.text
    return str(r.json()["id"])


def make_user(api: httpx.Client, **fields: Any) -> dict[str, Any]:
    body = {"username": unique("u").replace("-", "_"), "password": PASSWORD, **fields}
    r = api.post("/api/users", json=body)
    assert r.status_code == 200, r.text
    return dict(r.json())


def browser(srv: Server, app_id: str) -> tuple[httpx.Client, str]:
    """A client with a fresh interaction cookie; returns (client, uid)."""
    client = httpx.Client(base_url=srv.base_url, timeout=30)
    uid = start_interaction(srv, client, app_id)
    return client, uid


def begin(srv: Server, app_id: str, event: str = "SignIn") -> tuple[httpx.Client, str]:
    client, uid = browser(srv, app_id)
    r = client.put("/api/experience", json={"interactionEvent": event})
    assert r.status_code == 204, r.text
    return client, uid


def password_id(client: httpx.Client, kind: str, value: str, password: str = PASSWORD) -> str:
    r = client.post("/api/experience/verification/password",
                    json={"identifier": {"type": kind, "value": value}, "password": password})  # fmt: skip
    assert r.status_code == 200, r.text
    return str(r.json()["verificationId"])


def sign_in(srv: Server, app_id: str, username: str) -> tuple[httpx.Client, str, dict[str, Any]]:
    client, uid = begin(srv, app_id)
    vid = password_id(client, "username", username)
    assert client.post("/api/experience/identification", json={"verificationId": vid}).status_code == 204
    r = client.post("/api/experience/submit")
    assert r.status_code == 200, r.text
    return client, uid, r.json()


def error(r: httpx.Response) -> tuple[int, str]:
    return r.status_code, r.json().get("code")


def wait_logs(
    api: httpx.Client, key: str, count: int = 1, timeout: float = 10, where: Any = None, **filters: str
) -> list[dict[str, Any]]:
    """The logs of `key` (those `where(log)` accepts), once there are `count` of them."""
    deadline = time.monotonic() + timeout
    found: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        r = api.get("/api/logs", params={"logKey": key, "page_size": "100", **filters})
        found = [log for log in r.json() if where is None or where(log)]
        if len(found) >= count:
            return found
        time.sleep(0.1)
    raise AssertionError(f"expected {count} {key} logs, got {len(found)}")
