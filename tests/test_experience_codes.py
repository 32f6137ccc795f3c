"""Experience API verification codes through the tenant's e-mail connector (a real SMTP server
started by the test): registration, sign-in and forgot password by e-mail code."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import unique
from tests.connector_helpers import TEMPLATES, SmtpInbox
from tests.experience_helpers import PASSWORD, admin, begin, error, make_app, make_user, password_id
from tests.hook_receiver import Receiver, receiver
from tests.server import Server

NEW_PASSWORD = "Another-Horse-Battery-7"


@pytest.fixture(scope="module")
def api(own_server: Server) -> Iterator[httpx.Client]:
    with admin(own_server) as client:
        yield client


@pytest.fixture(scope="module")
def app_id(api: httpx.Client) -> str:
    return make_app(api)


@pytest.fixture(scope="module")
def inbox(api: httpx.Client, own_server: Server, app_id: str) -> Iterator[SmtpInbox]:
    for c in api.get("/api/connectors").json():
        api.delete(f"/api/connectors/{c['id']}")
    client, _ = begin(own_server, app_id)
    r = client.post("/api/experience/verification/verification-code",
                    json={"identifier": {"type": "email", "value": "a@example.com"}, "interactionEvent": "SignIn"})  # fmt: skip
    assert error(r) == (501, "connector.not_found")
    with SmtpInbox() as box:
        config = {"host": "127.0.0.1", "port": box.port, "auth": {}, "fromEmail": "auth@example.com", "templates": TEMPLATES}
        assert api.post("/api/connectors", json={"connectorId": "simple-mail-transfer-protocol", "config": config}).status_code == 200
        r = api.patch("/api/sign-in-exp", json={
            "signIn": {"methods": [
                {"identifier": "username", "password": True, "verificationCode": False, "isPasswordPrimary": True},
                {"identifier": "email", "password": True, "verificationCode": True, "isPasswordPrimary": True}]},
            "signUp": {"identifiers": ["email"], "password": False, "verify": True},
            "forgotPasswordMethods": ["EmailVerificationCode"],
        })  # fmt: skip
        assert r.status_code == 200, r.text
        yield box


@pytest.fixture(scope="module")
def hooks(api: httpx.Client) -> Iterator[Receiver]:
    with receiver() as rec:
        r = api.post("/api/hooks", json={"name": "codes", "events": ["PostResetPassword", "User.Data.Updated"],
                                         "config": {"url": rec.url}})  # fmt: skip
        yield rec
        api.delete(f"/api/hooks/{r.json()['id']}")


def _email() -> str:
    return f"{unique('code')}@example.com"


def _send(client: httpx.Client, email: str, event: str) -> str:
    r = client.post("/api/experience/verification/verification-code",
                    json={"identifier": {"type": "email", "value": email}, "interactionEvent": event})  # fmt: skip
    assert r.status_code == 200, r.text
    return str(r.json()["verificationId"])


def _verify(client: httpx.Client, email: str, vid: str, code: str) -> httpx.Response:
    return client.post("/api/experience/verification/verification-code/verify",
                       json={"identifier": {"type": "email", "value": email}, "verificationId": vid, "code": code})  # fmt: skip


def test_register_and_sign_in_by_email_code(own_server: Server, api: httpx.Client, app_id: str, inbox: SmtpInbox) -> None:
    email = _email()
    client, _ = begin(own_server, app_id, "Register")
    vid = _send(client, email, "Register")
    message = inbox.messages[-1]
    assert message["To"] == email and message["Subject"] == "Register code"
    assert _verify(client, email, vid, inbox.last_code()).json() == {"verificationId": vid}
    record = client.get("/api/experience/interaction").json()["verificationRecords"][0]
    assert record == {"id": vid, "type": "EmailVerificationCode", "identifier": {"type": "email", "value": email},
                      "templateType": "Register", "verified": True}  # fmt: skip
    assert client.post("/api/experience/identification", json={"verificationId": vid}).status_code == 201
    assert client.post("/api/experience/submit").status_code == 200
    user_id = client.get("/api/experience/interaction").json()["userId"]
    assert api.get(f"/api/users/{user_id}").json()["primaryEmail"] == email

    client, _ = begin(own_server, app_id)
    vid = _send(client, email, "SignIn")
    assert inbox.messages[-1]["Subject"] == "SignIn code"
    assert _verify(client, email, vid, inbox.last_code()).status_code == 200
    assert client.post("/api/experience/identification", json={"verificationId": vid}).status_code == 204
    assert client.get("/api/experience/interaction").json()["userId"] == user_id
    assert client.post("/api/experience/submit").status_code == 200


def test_code_errors(own_server: Server, app_id: str, inbox: SmtpInbox) -> None:
    email = _email()
    client, _ = begin(own_server, app_id, "Register")
    vid = _send(client, email, "Register")
    code = inbox.last_code()
    wrong = "000000" if code != "000000" else "111111"
    assert error(_verify(client, email, vid, wrong)) == (400, "verification_code.code_mismatch")
    assert error(_verify(client, email, "x" * 21, code)) == (404, "session.verification_session_not_found")
    assert error(_verify(client, "other@example.com", vid, code)) == (400, "verification_code.email_mismatch")
    # Not verified yet: identification refuses it.
    assert error(client.post("/api/experience/identification", json={"verificationId": vid})) == (
        400, "session.verification_failed")  # fmt: skip
    assert _verify(client, email, vid, code).status_code == 200
    assert error(_verify(client, email, vid, code)) == (400, "verification_code.not_found")  # single use
    # Sign-in by code for an address nobody holds: 404 at identification.
    client, _ = begin(own_server, app_id)
    vid = _send(client, email, "SignIn")
    assert _verify(client, email, vid, inbox.last_code()).status_code == 200
    r = client.post("/api/experience/identification", json={"verificationId": vid})
    assert error(r) == (404, "user.user_not_exist")


def test_forgot_password_by_email(
    own_server: Server, api: httpx.Client, app_id: str, inbox: SmtpInbox, hooks: Receiver
) -> None:
    email = _email()
    user = make_user(api, primaryEmail=email)
    client, _ = begin(own_server, app_id, "ForgotPassword")
    r = client.put("/api/experience/profile/password", json={"password": NEW_PASSWORD})
    assert error(r) == (404, "session.identifier_not_found")
    sent = len(inbox.messages)
    vid = _send(client, email, "ForgotPassword")
    assert len(inbox.messages) == sent + 1 and inbox.messages[-1]["Subject"] == "ForgotPassword code"
    assert _verify(client, email, vid, inbox.last_code()).status_code == 200
    assert client.post("/api/experience/identification", json={"verificationId": vid}).status_code == 204
    assert error(client.post("/api/experience/submit")) == (422, "user.new_password_required_in_profile")
    assert error(client.put("/api/experience/profile/password", json={"password": PASSWORD})) == (422, "user.same_password")
    assert error(client.put("/api/experience/profile/password", json={"password": "weak"})) == (422, "password.rejected")
    assert error(client.post("/api/experience/profile", json={"type": "password", "value": NEW_PASSWORD})) == (
        400, "session.not_supported_for_forgot_password")  # fmt: skip
    assert client.put("/api/experience/profile/password", json={"password": NEW_PASSWORD}).status_code == 204
    r = client.post("/api/experience/submit")
    assert r.status_code == 200 and r.text == "OK"
    assert error(client.get("/api/experience/interaction")) == (404, "session.interaction_not_found")

    client, _ = begin(own_server, app_id)
    r = client.post("/api/experience/verification/password",
                    json={"identifier": {"type": "email", "value": email}, "password": PASSWORD})  # fmt: skip
    assert error(r) == (422, "session.invalid_credentials")
    password_id(client, "email", email, NEW_PASSWORD)
    reset = [h.json for h in hooks.wait(1, event="PostResetPassword") if h.json["userId"] == user["id"]]
    assert reset and reset[0]["interactionEvent"] == "ForgotPassword"
    updated = [h.json for h in hooks.wait(1, event="User.Data.Updated") if h.json["data"]["id"] == user["id"]]
    assert updated and updated[0]["interactionEvent"] == "ForgotPassword"


def test_forgot_password_unknown_address_sends_nothing(own_server: Server, app_id: str, inbox: SmtpInbox) -> None:
    client, _ = begin(own_server, app_id, "ForgotPassword")
    sent = len(inbox.messages)
    vid = _send(client, _email(), "ForgotPassword")
    assert len(vid) == 21 and len(inbox.messages) == sent
    # Only codes may identify in a forgot-password interaction.
    user_client, _ = begin(own_server, app_id, "ForgotPassword")
    r = user_client.post("/api/experience/identification", json={"verificationId": vid})
    assert error(r) == (404, "session.verification_session_not_found")


def test_mfa_by_email_code(own_server: Server, api: httpx.Client, app_id: str, inbox: SmtpInbox) -> None:
    methods = [{"identifier": "username", "password": True, "verificationCode": False, "isPasswordPrimary": True}]
    r = api.patch("/api/sign-in-exp", json={"signIn": {"methods": methods}, "signUp": {"identifiers": ["username"], "password": True, "verify": False},
                                            "mfa": {"factors": ["EmailVerificationCode"], "policy": "UserControlled"}})  # fmt: skip
    assert r.status_code == 200, r.text
    email = f"abcdef{unique('m')}@example.com"
    user = make_user(api, primaryEmail=email)
    client, _ = begin(own_server, app_id)
    vid = password_id(client, "username", user["username"])
    assert client.post("/api/experience/identification", json={"verificationId": vid}).status_code == 204
    r = client.post("/api/experience/submit")
    assert error(r) == (403, "session.mfa.require_mfa_verification")
    assert r.json()["data"] == {"availableFactors": ["EmailVerificationCode"],
                                "maskedIdentifiers": {"EmailVerificationCode": "abcd****@example.com"}}  # fmt: skip
    r = client.post("/api/experience/verification/mfa-verification-code", json={"identifierType": "phone"})
    assert error(r) == (400, "session.mfa.mfa_factor_not_enabled")
    r = client.post("/api/experience/verification/mfa-verification-code", json={"identifierType": "email"})
    assert r.status_code == 200, r.text
    assert inbox.messages[-1]["To"] == email
    body = {"identifierType": "email", "verificationId": r.json()["verificationId"], "code": inbox.last_code()}
    assert client.post("/api/experience/verification/mfa-verification-code/verify", json=body).status_code == 200
    assert client.post("/api/experience/submit").status_code == 200
