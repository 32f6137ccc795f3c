"""API resources and their scopes: CRUD, the read-only Management API, is-default, validation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import unique
from tests.server import MGMT

RESOURCE_KEYS = ["tenantId", "id", "name", "indicator", "isDefault", "accessTokenTtl"]
SCOPE_KEYS = ["tenantId", "id", "resourceId", "name", "description", "createdAt"]


def new_resource(api: httpx.Client, **body: Any) -> dict[str, Any]:
    payload = {"name": unique("api"), "indicator": f"https://{unique('res')}.example.com", **body}
    res = api.post("/api/resources", json=payload)
    assert res.status_code == 201, res.text
    return dict(res.json())


def new_scope(api: httpx.Client, resource_id: str, **body: Any) -> dict[str, Any]:
    res = api.post(f"/api/resources/{resource_id}/scopes", json={"name": unique("s"), **body})
    assert res.status_code == 201, res.text
    return dict(res.json())


def error(res: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert res.status_code == status, res.text
    body = dict(res.json())
    assert body["code"] == code, body
    return body


def test_create_get_and_list(api: httpx.Client) -> None:
    created = new_resource(api, accessTokenTtl=600)
    assert list(created) == [*RESOURCE_KEYS, "scopes"]
    assert created["tenantId"] == "default" and len(created["id"]) == 21
    assert (
        created["isDefault"] is False
        and created["accessTokenTtl"] == 600
        and created["scopes"] == []
    )
    got = api.get(f"/api/resources/{created['id']}").json()
    assert got == {k: created[k] for k in RESOURCE_KEYS}
    assert new_resource(api)["accessTokenTtl"] == 3600

    listed = api.get("/api/resources")
    assert (
        listed.status_code == 200
        and "total-number" not in listed.headers
        and "link" not in listed.headers
    )
    by_id = {r["id"]: r for r in listed.json()}
    assert by_id[created["id"]] == got and "scopes" not in got
    mgmt = by_id["management-api"]
    assert mgmt == {
        "tenantId": "default",
        "id": "management-api",
        "name": "Logto Management API",
        "indicator": MGMT,
        "isDefault": False,
        "accessTokenTtl": 3600,
    }


def test_list_include_scopes_and_paging(api: httpx.Client) -> None:
    res = new_resource(api)
    s1, s2 = new_scope(api, res["id"]), new_scope(api, res["id"], description="two")
    for flag in ("true", "1", "yes", "Y"):
        listed = {
            r["id"]: r for r in api.get("/api/resources", params={"includeScopes": flag}).json()
        }
        assert listed[res["id"]]["scopes"] == [s1, s2]
        assert [s["name"] for s in listed["management-api"]["scopes"]] == ["all"]
    no = api.get("/api/resources", params={"includeScopes": "no"}).json()
    assert all("scopes" not in r for r in no)

    total = len(api.get("/api/resources").json())
    page = api.get("/api/resources", params={"page_size": 1, "page": 2})
    assert page.status_code == 200 and len(page.json()) == 1
    assert page.headers["total-number"] == str(total)
    links = page.headers.get_list("link")
    assert any('rel="first"' in link and "/api/resources?" in link for link in links)
    assert api.get("/api/resources", params={"page_size": 0}).status_code == 400


def test_duplicate_indicator(api: httpx.Client) -> None:
    res = new_resource(api)
    dup = api.post("/api/resources", json={"name": "x", "indicator": res["indicator"]})
    body = error(dup, 422, "resource.resource_identifier_in_use")
    assert body["message"] == f"The API identifier {res['indicator']} is already in use"


def test_create_strips_is_default_and_validates(api: httpx.Client) -> None:
    res = new_resource(api, isDefault=True, id="mine", tenantId="other")
    assert res["isDefault"] is False and res["id"] != "mine" and res["tenantId"] == "default"
    bad_bodies: list[Any] = [
        {"indicator": "https://x.example"},
        {"name": "", "indicator": "https://x.example"},
        {"name": "x", "indicator": ""},
        {"name": 1, "indicator": "https://x.example"},
        {"name": "x", "indicator": "https://x.example", "accessTokenTtl": "60"},
        {"name": "x", "indicator": "https://x.example", "accessTokenTtl": -1},
        {"name": "x", "indicator": "https://x.example", "accessTokenTtl": 0},
        {"name": "x", "indicator": "https://x.example", "accessTokenTtl": 1e300},
        {"name": "x", "indicator": "https://x.example", "accessTokenTtl": 10**30},
        {"name": "x", "indicator": "https://x.example", "accessTokenTtl": 1.5},
        {"name": "x", "indicator": "https://x.example", "accessTokenTtl": None},
        {"name": "x\u0000y", "indicator": "https://x.example"},
        [],
        "text",
        None,
    ]
    for body in bad_bodies:
        res = api.post("/api/resources", json=body)
        assert res.status_code == 400, (body, res.text)
        assert res.json()["code"] == "guard.invalid_input"
    raw = api.post(
        "/api/resources", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert raw.status_code == 400


def test_missing_resource_errors(api: httpx.Client) -> None:
    msg = "The resources with ID `nope` does not exist."
    for method in ("GET", "PATCH", "DELETE"):
        res = api.request(
            method, "/api/resources/nope", json={"name": "x"} if method == "PATCH" else None
        )
        assert error(res, 404, "entity.not_exists_with_id")["message"] == msg
    error(
        api.patch("/api/resources/nope/is-default", json={"isDefault": False}),
        404,
        "entity.not_exists_with_id",
    )
    # Logto's "set default" transaction updates no row: a different code than the lookup above.
    body = error(
        api.patch("/api/resources/nope/is-default", json={"isDefault": True}),
        404,
        "entity.not_exists",
    )
    assert body["message"] == "The resource does not exist."
    for weird in ("%00", "x" * 300, "%F0%9F%98%80"):
        assert api.get(f"/api/resources/{weird}").status_code in (400, 404)


def test_patch(api: httpx.Client) -> None:
    res = new_resource(api)
    new_name = unique("renamed")
    patched = api.patch(
        f"/api/resources/{res['id']}",
        json={
            "name": new_name,
            "accessTokenTtl": 120,
            "indicator": "https://other.example",
            "isDefault": True,
        },
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert list(body) == RESOURCE_KEYS
    assert body["name"] == new_name and body["accessTokenTtl"] == 120
    assert body["indicator"] == res["indicator"] and body["isDefault"] is False
    only_ignored = api.patch(
        f"/api/resources/{res['id']}", json={"indicator": "https://other.example"}
    )
    error(only_ignored, 422, "entity.invalid_input")
    error(api.patch(f"/api/resources/{res['id']}", json={}), 422, "entity.invalid_input")
    for bad in (
        {"name": ""},
        {"accessTokenTtl": -1},
        {"accessTokenTtl": 1e300},
        {"name": None},
        [1],
    ):
        error(api.patch(f"/api/resources/{res['id']}", json=bad), 400, "guard.invalid_input")


def test_delete_cascades_scopes(api: httpx.Client) -> None:
    res = new_resource(api)
    new_scope(api, res["id"])
    assert api.delete(f"/api/resources/{res['id']}").status_code == 204
    error(api.get(f"/api/resources/{res['id']}"), 404, "entity.not_exists_with_id")
    assert api.get(f"/api/resources/{res['id']}/scopes").json() == []


@pytest.mark.parametrize("indicator", ["management-api", None])
def test_management_api_is_read_only(api: httpx.Client, indicator: str | None) -> None:
    """The seeded resource, and any resource whose indicator looks like one, are protected."""
    if indicator is None:
        rid = new_resource(api, indicator=f"https://{unique('tenant')}.logto.app/api")["id"]
    else:
        rid = indicator
    modify = "resource.cannot_modify_management_api"
    body = error(api.patch(f"/api/resources/{rid}", json={"name": "x"}), 400, modify)
    assert body["message"] == "Cannot modify Logto Management API."
    body = error(api.delete(f"/api/resources/{rid}"), 400, "resource.cannot_delete_management_api")
    assert body["message"] == "Cannot delete Logto Management API."
    error(api.post(f"/api/resources/{rid}/scopes", json={"name": "extra"}), 400, modify)
    scopes = api.get(f"/api/resources/{rid}/scopes").json()
    if rid == "management-api":
        assert [s["id"] for s in scopes] == ["management-api-all"]
        error(
            api.patch(f"/api/resources/{rid}/scopes/management-api-all", json={"name": "x"}),
            400,
            modify,
        )
        error(api.delete(f"/api/resources/{rid}/scopes/management-api-all"), 400, modify)
        assert api.get("/api/resources/management-api").json()["name"] == "Logto Management API"


def test_is_default_switches_atomically(api: httpx.Client) -> None:
    a, b = new_resource(api), new_resource(api)
    try:
        res = api.patch(f"/api/resources/{a['id']}/is-default", json={"isDefault": True})
        assert (
            res.status_code == 200
            and res.json()["isDefault"] is True
            and list(res.json()) == RESOURCE_KEYS
        )
        res = api.patch(f"/api/resources/{b['id']}/is-default", json={"isDefault": True})
        assert res.json()["isDefault"] is True
        assert api.get(f"/api/resources/{a['id']}").json()["isDefault"] is False
        defaults = [r["id"] for r in api.get("/api/resources").json() if r["isDefault"]]
        assert defaults == [b["id"]]
        # Allowed on the Management API too.
        res = api.patch("/api/resources/management-api/is-default", json={"isDefault": True})
        assert res.status_code == 200 and res.json()["isDefault"] is True
        assert api.get(f"/api/resources/{b['id']}").json()["isDefault"] is False
        res = api.patch("/api/resources/management-api/is-default", json={"isDefault": False})
        assert res.json()["isDefault"] is False
        for bad in ({}, {"isDefault": "true"}, {"isDefault": 1}, {"isDefault": None}):
            error(
                api.patch(f"/api/resources/{a['id']}/is-default", json=bad),
                400,
                "guard.invalid_input",
            )
    finally:
        # Other tests expect no default resource.
        api.patch("/api/resources/management-api/is-default", json={"isDefault": False})
        for r in (a, b):
            api.patch(f"/api/resources/{r['id']}/is-default", json={"isDefault": False})
    assert not [r for r in api.get("/api/resources").json() if r["isDefault"]]


def test_scope_crud(api: httpx.Client) -> None:
    res = new_resource(api)
    created = api.post(
        f"/api/resources/{res['id']}/scopes", json={"name": "read:docs", "description": "Read"}
    )
    assert created.status_code == 201
    scope = created.json()
    assert list(scope) == SCOPE_KEYS
    assert (
        scope["resourceId"] == res["id"]
        and scope["name"] == "read:docs"
        and scope["description"] == "Read"
    )
    assert isinstance(scope["createdAt"], int) and len(scope["id"]) == 21
    no_desc = new_scope(api, res["id"])
    assert no_desc["description"] is None

    patched = api.patch(
        f"/api/resources/{res['id']}/scopes/{scope['id']}", json={"name": "read:all"}
    )
    assert patched.status_code == 200
    assert patched.json() == {**scope, "name": "read:all"}
    cleared = api.patch(
        f"/api/resources/{res['id']}/scopes/{scope['id']}", json={"description": None}
    )
    assert cleared.json()["description"] is None and cleared.json()["name"] == "read:all"
    same = api.patch(f"/api/resources/{res['id']}/scopes/{scope['id']}", json={"name": "read:all"})
    assert same.status_code == 200  # its own name is not a conflict

    assert api.delete(f"/api/resources/{res['id']}/scopes/{scope['id']}").status_code == 204
    error(api.delete(f"/api/resources/{res['id']}/scopes/{scope['id']}"), 404, "entity.not_found")
    names = [s["name"] for s in api.get(f"/api/resources/{res['id']}/scopes").json()]
    assert names == [no_desc["name"]]


def test_scope_errors(api: httpx.Client) -> None:
    res, other = new_resource(api), new_resource(api)
    scope = new_scope(api, res["id"], name="dup")
    body = error(
        api.post(f"/api/resources/{res['id']}/scopes", json={"name": "dup"}),
        422,
        "scope.name_exists",
    )
    assert body["message"] == "The scope name dup is already in use"
    assert api.post(f"/api/resources/{other['id']}/scopes", json={"name": "dup"}).status_code == 201
    for name in ("has space", "tab\there", "line\nbreak"):
        body = error(
            api.post(f"/api/resources/{res['id']}/scopes", json={"name": name}),
            400,
            "scope.name_with_space",
        )
        assert body["message"] == "The name of the scope cannot contain any spaces."
    # The whitespace check comes before the resource lookup, as in Logto.
    error(
        api.post("/api/resources/nope/scopes", json={"name": "a b"}), 400, "scope.name_with_space"
    )
    error(
        api.post("/api/resources/nope/scopes", json={"name": "ok"}),
        404,
        "entity.not_exists_with_id",
    )
    for bad in (
        {},
        {"name": ""},
        {"name": "x" * 257},
        {"name": 5},
        {"name": "a", "description": 5},
    ):
        error(api.post(f"/api/resources/{res['id']}/scopes", json=bad), 400, "guard.invalid_input")
    assert new_scope(api, res["id"], name="y" * 256)["name"] == "y" * 256

    url = f"/api/resources/{res['id']}/scopes/{scope['id']}"
    new_scope(api, res["id"], name="taken")
    error(api.patch(url, json={"name": "taken"}), 422, "scope.name_exists")
    error(api.patch(url, json={"name": "a b"}), 400, "scope.name_with_space")
    error(api.patch(url, json={}), 422, "entity.invalid_input")
    error(api.patch(url, json={"name": "x" * 257}), 400, "guard.invalid_input")
    error(
        api.patch(f"/api/resources/{res['id']}/scopes/nope", json={"name": "z"}),
        404,
        "entity.not_exists",
    )
    # A scope is only reachable through its own resource.
    error(
        api.patch(f"/api/resources/{other['id']}/scopes/{scope['id']}", json={"name": "z"}),
        404,
        "entity.not_exists",
    )
    error(api.delete(f"/api/resources/{other['id']}/scopes/{scope['id']}"), 404, "entity.not_found")
    error(
        api.patch(f"/api/resources/nope/scopes/{scope['id']}", json={"name": "z"}),
        404,
        "entity.not_exists_with_id",
    )
    error(api.delete(f"/api/resources/nope/scopes/{scope['id']}"), 404, "entity.not_exists_with_id")


def test_scope_list_paging_and_search(api: httpx.Client) -> None:
    res = new_resource(api)
    made = [
        new_scope(api, res["id"], name=f"perm:{i:02d}", description=f"Desc {i}") for i in range(25)
    ]
    url = f"/api/resources/{res['id']}/scopes"
    first = api.get(url)
    assert first.headers["total-number"] == "25" and len(first.json()) == 20
    assert first.json() == made[:20]
    second = api.get(url, params={"page": 2})
    assert second.json() == made[20:]
    links = second.headers.get_list("link")
    assert [link.rsplit("rel=", 1)[1] for link in links] == ['"first"', '"prev"', '"last"']
    assert all(f"/api/resources/{res['id']}/scopes?" in link for link in links)

    found = api.get(url, params={"search.name": "perm:0%"})
    assert [s["name"] for s in found.json()] == [f"perm:0{i}" for i in range(10)]
    assert found.headers["total-number"] == "10"
    exact = api.get(
        url, params=[("search.name", "PERM:01"), ("search.name", "perm:02"), ("mode.name", "exact")]
    )
    assert [s["name"] for s in exact.json()] == ["perm:01", "perm:02"]
    general = api.get(url, params={"search": "desc 7"})
    assert [s["name"] for s in general.json()] == ["perm:07"]
    error(api.get(url, params={"search.bogus": "x"}), 400, "request.invalid_input")
    error(api.get(url, params={"search": "x", "mode": "similar_to"}), 400, "request.invalid_input")
    error(api.get(url, params={"search": "(", "mode": "posix"}), 400, "request.invalid_input")
    assert api.get(url, params={"search": "a\u0000b"}).status_code in (200, 400)
    unknown = api.get("/api/resources/nope/scopes")
    assert (
        unknown.status_code == 200
        and unknown.json() == []
        and unknown.headers["total-number"] == "0"
    )
