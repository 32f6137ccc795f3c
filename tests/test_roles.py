"""Roles: CRUD, listing (paging, search, filters), and role scopes."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import unique
from tests.test_resources import error, new_resource, new_scope

ROLE_KEYS = ["tenantId", "id", "name", "description", "type", "isDefault"]
LIST_KEYS = [*ROLE_KEYS, "usersCount", "featuredUsers", "applicationsCount", "featuredApplications"]


def new_role(api: httpx.Client, **body: Any) -> dict[str, Any]:
    res = api.post("/api/roles", json={"name": unique("role"), "description": "A role", **body})
    assert res.status_code == 200, res.text
    return dict(res.json())


def test_create_and_get(api: httpx.Client) -> None:
    role = new_role(api)
    assert list(role) == ROLE_KEYS
    assert role["tenantId"] == "default" and len(role["id"]) == 21
    assert role["type"] == "User" and role["isDefault"] is False and role["description"] == "A role"
    assert api.get(f"/api/roles/{role['id']}").json() == role
    m2m = new_role(api, type="MachineToMachine", isDefault=True, id="mine", tenantId="x")
    assert m2m["type"] == "MachineToMachine" and m2m["isDefault"] is True and m2m["id"] != "mine"
    assert new_role(api, name="r" * 128, description="d" * 128)["name"] == "r" * 128


def test_create_validation(api: httpx.Client) -> None:
    name = unique("role")
    bad_bodies: list[Any] = [
        {"name": name},  # description is required
        {"name": name, "description": ""},
        {"name": "", "description": "d"},
        {"name": "x" * 129, "description": "d"},
        {"name": name, "description": "d" * 129},
        {"name": name, "description": "d", "type": "Admin"},
        {"name": name, "description": "d", "isDefault": "yes"},
        {"name": name, "description": "d", "scopeIds": "s"},
        {"name": name, "description": "d", "scopeIds": [""]},
        {"name": name, "description": "d", "scopeIds": None},
        {"name": name, "description": "d", "scopeIds": [1]},
        {"name": "a\u0000b", "description": "d"},
        {"name": 12, "description": "d"},
        [name],
        7,
    ]
    for body in bad_bodies:
        res = api.post("/api/roles", json=body)
        assert res.status_code == 400, (body, res.text)
        assert res.json()["code"] == "guard.invalid_input"
    missing = api.post("/api/roles", json={"name": name}).json()
    assert missing["message"] == "The request body is invalid."
    assert missing["data"]["issues"][0]["path"] == ["description"]
    assert api.get("/api/roles", params={"search.name": name}).json() == []


def test_duplicate_name(api: httpx.Client) -> None:
    role = new_role(api)
    body = error(
        api.post("/api/roles", json={"name": role["name"], "description": "d"}),
        422,
        "role.name_in_use",
    )
    assert body["message"] == f"This role name {role['name']} is already in use"
    # Names are case-sensitive.
    assert (
        api.post("/api/roles", json={"name": role["name"].upper(), "description": "d"}).status_code
        == 200
    )
    other = new_role(api)
    error(
        api.patch(f"/api/roles/{other['id']}", json={"name": role["name"]}), 422, "role.name_in_use"
    )
    assert api.patch(f"/api/roles/{role['id']}", json={"name": role["name"]}).status_code == 200


def test_create_with_scopes_is_one_transaction(api: httpx.Client) -> None:
    res = new_resource(api)
    s1, s2 = new_scope(api, res["id"]), new_scope(api, res["id"])
    role = new_role(api, scopeIds=[s1["id"], s2["id"], s1["id"]])
    linked = api.get(f"/api/roles/{role['id']}/scopes").json()
    assert [s["id"] for s in linked] == [s1["id"], s2["id"]]

    name = unique("role")
    body = error(
        api.post(
            "/api/roles", json={"name": name, "description": "d", "scopeIds": [s1["id"], "nope"]}
        ),
        404,
        "entity.not_exists_with_id",
    )
    assert body["message"] == "The scopes with ID `nope` does not exist."
    assert api.get("/api/roles", params={"search.name": name}).json() == []  # nothing was created

    mgmt = {"name": name, "description": "d", "scopeIds": ["management-api-all"]}
    body = error(
        api.post("/api/roles", json=mgmt),
        400,
        "role.management_api_scopes_not_assignable_to_user_role",
    )
    assert body["message"] == "Cannot assign Management API scopes to a user role."
    assert api.get("/api/roles", params={"search.name": name}).json() == []
    m2m = api.post("/api/roles", json={**mgmt, "type": "MachineToMachine"})
    assert m2m.status_code == 200
    assert [s["id"] for s in api.get(f"/api/roles/{m2m.json()['id']}/scopes").json()] == [
        "management-api-all"
    ]


def test_patch_and_delete(api: httpx.Client) -> None:
    role = new_role(api, type="MachineToMachine")
    name = unique("renamed")
    patched = api.patch(
        f"/api/roles/{role['id']}",
        json={"name": name, "description": "new", "isDefault": True, "type": "User"},
    )
    assert patched.status_code == 200
    assert patched.json() == {**role, "name": name, "description": "new", "isDefault": True}
    error(api.patch(f"/api/roles/{role['id']}", json={}), 422, "entity.invalid_input")
    error(api.patch(f"/api/roles/{role['id']}", json={"type": "User"}), 422, "entity.invalid_input")
    for bad in ({"name": ""}, {"description": "x" * 129}, {"isDefault": 0}, {"name": None}, "x"):
        error(api.patch(f"/api/roles/{role['id']}", json=bad), 400, "guard.invalid_input")
    assert api.delete(f"/api/roles/{role['id']}").status_code == 204
    msg = f"The roles with ID `{role['id']}` does not exist."
    for method in ("GET", "PATCH", "DELETE"):
        res = api.request(
            method, f"/api/roles/{role['id']}", json={"name": "x"} if method == "PATCH" else None
        )
        assert error(res, 404, "entity.not_exists_with_id")["message"] == msg


def test_internal_role_hidden_but_reachable(api: httpx.Client) -> None:
    admin = api.get("/api/roles/admin-role")
    assert admin.status_code == 200
    assert admin.json()["name"] == "#internal:admin" and admin.json()["type"] == "MachineToMachine"
    everything = api.get("/api/roles", params={"page_size": 100, "search.name": "#%"}).json()
    assert everything == []
    access = api.get("/api/roles", params={"search.name": "Logto Management API access"}).json()
    assert [r["name"] for r in access] == ["Logto Management API access"]
    # The hiding is case-sensitive on both backends.
    upper = new_role(api, name=f"#INTERNAL:{unique('x')}")
    assert [
        r["id"] for r in api.get("/api/roles", params={"search.name": upper["name"]}).json()
    ] == [upper["id"]]


def test_list_paging_over_many_roles(api: httpx.Client) -> None:
    prefix = unique("page")
    made = [
        new_role(api, name=f"{prefix}-{i:02d}", type="MachineToMachine" if i % 3 == 0 else "User")
        for i in range(45)
    ]
    params: dict[str, Any] = {"search.name": f"{prefix}-%"}
    first = api.get("/api/roles", params=params)
    assert first.status_code == 200 and first.headers["total-number"] == "45"
    assert [r["id"] for r in first.json()] == [r["id"] for r in made[:20]]
    item = first.json()[0]
    assert list(item) == LIST_KEYS
    assert (
        item["usersCount"] == 0
        and item["featuredUsers"] == []
        and item["featuredApplications"] == []
    )

    seen: list[str] = []
    for page in (1, 2, 3):
        res = api.get("/api/roles", params={**params, "page": page})
        seen += [r["id"] for r in res.json()]
        rels = [link.rsplit("rel=", 1)[1].strip('"') for link in res.headers.get_list("link")]
        assert (
            rels
            == {
                1: ["first", "last", "next"],
                2: ["first", "prev", "last", "next"],
                3: ["first", "prev", "last"],
            }[page]
        )
        for link in res.headers.get_list("link"):
            assert link.startswith("<http") and "/api/roles?" in link and "search.name=" in link
    assert seen == [r["id"] for r in made]
    middle = api.get("/api/roles", params={**params, "page": 2}).headers.get_list("link")
    assert any("page=3" in link and 'rel="next"' in link for link in middle)
    assert any("page=3" in link and 'rel="last"' in link for link in middle)

    small = api.get("/api/roles", params={**params, "page_size": 10, "page": 5})
    assert len(small.json()) == 5 and small.headers["total-number"] == "45"
    beyond = api.get("/api/roles", params={**params, "page": 99})
    assert beyond.json() == [] and beyond.headers["total-number"] == "45"
    for bad in ({"page": 0}, {"page_size": 101}, {"page": "x"}, {"page": "1.5"}, {"page": "1e400"}):
        error(api.get("/api/roles", params=bad), 400, "guard.invalid_pagination")

    m2m = api.get(
        "/api/roles", params={**params, "type": "MachineToMachine", "page_size": 100}
    ).json()
    assert [r["id"] for r in m2m] == [r["id"] for r in made if r["type"] == "MachineToMachine"]
    users = api.get("/api/roles", params={**params, "type": "User"})
    assert users.headers["total-number"] == "30"
    error(api.get("/api/roles", params={"type": "Admin"}), 400, "guard.invalid_input")


def test_list_search(api: httpx.Client) -> None:
    tag = unique("srch")
    a = new_role(api, name=f"{tag}-alpha", description="First One")
    b = new_role(api, name=f"{tag}-beta", description="second")

    def ids(res: httpx.Response) -> list[str]:
        return [r["id"] for r in res.json()]

    assert ids(api.get("/api/roles", params={"search": f"{tag}%"})) == [a["id"], b["id"]]
    assert ids(
        api.get(
            "/api/roles",
            params={"search.description": "first one", "search.name": f"{tag}%", "joint": "and"},
        )
    ) == [a["id"]]
    assert ids(api.get("/api/roles", params={"search.id": b["id"], "mode.id": "exact"})) == [
        b["id"]
    ]
    assert (
        ids(
            api.get(
                "/api/roles",
                params={"search.name": f"{tag.upper()}-ALPHA", "isCaseSensitive": "true"},
            )
        )
        == []
    )
    assert ids(
        api.get("/api/roles", params={"search.name": f"^{tag}-b", "mode.name": "posix"})
    ) == [b["id"]]
    similar = {
        "search.name": f"{tag}-(alpha|beta)",
        "mode.name": "similar_to",
        "isCaseSensitive": "1",
    }
    assert ids(api.get("/api/roles", params=similar)) == [a["id"], b["id"]]
    for bad in (
        {"search.a.b": "x"},
        {"search.type": "User"},
        {"search": ""},
        {"joint": "xor", "search": "x"},
    ):
        error(api.get("/api/roles", params=bad), 400, "request.invalid_input")


def test_role_scopes(api: httpx.Client) -> None:
    res = new_resource(api)
    scopes = [new_scope(api, res["id"], description=f"d{i}") for i in range(4)]
    role = new_role(api)
    url = f"/api/roles/{role['id']}/scopes"
    assert api.get(url).json() == []

    added = api.post(url, json={"scopeIds": [scopes[0]["id"], scopes[1]["id"]]})
    assert added.status_code == 201
    assert added.json() == scopes[:2]
    added = api.post(url, json={"scopeIds": [scopes[2]["id"]]})
    assert added.json() == scopes[:3]  # the role's whole list

    listed = api.get(url)
    assert "total-number" not in listed.headers
    item = listed.json()[0]
    assert list(item) == [*scopes[0], "resource"]
    assert item["resource"] == {
        k: res[k] for k in ("tenantId", "id", "name", "indicator", "isDefault", "accessTokenTtl")
    }
    paged = api.get(url, params={"page_size": 2, "page": 2})
    assert paged.headers["total-number"] == "3" and [s["id"] for s in paged.json()] == [
        scopes[2]["id"]
    ]
    found = api.get(url, params={"search.description": "d1"})
    assert [s["id"] for s in found.json()] == [scopes[1]["id"]]

    body = error(
        api.post(url, json={"scopeIds": [scopes[3]["id"], scopes[0]["id"]]}),
        422,
        "role.scope_exists",
    )
    assert body["message"] == f"The scope id {scopes[0]['id']} has already been added to this role"
    error(api.post(url, json={"scopeIds": ["nope"]}), 404, "entity.not_exists_with_id")
    error(
        api.post(url, json={"scopeIds": ["management-api-all"]}),
        400,
        "role.management_api_scopes_not_assignable_to_user_role",
    )
    for bad in ({}, {"scopeIds": []}, {"scopeIds": [""]}, {"scopeIds": "x"}):
        error(api.post(url, json=bad), 400, "guard.invalid_input")
    assert len(api.get(url).json()) == 3  # failed requests changed nothing

    assert api.delete(f"{url}/{scopes[1]['id']}").status_code == 204
    error(api.delete(f"{url}/{scopes[1]['id']}"), 404, "entity.not_found")
    assert [s["id"] for s in api.get(url).json()] == [scopes[0]["id"], scopes[2]["id"]]

    # Deleting a scope or its resource unlinks it.
    assert api.delete(f"/api/resources/{res['id']}/scopes/{scopes[0]['id']}").status_code == 204
    assert [s["id"] for s in api.get(url).json()] == [scopes[2]["id"]]
    assert api.delete(f"/api/resources/{res['id']}").status_code == 204
    assert api.get(url).json() == []

    error(api.get("/api/roles/nope/scopes"), 404, "entity.not_exists_with_id")
    error(
        api.post("/api/roles/nope/scopes", json={"scopeIds": ["x"]}),
        404,
        "entity.not_exists_with_id",
    )
    error(api.delete("/api/roles/nope/scopes/x"), 404, "entity.not_found")
    error(api.get(url, params={"search.bad": "x"}), 400, "request.invalid_input")


def test_m2m_role_takes_management_scope(api: httpx.Client) -> None:
    role = new_role(api, type="MachineToMachine")
    res = api.post(f"/api/roles/{role['id']}/scopes", json={"scopeIds": ["management-api-all"]})
    assert res.status_code == 201 and [s["name"] for s in res.json()] == ["all"]
