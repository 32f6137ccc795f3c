"""The sentinel: failed verifications lock an identifier, then the client IP, out (thresholds
lowered through the environment) and raise the Identifier.Lockout webhook."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import fresh_server
from tests.experience_helpers import PASSWORD, admin, begin, error, make_app, make_user, password_id
from tests.hook_receiver import Receiver, receiver
from tests.server import Server

ENV = {"AUTHKEEP_SENTINEL_MAX_ATTEMPTS": "3", "AUTHKEEP_SENTINEL_LOCKOUT_MINUTES": "60",
       "AUTHKEEP_SENTINEL_IP_MAX_ATTEMPTS": "8"}  # fmt: skip


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def srv(request: pytest.FixtureRequest) -> Iterator[Server]:
    with fresh_server(request.param, ENV) as server:
        yield server


@pytest.fixture(scope="module")
def api(srv: Server) -> Iterator[httpx.Client]:
    with admin(srv) as client:
        yield client


@pytest.fixture(scope="module")
def hooks(api: httpx.Client) -> Iterator[Receiver]:
    with receiver() as rec:
        r = api.post("/api/hooks", json={"name": "lock", "events": ["Identifier.Lockout"], "config": {"url": rec.url}})
        assert r.status_code == 201
        yield rec


def _attempt(client: httpx.Client, username: str, password: str) -> httpx.Response:
    return client.post("/api/experience/verification/password",
                       json={"identifier": {"type": "username", "value": username}, "password": password})  # fmt: skip


def test_identifier_then_ip_lockout(srv: Server, api: httpx.Client, hooks: Receiver) -> None:
    app_id = make_app(api)
    victim, bystander = make_user(api), make_user(api)
    client, uid = begin(srv, app_id)
    assert error(_attempt(client, victim["username"], "wrong-1")) == (422, "session.invalid_credentials")
    assert error(_attempt(client, victim["username"], "wrong-2")) == (422, "session.invalid_credentials")
    blocked = _attempt(client, victim["username"], "wrong-3")
    assert error(blocked) == (400, "session.verification_blocked_too_many_attempts")
    assert blocked.json()["message"] == "Too many attempts in a short time. Please try again in 60 minutes."
    # The right password does not help while the block lasts, from any interaction.
    assert error(_attempt(client, victim["username"], PASSWORD))[1] == "session.verification_blocked_too_many_attempts"
    other, _ = begin(srv, app_id)
    assert error(_attempt(other, victim["username"], PASSWORD))[1] == "session.verification_blocked_too_many_attempts"
    # Someone else is not affected.
    password_id(other, "username", bystander["username"])
    lockout = hooks.wait(1, event="Identifier.Lockout")[0].json
    assert lockout["type"] == "username" and lockout["value"] == victim["username"]
    assert lockout["interactionEvent"] == "SignIn" and lockout["applicationId"] == app_id and lockout["sessionId"] == uid
    assert lockout["ip"] == "127.0.0.1" and lockout["application"]["id"] == app_id

    # The IP: 3 failures so far; 4 more on new names pass through, the 8th blocks the address.
    for n in range(4):
        assert error(_attempt(other, f"nobody_{n}_{uid[:6]}", "wrong"))[1] == "session.invalid_credentials"
    assert error(_attempt(other, f"nobody_x_{uid[:6]}", "wrong"))[1] == "session.verification_blocked_too_many_attempts"
    r = _attempt(other, bystander["username"], PASSWORD)
    assert error(r)[1] == "session.verification_blocked_too_many_attempts"
