"""Organization roles and organization scopes (the organization template), with their
organization-scope and resource-scope relations."""

from __future__ import annotations

import httpx

from tests.conftest import unique
from tests.test_organization_helpers import (
    ROLE_KEYS,
    SCOPE_KEYS,
    error,
    ids_of,
    new_resource,
    new_role,
    new_scope,
    ok,
)


def test_scope_crud(api: httpx.Client) -> None:
    scope = new_scope(api, description="read things")
    assert list(scope) == SCOPE_KEYS and len(scope["id"]) == 21
    assert ok(api.get(f"/api/organization-scopes/{scope['id']}")) == scope
    error(api.post("/api/organization-scopes", json={"name": scope["name"]}), 422, "entity.unique_integrity_violation")
    error(api.post("/api/organization-scopes", json={"name": ""}), 400, "guard.invalid_input")
    error(api.post("/api/organization-scopes", json={"name": "a", "description": "x" * 257}), 400, "guard.invalid_input")
    patched = ok(api.patch(f"/api/organization-scopes/{scope['id']}", json={"description": None}))
    assert patched["description"] is None and patched["name"] == scope["name"]
    other = new_scope(api)
    error(api.patch(f"/api/organization-scopes/{other['id']}", json={"name": scope["name"]}), 422,
          "entity.unique_integrity_violation")  # fmt: skip
    assert api.delete(f"/api/organization-scopes/{scope['id']}").status_code == 204
    body = error(api.get(f"/api/organization-scopes/{scope['id']}"), 404, "entity.not_exists_with_id")
    assert body["message"] == f"The organization_scopes with ID `{scope['id']}` does not exist."
    body = error(api.patch(f"/api/organization-scopes/{scope['id']}", json={"name": "z"}), 404, "entity.not_exists")
    assert body["message"] == "The organization_scope does not exist."
    error(api.delete(f"/api/organization-scopes/{scope['id']}"), 404, "entity.not_found")


def test_scope_list(api: httpx.Client) -> None:
    tag = unique("lst")
    scopes = [new_scope(api, name=f"{tag}:{c}") for c in "cab"]
    listed = ok(api.get("/api/organization-scopes", params={"q": tag}))
    assert [s["name"] for s in listed] == sorted(s["name"] for s in scopes)  # by name
    res = api.get("/api/organization-scopes")
    assert "total-number" not in res.headers  # paging is optional
    res = api.get("/api/organization-scopes", params={"q": tag.upper(), "page_size": 2})
    assert res.headers["total-number"] == "3" and len(res.json()) == 2
    assert ok(api.get("/api/organization-scopes", params={"q": scopes[0]["id"]})) == []  # `q` is on name only


def test_role_crud(api: httpx.Client) -> None:
    role = new_role(api, description="admins")
    assert list(role) == ROLE_KEYS and role["type"] == "User" and len(role["id"]) == 21
    assert ok(api.get(f"/api/organization-roles/{role['id']}")) == role
    m2m = new_role(api, "MachineToMachine")
    assert m2m["type"] == "MachineToMachine" and m2m["description"] is None
    error(api.post("/api/organization-roles", json={"name": role["name"]}), 422, "entity.unique_integrity_violation")
    error(api.post("/api/organization-roles", json={"name": "x", "type": "Admin"}), 400, "guard.invalid_input")
    error(api.post("/api/organization-roles", json={"name": "x" * 129}), 400, "guard.invalid_input")
    patched = ok(api.patch(f"/api/organization-roles/{role['id']}", json={"name": unique("renamed"), "type": "MachineToMachine"}))
    assert patched["type"] == "MachineToMachine" and patched["description"] == "admins"
    error(api.patch(f"/api/organization-roles/{role['id']}", json={"name": m2m["name"]}), 422,
          "entity.unique_integrity_violation")  # fmt: skip
    assert api.delete(f"/api/organization-roles/{role['id']}").status_code == 204
    error(api.get(f"/api/organization-roles/{role['id']}"), 404, "entity.not_found")
    body = error(api.patch(f"/api/organization-roles/{role['id']}", json={"name": "z"}), 404, "entity.not_exists")
    assert body["message"] == "The organization_role does not exist."
    error(api.delete(f"/api/organization-roles/{role['id']}"), 404, "entity.not_found")


def test_role_create_with_scopes_is_one_transaction(api: httpx.Client) -> None:
    s1, s2 = new_scope(api), new_scope(api)
    _resource, (rs1,) = new_resource(api, ["read"])
    role = new_role(api, organizationScopeIds=[s1["id"], s2["id"]], resourceScopeIds=[rs1["id"]])
    assert list(role) == ROLE_KEYS  # the plain role, without scopes
    assert sorted(ids_of(ok(api.get(f"/api/organization-roles/{role['id']}/scopes")))) == sorted([s1["id"], s2["id"]])
    assert ids_of(ok(api.get(f"/api/organization-roles/{role['id']}/resource-scopes"))) == [rs1["id"]]
    name = unique("rolled-back")
    error(api.post("/api/organization-roles", json={"name": name, "organizationScopeIds": ["nope"]}), 422,
          "entity.relation_foreign_key_not_found")  # fmt: skip
    error(api.post("/api/organization-roles", json={"name": name, "resourceScopeIds": ["nope"]}), 422,
          "entity.relation_foreign_key_not_found")  # fmt: skip
    assert ok(api.get("/api/organization-roles", params={"q": name})) == []


