"""Roles of an application: only machine-to-machine apps and roles."""

from __future__ import annotations

import httpx

from tests.conftest import unique
from tests.server import Server
from tests.test_applications import error, new_app, seed_role

ROLE_KEYS = ["tenantId", "id", "name", "description", "type", "isDefault"]


def test_assign_list_replace_remove(api: httpx.Client, server: Server) -> None:
    app = new_app(api)
    url = f"/api/applications/{app['id']}/roles"
    r1, r2, r3 = (seed_role(api, server) for _ in range(3))
    res = api.post(url, json={"roleIds": [r1, r2, r1]})
    assert res.status_code == 201 and res.json() == {"roleIds": [r1, r2, r1], "addedRoleIds": [r1, r2]}
    assert api.post(url, json={"roleIds": [r2, r3]}).json() == {"roleIds": [r2, r3], "addedRoleIds": [r3]}
    assert api.post(url, json={"roleIds": []}).json() == {"roleIds": [], "addedRoleIds": []}
    res = api.get(url)
    assert res.status_code == 200 and res.headers["total-number"] == "3"  # always paged
    assert [r["id"] for r in res.json()] == [r1, r2, r3] and list(res.json()[0]) == ROLE_KEYS
    assert res.json()[0]["type"] == "MachineToMachine"
    res = api.put(url, json={"roleIds": [r3, r1, r3]})
    assert res.status_code == 200 and res.content == b""  # Logto's text "OK" replaced by no body
    assert sorted(r["id"] for r in api.get(url).json()) == sorted([r1, r3])
    assert api.delete(f"{url}/{r1}").status_code == 204
    error(api.delete(f"{url}/{r1}"), 404, "entity.not_found")
    assert [r["id"] for r in api.get(url).json()] == [r3]
    assert api.put(url, json={"roleIds": []}).status_code == 200
    assert api.get(url).json() == []


def test_list_paging_and_search(api: httpx.Client, server: Server) -> None:
    app = new_app(api)
    url = f"/api/applications/{app['id']}/roles"
    tag = unique("ar")
    roles = [seed_role(api, server, name=f"{tag}-{i}") for i in range(5)]
    api.post(url, json={"roleIds": roles})
    res = api.get(url, params={"page": "2", "page_size": "2"})
    assert res.headers["total-number"] == "5" and len(res.json()) == 2
    rels = [v.split('rel="')[1].rstrip('"') for v in res.headers.get_list("link")]
    assert rels == ["first", "prev", "last", "next"]
    assert [r["name"] for r in api.get(url, params={"search.name": f"{tag}-3"}).json()] == [f"{tag}-3"]
    assert len(api.get(url, params={"search": f"%{tag}%"}).json()) == 5
    assert api.get(url, params={"search.id": roles[0]}).json()[0]["id"] == roles[0]
    error(api.get(url, params={"search.type": "x"}), 400, "request.invalid_input")
    error(api.get(url, params={"page_size": "0"}), 400, "guard.invalid_pagination")


def test_rules(api: httpx.Client, server: Server) -> None:
    spa = new_app(api, "SPA")
    for method, path, body in (("GET", "", None), ("POST", "", {"roleIds": []}), ("PUT", "", {"roleIds": []}),
                               ("DELETE", "/x", None)):
        res = api.request(method, f"/api/applications/{spa['id']}/roles{path}", json=body)
        error(res, 422, "application.invalid_type")
        error(api.request(method, f"/api/applications/nope/roles{path}", json=body), 404, "entity.not_exists_with_id")
    app = new_app(api)
    url = f"/api/applications/{app['id']}/roles"
    user_role = seed_role(api, server, "User")
    error(api.post(url, json={"roleIds": [user_role]}), 422, "application.invalid_role_type")
    error(api.post(url, json={"roleIds": ["missing", user_role]}), 422, "application.invalid_role_type")
    err = error(api.post(url, json={"roleIds": ["missing"]}), 404, "entity.not_exists_with_id")
    assert err["message"] == "The roles with ID `missing` does not exist."
    error(api.put(url, json={"roleIds": ["missing"]}), 404, "entity.not_exists_with_id")
    error(api.put(url, json={"roleIds": [user_role]}), 422, "entity.db_constraint_violated")
    m2m = seed_role(api, server)
    api.post(url, json={"roleIds": [m2m]})
    error(api.put(url, json={"roleIds": [user_role]}), 422, "entity.db_constraint_violated")
    assert [r["id"] for r in api.get(url).json()] == [m2m]  # the failed PUT changed nothing
    for bad in ({}, {"roleIds": "x"}, {"roleIds": [""]}, {"roleIds": [1]}, {"roleIds": None}, {"roleIds": ["\u0000"]}):
        error(api.post(url, json=bad), 400, "guard.invalid_input")
        error(api.put(url, json=bad), 400, "guard.invalid_input")
    error(api.delete(f"{url}/a%00b"), 400, "guard.invalid_input")
