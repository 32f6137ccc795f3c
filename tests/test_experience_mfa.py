"""Experience API MFA: a user's TOTP is required at submit, verified (no replay), bound during
sign-in under a mandatory policy, with backup codes; one-time tokens sign a user in."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pyotp
import pytest

from tests.conftest import unique
from tests.experience_helpers import admin, begin, error, make_app, make_user, password_id
from tests.server import Server


@pytest.fixture(scope="module")
def api(own_server: Server) -> Iterator[httpx.Client]:
    with admin(own_server) as client:
        yield client


@pytest.fixture(scope="module")
def app_id(api: httpx.Client) -> str:
    return make_app(api)


def _mfa(api: httpx.Client, policy: str) -> None:
    r = api.patch("/api/sign-in-exp", json={"mfa": {"factors": ["Totp", "BackupCode"], "policy": policy}})
    assert r.status_code == 200, r.text


def _identified(srv: Server, app_id: str, user: dict[str, Any]) -> httpx.Client:
    client, _ = begin(srv, app_id)
    vid = password_id(client, "username", user["username"])
    assert client.post("/api/experience/identification", json={"verificationId": vid}).status_code == 204
    return client


def test_existing_totp_is_required(own_server: Server, api: httpx.Client, app_id: str) -> None:
    _mfa(api, "UserControlled")
    user = make_user(api)
    secret = pyotp.random_base32()
    r = api.post(f"/api/users/{user['id']}/mfa-verifications", json={"type": "Totp", "secret": secret})
    assert r.status_code == 200, r.text
    client = _identified(own_server, app_id, user)
    r = client.post("/api/experience/submit")
    assert error(r) == (403, "session.mfa.require_mfa_verification")
    assert r.json()["data"] == {"availableFactors": ["Totp"], "maskedIdentifiers": {}}
    assert error(client.post("/api/experience/profile/mfa/mfa-skipped")) == (403, "session.mfa.require_mfa_verification")
    assert error(client.post("/api/experience/verification/totp/verify", json={"code": "000000"})) == (
        400, "session.mfa.invalid_totp_code")  # fmt: skip
    code = pyotp.TOTP(secret).now()
    r = client.post("/api/experience/verification/totp/verify", json={"code": code})
    assert r.status_code == 200, r.text
    again = _identified(own_server, app_id, user)
    assert error(again.post("/api/experience/verification/totp/verify", json={"code": code})) == (
        400, "session.mfa.invalid_totp_code")  # fmt: skip  (a code is used once)
    assert client.post("/api/experience/submit").status_code == 200


def test_bind_totp_and_backup_codes_under_mandatory_policy(own_server: Server, api: httpx.Client, app_id: str) -> None:
    _mfa(api, "Mandatory")
    try:
        user = make_user(api)
        client = _identified(own_server, app_id, user)
        r = client.post("/api/experience/submit")
        assert error(r) == (422, "user.missing_mfa")
        assert error(client.post("/api/experience/profile/mfa/mfa-skipped")) == (
            422, "session.mfa.mfa_policy_not_user_controlled")  # fmt: skip
        r = client.post("/api/experience/verification/totp/secret")
        assert r.status_code == 200
        secret, vid = r.json()["secret"], r.json()["verificationId"]
        assert r.json()["secretQrCode"].startswith("data:image/png;base64,")
        assert error(client.post("/api/experience/profile/mfa", json={"type": "Totp", "verificationId": vid})) == (
            400, "session.verification_failed")  # fmt: skip
        r = client.post("/api/experience/verification/totp/verify", json={"code": pyotp.TOTP(secret).now(), "verificationId": vid})
        assert r.json() == {"verificationId": vid}
        assert client.post("/api/experience/profile/mfa", json={"type": "Totp", "verificationId": vid}).status_code == 204
        r = client.post("/api/experience/verification/backup-code/generate")
        codes = r.json()["codes"]
        assert len(codes) == 10
        bid = r.json()["verificationId"]
        assert client.post("/api/experience/profile/mfa", json={"type": "BackupCode", "verificationId": bid}).status_code == 204
        state = client.get("/api/experience/interaction").json()
        assert state["mfa"] == {"totp": {"type": "Totp"}, "backupCode": {"type": "BackupCode"}}
        assert all("secret" not in rec for rec in state["verificationRecords"])
        assert client.post("/api/experience/submit").status_code == 200
        kinds = sorted(v["type"] for v in api.get(f"/api/users/{user['id']}/mfa-verifications").json())
        assert kinds == ["BackupCode", "Totp"]

        # Next sign-in: a backup code passes MFA, once.
        client = _identified(own_server, app_id, user)
        assert error(client.post("/api/experience/submit"))[0] == 403
        assert error(client.post("/api/experience/verification/backup-code/verify", json={"code": "ffffffffff"})) == (
            400, "session.mfa.invalid_backup_code")  # fmt: skip
        assert client.post("/api/experience/verification/backup-code/verify", json={"code": codes[0]}).status_code == 200
        assert client.post("/api/experience/submit").status_code == 200
        client = _identified(own_server, app_id, user)
        assert error(client.post("/api/experience/verification/backup-code/verify", json={"code": codes[0]}))[0] == 400
    finally:
        _mfa(api, "UserControlled")


def test_mfa_routes_need_an_identified_user(own_server: Server, app_id: str) -> None:
    client, _ = begin(own_server, app_id)
    for path in ("/api/experience/verification/totp/secret", "/api/experience/verification/backup-code/generate",
                 "/api/experience/profile/mfa/mfa-skipped"):  # fmt: skip
        assert error(client.post(path)) == (404, "session.identifier_not_found"), path


def test_one_time_token_sign_in(own_server: Server, api: httpx.Client, app_id: str) -> None:
    email = f"{unique('ott')}@example.com"
    user = make_user(api, primaryEmail=email)
    token = api.post("/api/one-time-tokens", json={"email": email}).json()["token"]
    client, _ = begin(own_server, app_id)
    body = {"identifier": {"type": "email", "value": email}, "token": "not-the-token"}
    assert error(client.post("/api/experience/verification/one-time-token/verify", json=body)) == (
        404, "one_time_token.token_not_found")  # fmt: skip
    r = client.post("/api/experience/verification/one-time-token/verify", json={**body, "token": token})
    assert r.status_code == 200, r.text
    vid = r.json()["verificationId"]
    assert client.post("/api/experience/identification", json={"verificationId": vid}).status_code == 204
    assert client.post("/api/experience/submit").status_code == 200
    assert client.get("/api/experience/interaction").json()["userId"] == user["id"]
    again, _ = begin(own_server, app_id)
    r = again.post("/api/experience/verification/one-time-token/verify", json={**body, "token": token})
    assert error(r) == (400, "one_time_token.token_consumed")
