"""Shared helpers for the organization tests (no tests here)."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any

import httpx

from authkeep.config import normalize_database_url
from authkeep.store import tables as T
from authkeep.store.db import Database
from tests.conftest import unique
from tests.server import Server

ORG_KEYS = [
    "tenantId", "id", "name", "description", "customData", "isMfaRequired", "color", "branding",
    "customCss", "createdAt",
]  # fmt: skip
ROLE_KEYS = ["tenantId", "id", "name", "description", "type"]
SCOPE_KEYS = ["tenantId", "id", "name", "description"]
INVITATION_KEYS = [
    "tenantId", "id", "inviterId", "invitee", "acceptedUserId", "organizationId", "status", "createdAt",
    "updatedAt", "expiresAt", "organizationRoles",
]  # fmt: skip
MEMBER_KEYS = [
    "id", "username", "primaryEmail", "primaryPhone", "name", "avatar", "customData", "identities",
    "lastSignInAt", "createdAt", "updatedAt", "profile", "applicationId", "cimdClientId", "isSuspended",
    "organizationRoles",
]  # fmt: skip


def error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert body["code"] == code, body
    return dict(body)


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.text)
    return response.json() if response.content else None


def new_org(api: httpx.Client, **fields: Any) -> dict[str, Any]:
    return dict(ok(api.post("/api/organizations", json={"name": unique("org"), **fields}), 201))


def new_user(api: httpx.Client, email: str | None = None, **fields: Any) -> dict[str, Any]:
    name = unique("u").replace("-", "_")
    body = {"username": name, "primaryEmail": email or f"{name}@example.com", "name": f"User {name}", **fields}
    return dict(ok(api.post("/api/users", json=body)))


def new_role(api: httpx.Client, role_type: str = "User", **fields: Any) -> dict[str, Any]:
    return dict(ok(api.post("/api/organization-roles", json={"name": unique("role"), "type": role_type, **fields}), 201))


def new_scope(api: httpx.Client, **fields: Any) -> dict[str, Any]:
    return dict(ok(api.post("/api/organization-scopes", json={"name": unique("scope"), **fields}), 201))


def new_app(api: httpx.Client, app_type: str = "MachineToMachine") -> dict[str, Any]:
    body: dict[str, Any] = {"name": unique("app"), "type": app_type}
    if app_type in {"SPA", "Native", "Traditional"}:
        body["oidcClientMetadata"] = {"redirectUris": ["https://example.com/cb"], "postLogoutRedirectUris": []}
    return dict(ok(api.post("/api/applications", json=body)))


def app_secret(api: httpx.Client, app_id: str) -> str:
    secrets = ok(api.get(f"/api/applications/{app_id}/secrets"))
    return str(secrets[0]["value"])


def new_resource(api: httpx.Client, scope_names: list[str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    resource = ok(api.post("/api/resources", json={"name": unique("api"), "indicator": f"https://{unique('api')}.example/"}), 201)
    scopes = [ok(api.post(f"/api/resources/{resource['id']}/scopes", json={"name": n}), 201) for n in scope_names]
    return resource, scopes


def claims(token: str) -> dict[str, Any]:
    seg = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4))))


async def _insert(server: Server, table: Any, rows: list[dict[str, Any]]) -> None:
    db = Database(normalize_database_url(server.database_url))
    try:
        async with db.write() as conn:
            await conn.execute(table.insert(), rows)
    finally:
        await db.dispose()


def new_sso_connector(server: Server) -> dict[str, Any]:
    """SSO connectors have no API in authkeep yet: the row goes straight into the database."""
    row = {
        "tenant_id": "default",
        "id": unique("sso"),
        "provider_name": "OIDC",
        "connector_name": unique("connector"),
        "config": {"issuer": "https://idp.example"},
        "domains": ["example.com"],
        "branding": {},
        "sync_profile": False,
        "enable_token_storage": False,
        "created_at": int(time.time() * 1000),
    }
    asyncio.run(_insert(server, T.sso_connectors, [row]))
    return row


def ids_of(items: list[dict[str, Any]]) -> list[str]:
    return [i["id"] for i in items]
