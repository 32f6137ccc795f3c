"""PATCH racing DELETE on one entity (issue 13, D3): the loser of a race is a 404, never a 500,
and of several concurrent DELETEs exactly one answers 204."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.conftest import unique
from tests.server import Server

ROUNDS = 6
PATCHES = 6
DELETES = 4


def _make(api: httpx.Client, kind: str) -> str:
    """The entity's URL; scopes live under a resource."""
    def post(path: str, body: dict[str, Any]) -> str:
        res = api.post(path, json=body)
        assert res.status_code < 300, res.text
        return str(res.json()["id"])

    name = unique(kind)
    if kind == "roles":
        return f"/api/roles/{post('/api/roles', {'name': name, 'description': 'd'})}"
    if kind == "applications":
        return f"/api/applications/{post('/api/applications', {'name': name, 'type': 'MachineToMachine'})}"
    if kind == "resources":
        made = post("/api/resources", {"name": name, "indicator": f"https://{name}.example.com"})
        return f"/api/resources/{made}"
    if kind == "scopes":
        resource = post("/api/resources", {"name": name, "indicator": f"https://{name}.example.com"})
        return f"/api/resources/{resource}/scopes/{post(f'/api/resources/{resource}/scopes', {'name': name})}"
    if kind == "users":
        return f"/api/users/{post('/api/users', {'username': name.replace('-', '_')})}"
    if kind == "organizations":
        return f"/api/organizations/{post('/api/organizations', {'name': name})}"
    if kind == "organization-roles":
        return f"/api/organization-roles/{post('/api/organization-roles', {'name': name})}"
    if kind == "organization-scopes":
        return f"/api/organization-scopes/{post('/api/organization-scopes', {'name': name})}"
    raise AssertionError(kind)


PATCH_BODY: dict[str, Callable[[], dict[str, Any]]] = {
    "users": lambda: {"name": unique("n")},
    "resources": lambda: {"name": unique("n")},
}


async def _race(server: Server, token: str, url: str, body: dict[str, Any]) -> tuple[list[int], list[int]]:
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=PATCHES + DELETES)
    async with httpx.AsyncClient(base_url=server.base_url, headers=headers, timeout=30, limits=limits) as client:
        patches = [client.patch(url, json=body) for _ in range(PATCHES)]
        deletes = [client.delete(url) for _ in range(DELETES)]
        done = await asyncio.gather(*patches, *deletes)
    statuses = [r.status_code for r in done]
    for res in done:
        if res.status_code == 404:
            assert res.json()["code"].startswith("entity."), res.text
    return statuses[:PATCHES], statuses[PATCHES:]


@pytest.mark.parametrize(
    "kind",
    ["roles", "applications", "resources", "scopes", "users", "organizations", "organization-roles",
     "organization-scopes"],
)
def test_patch_racing_delete(api: httpx.Client, server: Server, token: str, kind: str) -> None:
    for _ in range(ROUNDS):
        url = _make(api, kind)
        body = PATCH_BODY.get(kind, lambda: {"description": unique("d")})()
        patched, deleted = asyncio.run(_race(server, token, url, body))
        assert all(s in (200, 404) for s in patched), (kind, patched)
        assert sorted(deleted) == [204] + [404] * (DELETES - 1), (kind, deleted)
        if kind != "scopes":  # a scope has no GET of its own
            assert api.get(url).status_code == 404
