"""CIMD: the switch (never enabled: authkeep's OIDC takes no client ID metadata documents) and the
tenant-level consent ceiling, checked as an application's consent scopes are."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import unique
from tests.server import Server

URL = "/api/cimd/user-consent-scopes"


@pytest.fixture
def api(own_server: Server) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {own_server.token()}"}
    with httpx.Client(base_url=own_server.base_url, headers=headers, timeout=30) as c:
        yield c


def _resource_scope(api: httpx.Client) -> tuple[str, str]:
    resource = api.post("/api/resources", json={"name": unique("r"), "indicator": f"https://{unique('api')}.test"}).json()
    scope = api.post(f"/api/resources/{resource['id']}/scopes", json={"name": unique("s")}).json()
    return resource["id"], scope["id"]


def test_switch(api: httpx.Client) -> None:
    assert api.get("/api/configs/cimd").json() == {"enabled": False}
    refused = api.patch("/api/configs/cimd", json={"enabled": True})
    assert refused.status_code == 422 and refused.json()["code"] == "request.invalid_input"
    assert "client ID metadata documents" in refused.json()["data"]["details"]
    off = api.patch("/api/configs/cimd", json={"enabled": False})
    assert off.status_code == 200 and off.json() == {"enabled": False}
    assert api.patch("/api/configs/cimd", json={}).json() == {"enabled": False}
    assert api.patch("/api/configs/cimd", json={"enabled": "yes"}).status_code == 400
    assert api.get("/api/configs/cimd").json() == {"enabled": False}


def test_ceiling(api: httpx.Client) -> None:
    empty = {"organizationScopes": [], "resourceScopes": [], "organizationResourceScopes": [], "userScopes": []}
    assert api.get(URL).json() == empty
    org_scope = api.post("/api/organization-scopes", json={"name": unique("os")}).json()["id"]
    resource, scope = _resource_scope(api)
    body = {"organizationScopes": [org_scope], "resourceScopes": [scope], "organizationResourceScopes": [scope],
            "userScopes": ["email", "profile"]}  # fmt: skip
    added = api.post(URL, json=body)
    assert added.status_code == 201 and added.content == b""
    assert api.post(URL, json=body).status_code == 201  # repeats are ignored
    got = api.get(URL).json()
    assert [s["id"] for s in got["organizationScopes"]] == [org_scope] and got["userScopes"] == ["profile", "email"]
    assert got["resourceScopes"][0]["resource"]["id"] == resource and got["resourceScopes"][0]["scopes"][0]["id"] == scope
    assert [s["id"] for s in got["organizationResourceScopes"][0]["scopes"]] == [scope]

    missing = api.post(URL, json={"resourceScopes": ["nope"], "organizationScopes": ["gone"]})
    assert missing.status_code == 422 and missing.json()["code"] == "application.user_consent_scopes_not_found"
    assert missing.json()["data"] == {"invalidOrganizationScopes": ["gone"], "invalidResourceScopes": ["nope"], "invalidOrganizationResourceScopes": []}
    mapi = api.post(URL, json={"resourceScopes": ["management-api-all"]})
    assert mapi.status_code == 422 and mapi.json()["code"] == "application.consent_management_api_scopes_not_allowed"
    for bad in ({"userScopes": ["bogus"]}, {"resourceScopes": "x"}):
        assert api.post(URL, json=bad).status_code == 400

    assert api.delete(f"{URL}/user-scopes/email").status_code == 204
    assert api.delete(f"{URL}/user-scopes/email").status_code == 404
    assert api.delete(f"{URL}/user-scopes/bogus").json()["code"] == "entity.not_found"
    assert api.delete(f"{URL}/bogus/x").status_code == 400
    assert api.delete(f"{URL}/organization-scopes/{org_scope}").status_code == 204
    # Deleting the scope removes it from the ceiling (cascade).
    assert api.delete(f"/api/resources/{resource}").status_code == 204
    got = api.get(URL).json()
    assert got == {**empty, "userScopes": ["profile"]}
