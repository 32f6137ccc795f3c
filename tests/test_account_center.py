"""GET/PATCH /api/account-center and the public /api/.well-known/account-center."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.server import Server


@pytest.fixture(scope="module")
def api(own_server: Server) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {own_server.token()}"}
    with httpx.Client(base_url=own_server.base_url, headers=headers, timeout=30) as client:
        yield client


def test_seed_and_patch(api: httpx.Client, own_server: Server) -> None:
    seed = api.get("/api/account-center").json()
    assert seed == {"tenantId": "default", "id": "default", "enabled": False, "fields": {},
                    "webauthnRelatedOrigins": [], "deleteAccountUrl": None, "customCss": None, "profileFields": None}
    res = api.patch("/api/account-center", json={
        "enabled": True, "fields": {"name": "Edit", "email": "ReadOnly"},
        "webauthnRelatedOrigins": ["https://a.example", "https://a.example"],
        "deleteAccountUrl": "https://example.com/delete", "customCss": ".x{}"})
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["enabled"] is True and body["fields"] == {"name": "Edit", "email": "ReadOnly"}
    assert body["webauthnRelatedOrigins"] == ["https://a.example"]
    assert body["deleteAccountUrl"] == "https://example.com/delete"
    assert api.get("/api/account-center").json() == body
    public = httpx.get(f"{own_server.base_url}/api/.well-known/account-center")
    assert public.status_code == 200 and public.json() == body
    # "" clears the deletion URL; fields replace the whole map
    body = api.patch("/api/account-center", json={"deleteAccountUrl": "", "fields": {"mfa": "Off"}}).json()
    assert body["deleteAccountUrl"] is None and body["fields"] == {"mfa": "Off"} and body["enabled"] is True


def test_profile_fields_are_normalised(api: httpx.Client) -> None:
    api.post("/api/custom-profile-fields", json={"name": "team", "type": "Text", "required": False})
    res = api.patch("/api/account-center", json={"profileFields": [{"name": "team"}, {"name": "ghost"}]})
    assert res.status_code == 200 and res.json()["profileFields"] == [{"name": "team"}]
    dup = api.patch("/api/account-center", json={"profileFields": [{"name": "team"}, {"name": "team"}]})
    assert dup.status_code == 400 and dup.json()["code"] == "request.invalid_input"
    # deleting the field drops it from the list
    assert api.delete("/api/custom-profile-fields/team").status_code == 204
    assert api.get("/api/account-center").json()["profileFields"] == []


@pytest.mark.parametrize("body", [
    {"enabled": "yes"},
    {"fields": {"name": "Write"}},
    {"deleteAccountUrl": "ftp://example.com"},
    {"deleteAccountUrl": "https://" + "a" * 2050},
    {"webauthnRelatedOrigins": "https://a.example"},
    {"profileFields": [{"nom": "x"}]},
])
def test_bad_input(api: httpx.Client, body: dict) -> None:  # type: ignore[type-arg]
    res = api.patch("/api/account-center", json=body)
    assert res.status_code == 400 and res.json()["code"] == "guard.invalid_input"
