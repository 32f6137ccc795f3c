"""Verification codes: sent through the tenant's connector with its templates, verified once,
expiry, attempt limit, per-recipient send cap; real delivery over SMTP (aiosmtpd) and HTTP SMS."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.connector_helpers import (
    TEMPLATES,
    HttpReceiver,
    SmtpInbox,
    client,
    dev_record,
    dev_server,
    run_sql,
)
from tests.server import Server


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def dev(request: pytest.FixtureRequest) -> Iterator[tuple[Server, Any]]:
    with dev_server(request.param) as pair:
        yield pair


@pytest.fixture
def api(dev: tuple[Server, Any]) -> Iterator[httpx.Client]:
    with client(dev[0]) as c:
        yield c


def _only(api: httpx.Client, connector_id: str, config: dict[str, Any]) -> None:
    for c in api.get("/api/connectors").json():
        api.delete(f"/api/connectors/{c['id']}")
    r = api.post("/api/connectors", json={"connectorId": connector_id, "config": config})
    assert r.status_code == 200, r.text


def test_no_connector_is_501(api: httpx.Client) -> None:
    for c in api.get("/api/connectors").json():
        api.delete(f"/api/connectors/{c['id']}")
    r = api.post("/api/verification-codes", json={"email": "nobody@example.com"})
    assert r.status_code == 501 and r.json()["code"] == "connector.not_found"
    assert r.json()["message"] == "Cannot find any available connector for type: Email."
    sms = api.post("/api/verification-codes", json={"phone": "15550001111"})
    assert sms.status_code == 501 and "Sms" in sms.json()["message"]


def test_send_and_verify_once(dev: tuple[Server, Any], api: httpx.Client) -> None:
    _only(api, "mock-email-service", {"templates": TEMPLATES})
    assert api.post("/api/verification-codes", json={"email": "once@example.com"}).status_code == 204
    record = dev_record(dev[1])
    assert record["address"] == "once@example.com" and record["type"] == "Generic"
    code = record["code"]
    assert len(code) == 6 and code.isdigit() and record["content"] == f"Generic: your code is {code}"
    other = api.post("/api/verification-codes/verify", json={"email": "other@example.com", "verificationCode": code})
    assert other.status_code == 400 and other.json()["code"] == "verification_code.not_found"
    ok = api.post("/api/verification-codes/verify", json={"email": "once@example.com", "verificationCode": code})
    assert ok.status_code == 204
    reused = api.post("/api/verification-codes/verify", json={"email": "once@example.com", "verificationCode": code})
    assert reused.status_code == 400 and reused.json()["code"] == "verification_code.not_found"


def test_new_code_replaces_the_old_one(dev: tuple[Server, Any], api: httpx.Client) -> None:
    _only(api, "mock-email-service", {"templates": TEMPLATES})
    api.post("/api/verification-codes", json={"email": "twice@example.com"})
    first = dev_record(dev[1])["code"]
    api.post("/api/verification-codes", json={"email": "twice@example.com"})
    second = dev_record(dev[1])["code"]
    if first != second:
        stale = api.post("/api/verification-codes/verify", json={"email": "twice@example.com", "verificationCode": first})
        assert stale.json()["code"] == "verification_code.code_mismatch"
    assert api.post("/api/verification-codes/verify", json={"email": "twice@example.com", "verificationCode": second}).status_code == 204


def test_wrong_codes_then_attempt_limit(dev: tuple[Server, Any], api: httpx.Client) -> None:
    _only(api, "mock-short-message-service", {})
    assert api.post("/api/verification-codes", json={"phone": "15550002222"}).status_code == 204
    record = dev_record(dev[1], "sms")
    assert record["address"] == "15550002222" and record["content"] == f"Your verification code is {record['code']}."
    wrong = "000000" if record["code"] != "000000" else "111111"
    for _ in range(10):
        r = api.post("/api/verification-codes/verify", json={"phone": "15550002222", "verificationCode": wrong})
        assert r.status_code == 400 and r.json()["code"] == "verification_code.code_mismatch"
    limited = api.post("/api/verification-codes/verify", json={"phone": "15550002222", "verificationCode": record["code"]})
    assert limited.status_code == 400 and limited.json()["code"] == "verification_code.exceed_max_try"


def test_expired_code(dev: tuple[Server, Any], api: httpx.Client) -> None:
    _only(api, "mock-email-service", {"templates": TEMPLATES})
    api.post("/api/verification-codes", json={"email": "late@example.com"})
    code = dev_record(dev[1])["code"]
    run_sql(dev[0], "UPDATE passcodes SET created_at = created_at - 601000 WHERE email = 'late@example.com'")
    r = api.post("/api/verification-codes/verify", json={"email": "late@example.com", "verificationCode": code})
    assert r.status_code == 400 and r.json()["code"] == "verification_code.expired"
    assert r.json()["message"] == "Verification code has expired. Please request a new verification code."


def test_send_cap_per_recipient(api: httpx.Client) -> None:
    _only(api, "mock-email-service", {"templates": TEMPLATES})
    for _ in range(10):
        assert api.post("/api/verification-codes", json={"email": "Busy@Example.com"}).status_code == 204
    r = api.post("/api/verification-codes", json={"email": "busy@example.com"})
    assert r.status_code == 429 and r.json()["code"] == "request.message_rate_limited"


def test_bad_input(api: httpx.Client) -> None:
    for body in ({}, {"email": "not-an-email"}, {"phone": "+1-555"}, {"email": 5}):
        r = api.post("/api/verification-codes", json=body)
        assert r.status_code == 400 and r.json()["code"] == "guard.invalid_input", body
    for body in ({"email": "a@b.co"}, {"email": "a@b.co", "verificationCode": ""}, {"verificationCode": "123456"}):
        r = api.post("/api/verification-codes/verify", json=body)
        assert r.status_code == 400 and r.json()["code"] == "guard.invalid_input", body


def test_tenant_email_template_wins_over_the_connector_config(dev: tuple[Server, Any], api: httpx.Client) -> None:
    _only(api, "mock-email-service", {"templates": TEMPLATES})
    t = api.put("/api/email-templates", json={"templates": [{"languageTag": "en", "templateType": "Generic", "details": {"subject": "Code {{code}}", "content": "Tenant template: {{code}}"}}]})
    assert t.status_code == 200
    try:
        api.post("/api/verification-codes", json={"email": "tmpl@example.com"})
        record = dev_record(dev[1])
        assert record["subject"] == f"Code {record['code']}" and record["content"] == f"Tenant template: {record['code']}"
        # The sign-in experience's fallback language picks the template.
        api.put("/api/email-templates", json={"templates": [{"languageTag": "de", "templateType": "Generic", "details": {"subject": "Ihr Code", "content": "Code: {{code}}"}}]})
        assert api.patch("/api/sign-in-exp", json={"languageInfo": {"autoDetect": True, "fallbackLanguage": "de"}}).status_code == 200
        api.post("/api/verification-codes", json={"email": "tmpl@example.com"})
        assert dev_record(dev[1])["subject"] == "Ihr Code"
    finally:
        api.patch("/api/sign-in-exp", json={"languageInfo": {"autoDetect": True, "fallbackLanguage": "en"}})
        api.delete("/api/email-templates", params={"templateType": "Generic"})


def test_real_delivery_over_smtp(api: httpx.Client) -> None:
    with SmtpInbox() as inbox:
        config = {"host": "127.0.0.1", "port": inbox.port, "auth": {}, "fromEmail": "auth@example.com", "templates": TEMPLATES}
        _only(api, "simple-mail-transfer-protocol", config)
        assert api.post("/api/verification-codes", json={"email": "smtp-user@example.com"}).status_code == 204
        assert len(inbox.messages) == 1
        message = inbox.messages[0]
        assert message["To"] == "smtp-user@example.com" and message["From"] == "auth@example.com"
        assert message["Subject"] == "Generic code"
        code = inbox.last_code()
    r = api.post("/api/verification-codes/verify", json={"email": "smtp-user@example.com", "verificationCode": code})
    assert r.status_code == 204


def test_smtp_unreachable_is_connector_general(api: httpx.Client) -> None:
    with SmtpInbox() as inbox:
        port = inbox.port
    config = {"host": "127.0.0.1", "port": port, "auth": {}, "fromEmail": "auth@example.com", "templates": TEMPLATES}
    _only(api, "simple-mail-transfer-protocol", config)
    r = api.post("/api/verification-codes", json={"email": "down@example.com"})
    assert r.status_code == 400 and r.json()["code"] == "connector.general"


def test_real_delivery_over_http_sms(api: httpx.Client) -> None:
    with HttpReceiver() as receiver:
        _only(api, "http-sms", {"endpoint": receiver.url, "authorization": "Bearer sms-secret"})
        assert api.post("/api/verification-codes", json={"phone": "15557654321"}).status_code == 204
        sent = receiver.requests[-1]
    assert sent["authorization"] == "Bearer sms-secret"
    assert sent["json"]["to"] == "15557654321" and sent["json"]["type"] == "Generic"
    code = sent["json"]["payload"]["code"]
    r = api.post("/api/verification-codes/verify", json={"phone": "15557654321", "verificationCode": code})
    assert r.status_code == 204


def test_real_delivery_over_http_email(api: httpx.Client) -> None:
    with HttpReceiver() as receiver:
        _only(api, "http-email", {"endpoint": receiver.url})
        assert api.post("/api/verification-codes", json={"email": "http@example.com"}).status_code == 204
        sent = receiver.requests[-1]
    assert sent["authorization"] is None and sent["json"]["to"] == "http@example.com"
    code = sent["json"]["payload"]["code"]
    assert api.post("/api/verification-codes/verify", json={"email": "http@example.com", "verificationCode": code}).status_code == 204


def test_policy_of_the_sign_in_experience(dev: tuple[Server, Any], api: httpx.Client) -> None:
    _only(api, "mock-email-service", {"templates": TEMPLATES})
    policy = api.patch("/api/sign-in-exp", json={"verificationCodePolicy": {"maxRetryAttempts": 2, "expirationDuration": 60}})
    assert policy.status_code == 200, policy.text
    try:
        api.post("/api/verification-codes", json={"email": "strict@example.com"})
        code = dev_record(dev[1])["code"]
        wrong = "000000" if code != "000000" else "111111"
        for _ in range(2):
            assert api.post("/api/verification-codes/verify", json={"email": "strict@example.com", "verificationCode": wrong}).json()["code"] == "verification_code.code_mismatch"
        limited = api.post("/api/verification-codes/verify", json={"email": "strict@example.com", "verificationCode": code})
        assert limited.json()["code"] == "verification_code.exceed_max_try"
        api.post("/api/verification-codes", json={"email": "strict@example.com"})
        code = dev_record(dev[1])["code"]
        run_sql(dev[0], "UPDATE passcodes SET created_at = created_at - 61000 WHERE email = 'strict@example.com'")
        late = api.post("/api/verification-codes/verify", json={"email": "strict@example.com", "verificationCode": code})
        assert late.json()["code"] == "verification_code.expired"
    finally:
        api.patch("/api/sign-in-exp", json={"verificationCodePolicy": {"maxRetryAttempts": 10, "expirationDuration": 600}})


def test_smtp_tls_options_never_fall_back_to_plain_text(api: httpx.Client) -> None:
    """`requireTLS` against a server without STARTTLS, and `secure` (implicit TLS) against a plain
    one, fail rather than send the code in clear."""
    with SmtpInbox() as inbox:
        base = {"host": "127.0.0.1", "port": inbox.port, "fromEmail": "auth@example.com", "templates": TEMPLATES}
        for option in ({"requireTLS": True}, {"secure": True}):
            _only(api, "simple-mail-transfer-protocol", {**base, **option})
            r = api.post("/api/verification-codes", json={"email": "tls@example.com"})
            assert r.status_code == 400 and r.json()["code"] == "connector.general", option
        assert inbox.messages == []
