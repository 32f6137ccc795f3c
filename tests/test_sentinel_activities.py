"""`POST /api/sentinel-activities/delete`: unblocking identifiers the sentinel locked out."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.experience_helpers import PASSWORD, admin, begin, error, make_app, make_user, password_id
from tests.server import Server
from tests.test_applications import db

URL = "/api/sentinel-activities/delete"


@pytest.fixture(scope="module")
def mgmt(own_server: Server) -> Iterator[httpx.Client]:
    with admin(own_server) as client:
        r = client.patch("/api/sign-in-exp", json={"sentinelPolicy": {"maxAttempts": 2, "lockoutDuration": 60}})
        assert r.status_code == 200, r.text
        yield client


def _attempt(client: httpx.Client, username: str, password: str) -> httpx.Response:
    return client.post("/api/experience/verification/password",
                       json={"identifier": {"type": "username", "value": username}, "password": password})  # fmt: skip


def _lock_out(srv: Server, app_id: str, username: str) -> None:
    client, _ = begin(srv, app_id)
    assert error(_attempt(client, username, "wrong-1")) == (422, "session.invalid_credentials")
    assert error(_attempt(client, username, "wrong-2")) == (400, "session.verification_blocked_too_many_attempts")
    assert error(_attempt(client, username, PASSWORD))[1] == "session.verification_blocked_too_many_attempts"


def test_unblock_a_locked_out_identifier(own_server: Server, mgmt: httpx.Client) -> None:
    app_id = make_app(mgmt)
    victim, other = make_user(mgmt), make_user(mgmt)
    _lock_out(own_server, app_id, victim["username"])
    _lock_out(own_server, app_id, other["username"])
    # Another type, or another target, unblocks nobody.
    assert mgmt.post(URL, json={"targetType": "App", "targets": [victim["username"]]}).status_code == 204
    assert mgmt.post(URL, json={"targetType": "User", "targets": ["someone-else", ""]}).status_code == 204
    client, _ = begin(own_server, app_id)
    assert error(_attempt(client, victim["username"], PASSWORD))[1] == "session.verification_blocked_too_many_attempts"

    r = mgmt.post(URL, json={"targetType": "User", "targets": [victim["username"], victim["username"]]})
    assert r.status_code == 204 and r.content == b""
    # The victim signs in again; the other locked-out user stays blocked.
    client, _ = begin(own_server, app_id)
    vid = password_id(client, "username", victim["username"])
    assert client.post("/api/experience/identification", json={"verificationId": vid}).status_code == 204
    assert client.post("/api/experience/submit").status_code == 200
    other_client, _ = begin(own_server, app_id)
    assert error(_attempt(other_client, other["username"], PASSWORD))[1] == "session.verification_blocked_too_many_attempts"
    # Its failure count starts again from zero.
    client, _ = begin(own_server, app_id)
    assert error(_attempt(client, victim["username"], "wrong-3")) == (422, "session.invalid_credentials")


def test_only_the_last_hour_is_forgotten(own_server: Server, mgmt: httpx.Client) -> None:
    """Logto deletes the activities of the last hour only: an older block stays until it ends."""
    app_id = make_app(mgmt)
    victim = make_user(mgmt)
    _lock_out(own_server, app_id, victim["username"])
    db(own_server, "UPDATE sentinel_activities SET created_at = created_at - 3700000, "
                   "decision_expires_at = decision_expires_at + 3700000 WHERE target_type = 'User'")  # fmt: skip
    assert mgmt.post(URL, json={"targetType": "User", "targets": [victim["username"]]}).status_code == 204
    client, _ = begin(own_server, app_id)
    assert error(_attempt(client, victim["username"], PASSWORD))[1] == "session.verification_blocked_too_many_attempts"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"targetType": "User"},
        {"targets": ["a"]},
        {"targetType": "Ip", "targets": ["a"]},
        {"targetType": "user", "targets": ["a"]},
        {"targetType": "User", "targets": "a"},
        {"targetType": "User", "targets": [1]},
        {"targetType": "User", "targets": ["a\u0000"]},
        {"targetType": "User", "targets": ["a"] * 1001},
    ],
)
def test_bad_input(mgmt: httpx.Client, body: dict[str, object]) -> None:
    r = mgmt.post(URL, json=body)
    assert r.status_code == 400 and r.json()["code"] == "guard.invalid_input", r.text


def test_needs_a_management_token(own_server: Server) -> None:
    r = httpx.post(own_server.base_url + URL, json={"targetType": "User", "targets": ["a"]})
    assert r.status_code == 401 and r.json()["code"] == "auth.authorization_header_missing"
