"""Account API: GET/PATCH /my-account, /profile, /password, primary e-mail and phone; each gate
(account center off, field not Edit, scope, identity verification, suspended user) and the
User.Data.Updated webhook."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.account_helpers import (
    ALL_FIELDS,
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
from tests.connector_helpers import SmtpInbox
from tests.hook_receiver import Receiver, receiver
from tests.server import Server

GET_KEYS = {"applicationId", "avatar", "cimdClientId", "createdAt", "customData", "hasPassword",
            "hasSecurityVerificationMethod", "id", "identities", "isSuspended", "lastSignInAt", "name",
            "primaryEmail", "primaryPhone", "profile", "updatedAt", "username"}  # fmt: skip
ALL_SCOPES = "openid profile email phone custom_data identities address"


@pytest.fixture(scope="module")
def api(own_server: Server) -> Iterator[httpx.Client]:
    with management(own_server) as client:
        account_center(client)
        yield client


@pytest.fixture(scope="module")
def app_id(api: httpx.Client) -> str:
    return new_app(api)


@pytest.fixture(scope="module")
def hooks(api: httpx.Client) -> Iterator[Receiver]:
    with receiver() as rec:
        r = api.post("/api/hooks", json={"name": "acct", "events": ["User.Data.Updated"], "config": {"url": rec.url}})
        assert r.status_code == 201, r.text
        yield rec


def _fail(r: httpx.Response, status: int, code: str) -> None:
    assert (r.status_code, r.json().get("code")) == (status, code), r.text


def test_get_keys_scopes_and_fields(own_server: Server, api: httpx.Client, app_id: str) -> None:
    user = new_user(api, primaryEmail=f"g{time.time_ns()}@example.com", profile={"nickname": "nick", "address": {"country": "NL"}})
    with user_client(own_server, user["id"], app_id, ALL_SCOPES) as me:
        body = me.get("/api/my-account").json()
        assert set(body) == GET_KEYS
        assert body["id"] == user["id"] and body["primaryEmail"] == user["primaryEmail"]
        assert body["hasPassword"] is True and body["hasSecurityVerificationMethod"] is True
        assert body["profile"] == {"nickname": "nick", "address": {"country": "NL"}}
    with user_client(own_server, user["id"], app_id, "openid") as bare:
        body = bare.get("/api/my-account").json()
        assert set(body) == {"id", "hasSecurityVerificationMethod"}
    with user_client(own_server, user["id"], app_id, "openid profile") as prof:
        body = prof.get("/api/my-account").json()
        assert "primaryEmail" not in body and "customData" not in body and body["profile"] == {"nickname": "nick"}
    account_center(api, fields={"name": "ReadOnly"})
    try:
        with user_client(own_server, user["id"], app_id, ALL_SCOPES) as me:
            body = me.get("/api/my-account").json()
            assert "name" in body
            for gone in ("avatar", "username", "primaryEmail", "primaryPhone", "identities", "profile", "hasPassword"):
                assert gone not in body
    finally:
        account_center(api)


def test_account_center_disabled_and_suspended(own_server: Server, api: httpx.Client, app_id: str) -> None:
    user = new_user(api)
    with user_client(own_server, user["id"], app_id) as me:
        account_center(api, enabled=False)
        try:
            for r in (me.get("/api/my-account"), me.patch("/api/my-account", json={"name": "x"})):
                _fail(r, 400, "account_center.not_enabled")
        finally:
            account_center(api)
        assert me.get("/api/my-account").status_code == 200
        assert api.patch(f"/api/users/{user['id']}/is-suspended", json={"isSuspended": True}).status_code == 200
        _fail(me.get("/api/my-account"), 401, "auth.unauthorized")


def test_patch_account(own_server: Server, api: httpx.Client, app_id: str, hooks: Receiver) -> None:
    user = new_user(api)
    with user_client(own_server, user["id"], app_id, "openid profile custom_data") as me:
        before = len(hooks.of("User.Data.Updated"))
        r = me.patch("/api/my-account", json={"name": "Ann", "avatar": "https://example.com/a.png", "customData": {"k": 1}})
        assert r.status_code == 200, r.text
        body = r.json()
        assert set(body) == GET_KEYS - {"primaryEmail", "primaryPhone", "identities"}
        assert (body["name"], body["avatar"], body["customData"]) == ("Ann", "https://example.com/a.png", {"k": 1})
        assert body["updatedAt"] >= user["updatedAt"]
        sent = hooks.wait(before + 1, event="User.Data.Updated")[-1].json
        assert sent["data"]["id"] == user["id"] and sent["data"]["name"] == "Ann" and "hasPassword" not in sent["data"]
        assert "path" not in sent and "status" not in sent and sent["hookId"]
        r = me.patch("/api/my-account", json={"customData": {"z": 2}})
        assert r.json()["customData"] == {"z": 2}  # replaced, not merged
        _fail(me.patch("/api/my-account", json={"avatar": "not a url"}), 400, "guard.invalid_input")
        _fail(me.patch("/api/my-account", json={"username": "1abc"}), 400, "guard.invalid_input")
    with user_client(own_server, user["id"], app_id, "openid profile") as no_custom:
        _fail(no_custom.patch("/api/my-account", json={"customData": {}}), 400, "auth.unauthorized")
    with user_client(own_server, user["id"], app_id, "openid") as no_profile:
        _fail(no_profile.patch("/api/my-account", json={"name": "x"}), 400, "auth.unauthorized")
    account_center(api, fields={**ALL_FIELDS, "name": "ReadOnly", "customData": "Off"})
    try:
        with user_client(own_server, user["id"], app_id, "openid profile custom_data") as me:
            _fail(me.patch("/api/my-account", json={"name": "x"}), 400, "account_center.field_not_editable")
            _fail(me.patch("/api/my-account", json={"customData": {}}), 400, "account_center.field_not_editable")
            assert me.patch("/api/my-account", json={"avatar": None}).status_code == 200
    finally:
        account_center(api)


def test_username(own_server: Server, api: httpx.Client, app_id: str) -> None:
    taken = new_user(api)
    user = new_user(api)
    with user_client(own_server, user["id"], app_id) as me:
        _fail(me.patch("/api/my-account", json={"username": "fresh_name"}), 401, "verification_record.permission_denied")
        record = verified(password_record(me))
        _fail(me.patch("/api/my-account", json={"username": taken["username"]}, headers=record), 422, "user.username_already_in_use")
        name = f"n_{time.time_ns()}"
        assert me.patch("/api/my-account", json={"username": name}, headers=record).json()["username"] == name
        # the only identifier left
        _fail(me.patch("/api/my-account", json={"username": None}, headers=record), 400, "user.last_sign_in_method_required")
    r = api.patch("/api/sign-in-exp", json={"usernamePolicy": {"caseSensitive": True, "minLength": 1, "maxLength": 128,
                  "allowedChars": {"lowercase": True, "uppercase": False, "numbers": True, "underscore": True}}})  # fmt: skip
    assert r.status_code == 200, r.text
    with user_client(own_server, user["id"], app_id) as me:
        r = me.patch("/api/my-account", json={"username": "Upper"}, headers=verified(password_record(me)))
        _fail(r, 422, "user.username_uppercase_not_allowed")


def test_profile(own_server: Server, api: httpx.Client, app_id: str, hooks: Receiver) -> None:
    user = new_user(api, profile={"nickname": "n"})
    with user_client(own_server, user["id"], app_id) as me:
        before = len(hooks.of("User.Data.Updated"))
        r = me.patch("/api/my-account/profile", json={"givenName": "G", "middleName": "M"})
        assert r.status_code == 200 and r.json() == {"nickname": "n", "givenName": "G", "middleName": "M"}
        hooks.wait(before + 1, event="User.Data.Updated")
        _fail(me.patch("/api/my-account/profile", json={"address": {"country": "US"}}), 400, "auth.unauthorized")
    with user_client(own_server, user["id"], app_id, "openid profile address") as me:
        r = me.patch("/api/my-account/profile", json={"address": {"country": "US"}})
        assert r.status_code == 200 and r.json()["address"] == {"country": "US"}
    account_center(api, fields={**ALL_FIELDS, "profile": "ReadOnly"})
    try:
        with user_client(own_server, user["id"], app_id) as me:
            _fail(me.patch("/api/my-account/profile", json={"nickname": "x"}), 400, "account_center.field_not_editable")
    finally:
        account_center(api)


def test_password(own_server: Server, api: httpx.Client, app_id: str, hooks: Receiver) -> None:
    user = new_user(api)
    with user_client(own_server, user["id"], app_id, "openid") as me:
        _fail(me.post("/api/my-account/password", json={"password": "Another-Pass-77"}), 401, "verification_record.permission_denied")
        record = verified(password_record(me))
        _fail(me.post("/api/my-account/password", json={"password": "a"}, headers=record), 422, "password.rejected")
        _fail(me.post("/api/my-account/password", json={"password": PASSWORD}, headers=record), 422, "user.same_password")
        before = len(hooks.of("User.Data.Updated"))
        r = me.post("/api/my-account/password", json={"password": "Another-Pass-77"}, headers=record)
        assert r.status_code == 204, r.text
        hooks.wait(before + 1, event="User.Data.Updated")
        _fail(me.post("/api/verifications/password", json={"password": PASSWORD}), 422, "session.invalid_credentials")
        assert me.post("/api/verifications/password", json={"password": "Another-Pass-77"}).status_code == 201
    # No password, e-mail or phone: no verification needed (Logto's hasSecurityVerificationMethod).
    bare = api.post("/api/users", json={"username": f"u_{time.time_ns()}"}).json()
    with user_client(own_server, bare["id"], app_id, "openid") as me:
        assert me.post("/api/my-account/password", json={"password": "Fresh-Pass-99"}).status_code == 204
    account_center(api, fields={**ALL_FIELDS, "password": "ReadOnly"})
    try:
        with user_client(own_server, user["id"], app_id, "openid", password="Another-Pass-77") as me:
            r = me.post("/api/my-account/password", json={"password": "Third-Pass-55"}, headers=verified(password_record(me, "Another-Pass-77")))
            _fail(r, 400, "account_center.field_not_editable")
    finally:
        account_center(api)


def test_primary_email(own_server: Server, api: httpx.Client, app_id: str, hooks: Receiver) -> None:
    user = new_user(api)
    other = new_user(api, primaryEmail=f"taken{time.time_ns()}@example.com")
    email = f"mine{time.time_ns()}@example.com"
    with SmtpInbox() as inbox, user_client(own_server, user["id"], app_id, "openid email") as me:
        smtp_connector(api, inbox.port)
        body = {"email": email, "newIdentifierVerificationRecordId": "nope"}
        _fail(me.post("/api/my-account/primary-email", json=body), 401, "verification_record.permission_denied")
        record = verified(password_record(me))
        _fail(me.post("/api/my-account/primary-email", json=body, headers=record), 400, "verification_record.not_found")
        sent = me.post("/api/verifications/verification-code", json={"identifier": {"type": "email", "value": email}}).json()
        new_id = sent["verificationRecordId"]
        body["newIdentifierVerificationRecordId"] = new_id
        _fail(me.post("/api/my-account/primary-email", json=body, headers=record), 400, "verification_record.not_found")
        verify = {"identifier": {"type": "email", "value": email}, "verificationId": new_id, "code": inbox.last_code()}
        assert me.post("/api/verifications/verification-code/verify", json=verify).status_code == 200
        mismatch = {**body, "email": f"x{email}"}
        _fail(me.post("/api/my-account/primary-email", json=mismatch, headers=record), 400, "verification_record.not_found")
        before = len(hooks.of("User.Data.Updated"))
        assert me.post("/api/my-account/primary-email", json=body, headers=record).status_code == 204
        hooks.wait(before + 1, event="User.Data.Updated")
        assert api.get(f"/api/users/{user['id']}").json()["primaryEmail"] == email
        # someone else's address, proven by a code sent to it
        taken = other["primaryEmail"]
        new_id = me.post("/api/verifications/verification-code", json={"identifier": {"type": "email", "value": taken}}).json()["verificationRecordId"]
        verify = {"identifier": {"type": "email", "value": taken}, "verificationId": new_id, "code": inbox.last_code()}
        assert me.post("/api/verifications/verification-code/verify", json=verify).status_code == 200
        r = me.post("/api/my-account/primary-email", json={"email": taken, "newIdentifierVerificationRecordId": new_id}, headers=record)
        _fail(r, 422, "user.email_already_in_use")
        assert me.delete("/api/my-account/primary-email", headers=record).status_code == 204
        assert api.get(f"/api/users/{user['id']}").json()["primaryEmail"] is None
    with user_client(own_server, user["id"], app_id, "openid") as no_scope:
        _fail(no_scope.delete("/api/my-account/primary-email", headers=verified(password_record(no_scope))), 400, "auth.unauthorized")
    account_center(api, fields={**ALL_FIELDS, "email": "ReadOnly"})
    try:
        with user_client(own_server, user["id"], app_id, "openid email") as me:
            r = me.delete("/api/my-account/primary-email", headers=verified(password_record(me)))
            _fail(r, 400, "account_center.field_not_editable")
    finally:
        account_center(api)


def test_primary_phone_and_last_identifier(own_server: Server, api: httpx.Client, app_id: str) -> None:
    phone = f"1555{time.time_ns() % 10**7:07d}"
    user = api.post("/api/users", json={"primaryPhone": phone}).json()
    with user_client(own_server, user["id"], app_id, "openid phone") as me:
        # A user with a phone has a verification method; a phone code proves it (no SMS connector: 501).
        r = me.post("/api/verifications/verification-code", json={"identifier": {"type": "phone", "value": phone}})
        _fail(r, 501, "connector.not_found")
        _fail(me.delete("/api/my-account/primary-phone"), 401, "verification_record.permission_denied")
    api.patch(f"/api/users/{user['id']}/password", json={"password": PASSWORD})
    with user_client(own_server, user["id"], app_id, "openid phone") as me:
        record = verified(password_record(me))
        _fail(me.delete("/api/my-account/primary-phone", headers=record), 400, "user.last_sign_in_method_required")
        body = {"phone": "15550000000", "newIdentifierVerificationRecordId": "nope"}
        _fail(me.post("/api/my-account/primary-phone", json=body, headers=record), 400, "verification_record.not_found")
        _fail(me.post("/api/my-account/primary-phone", json={**body, "phone": "+1 555"}, headers=record), 400, "guard.invalid_input")


def test_phone_codes_end_to_end(own_server: Server, api: httpx.Client, app_id: str) -> None:
    from tests.connector_helpers import HttpReceiver

    phone, new_phone = f"1555{time.time_ns() % 10**7:07d}", f"1666{time.time_ns() % 10**7:07d}"
    user = new_user(api, primaryPhone=phone)
    with HttpReceiver() as sms, user_client(own_server, user["id"], app_id, "openid phone") as me:
        r = api.post("/api/connectors", json={"connectorId": "http-sms", "config": {"endpoint": sms.url}})
        assert r.status_code == 200, r.text

        def code_for(number: str) -> tuple[str, str]:
            sent = me.post("/api/verifications/verification-code", json={"identifier": {"type": "phone", "value": number}})
            assert sent.status_code == 201, sent.text
            record_id = sent.json()["verificationRecordId"]
            message = sms.requests[-1]["json"]
            assert message["to"] == number
            verify = {"identifier": {"type": "phone", "value": number}, "verificationId": record_id, "code": message["payload"]["code"]}
            assert me.post("/api/verifications/verification-code/verify", json=verify).status_code == 200
            return record_id, message["type"]

        own, own_type = code_for(phone)
        new, new_type = code_for(new_phone)
        assert (own_type, new_type) == ("UserPermissionValidation", "BindNewIdentifier")
        body = {"phone": new_phone, "newIdentifierVerificationRecordId": new}
        _fail(me.post("/api/my-account/primary-phone", json=body, headers=verified(new)), 401, "verification_record.permission_denied")
        assert me.post("/api/my-account/primary-phone", json=body, headers=verified(own)).status_code == 204
        assert api.get(f"/api/users/{user['id']}").json()["primaryPhone"] == new_phone
        assert me.delete("/api/my-account/primary-phone", headers=verified(own)).status_code == 204
        assert api.get(f"/api/users/{user['id']}").json()["primaryPhone"] is None
