"""Account API: MFA factors (TOTP with a real code check, backup codes), mfa-settings and
logto-configs; identity verification, scope and account center gates."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pyotp
import pytest

from tests.account_helpers import (
    ALL_FIELDS,
    account_center,
    management,
    new_app,
    new_user,
    password_record,
    user_client,
    verified,
)
from tests.hook_receiver import Receiver, receiver
from tests.server import Server

SCOPES = "openid profile identities"


@pytest.fixture(scope="module")
def api(own_server: Server) -> Iterator[httpx.Client]:
    with management(own_server) as client:
        account_center(client)
        r = client.patch("/api/sign-in-exp", json={"mfa": {"factors": ["Totp", "BackupCode"], "policy": "UserControlled"}})
        assert r.status_code == 200, r.text
        yield client


@pytest.fixture(scope="module")
def app_id(api: httpx.Client) -> str:
    return new_app(api)


@pytest.fixture(scope="module")
def hooks(api: httpx.Client) -> Iterator[Receiver]:
    with receiver() as rec:
        assert api.post("/api/hooks", json={"name": "mfa", "events": ["User.Data.Updated"], "config": {"url": rec.url}}).status_code == 201
        yield rec


def _fail(r: httpx.Response, status: int, code: str) -> None:
    assert (r.status_code, r.json().get("code")) == (status, code), r.text


def test_totp_and_backup_codes(own_server: Server, api: httpx.Client, app_id: str, hooks: Receiver) -> None:
    user = new_user(api)
    with user_client(own_server, user["id"], app_id, SCOPES) as me:
        assert me.get("/api/my-account/mfa-verifications").json() == []
        r = me.post("/api/my-account/mfa-verifications/totp-secret/generate")
        assert r.status_code == 200 and set(r.json()) == {"secret"}
        secret = r.json()["secret"]
        assert len(secret) == 32
        totp = {"type": "Totp", "secret": secret, "code": pyotp.TOTP(secret).now()}
        _fail(me.post("/api/my-account/mfa-verifications", json=totp), 401, "verification_record.permission_denied")
        record = verified(password_record(me))
        _fail(me.post("/api/my-account/mfa-verifications", json={**totp, "code": "000000" if totp["code"] != "000000" else "111111"},
                      headers=record), 400, "session.mfa.invalid_totp_code")  # fmt: skip
        _fail(me.post("/api/my-account/mfa-verifications", json={**totp, "secret": "short"}, headers=record), 400, "user.totp_secret_invalid")
        codes = me.post("/api/my-account/mfa-verifications/backup-codes/generate").json()["codes"]
        assert len(codes) == 10
        backup = {"type": "BackupCode", "codes": codes}
        _fail(me.post("/api/my-account/mfa-verifications", json=backup, headers=record), 422, "session.mfa.backup_code_can_not_be_alone")
        before = len(hooks.of("User.Data.Updated"))
        assert me.post("/api/my-account/mfa-verifications", json=totp, headers=record).status_code == 204
        hooks.wait(before + 1, event="User.Data.Updated")
        _fail(me.post("/api/my-account/mfa-verifications", json=totp, headers=record), 422, "user.totp_already_in_use")
        _fail(me.post("/api/my-account/mfa-verifications", json={"type": "BackupCode", "codes": ["x"]}, headers=record),
              422, "user.wrong_backup_code_format")  # fmt: skip
        assert me.post("/api/my-account/mfa-verifications", json=backup, headers=record).status_code == 204
        _fail(me.post("/api/my-account/mfa-verifications", json=backup, headers=record), 422, "user.backup_code_already_in_use")
        listed = me.get("/api/my-account/mfa-verifications").json()
        assert [f["type"] for f in listed] == ["Totp", "BackupCode"] and listed[1]["remainCodes"] == 10
        assert "key" not in listed[0] and "codes" not in listed[1]
        _fail(me.get("/api/my-account/mfa-verifications/backup-codes"), 401, "verification_record.permission_denied")
        shown = me.get("/api/my-account/mfa-verifications/backup-codes", headers=record).json()
        assert shown == {"codes": [{"code": c} for c in codes]}
        assert api.get(f"/api/users/{user['id']}/logto-configs").json()["mfa"]["enabled"] is True
        # replace the TOTP secret
        fresh = pyotp.random_base32()
        r = me.put("/api/my-account/mfa-verifications/totp", json={"secret": fresh, "code": pyotp.TOTP(fresh).now()}, headers=record)
        assert r.status_code == 204, r.text
        after = me.get("/api/my-account/mfa-verifications").json()
        assert len(after) == 2 and after[0]["id"] != listed[0]["id"]
        # rename: WebAuthn only
        _fail(me.patch(f"/api/my-account/mfa-verifications/{after[0]['id']}/name", json={"name": "x"}, headers=record),
              400, "verification_record.not_found")  # fmt: skip
        _fail(me.delete("/api/my-account/mfa-verifications/nope", headers=record), 400, "verification_record.not_found")
        _fail(me.delete(f"/api/my-account/mfa-verifications/{after[1]['id']}"), 401, "verification_record.permission_denied")
        assert me.delete(f"/api/my-account/mfa-verifications/{after[1]['id']}", headers=record).status_code == 204
        assert [f["type"] for f in me.get("/api/my-account/mfa-verifications").json()] == ["Totp"]
        webauthn = {"type": "WebAuthn", "newIdentifierVerificationRecordId": "x"}
        _fail(me.post("/api/my-account/mfa-verifications", json=webauthn, headers=record), 400, "session.mfa.mfa_factor_not_enabled")
        r = me.post("/api/my-account/mfa-verifications", json={"type": "Sms"}, headers=record)
        _fail(r, 400, "guard.invalid_input")
        assert r.json()["data"]["issues"][0]["path"] == ["type"]
        r = me.post("/api/my-account/mfa-verifications", json={"type": "Totp"}, headers=record)
        _fail(r, 400, "guard.invalid_input")
        assert r.json()["data"]["issues"][0]["path"] == ["secret"]


def test_gates(own_server: Server, api: httpx.Client, app_id: str) -> None:
    user = new_user(api)
    with user_client(own_server, user["id"], app_id, "openid profile") as no_scope:
        record = verified(password_record(no_scope))
        _fail(no_scope.get("/api/my-account/mfa-verifications"), 401, "auth.unauthorized")
        _fail(no_scope.get("/api/my-account/mfa-settings"), 401, "auth.unauthorized")
        _fail(no_scope.get("/api/my-account/logto-configs"), 401, "auth.unauthorized")
        _fail(no_scope.delete("/api/my-account/mfa-verifications/x", headers=record), 401, "auth.unauthorized")
    account_center(api, fields={**ALL_FIELDS, "mfa": "ReadOnly"})
    try:
        with user_client(own_server, user["id"], app_id, SCOPES) as me:
            record = verified(password_record(me))
            assert me.get("/api/my-account/mfa-verifications").status_code == 200
            assert me.get("/api/my-account/mfa-settings").json() == {"skipMfaOnSignIn": False}
            secret = pyotp.random_base32()
            totp = {"type": "Totp", "secret": secret}
            _fail(me.post("/api/my-account/mfa-verifications", json=totp, headers=record), 400, "account_center.field_not_editable")
            _fail(me.patch("/api/my-account/mfa-settings", json={"skipMfaOnSignIn": True}, headers=record),
                  400, "account_center.field_not_editable")  # fmt: skip
            _fail(me.patch("/api/my-account/logto-configs", json={"mfa": {"skipped": True}}, headers=record),
                  400, "account_center.field_not_editable")  # fmt: skip
        account_center(api, fields={**ALL_FIELDS, "mfa": "Off"})
        with user_client(own_server, user["id"], app_id, SCOPES) as me:
            _fail(me.get("/api/my-account/mfa-verifications"), 400, "account_center.field_not_enabled")
            _fail(me.get("/api/my-account/mfa-settings"), 400, "account_center.field_not_enabled")
            _fail(me.get("/api/my-account/logto-configs"), 400, "account_center.field_not_enabled")
    finally:
        account_center(api)


def test_settings_and_logto_configs(own_server: Server, api: httpx.Client, app_id: str, hooks: Receiver) -> None:
    user = new_user(api)
    with user_client(own_server, user["id"], app_id, SCOPES) as me:
        observed = {"mfa": {"skipMfaOnSignIn": False, "skipped": False}, "passkeySignIn": {"skipped": False}}
        assert me.get("/api/my-account/logto-configs").json() == observed
        _fail(me.patch("/api/my-account/mfa-settings", json={"skipMfaOnSignIn": True}), 401, "verification_record.permission_denied")
        record = verified(password_record(me))
        before = len(hooks.of("User.Data.Updated"))
        r = me.patch("/api/my-account/mfa-settings", json={"skipMfaOnSignIn": True}, headers=record)
        assert r.status_code == 200 and r.json() == {"skipMfaOnSignIn": True}
        hooks.wait(before + 1, event="User.Data.Updated")
        assert me.get("/api/my-account/mfa-settings").json() == {"skipMfaOnSignIn": True}
        _fail(me.patch("/api/my-account/mfa-settings", json={"skipMfaOnSignIn": "yes"}, headers=record), 400, "guard.invalid_input")
        r = me.patch("/api/my-account/logto-configs", json={"mfa": {"skipped": True}, "passkeySignIn": {"skipped": True}}, headers=record)
        assert r.status_code == 200
        assert r.json() == {"mfa": {"skipped": True, "skipMfaOnSignIn": True}, "passkeySignIn": {"skipped": True}}
        assert me.get("/api/my-account/logto-configs").json() == r.json()