def test_role_list(api: httpx.Client) -> None:
    tag = unique("lr")
    s1, s2 = new_scope(api), new_scope(api)
    resource, (rs1,) = new_resource(api, ["write"])
    b = new_role(api, name=f"{tag}-b", description="second", organizationScopeIds=[s1["id"], s2["id"]])
    a = new_role(api, name=f"{tag}-a", resourceScopeIds=[rs1["id"]])
    res = api.get("/api/organization-roles", params={"q": tag})
    assert res.headers["total-number"] == "2"
    listed = res.json()
    assert ids_of(listed) == [a["id"], b["id"]]  # by name
    assert list(listed[0]) == [*ROLE_KEYS, "scopes", "resourceScopes"]
    assert listed[0]["scopes"] == [] and listed[0]["resourceScopes"] == [
        {"id": rs1["id"], "name": "write", "resource": {"id": resource["id"], "name": resource["name"]}}
    ]
    assert sorted(listed[1]["scopes"], key=lambda s: s["id"]) == sorted(
        [{"id": s1["id"], "name": s1["name"]}, {"id": s2["id"], "name": s2["name"]}], key=lambda s: s["id"]
    )
    assert ids_of(ok(api.get("/api/organization-roles", params={"q": "SECOND"}))) == [b["id"]]  # description
    assert ids_of(ok(api.get("/api/organization-roles", params={"q": a["id"]}))) == [a["id"]]  # id
    assert api.get("/api/organization-roles").headers["total-number"]  # always paged
    error(api.get("/api/organization-roles", params={"page": 0}), 400, "guard.invalid_pagination")


def test_role_scope_relations(api: httpx.Client) -> None:
    role = new_role(api)
    base = f"/api/organization-roles/{role['id']}/scopes"
    s1, s2 = new_scope(api), new_scope(api)
    res = api.post(base, json={"organizationScopeIds": [s1["id"]]})
    assert res.status_code == 201 and res.content == b""
    assert api.post(base, json={"organizationScopeIds": [s1["id"], s2["id"]]}).status_code == 201  # idempotent
    listed = ok(api.get(base))
    assert [list(s) for s in listed] == [SCOPE_KEYS, SCOPE_KEYS]
    assert "total-number" not in api.get(base).headers
    assert api.get(base, params={"page_size": 1}).headers["total-number"] == "2"
    error(api.post(base, json={"organizationScopeIds": []}), 400, "guard.invalid_input")
    error(api.post(base, json={"organizationScopeIds": ["nope"]}), 422, "entity.relation_foreign_key_not_found")
    error(api.post("/api/organization-roles/nope/scopes", json={"organizationScopeIds": [s1["id"]]}), 422,
          "entity.relation_foreign_key_not_found")  # fmt: skip
    error(api.get("/api/organization-roles/nope/scopes"), 404, "entity.not_found")
    assert api.put(base, json={"organizationScopeIds": [s2["id"]]}).status_code == 204
    assert ids_of(ok(api.get(base))) == [s2["id"]]
    assert api.delete(f"{base}/{s2['id']}").status_code == 204
    error(api.delete(f"{base}/{s2['id']}"), 404, "entity.not_found")
    assert api.put(base, json={"organizationScopeIds": []}).status_code == 204
    assert api.put("/api/organization-roles/nope/scopes", json={"organizationScopeIds": []}).status_code == 204


def test_role_resource_scope_relations(api: httpx.Client) -> None:
    role = new_role(api)
    base = f"/api/organization-roles/{role['id']}/resource-scopes"
    _resource, (read, write) = new_resource(api, ["read", "write"])
    assert api.post(base, json={"scopeIds": [read["id"], write["id"]]}).status_code == 201
    listed = ok(api.get(base))
    assert [s["name"] for s in listed] == ["read", "write"]
    assert list(listed[0]) == ["tenantId", "id", "resourceId", "name", "description", "createdAt"]
    error(api.post(base, json={"scopeIds": ["nope"]}), 422, "entity.relation_foreign_key_not_found")
    error(api.post(base, json={"organizationScopeIds": [read["id"]]}), 400, "guard.invalid_input")
    assert api.put(base, json={"scopeIds": [write["id"]]}).status_code == 204
    assert ids_of(ok(api.get(base))) == [write["id"]]
    assert api.delete(f"{base}/{write['id']}").status_code == 204
    error(api.delete(f"{base}/{write['id']}"), 404, "entity.not_found")
    error(api.get("/api/organization-roles/nope/resource-scopes"), 404, "entity.not_found")
    # deleting the API resource's scope removes it from the role
    assert api.post(base, json={"scopeIds": [read["id"]]}).status_code == 201
    assert api.delete(f"/api/resources/{read['resourceId']}/scopes/{read['id']}").status_code == 204
    assert ok(api.get(base)) == []
