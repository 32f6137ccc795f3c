"""Console pages over HTTP, checked against the Management API: paging, resources and scopes,
roles, user editing, organizations and invitations."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import fresh_server, unique
from tests.server import Server
from tests.test_console import create_admin, csrf_of, flash_of, sign_in


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def srv(request: pytest.FixtureRequest) -> Iterator[Server]:
    with fresh_server(request.param) as server:
        create_admin(server, "root")
        yield server


@pytest.fixture(scope="module")
def ui(srv: Server) -> Iterator[tuple[httpx.Client, str]]:
    with httpx.Client(base_url=srv.base_url, timeout=30, follow_redirects=True) as client:
        page = sign_in(client, "root")
        yield client, csrf_of(page.text)


@pytest.fixture(scope="module")
def api(srv: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=srv.base_url, headers={"Authorization": f"Bearer {srv.token()}"}, timeout=30) as c:
        yield c


def test_application_list_pages_and_searches(ui: tuple[httpx.Client, str], api: httpx.Client) -> None:
    client, _ = ui
    prefix = unique("paged")
    for i in range(22):
        api.post("/api/applications", json={"name": f"{prefix}-{i:02d}", "type": "SPA"})
    first = client.get("/console/applications", params={"q": prefix})
    assert "Page 1 of 2 · 22 in all" in first.text and first.text.count(f">{prefix}-") == 20
    next_link = re.search(r'href="([^"]+)" rel="next"', first.text).group(1)  # type: ignore[union-attr]
    second = client.get(next_link.replace("&amp;", "&"))
    assert "Page 2 of 2" in second.text and second.text.count(f">{prefix}-") == 2
    empty = client.get("/console/applications", params={"q": unique("none")})
    assert "No application matches" in empty.text


def test_resource_and_scope_crud(ui: tuple[httpx.Client, str], api: httpx.Client) -> None:
    client, token = ui
    made = client.post("/console/resources", data={"csrf": token, "name": "Files", "indicator": f"https://{unique('f')}.example"})
    resource_id = made.url.path.split("/")[-1]
    here = f"/console/resources/{resource_id}"
    client.post(here, data={"csrf": token, "name": "Files API", "access_token_ttl": "600"})
    saved = api.get(f"/api/resources/{resource_id}").json()
    assert (saved["name"], saved["accessTokenTtl"]) == ("Files API", 600)
    client.post(f"{here}/scopes", data={"csrf": token, "name": "read:files", "description": "Read"})
    scope = api.get(f"/api/resources/{resource_id}/scopes").json()[0]
    client.post(f"{here}/scopes/update", data={"csrf": token, "scope": scope["id"], "name": "read:files", "description": "Read files"})
    assert api.get(f"/api/resources/{resource_id}/scopes").json()[0]["description"] == "Read files"
    dup = client.post(f"{here}/scopes", data={"csrf": token, "name": "read:files", "back": here})
    assert dup.url.path == here and flash_of(dup.text)  # the API's own "already exists" message
    client.post(f"{here}/scopes/delete", data={"csrf": token, "scope": scope["id"]})
    assert api.get(f"/api/resources/{resource_id}/scopes").json() == []
    assert "Delete API resource" in client.get(f"{here}/delete").text
    client.post(f"{here}/delete", data={"csrf": token})
    assert api.get(f"/api/resources/{resource_id}").status_code == 404
    # The Management API has no delete page either.
    refused = client.get("/console/resources/management-api/delete")
    assert refused.url.path == "/console/resources/management-api" and "cannot be deleted" in flash_of(refused.text)


def test_roles_permissions_and_members(ui: tuple[httpx.Client, str], api: httpx.Client) -> None:
    client, token = ui
    user = api.post("/api/users", json={"username": unique("ru").replace("-", ""), "name": "Role Holder"}).json()
    made = client.post("/console/roles", data={"csrf": token, "type": "User", "name": unique("editor"), "description": "Edits"})
    role_id = made.url.path.split("/")[-1]
    here = f"/console/roles/{role_id}"
    assert 'value="management-api-all"' not in made.text  # not offered to a user role
    resource = api.post("/api/resources", json={"name": "Docs", "indicator": f"https://{unique('d')}.example"}).json()
    scope = api.post(f"/api/resources/{resource['id']}/scopes", json={"name": "write:docs"}).json()
    client.post(f"{here}/scopes", data={"csrf": token, "scope": scope["id"]})
    assert [s["id"] for s in api.get(f"/api/roles/{role_id}/scopes").json()] == [scope["id"]]
    found = client.get(here, params={"find": user["username"]})
    assert f'value="{user["id"]}"' in found.text
    client.post(f"{here}/members", data={"csrf": token, "member": user["id"]})
    assert [u["id"] for u in api.get(f"/api/roles/{role_id}/users").json()] == [user["id"]]
    client.post(f"{here}/members/remove", data={"csrf": token, "member": user["id"], "kind": "user"})
    assert api.get(f"/api/roles/{role_id}/users").json() == []
    client.post(f"{here}/scopes/remove", data={"csrf": token, "scope": scope["id"]})
    assert api.get(f"/api/roles/{role_id}/scopes").json() == []

    m2m = client.post("/console/roles", data={"csrf": token, "type": "MachineToMachine", "name": unique("svc"), "description": "Jobs"})
    m2m_id = m2m.url.path.split("/")[-1]
    app = api.post("/api/applications", json={"name": unique("job"), "type": "MachineToMachine"}).json()
    page = client.get(f"/console/roles/{m2m_id}")
    assert 'value="management-api-all"' in page.text and f'value="{app["id"]}"' in page.text
    client.post(f"/console/roles/{m2m_id}/members", data={"csrf": token, "member": app["id"]})
    assert [a["id"] for a in api.get(f"/api/roles/{m2m_id}/applications").json()] == [app["id"]]
    client.post(f"/console/roles/{m2m_id}/delete", data={"csrf": token})
    assert api.get(f"/api/roles/{m2m_id}").status_code == 404


def test_user_profile_custom_data_password_suspension_and_roles(
    ui: tuple[httpx.Client, str], api: httpx.Client
) -> None:
    client, token = ui
    name = unique("ed").replace("-", "")
    made = client.post("/console/users", data={"csrf": token, "username": name, "name": "Ed"})
    user_id = made.url.path.split("/")[-1]
    here = f"/console/users/{user_id}"
    client.post(here, data={"csrf": token, "username": name, "name": "Edith", "primaryEmail": f"{name}@example.com", "givenName": "Edith"})
    user = api.get(f"/api/users/{user_id}").json()
    assert (user["name"], user["primaryEmail"], user["profile"].get("givenName")) == ("Edith", f"{name}@example.com", "Edith")
    client.post(f"{here}/custom-data", data={"csrf": token, "custom_data": '{"plan": "pro", "seats": 3}'})
    assert api.get(f"/api/users/{user_id}/custom-data").json() == {"plan": "pro", "seats": 3}
    bad = client.post(f"{here}/custom-data", data={"csrf": token, "custom_data": "[1, 2]"})
    assert "must be a JSON object" in flash_of(bad.text)
    reset = client.post(f"{here}/password", data={"csrf": token})
    password = re.search(r'id="new-password">([^<]+)<', reset.text).group(1)  # type: ignore[union-attr]
    assert api.post(f"/api/users/{user_id}/password/verify", json={"password": password}).status_code == 204
    client.post(f"{here}/suspension", data={"csrf": token, "suspend": "1"})
    assert api.get(f"/api/users/{user_id}").json()["isSuspended"] is True
    client.post(f"{here}/suspension", data={"csrf": token, "suspend": "0"})
    assert api.get(f"/api/users/{user_id}").json()["isSuspended"] is False
    role = api.post("/api/roles", json={"name": unique("viewer"), "description": "Views"}).json()
    client.post(f"{here}/roles", data={"csrf": token, "role": role["id"]})
    assert [r["id"] for r in api.get(f"/api/users/{user_id}/roles").json()] == [role["id"]]
    client.post(f"{here}/roles/remove", data={"csrf": token, "role": role["id"]})
    assert api.get(f"/api/users/{user_id}/roles").json() == []
    client.post(f"{here}/delete", data={"csrf": token})
    assert api.get(f"/api/users/{user_id}").status_code == 404


def test_organization_members_and_invitations(ui: tuple[httpx.Client, str], api: httpx.Client) -> None:
    client, token = ui
    user = api.post("/api/users", json={"username": unique("om").replace("-", "")}).json()
    role_name = unique("admin")
    client.post("/console/organization-roles", data={"csrf": token, "name": role_name})
    org_role = next(r for r in api.get("/api/organization-roles").json() if r["name"] == role_name)
    made = client.post("/console/organizations", data={"csrf": token, "name": unique("Org")})
    org_id = made.url.path.split("/")[-1]
    here = f"/console/organizations/{org_id}"
    client.post(f"{here}/members", data={"csrf": token, "user": user["id"]})
    client.post(f"{here}/members/roles", data={"csrf": token, "user": user["id"], "role": org_role["id"]})
    roles = api.get(f"/api/organizations/{org_id}/users/{user['id']}/roles").json()
    assert [r["id"] for r in roles] == [org_role["id"]]
    invitee = f"{unique('inv')}@example.com"
    page = client.post(f"{here}/invitations", data={"csrf": token, "invitee": invitee, "role": org_role["id"]})
    assert f"Invitation created for {invitee}." == flash_of(page.text)
    invitation = api.get("/api/organization-invitations", params={"organizationId": org_id}).json()[0]
    assert invitation["status"] == "Pending" and invitation["organizationRoles"][0]["id"] == org_role["id"]
    client.post(f"{here}/invitations/revoke", data={"csrf": token, "invitation": invitation["id"]})
    assert api.get(f"/api/organization-invitations/{invitation['id']}").json()["status"] == "Revoked"
    client.post(f"{here}/members/remove", data={"csrf": token, "user": user["id"]})
    assert api.get(f"/api/organizations/{org_id}/users").json() == []
