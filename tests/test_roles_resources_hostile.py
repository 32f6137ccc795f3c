"""Hostile input on every Roles and Resources operation: always a 4xx with a Logto error code."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from tests.conftest import unique
from tests.server import Server
from tests.test_resources import new_resource, new_scope
from tests.test_roles import new_role

BODIES: list[Any] = [
    None,
    [],
    "text",
    1e300,
    -1,
    {"name": "\u0000", "description": "\u0000", "indicator": "\u0000"},
    {"name": ["x"], "description": {"a": 1}, "indicator": 5},
    {"accessTokenTtl": 10**40, "name": "x", "indicator": "y"},
    {"accessTokenTtl": 1e300, "name": "x", "indicator": "y"},
    {"accessTokenTtl": -1},
    {"isDefault": None},
    {"isDefault": "true"},
    {"scopeIds": [None], "userIds": [1e300], "applicationIds": [{"x": 1}]},
    {"scopeIds": ["\u0000"], "userIds": ["\u0000"], "applicationIds": ["\u0000"]},
    {"name": "x" * 100_000, "description": "d", "indicator": "i"},
    {"type": "\u0000", "name": "n", "description": "d"},
    {"a": [[[[[[[[[[[]]]]]]]]]]]},
]
RAW_BODIES = [b"\xff\xfe", b'{"name": "\\ud800"}', b"{", b"nul\x00", b"[" * 5000]
IDS = ["%00", "%25", "a'b;--", "x" * 3000, "%F0%9F%98%80", "%ED%A0%80"]
QUERIES: list[dict[str, str]] = [
    {"search": "\u0000"},
    {"search.name": "\u0000", "mode.name": "exact"},
    {"search": "(", "mode": "posix"},
    {"search": "[", "mode": "similar_to", "isCaseSensitive": "true"},
    {"page": "99999999999999999999"},
    {"page": "2147483648", "page_size": "100"},
    {"page_size": "-0"},
    {"type": "\u0000", "excludeUserId": "\u0000", "excludeApplicationId": "\u0000"},
    {"includeScopes": "\u0000"},
]


def _check(res: httpx.Response, what: str) -> None:
    assert res.status_code < 500, f"{what}: {res.status_code} {res.text[:300]}"
    if res.status_code >= 400:
        assert "code" in res.json(), f"{what}: {res.text[:300]}"


def test_no_input_causes_a_server_error(api: httpx.Client) -> None:
    resource = new_resource(api)
    scope = new_scope(api, resource["id"])
    role = new_role(api, type="MachineToMachine")
    rid, sid, oid = resource["id"], scope["id"], role["id"]
    writes = [
        ("POST", "/api/resources"),
        ("PATCH", f"/api/resources/{rid}"),
        ("PATCH", f"/api/resources/{rid}/is-default"),
        ("POST", f"/api/resources/{rid}/scopes"),
        ("PATCH", f"/api/resources/{rid}/scopes/{sid}"),
        ("POST", "/api/roles"),
        ("PATCH", f"/api/roles/{oid}"),
        ("POST", f"/api/roles/{oid}/scopes"),
        ("POST", f"/api/roles/{oid}/users"),
        ("POST", f"/api/roles/{oid}/applications"),
    ]
    for method, path in writes:
        for body in BODIES:
            _check(api.request(method, path, json=body), f"{method} {path} {str(body)[:60]}")
        for raw in RAW_BODIES:
            res = api.request(
                method, path, content=raw, headers={"content-type": "application/json"}
            )
            _check(res, f"{method} {path} raw {raw[:20]!r}")
    for weird in IDS:
        paths = [
            ("GET", f"/api/resources/{weird}"),
            ("PATCH", f"/api/resources/{weird}"),
            ("DELETE", f"/api/resources/{weird}"),
            ("PATCH", f"/api/resources/{weird}/is-default"),
            ("GET", f"/api/resources/{weird}/scopes"),
            ("POST", f"/api/resources/{weird}/scopes"),
            ("PATCH", f"/api/resources/{rid}/scopes/{weird}"),
            ("DELETE", f"/api/resources/{rid}/scopes/{weird}"),
            ("GET", f"/api/roles/{weird}"),
            ("PATCH", f"/api/roles/{weird}"),
            ("DELETE", f"/api/roles/{weird}"),
            ("GET", f"/api/roles/{weird}/scopes"),
            ("POST", f"/api/roles/{weird}/scopes"),
            ("DELETE", f"/api/roles/{oid}/scopes/{weird}"),
            ("GET", f"/api/roles/{weird}/users"),
            ("POST", f"/api/roles/{weird}/users"),
            ("DELETE", f"/api/roles/{oid}/users/{weird}"),
            ("GET", f"/api/roles/{weird}/applications"),
            ("POST", f"/api/roles/{weird}/applications"),
            ("DELETE", f"/api/roles/{oid}/applications/{weird}"),
        ]
        for method, path in paths:
            body = None
            if method in ("POST", "PATCH"):
                body = {
                    "name": "n",
                    "scopeIds": [weird],
                    "userIds": [weird],
                    "applicationIds": [weird],
                }
            _check(api.request(method, path, json=body), f"{method} {path[:80]}")
        for ids_key, path in (
            ("scopeIds", f"/api/roles/{oid}/scopes"),
            ("userIds", f"/api/roles/{oid}/users"),
            ("applicationIds", f"/api/roles/{oid}/applications"),
        ):
            _check(api.post(path, json={ids_key: [weird]}), f"POST {path} {weird[:20]}")
    lists = [
        "/api/resources",
        f"/api/resources/{rid}/scopes",
        "/api/roles",
        f"/api/roles/{oid}/scopes",
        f"/api/roles/{oid}/users",
        f"/api/roles/{oid}/applications",
    ]
    for path in lists:
        for query in QUERIES:
            _check(api.get(path, params=query), f"GET {path} {query}")
    # The seeded rows came through unchanged.
    mgmt = api.get("/api/resources/management-api").json()
    assert mgmt["isDefault"] is False and mgmt["name"] == "Logto Management API"


def _parallel(
    server: Server, token: str, calls: list[tuple[str, str, Any]]
) -> list[httpx.Response]:
    def run(call: tuple[str, str, Any]) -> httpx.Response:
        method, path, body = call
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as client:
            return client.request(method, path, json=body)

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_races_answer_logto_codes(api: httpx.Client, server: Server, token: str) -> None:
    name = unique("race")
    made = _parallel(
        server, token, [("POST", "/api/roles", {"name": name, "description": "d"})] * 8
    )
    assert sorted(r.status_code for r in made) == [200] + [422] * 7
    assert {r.json()["code"] for r in made if r.status_code == 422} == {"role.name_in_use"}

    resource = new_resource(api)
    made = _parallel(
        server, token, [("POST", f"/api/resources/{resource['id']}/scopes", {"name": name})] * 6
    )
    assert sorted(r.status_code for r in made) == [201] + [422] * 5

    indicator = f"https://{unique('race')}.example"
    made = _parallel(
        server, token, [("POST", "/api/resources", {"name": "r", "indicator": indicator})] * 6
    )
    assert sorted(r.status_code for r in made) == [201] + [422] * 5

    role = new_role(api, type="MachineToMachine")
    scope = new_scope(api, resource["id"])
    made = _parallel(
        server,
        token,
        [("POST", f"/api/roles/{role['id']}/scopes", {"scopeIds": [scope["id"]]})] * 6,
    )
    assert sorted(r.status_code for r in made) == [201] + [422] * 5

    contenders = [new_resource(api) for _ in range(6)]
    try:
        calls = [
            ("PATCH", f"/api/resources/{r['id']}/is-default", {"isDefault": True})
            for r in contenders
        ]
        assert [r.status_code for r in _parallel(server, token, calls)] == [200] * 6
        assert len([r for r in api.get("/api/resources").json() if r["isDefault"]]) == 1
    finally:
        for r in contenders:
            api.patch(f"/api/resources/{r['id']}/is-default", json={"isDefault": False})
