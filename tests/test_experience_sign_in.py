"""Experience API sign-in with a password: the state machine, errors of Logto's fact sheet §4.3,
the stored result after submit, lastSignInAt, audit logs, CSRF refusal."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.experience_helpers import (
    PASSWORD,
    admin,
    begin,
    browser,
    error,
    make_app,
    make_user,
    password_id,
    wait_logs,
)
from tests.server import Server


@pytest.fixture(scope="module")
def api(own_server: Server) -> Iterator[httpx.Client]:
    with admin(own_server) as client:
        yield client


@pytest.fixture(scope="module")
def app_id(api: httpx.Client) -> str:
    return make_app(api)


def test_password_sign_in_end_to_end(own_server: Server, api: httpx.Client, app_id: str) -> None:
    user = make_user(api)
    client, uid = browser(own_server, app_id)
    assert error(client.get("/api/experience/interaction")) == (404, "session.interaction_not_found")
    assert client.put("/api/experience", json={"interactionEvent": "SignIn"}).status_code == 204
    r = client.get("/api/experience/interaction")
    assert r.status_code == 200
    assert r.json() == {"interactionEvent": "SignIn", "profile": {}, "mfa": {}, "verificationRecords": [],
                        "captcha": {"verified": False, "skipped": False}, "signInContext": {"ip": "127.0.0.1"}}  # fmt: skip
    assert error(client.post("/api/experience/submit")) == (404, "session.identifier_not_found")
    vid = password_id(client, "username", user["username"])
    assert len(vid) == 21
    assert client.post("/api/experience/identification", json={"verificationId": vid}).status_code == 204
    state = client.get("/api/experience/interaction").json()
    assert state["userId"] == user["id"]
    assert state["verificationRecords"] == [
        {"id": vid, "type": "Password", "identifier": {"type": "username", "value": user["username"]}, "verified": True}
    ]
    r = client.post("/api/experience/submit")
    assert r.status_code == 200
    assert r.json() == {"redirectTo": f"{own_server.base_url}/oidc/auth/{uid}"}
    after = api.get(f"/api/users/{user['id']}").json()
    assert after["lastSignInAt"] is not None
    # The stored result: the interaction is still readable and names the user.
    assert client.get("/api/experience/interaction").json()["userId"] == user["id"]
    wait_logs(api, "Interaction.SignIn.Submit", applicationId=app_id,
              where=lambda log: log["payload"].get("userId") == user["id"] and log["payload"]["result"] == "Success")
    created = wait_logs(api, "Interaction.SignIn.Create", applicationId=app_id)
    assert created and created[0]["payload"]["sessionId"]


def test_email_and_phone_identifiers(own_server: Server, api: httpx.Client, app_id: str) -> None:
    r = api.patch("/api/sign-in-exp", json={"signIn": {"methods": [
        {"identifier": "username", "password": True, "verificationCode": False, "isPasswordPrimary": True},
        {"identifier": "email", "password": True, "verificationCode": False, "isPasswordPrimary": True},
    ]}})  # fmt: skip
    assert r.status_code == 200, r.text
    user = make_user(api, primaryEmail="Mixed.Case@Example.com", primaryPhone="14155550123")
    client, _ = begin(own_server, app_id)
    vid = password_id(client, "email", "mixed.case@example.com")
    assert client.post("/api/experience/identification", json={"verificationId": vid}).status_code == 204
    assert client.get("/api/experience/interaction").json()["userId"] == user["id"]
    # Phone sign-in is not enabled: the password verifies, identification refuses.
    client, _ = begin(own_server, app_id)
    vid = password_id(client, "phone", "14155550123")
    r = client.post("/api/experience/identification", json={"verificationId": vid})
    assert error(r) == (422, "user.sign_in_method_not_enabled")


def test_wrong_password_and_unknown_user_look_alike(own_server: Server, api: httpx.Client, app_id: str) -> None:
    user = make_user(api)
    client, _ = begin(own_server, app_id)
    wrong = client.post("/api/experience/verification/password",
                        json={"identifier": {"type": "username", "value": user["username"]}, "password": "nope-nope"})
    unknown = client.post("/api/experience/verification/password",
                          json={"identifier": {"type": "username", "value": "nobody_here_x"}, "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 422
    assert wrong.json() == unknown.json() == {
        "code": "session.invalid_credentials", "message": "Incorrect account or password. Please check your input."
    }
    # A failed verification does not break the interaction.
    vid = password_id(client, "username", user["username"])
    assert client.post("/api/experience/identification", json={"verificationId": vid}).status_code == 204
    failed = wait_logs(api, "Interaction.SignIn.Verification.Password.Submit", 2, applicationId=app_id,
                       where=lambda log: log["payload"]["result"] == "Error")  # fmt: skip
    assert {log["payload"]["error"]["code"] for log in failed} == {"session.invalid_credentials"}
    assert all(log["payload"]["payload"]["password"] == "******" for log in failed)


def test_suspended_user(own_server: Server, api: httpx.Client, app_id: str) -> None:
    user = make_user(api)
    assert api.patch(f"/api/users/{user['id']}/is-suspended", json={"isSuspended": True}).status_code == 200
    client, _ = begin(own_server, app_id)
    body = {"identifier": {"type": "username", "value": user["username"]}}
    assert error(client.post("/api/experience/verification/password", json={**body, "password": "bad-bad-bad"})) == (
        422, "session.invalid_credentials")  # fmt: skip
    r = client.post("/api/experience/verification/password", json={**body, "password": PASSWORD})
    assert error(r) == (401, "user.suspended")
    assert r.json()["message"] == "This account is suspended."
    # Suspended after verification: identification refuses.
    other = make_user(api)
    client, _ = begin(own_server, app_id)
    vid = password_id(client, "username", other["username"])
    api.patch(f"/api/users/{other['id']}/is-suspended", json={"isSuspended": True})
    assert error(client.post("/api/experience/identification", json={"verificationId": vid})) == (401, "user.suspended")


def test_identification_errors(own_server: Server, api: httpx.Client, app_id: str) -> None:
    first, second = make_user(api), make_user(api)
    client, _ = begin(own_server, app_id)
    r = client.post("/api/experience/identification", json={})
    assert error(r) == (400, "guard.invalid_input")
    assert error(client.post("/api/experience/identification", json={"verificationId": ""})) == (400, "guard.invalid_input")
    assert error(client.post("/api/experience/identification", json={"verificationId": "x" * 21})) == (
        404, "session.verification_session_not_found")  # fmt: skip
    vid = password_id(client, "username", first["username"])
    assert client.post("/api/experience/identification", json={"verificationId": vid}).status_code == 204
    vid2 = password_id(client, "username", second["username"])
    assert error(client.post("/api/experience/identification", json={"verificationId": vid2})) == (
        409, "session.identity_conflict")  # fmt: skip
    # The same user again is fine.
    vid = password_id(client, "username", first["username"])
    assert client.post("/api/experience/identification", json={"verificationId": vid}).status_code == 204


def test_no_interaction_cookie(own_server: Server) -> None:
    with httpx.Client(base_url=own_server.base_url) as client:
        for method, path in (("PUT", "/api/experience"), ("GET", "/api/experience/interaction"),
                             ("POST", "/api/experience/submit"), ("POST", "/api/experience/verification/password")):  # fmt: skip
            r = client.request(method, path, json={"interactionEvent": "SignIn"})
            assert error(r) == (404, "session.interaction_not_found"), path
        assert client.get("/api/experience").status_code == 405


def test_event_switching(own_server: Server, api: httpx.Client, app_id: str) -> None:
    client, _ = begin(own_server, app_id)
    assert client.put("/api/experience/interaction-event", json={"interactionEvent": "Register"}).status_code == 204
    assert client.get("/api/experience/interaction").json()["interactionEvent"] == "Register"
    r = client.put("/api/experience/interaction-event", json={"interactionEvent": "ForgotPassword"})
    assert error(r) == (400, "session.not_supported_for_forgot_password")
    assert error(client.put("/api/experience/interaction-event", json={"interactionEvent": "Nope"})) == (400, "guard.invalid_input")
    # PUT resets the state.
    assert client.put("/api/experience", json={"interactionEvent": "ForgotPassword"}).status_code == 204
    assert client.get("/api/experience/interaction").json()["interactionEvent"] == "ForgotPassword"
    r = client.put("/api/experience/interaction-event", json={"interactionEvent": "SignIn"})
    assert error(r) == (400, "session.not_supported_for_forgot_password")


def test_identification_in_register_event_without_profile(own_server: Server, api: httpx.Client, app_id: str) -> None:
    user = make_user(api)
    client, _ = begin(own_server, app_id)
    vid = password_id(client, "username", user["username"])
    client.put("/api/experience/interaction-event", json={"interactionEvent": "Register"})
    r = client.post("/api/experience/identification", json={"verificationId": vid})
    assert error(r) == (400, "session.verification_failed")


def test_csrf_refused(own_server: Server, app_id: str) -> None:
    client, _ = browser(own_server, app_id)
    r = client.put("/api/experience", json={"interactionEvent": "SignIn"}, headers={"Origin": "https://evil.example"})
    assert error(r) == (403, "session.csrf_token_mismatch")
    r = client.put("/api/experience", content=b'{"interactionEvent":"SignIn"}', headers={"Content-Type": "text/plain"})
    assert error(r) == (403, "session.csrf_token_mismatch")
    r = client.put("/api/experience", json={"interactionEvent": "SignIn"}, headers={"Origin": own_server.base_url})
    assert r.status_code == 204
    r = client.get("/api/experience/interaction", headers={"Origin": "null"})
    assert error(r) == (403, "session.csrf_token_mismatch")


def test_unconfigured_sso_and_webauthn(own_server: Server, api: httpx.Client, app_id: str) -> None:
    client, _ = begin(own_server, app_id)
    assert client.get("/api/experience/sso-connectors", params={"email": "a@corp.example"}).json() == {"connectorIds": []}
    assert error(client.get("/api/experience/sso-connectors", params={"email": "nope"})) == (400, "guard.invalid_input")
    r = client.post("/api/experience/verification/sso/abc/authorization-uri", json={"state": "s", "redirectUri": "http://x"})
    assert error(r) == (404, "entity.not_exists_with_id")
    r = client.post("/api/experience/verification/sso/abc/verify", json={"verificationId": "v", "connectorData": {}})
    assert error(r) == (404, "session.verification_session_not_found")
    for path in ("web-authn/registration", "web-authn/authentication"):
        assert error(client.post(f"/api/experience/verification/{path}")) == (404, "session.identifier_not_found")
    r = client.post("/api/experience/verification/sign-in-passkey/authentication/verify", json={"payload": {}})
    assert error(r) == (404, "session.verification_session_not_found")
    user = make_user(api)
    vid = password_id(client, "username", user["username"])
    client.post("/api/experience/identification", json={"verificationId": vid})
    assert error(client.post("/api/experience/verification/web-authn/registration")) == (400, "session.mfa.mfa_factor_not_enabled")
    assert client.post("/api/experience/profile/mfa/mfa-suggestion-skipped").status_code == 204
    assert client.post("/api/experience/profile/mfa/mfa-enabled").status_code == 204
    assert client.get("/api/experience/interaction").json()["mfa"] == {"mfaEnabled": True}


def test_captcha_token_and_interaction_type(own_server: Server, app_id: str) -> None:
    client, _ = browser(own_server, app_id)
    r = client.put("/api/experience", json={"interactionEvent": "SignIn", "captchaToken": "token"})
    assert error(r) == (422, "session.captcha_failed")
    assert error(client.get("/api/experience/interaction")) == (404, "session.interaction_not_found")
    client, _ = begin(own_server, app_id)
    r = client.put("/api/experience/profile/password", json={"password": PASSWORD})
    assert error(r) == (400, "session.invalid_interaction_type")
