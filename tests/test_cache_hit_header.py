"""Answers served from the response cache say so (`X-Authkeep-Cache: hit`); bench/mixed.py
counts the hit rate with it."""

from __future__ import annotations

import httpx

from tests.conftest import unique


def test_hit_header_only_on_cached_answers(api: httpx.Client) -> None:
    params = {"page_size": 7, "search": unique("hit")}  # a query no other test has cached
    first = api.get("/api/roles", params=params)
    again = api.get("/api/roles", params=params)
    assert first.status_code == again.status_code == 200
    assert "x-authkeep-cache" not in first.headers
    assert again.headers["x-authkeep-cache"] == "hit"
    assert again.content == first.content
    assert api.post("/api/roles", json={"name": unique("hit"), "description": "d"}).status_code == 200
    after_write = api.get("/api/roles", params=params)
    assert "x-authkeep-cache" not in after_write.headers


def test_user_lists_read_roles_and_organizations_only_through_their_filters(api: httpx.Client) -> None:
    plain = {"page_size": 7, "search": unique("fam")}
    role = api.post("/api/roles", json={"name": unique("fam"), "description": "d"}).json()
    by_role = {"page_size": 7, "excludeRoleId": role["id"]}
    org = api.post("/api/organizations", json={"name": unique("fam")}).json()
    by_org = {"page_size": 7, "excludeOrganizationId": org["id"]}
    for params in (plain, by_role, by_org):
        api.get("/api/users", params=params)
        assert api.get("/api/users", params=params).headers.get("x-authkeep-cache") == "hit"
    assert api.post("/api/roles", json={"name": unique("fam"), "description": "d"}).status_code == 200
    assert api.get("/api/users", params=plain).headers.get("x-authkeep-cache") == "hit"  # no user changed
    assert "x-authkeep-cache" not in api.get("/api/users", params=by_role).headers  # a role changed
    assert api.get("/api/users", params=by_org).headers.get("x-authkeep-cache") == "hit"
    assert api.post("/api/organizations", json={"name": unique("fam")}).status_code == 201
    assert "x-authkeep-cache" not in api.get("/api/users", params=by_org).headers
    assert api.get("/api/users", params=plain).headers.get("x-authkeep-cache") == "hit"
    # A new member leaves the excluded organization's list at once.
    user = api.post("/api/users", json={"username": unique("fam").replace("-", "_")}).json()
    listed = api.get("/api/users", params={**by_org, "page_size": 100, "search": user["username"]}).json()
    assert [u["id"] for u in listed] == [user["id"]]
    assert api.post(f"/api/organizations/{org['id']}/users", json={"userIds": [user["id"]]}).status_code == 201
    listed = api.get("/api/users", params={**by_org, "page_size": 100, "search": user["username"]}).json()
    assert listed == []
