"""Roles and their users and applications; M2M roles driving /oidc/token."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any

import httpx

from authkeep import ids
from authkeep.config import normalize_database_url
from authkeep.secretbox import SecretBox
from authkeep.store import tables as T
from authkeep.store.db import Database
from tests.conftest import unique
from tests.server import Server
from tests.test_resources import error, new_resource, new_scope
from tests.test_roles import LIST_KEYS, new_role

USER_KEYS = [
    "id", "username", "primaryEmail", "primaryPhone", "name", "avatar", "customData", "identities",
    "lastSignInAt", "createdAt", "updatedAt", "profile", "applicationId", "cimdClientId", "isSuspended",
    "hasPassword",
]  # fmt: skip


async def _insert(server: Server, table: Any, rows: list[dict[str, Any]]) -> None:
    db = Database(normalize_database_url(server.database_url))
    try:
        async with db.write() as conn:
            await conn.execute(table.insert(), rows)
    finally:
        await db.dispose()


def make_users(server: Server, count: int) -> list[dict[str, Any]]:
    """Users go straight into the database: these tests must not depend on the Users API."""
    now = int(time.time() * 1000)
    rows = []
    for i in range(count):
        name = unique("user")
        rows.append({
            "tenant_id": "default", "id": ids.short_id(), "username": name, "primary_email": f"{name}@example.com",
            "name": f"Name {name}", "avatar": f"https://img.example/{name}.png", "profile": {}, "identities": {},
            "custom_data": {}, "logto_config": {}, "mfa_verifications": [], "created_at": now + i,
            "updated_at": now + i,
        })  # fmt: skip
    asyncio.run(_insert(server, T.users, rows))
    return rows


def make_app(
    server: Server, app_type: str = "MachineToMachine", secret: str | None = None
) -> dict[str, Any]:
    """An application row (plus a `Default secret` when `secret` is given), written directly."""
    box = SecretBox(server.secret_key)
    app_id = ids.standard_id()
    now = int(time.time() * 1000)
    row = {
        "tenant_id": "default", "id": app_id, "name": unique("app"), "description": "test app",
        "secret": box.seal("#internal:" + ids.standard_secret(), aad=app_id), "type": app_type,
        "oidc_client_metadata": {"redirectUris": [], "postLogoutRedirectUris": []}, "custom_client_metadata": {},
        "protected_app_metadata": None, "custom_data": {}, "is_third_party": False,
        "app_level_access_control_enabled": False, "created_at": now,
    }  # fmt: skip

    async def write() -> None:
        await _insert(server, T.applications, [row])
        if secret is not None:
            value = box.seal(secret, aad=app_id)
            secret_row = {
                "tenant_id": "default",
                "application_id": app_id,
                "name": "Default secret",
                "value": value,
                "created_at": now,
            }
            await _insert(server, T.application_secrets, [secret_row])

    asyncio.run(write())
    return row


def test_role_users(api: httpx.Client, server: Server) -> None:
    role = new_role(api)
    users = make_users(server, 5)
    uids = [u["id"] for u in users]
    url = f"/api/roles/{role['id']}/users"
    listed = api.get(url)
    assert listed.json() == [] and listed.headers["total-number"] == "0"

    added = api.post(url, json={"userIds": uids[:4]})
    assert added.status_code == 201 and added.content == b""
    listed = api.get(url)
    assert listed.headers["total-number"] == "4"
    assert [u["id"] for u in listed.json()] == uids[3::-1]  # newest first, as GET /users
    first = listed.json()[0]
    assert list(first) == USER_KEYS
    assert first["primaryEmail"] == users[3]["primary_email"] and first["hasPassword"] is False
    assert "tenantId" not in first and "passwordEncrypted" not in first
    paged = api.get(url, params={"page_size": 3, "page": 2})
    assert [u["id"] for u in paged.json()] == [uids[0]]
    assert any(
        "/api/roles/" in link and 'rel="prev"' in link for link in paged.headers.get_list("link")
    )
    found = api.get(url, params={"search.primaryEmail": users[1]["primary_email"].upper()})
    assert [u["id"] for u in found.json()] == [uids[1]]
    found = api.get(
        url,
        params={"search.username": "%", "search.id": uids[2], "joint": "and", "mode.id": "exact"},
    )
    assert [u["id"] for u in found.json()] == [uids[2]]
    error(api.get(url, params={"search.password_encrypted": "x"}), 400, "request.invalid_input")

    body = error(api.post(url, json={"userIds": [uids[4], uids[0]]}), 422, "role.user_exists")
    assert body["message"] == f"The user id {uids[0]} is already been added to this role"
    error(api.post(url, json={"userIds": [uids[4], "nobody"]}), 404, "entity.not_found")
    assert api.get(url).headers["total-number"] == "4"  # nothing half-done
    for bad in (
        {},
        {"userIds": []},
        {"userIds": [""]},
        {"userIds": "x"},
        {"userIds": ["x"] * 1001},
    ):
        error(api.post(url, json=bad), 400, "guard.invalid_input")

    m2m = new_role(api, type="MachineToMachine")
    error(
        api.post(f"/api/roles/{m2m['id']}/users", json={"userIds": [uids[4]]}),
        422,
        "entity.db_constraint_violated",
    )
    error(
        api.post("/api/roles/nope/users", json={"userIds": [uids[4]]}),
        404,
        "entity.not_exists_with_id",
    )
    error(api.get("/api/roles/nope/users"), 404, "entity.not_exists_with_id")

    assert api.delete(f"{url}/{uids[0]}").status_code == 204
    error(api.delete(f"{url}/{uids[0]}"), 404, "entity.not_found")
    error(api.delete(f"/api/roles/nope/users/{uids[1]}"), 404, "entity.not_found")
    assert api.get(url).headers["total-number"] == "3"

    # excludeUserId hides the user's roles from the list.
    other = new_role(api, name=f"{role['name']}-other")
    search = {"search.name": f"{role['name']}%"}
    assert {r["id"] for r in api.get("/api/roles", params=search).json()} == {
        role["id"],
        other["id"],
    }
    left = api.get("/api/roles", params={**search, "excludeUserId": uids[1]})
    assert [r["id"] for r in left.json()] == [other["id"]] and left.headers["total-number"] == "1"


def test_role_applications(api: httpx.Client, server: Server) -> None:
    role = new_role(api, type="MachineToMachine")
    apps = [make_app(server) for _ in range(3)]
    aids = [a["id"] for a in apps]
    url = f"/api/roles/{role['id']}/applications"
    added = api.post(url, json={"applicationIds": aids[:2]})
    assert added.status_code == 201 and added.content == b""
    listed = api.get(url)
    assert listed.headers["total-number"] == "2"
    assert {a["id"] for a in listed.json()} == set(aids[:2])
    item = listed.json()[0]
    assert (
        item["tenantId"] == "default"
        and item["type"] == "MachineToMachine"
        and "secret" not in item
    )
    assert list(item)[:3] == ["tenantId", "id", "name"] and "oidcClientMetadata" in item
    found = api.get(url, params={"search.name": apps[1]["name"]})
    assert [a["id"] for a in found.json()] == [aids[1]]

    body = error(
        api.post(url, json={"applicationIds": [aids[2], aids[1]]}), 422, "role.application_exists"
    )
    assert aids[1] in body["message"]
    body = error(
        api.post(url, json={"applicationIds": [aids[2], "nope"]}), 404, "entity.not_exists_with_id"
    )
    assert body["message"] == "The applications with ID `nope` does not exist."
    spa = make_app(server, "SPA")
    error(
        api.post(url, json={"applicationIds": [aids[2], spa["id"]]}),
        422,
        "entity.db_constraint_violated",
    )
    user_role = new_role(api)
    error(
        api.post(f"/api/roles/{user_role['id']}/applications", json={"applicationIds": [aids[2]]}),
        422,
        "entity.db_constraint_violated",
    )
    for bad in ({}, {"applicationIds": []}, {"applicationIds": [3]}):
        error(api.post(url, json=bad), 400, "guard.invalid_input")
    assert api.get(url).headers["total-number"] == "2"

    assert api.delete(f"{url}/{aids[0]}").status_code == 204
    error(api.delete(f"{url}/{aids[0]}"), 404, "entity.not_found")
    assert [a["id"] for a in api.get(url).json()] == [aids[1]]
    error(api.get("/api/roles/nope/applications"), 404, "entity.not_exists_with_id")

    left = api.get(
        "/api/roles", params={"search.name": role["name"], "excludeApplicationId": aids[1]}
    )
    assert left.json() == []
    kept = api.get(
        "/api/roles", params={"search.name": role["name"], "excludeApplicationId": aids[0]}
    )
    assert [r["id"] for r in kept.json()] == [role["id"]]


def test_list_counts_and_featured_members(api: httpx.Client, server: Server) -> None:
    tag = unique("feat")
    busy, quiet = new_role(api, name=f"{tag}-a"), new_role(api, name=f"{tag}-b")
    m2m = new_role(api, name=f"{tag}-c", type="MachineToMachine")
    users = make_users(server, 5)
    apps = [make_app(server) for _ in range(4)]
    assert (
        api.post(
            f"/api/roles/{busy['id']}/users", json={"userIds": [u["id"] for u in users]}
        ).status_code
        == 201
    )
    assert (
        api.post(f"/api/roles/{quiet['id']}/users", json={"userIds": [users[0]["id"]]}).status_code
        == 201
    )
    res = api.post(
        f"/api/roles/{m2m['id']}/applications", json={"applicationIds": [a["id"] for a in apps]}
    )
    assert res.status_code == 201

    listed = {
        r["name"]: r for r in api.get("/api/roles", params={"search.name": f"{tag}-%"}).json()
    }
    a, b, c = listed[f"{tag}-a"], listed[f"{tag}-b"], listed[f"{tag}-c"]
    assert list(a) == LIST_KEYS
    assert a["usersCount"] == 5 and a["applicationsCount"] == 0 and a["featuredApplications"] == []
    assert len(a["featuredUsers"]) == 3
    by_id = {u["id"]: u for u in users}
    for featured in a["featuredUsers"]:
        assert list(featured) == ["id", "avatar", "name"]
        assert (
            featured["avatar"] == by_id[featured["id"]]["avatar"]
            and featured["name"] == by_id[featured["id"]]["name"]
        )
    assert b["usersCount"] == 1 and b["featuredUsers"] == [
        {"id": users[0]["id"], "avatar": users[0]["avatar"], "name": users[0]["name"]}
    ]
    assert (
        c["usersCount"] == 0 and c["applicationsCount"] == 4 and len(c["featuredApplications"]) == 3
    )
    app_by_id = {x["id"]: x for x in apps}
    for featured in c["featuredApplications"]:
        assert featured == {
            "id": featured["id"],
            "name": app_by_id[featured["id"]]["name"],
            "type": "MachineToMachine",
        }

    # Deleting a role drops its links; its members stay.
    assert api.delete(f"/api/roles/{busy['id']}").status_code == 204
    again = {r["name"]: r for r in api.get("/api/roles", params={"search.name": f"{tag}-%"}).json()}
    assert set(again) == {f"{tag}-b", f"{tag}-c"} and again[f"{tag}-b"]["usersCount"] == 1


def _token(server: Server, app: dict[str, Any], secret: str, **form: str) -> httpx.Response:
    data = {"grant_type": "client_credentials", **form}
    return httpx.post(f"{server.base_url}/oidc/token", data=data, auth=(app["id"], secret))


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def test_m2m_role_grants_resource_scopes_in_tokens(api: httpx.Client, server: Server) -> None:
    resource = new_resource(api, accessTokenTtl=1234)
    read, write, admin = (
        new_scope(api, resource["id"], name=n) for n in ("read", "write", "admin")
    )
    role = new_role(api, type="MachineToMachine", scopeIds=[read["id"], write["id"]])
    secret = ids.standard_secret()
    app = make_app(server, secret=secret)
    assert (
        api.post(
            f"/api/roles/{role['id']}/applications", json={"applicationIds": [app["id"]]}
        ).status_code
        == 201
    )

    res = _token(server, app, secret, resource=resource["indicator"], scope="write nope admin read")
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["scope"] == "write read" and body["expires_in"] == 1234
    claims = _claims(body["access_token"])
    assert claims["aud"] == resource["indicator"] and claims["scope"] == "write read"
    assert claims["exp"] - claims["iat"] == 1234

    # TTL changes and new grants show up in the next token.
    assert (
        api.patch(f"/api/resources/{resource['id']}", json={"accessTokenTtl": 77}).status_code
        == 200
    )
    assert (
        api.post(f"/api/roles/{role['id']}/scopes", json={"scopeIds": [admin["id"]]}).status_code
        == 201
    )
    body = _token(server, app, secret, resource=resource["indicator"], scope="admin read").json()
    assert body["expires_in"] == 77 and body["scope"] == "admin read"

    # With no `resource`, the default resource is used.
    no_default = _token(server, app, secret, scope="read")
    assert no_default.status_code == 400 and no_default.json()["error"] == "invalid_target"
    try:
        assert (
            api.patch(
                f"/api/resources/{resource['id']}/is-default", json={"isDefault": True}
            ).status_code
            == 200
        )
        body = _token(server, app, secret, scope="read").json()
        assert body["scope"] == "read" and body["expires_in"] == 77
        assert _claims(body["access_token"])["aud"] == resource["indicator"]
    finally:
        api.patch(f"/api/resources/{resource['id']}/is-default", json={"isDefault": False})
    assert _token(server, app, secret, scope="read").status_code == 400

    # Unlinking the role takes the scopes away; the Management API stays out of reach.
    assert api.delete(f"/api/roles/{role['id']}/applications/{app['id']}").status_code == 204
    body = _token(server, app, secret, resource=resource["indicator"], scope="read").json()
    assert "scope" not in body
    mgmt = _token(server, app, secret, resource="https://default.logto.app/api", scope="all").json()
    assert "scope" not in mgmt
