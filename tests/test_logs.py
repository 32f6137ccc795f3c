"""Audit logs: token issuance entries (success and failure, secrets masked) and GET /api/logs."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import orjson
import pytest

from tests.server import MGMT, Server


@pytest.fixture
def api(own_server: Server) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {own_server.token()}"}
    with httpx.Client(base_url=own_server.base_url, headers=headers, timeout=30) as client:
        yield client


def _logs(api: httpx.Client, **params: str) -> httpx.Response:
    """Until an Error entry is there (entries are written in batches, a moment later)."""
    deadline = time.monotonic() + 10
    while True:
        found = api.get("/api/logs", params={"page": "1", "page_size": "100", **params})
        if any(i["payload"]["result"] == "Error" for i in found.json()) or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_token_requests_are_logged_without_secrets(api: httpx.Client, own_server: Server) -> None:
    form = {"grant_type": "client_credentials", "resource": MGMT, "scope": "all",
            "client_id": own_server.client_id, "client_secret": own_server.client_secret}  # fmt: skip
    assert httpx.post(f"{own_server.base_url}/oidc/token", data=form).status_code == 200
    bad = httpx.post(f"{own_server.base_url}/oidc/token", data={**form, "client_secret": "wrong-secret-value"})
    assert bad.status_code == 401
    found = _logs(api, applicationId=own_server.client_id, logKey="ExchangeTokenBy.ClientCredentials")
    assert found.status_code == 200 and int(found.headers["Total-Number"]) >= 2
    items = found.json()
    text = orjson.dumps(items).decode()
    assert own_server.client_secret not in text and "wrong-secret-value" not in text
    ok = [i for i in items if i["payload"]["result"] == "Success" and i["payload"].get("params", {}).get("client_secret")]
    failed = [i for i in items if i["payload"]["result"] == "Error"]
    assert ok and failed
    assert ok[0]["payload"]["params"]["client_secret"] == "******"
    assert ok[0]["payload"]["tokenTypes"] == ["AccessToken"] and ok[0]["payload"]["scope"] == "all"
    assert ok[0]["payload"]["applicationId"] == own_server.client_id
    assert failed[0]["payload"]["error"]["error"] == "invalid_client"
    assert set(items[0]) == {"tenantId", "id", "key", "payload", "createdAt"}
    one = api.get(f"/api/logs/{items[0]['id']}")
    assert one.status_code == 200 and one.json() == items[0]
    created = [i["createdAt"] for i in items]
    assert created == sorted(created, reverse=True)


def test_filters_and_errors(api: httpx.Client) -> None:
    assert api.get("/api/logs", params={"applicationId": "nobody"}).json() == []
    assert api.get("/api/logs", params={"logKey": "No.Such"}).json() == []
    window = api.get("/api/logs", params={"start_time": "10", "end_time": "5"})
    assert window.status_code == 400 and window.json()["code"] == "log.invalid_time_window"
    assert api.get("/api/logs", params={"start_time": "abc"}).status_code == 400
    missing = api.get("/api/logs/nope")
    assert missing.status_code == 404 and missing.json()["code"] == "entity.not_exists_with_id"
