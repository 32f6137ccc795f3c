"""POST /api/sign-in-exp/default/check-password: Logto's password policy, breached list included."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from authkeep.domain import password_policy
from tests.server import Server

CHECK = "/api/sign-in-exp/default/check-password"


@pytest.fixture(scope="module")
def api(own_server: Server) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {own_server.token()}"}
    with httpx.Client(base_url=own_server.base_url, headers=headers, timeout=30) as client:
        yield client


def _codes(res: httpx.Response) -> list[str]:
    assert res.status_code == 400, res.text
    body = res.json()
    assert body["result"] is False
    return [i["code"] for i in body["issues"]]


def test_default_policy_needs_user_info(api: httpx.Client) -> None:
    # Logto's default policy rejects user information, so a check without a user is refused.
    res = api.post(CHECK, json={"password": "Correct-Horse-9"})
    assert res.status_code == 400 and res.json()["code"] == "request.invalid_input"


def test_policy_refusals_and_acceptance(api: httpx.Client) -> None:
    res = api.patch("/api/sign-in-exp", json={"passwordPolicy": {
        "length": {"min": 10, "max": 20}, "characterTypes": {"min": 3},
        "rejects": {"userInfo": False, "words": ["authkeep"]}}})
    assert res.status_code == 200, res.text
    assert res.json()["passwordPolicy"]["rejects"] == {
        "pwned": True, "repetitionAndSequence": True, "userInfo": False, "words": ["authkeep"]}
    assert _codes(api.post(CHECK, json={"password": "short"})) == [
        "password_rejected.too_short", "password_rejected.character_types"]
    assert "password_rejected.too_long" in _codes(api.post(CHECK, json={"password": "Ab1!" * 6}))
    assert _codes(api.post(CHECK, json={"password": "Pässwörd123"})) == ["password_rejected.unsupported_characters"]
    assert "password_rejected.pwned" in _codes(api.post(CHECK, json={"password": "password1234"}))
    assert "password_rejected.restricted.sequence" in _codes(api.post(CHECK, json={"password": "abcdefghijK1"}))
    assert "password_rejected.restricted.repetition" in _codes(api.post(CHECK, json={"password": "Aaaaaaaaa1"}))
    assert "password_rejected.restricted.words" in _codes(api.post(CHECK, json={"password": "AuthKeep1!"}))
    ok = api.post(CHECK, json={"password": "Tr0ub4dor&Xq"})
    assert ok.status_code == 200 and ok.json() == {"result": True}


def test_user_info(api: httpx.Client) -> None:
    api.patch("/api/sign-in-exp", json={"passwordPolicy": {"rejects": {"userInfo": True}}})
    user = api.post("/api/users", json={"username": "johnnyappleseed", "name": "Johnny Appleseed"}).json()
    codes = _codes(api.post(CHECK, json={"password": "johnnyappleseed1", "userId": user["id"]}))
    assert "password_rejected.restricted.user_info" in codes
    ok = api.post(CHECK, json={"password": "Tr0ub4dor&Xq", "userId": user["id"]})
    assert ok.status_code == 200
    missing = api.post(CHECK, json={"password": "x", "userId": "nobody"})
    assert missing.status_code == 404 and missing.json()["code"] == "entity.not_exists_with_id"


@pytest.mark.parametrize("body", [{}, {"password": 1}, {"password": "x", "userId": 5}])
def test_bad_input(api: httpx.Client, body: dict) -> None:  # type: ignore[type-arg]
    res = api.post(CHECK, json=body)
    assert res.status_code == 400 and res.json()["code"] == "guard.invalid_input"


def test_breached_list_is_shipped() -> None:
    assert password_policy.is_breached("123456") and password_policy.is_breached("dragon")
    assert not password_policy.is_breached("Tr0ub4dor&Xq")
    full = password_policy.full_policy({})
    assert password_policy.check(full, "qwerty", {}) != []
    # a sequence shorter than three characters is not flagged
    relaxed = {**full, "rejects": {**full["rejects"], "pwned": False, "userInfo": False}}
    assert password_policy.check(relaxed, "Xy1!ab9#Kq") == []
