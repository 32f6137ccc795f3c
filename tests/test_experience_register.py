"""Experience API registration (new password identity, or profile + identification) and the
interaction webhooks: User.Created, PostRegister, PostSignIn."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import unique
from tests.experience_helpers import (
    PASSWORD,
    admin,
    begin,
    error,
    make_app,
    make_user,
    sign_in,
    wait_logs,
)
from tests.hook_receiver import Receiver, receiver
from tests.server import Server

EVENTS = ["PostRegister", "PostSignIn", "User.Created", "User.Data.Updated"]


@pytest.fixture(scope="module")
def api(own_server: Server) -> Iterator[httpx.Client]:
    with admin(own_server) as client:
        yield client


@pytest.fixture(scope="module")
def app_id(api: httpx.Client) -> str:
    return make_app(api)


@pytest.fixture(scope="module")
def hooks(api: httpx.Client) -> Iterator[Receiver]:
    with receiver() as rec:
        r = api.post("/api/hooks", json={"name": "exp", "events": EVENTS, "config": {"url": rec.url}})
        assert r.status_code == 201, r.text
        yield rec
        api.delete(f"/api/hooks/{r.json()['id']}")


def _name() -> str:
    return unique("reg").replace("-", "_")


def test_register_with_new_password_identity(own_server: Server, api: httpx.Client, app_id: str, hooks: Receiver) -> None:
    name = _name()
    client, uid = begin(own_server, app_id, "Register")
    r = client.post("/api/experience/verification/new-password-identity",
                    json={"identifier": {"type": "username", "value": name}, "password": PASSWORD})  # fmt: skip
    assert r.status_code == 200, r.text
    vid = r.json()["verificationId"]
    records = client.get("/api/experience/interaction").json()["verificationRecords"]
    assert records == [{"id": vid, "type": "NewPasswordIdentity", "identifier": {"type": "username", "value": name}}]
    r = client.post("/api/experience/identification", json={"verificationId": vid})
    assert r.status_code == 201, r.text
    user_id = client.get("/api/experience/interaction").json()["userId"]
    r = client.post("/api/experience/submit")
    assert r.status_code == 200 and r.json() == {"redirectTo": f"{own_server.base_url}/oidc/auth/{uid}"}
    user = api.get(f"/api/users/{user_id}").json()
    assert user["username"] == name and user["hasPassword"] and user["lastSignInAt"] and user["applicationId"] == app_id
    # The new user signs in with the password it chose.
    sign_in(own_server, app_id, name)

    created = [h.json for h in hooks.wait(1, event="User.Created") if h.json["data"]["id"] == user_id]
    assert created and created[0]["interactionEvent"] == "Register" and created[0]["sessionId"] == uid
    assert created[0]["application"]["id"] == app_id and "hasPassword" not in created[0]["data"]
    registered = [h.json for h in hooks.wait(1, event="PostRegister") if h.json["userId"] == user_id]
    assert registered
    body = registered[0]
    assert list(body) == ["event", "interactionEvent", "createdAt", "sessionId", "userAgent", "userId", "userIp",
                          "user", "application", "hookId"]  # fmt: skip
    assert body["user"]["username"] == name and body["userIp"] == "127.0.0.1" and body["sessionId"] == uid
    assert body["application"] == {"id": app_id, "type": "SPA", "name": body["application"]["name"], "description": None}
    signed_in = [h.json for h in hooks.wait(1, event="PostSignIn") if h.json["userId"] == user_id]
    assert signed_in and signed_in[0]["interactionEvent"] == "SignIn"
    wait_logs(api, "Interaction.Register.Identifier.Submit", applicationId=app_id,
              where=lambda log: log["payload"]["result"] == "Success")  # fmt: skip


def test_register_with_profile(own_server: Server, api: httpx.Client, app_id: str) -> None:
    name = _name()
    client, _ = begin(own_server, app_id, "Register")
    r = client.post("/api/experience/identification", json={})
    assert error(r) == (422, "user.missing_profile")
    assert r.json()["data"] == {"missingProfile": ["username", "password"]}
    assert client.post("/api/experience/profile", json={"type": "username", "value": name}).status_code == 204
    assert client.post("/api/experience/profile", json={"type": "password", "value": PASSWORD}).status_code == 204
    profile = client.get("/api/experience/interaction").json()["profile"]
    assert profile == {"username": name}  # the digest is never shown
    assert client.post("/api/experience/identification", json={}).status_code == 201
    assert client.post("/api/experience/submit").status_code == 200
    sign_in(own_server, app_id, name)


def test_register_refusals(own_server: Server, api: httpx.Client, app_id: str) -> None:
    taken = make_user(api)
    client, _ = begin(own_server, app_id, "Register")
    r = client.post("/api/experience/verification/new-password-identity",
                    json={"identifier": {"type": "username", "value": taken["username"]}, "password": PASSWORD})  # fmt: skip
    assert error(r) == (422, "user.username_already_in_use")
    r = client.post("/api/experience/verification/new-password-identity",
                    json={"identifier": {"type": "username", "value": _name()}, "password": "short"})  # fmt: skip
    assert error(r) == (422, "password.rejected")
    assert {"code": "password_rejected.too_short", "interpolation": {"min": 8}} in r.json()["data"]
    r = client.post("/api/experience/verification/new-password-identity",
                    json={"identifier": {"type": "username", "value": "1bad name"}, "password": PASSWORD})  # fmt: skip
    assert error(r) == (400, "guard.invalid_input")
    r = client.post("/api/experience/profile", json={"type": "username", "value": taken["username"]})
    assert error(r) == (422, "user.username_already_in_use")
    # Taken between verification and identification.
    name = _name()
    r = client.post("/api/experience/verification/new-password-identity",
                    json={"identifier": {"type": "username", "value": name}, "password": PASSWORD})  # fmt: skip
    make_user(api, username=name)
    r = client.post("/api/experience/identification", json={"verificationId": r.json()["verificationId"]})
    assert error(r) == (422, "user.username_already_in_use")


def test_register_forbidden_when_sign_up_is_off(own_server: Server, api: httpx.Client, app_id: str) -> None:
    assert api.patch("/api/sign-in-exp", json={"signInMode": "SignIn"}).status_code == 200
    try:
        client, _ = begin(own_server, app_id, "SignIn")
        r = client.put("/api/experience/interaction-event", json={"interactionEvent": "Register"})
        assert error(r) == (403, "auth.forbidden")
        client, _ = begin(own_server, app_id, "Register")  # Logto accepts the PUT itself
        r = client.post("/api/experience/verification/new-password-identity",
                        json={"identifier": {"type": "username", "value": _name()}, "password": PASSWORD})  # fmt: skip
        assert error(client.post("/api/experience/identification", json={"verificationId": r.json()["verificationId"]})) == (
            403, "auth.forbidden")  # fmt: skip
    finally:
        assert api.patch("/api/sign-in-exp", json={"signInMode": "SignInAndRegister"}).status_code == 200


def test_logs_never_hold_secrets(own_server: Server, api: httpx.Client, app_id: str) -> None:
    name = _name()
    client, _ = begin(own_server, app_id, "Register")
    assert client.post("/api/experience/profile", json={"type": "username", "value": name}).status_code == 204
    assert client.post("/api/experience/profile", json={"type": "password", "value": PASSWORD}).status_code == 204
    logs = wait_logs(api, "Interaction.Register.Profile.Update", 2, applicationId=app_id,
                     where=lambda log: log["payload"]["interaction"]["profile"].get("username") == name)  # fmt: skip
    text = str(logs)
    assert PASSWORD not in text and "argon2" not in text
    assert any(log["payload"]["interaction"]["profile"].get("passwordEncrypted") == "******" for log in logs)
