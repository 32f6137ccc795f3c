"""Account API: removing a social identity; linking, third-party tokens and the avatar upload in
authkeep's states (no Social records, no token sets, no storage provider), as Logto answers them."""

from __future__ import annotations

import struct
from collections.abc import Iterator

import httpx
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
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16 + b"IEND\xaeB`\x82"


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
        assert api.post("/api/hooks", json={"name": "ids", "events": ["User.Data.Updated"], "config": {"url": rec.url}}).status_code == 201
        yield rec


def _fail(r: httpx.Response, status: int, code: str) -> None:
    assert (r.status_code, r.json().get("code")) == (status, code), r.text


def _social(api: httpx.Client, user_id: str, target: str) -> None:
    r = api.put(f"/api/users/{user_id}/identities/{target}", json={"userId": f"{target}-id", "details": {}})
    assert r.status_code in (200, 201), r.text


def test_delete_identity(own_server: Server, api: httpx.Client, app_id: str, hooks: Receiver) -> None:
    user = new_user(api)
    _social(api, user["id"], "github")
    with user_client(own_server, user["id"], app_id, SCOPES) as me:
        _fail(me.delete("/api/my-account/identities/github"), 401, "verification_record.permission_denied")
        record = verified(password_record(me))
        _fail(me.delete("/api/my-account/identities/gitlab", headers=record), 404, "user.identity_not_exist")
        before = len(hooks.of("User.Data.Updated"))
        assert me.delete("/api/my-account/identities/github", headers=record).status_code == 204
        hooks.wait(before + 1, event="User.Data.Updated")
        assert api.get(f"/api/users/{user['id']}").json()["identities"] == {}
    with user_client(own_server, user["id"], app_id, "openid profile") as no_scope:
        _fail(no_scope.delete("/api/my-account/identities/github"), 400, "auth.unauthorized")
    # A user whose only sign-in method is the identity: no verification method, so no header
    # needed, but the last identifier stays.
    only = api.post("/api/users", json={"name": "only social"}).json()
    _social(api, only["id"], "google")
    with user_client(own_server, only["id"], app_id, SCOPES) as me:
        _fail(me.delete("/api/my-account/identities/google"), 400, "user.last_sign_in_method_required")
    account_center(api, fields={**ALL_FIELDS, "social": "ReadOnly"})
    try:
        with user_client(own_server, user["id"], app_id, SCOPES) as me:
            _fail(me.delete("/api/my-account/identities/github"), 400, "account_center.field_not_editable")
    finally:
        account_center(api)


def test_link_and_tokens(own_server: Server, api: httpx.Client, app_id: str) -> None:
    user = new_user(api)
    body = {"newIdentifierVerificationRecordId": "none"}
    with user_client(own_server, user["id"], app_id, SCOPES) as me:
        _fail(me.post("/api/my-account/identities", json=body), 401, "verification_record.permission_denied")
        record = verified(password_record(me))
        _fail(me.post("/api/my-account/identities", json=body, headers=record), 400, "verification_record.not_found")
        _fail(me.put("/api/my-account/identities", json=body, headers=record), 400, "verification_record.not_found")
        _fail(me.post("/api/my-account/identities", json={}, headers=record), 400, "guard.invalid_input")
        _fail(me.get("/api/my-account/identities/github/access-token"), 404, "secrets.third_party_token_set.token_not_found")
        _fail(me.get("/api/my-account/sso-identities/x/access-token"), 404, "secrets.third_party_token_set.token_not_found")
        _fail(me.put("/api/my-account/identities/github/access-token", json={"verificationRecordId": "x"}),
              400, "verification_record.not_found")  # fmt: skip
    with user_client(own_server, user["id"], app_id, "openid profile") as no_scope:
        _fail(no_scope.post("/api/my-account/identities", json=body), 401, "auth.unauthorized")
        _fail(no_scope.get("/api/my-account/identities/github/access-token"), 403, "auth.forbidden")
        _fail(no_scope.put("/api/my-account/identities/github/access-token", json={"verificationRecordId": "x"}), 403, "auth.forbidden")


def test_avatar_upload(own_server: Server, api: httpx.Client, app_id: str) -> None:
    user = new_user(api)
    with user_client(own_server, user["id"], app_id) as me:
        _fail(me.post("/api/my-account/user-assets/avatar", files={"file": ("a.png", PNG, "image/png")}), 400, "storage.not_configured")
        _fail(me.post("/api/my-account/user-assets/avatar", files={"file": ("a.png", PNG[:-1], "image/png")}),
              400, "guard.mime_type_not_allowed")  # fmt: skip
        _fail(me.post("/api/my-account/user-assets/avatar", files={"file": ("a.svg", b"<svg/>", "image/svg+xml")}),
              400, "guard.mime_type_not_allowed")  # fmt: skip
        bmp = b"BM" + struct.pack("<I", 10) + b"\x00" * 4
        _fail(me.post("/api/my-account/user-assets/avatar", files={"file": ("a.bmp", bmp, "image/bmp")}), 400, "storage.not_configured")
        _fail(me.post("/api/my-account/user-assets/avatar", files={"other": ("a.png", PNG, "image/png")}), 400, "guard.invalid_input")
        _fail(me.post("/api/my-account/user-assets/avatar", json={}), 400, "guard.invalid_input")
    with user_client(own_server, user["id"], app_id, "openid") as no_scope:
        _fail(no_scope.post("/api/my-account/user-assets/avatar", files={"file": ("a.png", PNG, "image/png")}), 401, "auth.unauthorized")
    account_center(api, fields={**ALL_FIELDS, "avatar": "ReadOnly"})
    try:
        with user_client(own_server, user["id"], app_id) as me:
            r = me.post("/api/my-account/user-assets/avatar", files={"file": ("a.png", PNG, "image/png")})
            _fail(r, 400, "account_center.field_not_editable")
    finally:
        account_center(api)
