"""Verification API: password and e-mail code records (real SMTP), and the `logto-verification-id`
check every Account API route shares (verified, unexpired, same user, right kind)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.account_helpers import (
    PASSWORD,
    account_center,
    management,
    new_app,
    new_user,
    password_record,
    smtp_connector,
    user_client,
    verified,
)
from tests.connector_helpers import SmtpInbox, run_sql
from tests.server import Server


@pytest.fixture(scope="module")
def api(own_server: Server) -> Iterator[httpx.Client]:
    with management(own_server) as client:
        account_center(client)
        yield client


@pytest.fixture(scope="module")
def app_id(api: httpx.Client) -> str:
    return new_app(api)


@pytest.fixture(scope="module")
def inbox(api: httpx.Client) -> Iterator[SmtpInbox]:
    with SmtpInbox() as box:
        smtp_connector(api, box.port)
        yield box


def _ms(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def test_password_record(own_server: Server, api: httpx.Client, app_id: str) -> None:
    user = new_user(api)
    with user_client(own_server, user["id"], app_id) as me:
        before = time.time()
        r = me.post("/api/verifications/password", json={"password": PASSWORD})
        assert r.status_code == 201, r.text
        body = r.json()
        assert set(body) == {"verificationRecordId", "expiresAt"}
        assert before + 595 <= _ms(body["expiresAt"]) <= time.time() + 605
        wrong = me.post("/api/verifications/password", json={"password": "nope"})
        assert wrong.status_code == 422 and wrong.json()["code"] == "session.invalid_credentials"
        empty = me.post("/api/verifications/password", json={"password": ""})
        assert empty.status_code == 400 and empty.json()["code"] == "guard.invalid_input"


def test_auth_and_account_center(own_server: Server, api: httpx.Client, app_id: str) -> None:
    user = new_user(api)
    r = httpx.post(f"{own_server.base_url}/api/verifications/password", json={"password": PASSWORD},
                   headers={"Authorization": f"Bearer {own_server.token()}"})  # fmt: skip
    assert r.status_code == 401 and r.json()["code"] == "auth.unauthorized"  # a Management API JWT
    with user_client(own_server, user["id"], app_id, "profile") as no_openid:
        r = no_openid.post("/api/verifications/password", json={"password": PASSWORD})
        assert r.status_code == 403 and r.json()["code"] == "auth.forbidden"
    account_center(api, enabled=False)
    try:
        with user_client(own_server, user["id"], app_id) as me:
            r = me.post("/api/verifications/password", json={"password": PASSWORD})
            assert r.status_code == 400 and r.json()["code"] == "account_center.not_enabled"
    finally:
        account_center(api)


def test_third_party_app_refused(own_server: Server, api: httpx.Client) -> None:
    user = new_user(api)
    with user_client(own_server, user["id"], new_app(api, third_party=True)) as me:
        r = me.post("/api/verifications/password", json={"password": PASSWORD})
        assert r.status_code == 403 and r.json()["code"] == "auth.third_party_application_forbidden"


def test_no_connector_is_501(own_server: Server, api: httpx.Client, app_id: str) -> None:
    for c in api.get("/api/connectors").json():
        api.delete(f"/api/connectors/{c['id']}")
    user = new_user(api)
    with user_client(own_server, user["id"], app_id) as me:
        r = me.post("/api/verifications/verification-code", json={"identifier": {"type": "email", "value": "x@example.com"}})
        assert r.status_code == 501 and r.json()["code"] == "connector.not_found"
        bad = me.post("/api/verifications/verification-code", json={"identifier": {"type": "fax", "value": "1"}})
        assert bad.status_code == 400 and bad.json()["code"] == "guard.invalid_input"


def _send(me: httpx.Client, email: str, **extra: Any) -> str:
    r = me.post("/api/verifications/verification-code", json={"identifier": {"type": "email", "value": email}, **extra})
    assert r.status_code == 201, r.text
    assert set(r.json()) == {"verificationRecordId", "expiresAt"}
    return str(r.json()["verificationRecordId"])


def _verify(me: httpx.Client, email: str, record_id: str, code: str) -> httpx.Response:
    return me.post("/api/verifications/verification-code/verify",
                   json={"identifier": {"type": "email", "value": email}, "verificationId": record_id, "code": code})  # fmt: skip


def test_own_email_code_proves_identity(own_server: Server, api: httpx.Client, app_id: str, inbox: SmtpInbox) -> None:
    email = f"own-{time.time_ns()}@example.com"
    user = new_user(api, primaryEmail=email)
    with user_client(own_server, user["id"], app_id) as me:
        record_id = _send(me, email)
        message = inbox.messages[-1]
        assert message["To"] == email and message["Subject"] == "UserPermissionValidation code"
        code = inbox.last_code()
        # Sent but not verified yet: no identity proof.
        r = me.patch("/api/my-account", json={"username": f"n_{time.time_ns()}"}, headers=verified(record_id))
        assert r.status_code == 401 and r.json()["code"] == "verification_record.permission_denied"
        wrong = _verify(me, email, record_id, "000000" if code != "000000" else "111111")
        assert wrong.status_code == 400 and wrong.json()["code"] == "verification_code.code_mismatch"
        other = _verify(me, "someone@example.com", record_id, code)
        assert other.status_code == 400 and other.json()["code"] == "verification_code.email_mismatch"
        unknown = _verify(me, email, "nosuchrecord", code)
        assert unknown.status_code == 400 and unknown.json()["code"] == "verification_record.not_found"
        ok = _verify(me, email, record_id, code)
        assert ok.status_code == 200 and ok.json() == {"verificationRecordId": record_id}
        again = _verify(me, email, record_id, code)
        assert again.status_code == 400 and again.json()["code"] == "verification_code.not_found"
        name = f"n_{time.time_ns()}"
        r = me.patch("/api/my-account", json={"username": name}, headers=verified(record_id))
        assert r.status_code == 200 and r.json()["username"] == name


def test_new_email_code_is_no_identity_proof(own_server: Server, api: httpx.Client, app_id: str, inbox: SmtpInbox) -> None:
    user = new_user(api)
    email = f"new-{time.time_ns()}@example.com"
    with user_client(own_server, user["id"], app_id) as me:
        record_id = _send(me, email, templateType="UserPermissionValidation")
        assert inbox.messages[-1]["Subject"] == "BindNewIdentifier code"
        assert _verify(me, email, record_id, inbox.last_code()).status_code == 200
        r = me.patch("/api/my-account", json={"username": f"n_{time.time_ns()}"}, headers=verified(record_id))
        assert r.status_code == 401 and r.json()["code"] == "verification_record.permission_denied"


def test_header_check(own_server: Server, api: httpx.Client, app_id: str) -> None:
    alice, bob = new_user(api), new_user(api)
    with user_client(own_server, alice["id"], app_id) as a, user_client(own_server, bob["id"], app_id) as b:
        record_id = password_record(a)
        body = {"username": f"n_{time.time_ns()}"}
        for headers in ({}, verified("nosuchrecord"), verified("")):
            r = a.patch("/api/my-account", json=body, headers=headers)
            assert r.status_code == 401 and r.json()["code"] == "verification_record.permission_denied"
        r = b.patch("/api/my-account", json=body, headers=verified(record_id))  # another user's record
        assert r.status_code == 401 and r.json()["code"] == "verification_record.permission_denied"
        run_sql(own_server, f"UPDATE verification_records SET expires_at = 1 WHERE id = '{record_id}'")
        r = a.patch("/api/my-account", json=body, headers=verified(record_id))  # expired
        assert r.status_code == 401 and r.json()["code"] == "verification_record.permission_denied"
        r = a.patch("/api/my-account", json=body, headers=verified(password_record(a)))
        assert r.status_code == 200, r.text


def test_send_cap_and_long_values(own_server: Server, api: httpx.Client, app_id: str, inbox: SmtpInbox) -> None:
    user = new_user(api)
    email = f"cap-{time.time_ns()}@example.com"
    with user_client(own_server, user["id"], app_id) as me:
        for _ in range(10):
            _send(me, email)
        r = me.post("/api/verifications/verification-code", json={"identifier": {"type": "email", "value": email}})
        assert r.status_code == 429 and r.json()["code"] == "request.message_rate_limited"
        long_email = "a" * 200 + "@example.com"
        r = me.post("/api/verifications/verification-code", json={"identifier": {"type": "email", "value": long_email}})
        assert r.status_code < 500, r.text
        r = _verify(me, email, "x" * 5000, "123456")
        assert r.status_code == 400 and r.json()["code"] == "verification_record.not_found"
        r = me.patch("/api/my-account", json={"username": "abc"}, headers=verified("y" * 5000))
        assert r.status_code == 401
