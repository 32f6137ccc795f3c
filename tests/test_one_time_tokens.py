"""One-time tokens: create, list, get, verify (single use), status changes, delete, expiry."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import unique
from tests.server import Server


@pytest.fixture
def api(own_server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=own_server.base_url, headers={"Authorization": f"Bearer {own_server.token()}"}, timeout=30) as c:
        yield c


def _email() -> str:
    return f"{unique('ott')}@example.com"


def test_create_get_verify_once(api: httpx.Client) -> None:
    email = _email()
    r = api.post("/api/one-time-tokens", json={"email": email, "context": {"jitOrganizationIds": ["o1"], "interactionEvent": "SignIn"}})
    assert r.status_code == 201, r.text
    token = r.json()
    assert token["status"] == "active" and token["email"] == email and len(token["token"]) == 32
    assert token["context"] == {"jitOrganizationIds": ["o1"], "interactionEvent": "SignIn"}
    assert token["expiresAt"] - token["createdAt"] == 600_000
    assert set(token) == {"tenantId", "id", "email", "token", "context", "status", "createdAt", "expiresAt"}
    assert api.get(f"/api/one-time-tokens/{token['id']}").json() == token

    mismatch = api.post("/api/one-time-tokens/verify", json={"token": token["token"], "email": "x" + email})
    assert mismatch.status_code == 400 and mismatch.json()["code"] == "one_time_token.email_mismatch"
    ok = api.post("/api/one-time-tokens/verify", json={"token": token["token"], "email": email})
    assert ok.status_code == 200 and ok.json()["status"] == "consumed" and ok.json()["id"] == token["id"]
    reused = api.post("/api/one-time-tokens/verify", json={"token": token["token"], "email": email})
    assert reused.status_code == 400 and reused.json()["code"] == "one_time_token.token_consumed"
    unknown = api.post("/api/one-time-tokens/verify", json={"token": "nope", "email": email})
    assert unknown.status_code == 404 and unknown.json()["code"] == "one_time_token.token_not_found"
    assert unknown.json()["message"] == "Token nope not found."


def test_expiry(api: httpx.Client) -> None:
    email = _email()
    token = api.post("/api/one-time-tokens", json={"email": email, "expiresIn": 1}).json()
    assert token["expiresAt"] - token["createdAt"] == 1000
    time.sleep(1.2)
    assert api.get(f"/api/one-time-tokens/{token['id']}").json()["status"] == "expired"
    r = api.post("/api/one-time-tokens/verify", json={"token": token["token"], "email": email})
    assert r.status_code == 400 and r.json()["code"] == "one_time_token.token_expired"
    # A new token for the same address marks its expired ones as such in storage (the status filter sees it).
    api.post("/api/one-time-tokens", json={"email": email})
    expired = api.get("/api/one-time-tokens", params={"email": email, "status": "expired"}).json()
    assert [t["id"] for t in expired] == [token["id"]]


def test_status_revoke_and_no_reactivation(api: httpx.Client) -> None:
    email = _email()
    token = api.post("/api/one-time-tokens", json={"email": email}).json()
    revoked = api.put(f"/api/one-time-tokens/{token['id']}/status", json={"status": "revoked"})
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    r = api.post("/api/one-time-tokens/verify", json={"token": token["token"], "email": email})
    assert r.status_code == 400 and r.json()["code"] == "one_time_token.token_revoked"
    back = api.put(f"/api/one-time-tokens/{token['id']}/status", json={"status": "active"})
    assert back.status_code == 400 and back.json()["code"] == "one_time_token.cannot_reactivate_token"
    bad = api.put(f"/api/one-time-tokens/{token['id']}/status", json={"status": "paused"})
    assert bad.status_code == 400 and bad.json()["code"] == "guard.invalid_input"
    missing = api.put("/api/one-time-tokens/nope/status", json={"status": "revoked"})
    assert missing.status_code == 404 and missing.json()["code"] == "entity.not_exists_with_id"


def test_list_filters_paging_and_delete(api: httpx.Client) -> None:
    email = _email()
    made = [api.post("/api/one-time-tokens", json={"email": email}).json() for _ in range(3)]
    listed = api.get("/api/one-time-tokens", params={"email": email}).json()
    assert [t["id"] for t in listed] == [t["id"] for t in reversed(made)]  # newest first
    page = api.get("/api/one-time-tokens", params={"email": email, "page": 1, "page_size": 2})
    assert page.status_code == 200 and len(page.json()) == 2 and int(page.headers["total-number"]) >= 3
    api.put(f"/api/one-time-tokens/{made[0]['id']}/status", json={"status": "consumed"})
    consumed = api.get("/api/one-time-tokens", params={"email": email, "status": "consumed"}).json()
    assert [t["id"] for t in consumed] == [made[0]["id"]]
    assert api.get("/api/one-time-tokens", params={"email": "bad"}).json()["code"] == "guard.invalid_input"
    assert api.get("/api/one-time-tokens", params={"status": "bad"}).status_code == 400
    assert api.delete(f"/api/one-time-tokens/{made[1]['id']}").status_code == 204
    gone = api.get(f"/api/one-time-tokens/{made[1]['id']}")
    assert gone.status_code == 404 and gone.json()["code"] == "entity.not_exists_with_id"
    assert api.delete(f"/api/one-time-tokens/{made[1]['id']}").status_code == 404


def test_bad_input(api: httpx.Client) -> None:
    for body in ({}, {"email": ""}, {"email": "a" * 129}, {"email": "a@b.co", "expiresIn": 0}, {"email": "a@b.co", "expiresIn": "60"}, {"email": "a@b.co", "context": {"interactionEvent": "Nope"}}):
        r = api.post("/api/one-time-tokens", json=body)
        assert r.status_code == 400 and r.json()["code"] == "guard.invalid_input", body
    for body in ({}, {"token": "", "email": "a@b.co"}, {"token": "x"}):
        r = api.post("/api/one-time-tokens/verify", json=body)
        assert r.status_code == 400 and r.json()["code"] == "guard.invalid_input", body


def test_sdk_round_trip(own_server: Server) -> None:
    """The SDK families against the live server: e-mail templates, connectors, one-time tokens."""
    from authkeep.sdk import LogtoError, create_management_api

    email = _email()
    with create_management_api(
        "default", client_id=own_server.client_id, client_secret=own_server.client_secret, base_url=own_server.base_url
    ) as (api, _):
        token = api.one_time_tokens.create(email, expires_in=60)
        assert api.one_time_tokens.verify(token["token"], email)["status"] == "consumed"
        try:
            api.one_time_tokens.verify(token["token"], email)
            raise AssertionError("a consumed token verified twice")
        except LogtoError as exc:
            assert exc.code == "one_time_token.token_consumed"
        assert api.one_time_tokens.set_status(token["id"], "revoked")["status"] == "revoked"
        assert [t["id"] for t in api.one_time_tokens.list(email=email)] == [token["id"]]
        api.one_time_tokens.delete(token["id"])

        made = api.email_templates.upsert([{"languageTag": "pt", "templateType": "SignIn", "details": {"subject": "s", "content": "{{code}}"}}])
        assert api.email_templates.update_details(made[0]["id"], {"subject": "t"})["details"]["subject"] == "t"
        assert api.email_templates.delete_where(language_tag="pt") == 1

        factories = {f["id"] for f in api.connectors.list_factories()}
        assert "http-sms" in factories and api.connectors.get_factory("oidc")["type"] == "Social"
        sms = api.connectors.create({"connectorId": "mock-short-message-service", "config": {}})
        api.connectors.test("mock-short-message-service", {}, "15550000000")
        api.verification_codes.send("15550000000")
        try:
            api.verification_codes.verify("15550000000", "not-it")
            raise AssertionError("a wrong code verified")
        except LogtoError as exc:
            assert exc.code == "verification_code.code_mismatch"
        api.connectors.delete(sms["id"])
