"""Concurrency: parallel creates of one unique name, parallel assigns and unassigns of roles.

Requests are fired together from one asyncio loop (200 in flight at once) at the shared server of
each backend. Only new entities with unique names are touched.

- Same unique name 200 times: exactly one 2xx, and Logto's 422 code for every other request.
- Assign/unassign storms: no 5xx, and the final state is consistent. Every successful assign
  (201 on POST /roles/{id}/users, or the role in `addedRoleIds`) and every successful unassign
  (204) is a transition of one (member, role) link, so per link the successful assigns minus the
  successful unassigns is 0 or 1, and 1 exactly when the link exists at the end, as seen from
  both sides (the role's members and the member's roles).
- Parallel PUTs (replace) are atomic: the final set is exactly one of the sets sent.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import unique
from tests.server import Server

PARALLEL = 200
MEMBERS = 8
@pytest.fixture
def client(server: Server, token: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as c:
        yield c


Call = tuple[str, str, Any]  # method, path, json body


def fire(server: Server, token: str, calls: list[Call]) -> list[httpx.Response]:
    """Send every call at once (one connection each) and return the responses in call order."""

    async def go() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=len(calls), max_keepalive_connections=len(calls))
        async with httpx.AsyncClient(
            base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=120, limits=limits
        ) as c:
            return list(await asyncio.gather(*(c.request(m, p, json=b) for m, p, b in calls)))

    return asyncio.run(go())


def _no_server_errors(calls: list[Call], responses: list[httpx.Response]) -> None:
    bad = [f"{m} {p} {b} -> {r.status_code} {r.text[:200]}" for (m, p, b), r in zip(calls, responses) if r.status_code >= 500]
    assert not bad, "\n".join(bad[:10])


def _codes(responses: list[httpx.Response]) -> Counter[tuple[int, str]]:
    return Counter((r.status_code, r.json().get("code", "") if r.status_code >= 400 else "") for r in responses)


# --- 200 creates of one unique name ------------------------------------------------------------------

CREATES = {
    "roles": ("/api/roles", lambda n: {"name": n, "description": "race"}, 200, "role.name_in_use"),
    "resources": (
        "/api/resources",
        lambda n: {"name": n, "indicator": f"https://{n}.example.com"},
        201,
        "resource.resource_identifier_in_use",
    ),
    "organization-roles": ("/api/organization-roles", lambda n: {"name": n}, 201, "entity.unique_integrity_violation"),
    "users": ("/api/users", lambda n: {"username": n.replace("-", "_")}, 200, "user.username_already_in_use"),
}


@pytest.mark.parametrize("kind", list(CREATES))
def test_same_unique_name_created_once(server: Server, token: str, client: httpx.Client, kind: str) -> None:
    path, body, created, taken = CREATES[kind]
    name = unique("race")
    calls: list[Call] = [("POST", path, body(name))] * PARALLEL
    responses = fire(server, token, calls)
    _no_server_errors(calls, responses)
    assert _codes(responses) == {(created, ""): 1, (422, taken): PARALLEL - 1}
    winner = next(r.json() for r in responses if r.status_code == created)
    assert client.get(f"{path}/{winner['id']}").status_code == 200


def test_same_scope_name_created_once(server: Server, token: str, client: httpx.Client) -> None:
    name = unique("race")
    resource = client.post("/api/resources", json={"name": name, "indicator": f"https://{name}.example.com"}).json()
    calls: list[Call] = [("POST", f"/api/resources/{resource['id']}/scopes", {"name": "read:race"})] * PARALLEL
    responses = fire(server, token, calls)
    _no_server_errors(calls, responses)
    assert _codes(responses) == {(201, ""): 1, (422, "scope.name_exists"): PARALLEL - 1}
    assert len(client.get(f"/api/resources/{resource['id']}/scopes").json()) == 1


def test_same_secret_name_created_once(server: Server, token: str, client: httpx.Client) -> None:
    app = client.post("/api/applications", json={"name": unique("race"), "type": "MachineToMachine"}).json()["id"]
    calls: list[Call] = [("POST", f"/api/applications/{app}/secrets", {"name": "deploy"})] * PARALLEL
    responses = fire(server, token, calls)
    _no_server_errors(calls, responses)
    assert _codes(responses) == {(201, ""): 1, (422, "application.secret_name_exists"): PARALLEL - 1}
    assert [s["name"] for s in client.get(f"/api/applications/{app}/secrets").json()].count("deploy") == 1


def test_same_primary_email_created_once(server: Server, token: str, client: httpx.Client) -> None:
    email = f"{unique('race')}@example.com"
    calls: list[Call] = [("POST", "/api/users", {"primaryEmail": email})] * PARALLEL
    responses = fire(server, token, calls)
    _no_server_errors(calls, responses)
    assert _codes(responses) == {(200, ""): 1, (422, "user.email_already_in_use"): PARALLEL - 1}


def test_parallel_user_creates_each_get_their_own_answer(server: Server, token: str, client: httpx.Client) -> None:
    """Creates that land together (on PostgreSQL, one batched statement): the taken ones get
    Logto's 422 for their identifier, the rest are created, and the count stays exact."""
    tag = unique("mix").replace("-", "_")
    taken_name = client.post("/api/users", json={"username": f"{tag}_taken"}).json()["username"]
    taken_mail = client.post("/api/users", json={"primaryEmail": f"{tag}@example.com"}).json()["primaryEmail"]
    calls: list[Call] = []
    for i in range(PARALLEL // 2):
        if i % 10 == 0:
            calls.append(("POST", "/api/users", {"username": taken_name}))
        elif i % 10 == 1:
            calls.append(("POST", "/api/users", {"primaryEmail": taken_mail.upper()}))
        else:
            calls.append(("POST", "/api/users", {"username": f"{tag}_{i}", "primaryEmail": f"{tag}_{i}@example.com"}))
    before = int(client.get("/api/users", params={"search.username": f"{tag}%"}).headers["total-number"])
    responses = fire(server, token, calls)
    _no_server_errors(calls, responses)
    for (_, _, body), res in zip(calls, responses):
        if body.get("username") == taken_name:
            assert (res.status_code, res.json()["code"]) == (422, "user.username_already_in_use")
        elif body.get("primaryEmail") == taken_mail.upper():
            assert (res.status_code, res.json()["code"]) == (422, "user.email_already_in_use")
        else:
            assert res.status_code == 200 and res.json()["username"] == body["username"]
            assert res.json()["primaryEmail"] == body["primaryEmail"]
    made = sum(r.status_code == 200 for r in responses)
    listed = client.get("/api/users", params={"search.username": f"{tag}%", "page_size": 100})
    assert int(listed.headers["total-number"]) == before + made == 1 + PARALLEL // 2 * 8 // 10


# --- assign/unassign storms --------------------------------------------------------------------------


def _transitions(calls: list[Call], responses: list[httpx.Response], link_of: Any) -> Counter[str]:
    """+1 per successful assign, -1 per successful unassign, by link."""
    net: Counter[str] = Counter()
    for call, res in zip(calls, responses):
        method, _, _ = call
        link, side = link_of(call)
        if method == "DELETE":
            assert res.status_code in {204, 404}, res.text
            net[link] -= res.status_code == 204
        else:
            assert res.status_code in {200, 201, 422}, res.text
            if res.status_code == 422:
                continue
            body = res.json() if res.content else {}
            added = body.get("addedRoleIds", [side]) if isinstance(body, dict) else [side]
            net[link] += side in added
    return net


def _ids(client: httpx.Client, path: str) -> list[str]:
    res = client.get(path, params={"page_size": 100, "page": 1})
    assert res.status_code == 200, res.text
    return [item["id"] for item in res.json()]


def _check_links(net: Counter[str], links: list[str], present: set[str]) -> None:
    for link in links:
        assert net[link] in {0, 1}, f"{link}: {net[link]} net successful assigns"
        assert (net[link] == 1) == (link in present), f"{link}: net {net[link]}, present {link in present}"


def test_user_role_assign_unassign_storm(server: Server, token: str, client: httpx.Client) -> None:
    role = client.post("/api/roles", json={"name": unique("storm"), "description": "d", "type": "User"}).json()["id"]
    users = [client.post("/api/users", json={"username": unique("s").replace("-", "_")}).json()["id"] for _ in range(MEMBERS)]
    rng = random.Random(6)
    calls: list[Call] = []
    for _ in range(PARALLEL):
        user = rng.choice(users)
        calls.append(rng.choice([
            ("POST", f"/api/roles/{role}/users", {"userIds": [user]}),
            ("DELETE", f"/api/roles/{role}/users/{user}", None),
            ("POST", f"/api/users/{user}/roles", {"roleIds": [role]}),
            ("DELETE", f"/api/users/{user}/roles/{role}", None),
        ]))

    def link_of(call: Call) -> tuple[str, str]:
        _, path, body = call
        user = body["userIds"][0] if body and "userIds" in body else next(u for u in users if u in path)
        return user, role

    responses = fire(server, token, calls)
    _no_server_errors(calls, responses)
    net = _transitions(calls, responses, link_of)
    members = _ids(client, f"/api/roles/{role}/users")
    assert len(members) == len(set(members))
    for user in users:
        roles = _ids(client, f"/api/users/{user}/roles")
        assert len(roles) == len(set(roles)) and (role in roles) == (user in members), user
    _check_links(net, users, set(members))


def test_application_role_assign_unassign_storm(server: Server, token: str, client: httpx.Client) -> None:
    app = client.post("/api/applications", json={"name": unique("storm"), "type": "MachineToMachine"}).json()["id"]
    roles = [
        client.post("/api/roles", json={"name": unique("storm"), "description": "d", "type": "MachineToMachine"}).json()["id"]
        for _ in range(MEMBERS)
    ]
    rng = random.Random(6)
    calls: list[Call] = []
    for _ in range(PARALLEL):
        role = rng.choice(roles)
        calls.append(rng.choice([
            ("POST", f"/api/applications/{app}/roles", {"roleIds": [role]}),
            ("DELETE", f"/api/applications/{app}/roles/{role}", None),
            ("POST", f"/api/roles/{role}/applications", {"applicationIds": [app]}),
            ("DELETE", f"/api/roles/{role}/applications/{app}", None),
        ]))

    def link_of(call: Call) -> tuple[str, str]:
        _, path, body = call
        role = body["roleIds"][0] if body and "roleIds" in body else next(r for r in roles if r in path)
        return role, role

    responses = fire(server, token, calls)
    _no_server_errors(calls, responses)
    net = _transitions(calls, responses, link_of)
    held = _ids(client, f"/api/applications/{app}/roles")
    assert len(held) == len(set(held))
    for role in roles:
        apps = _ids(client, f"/api/roles/{role}/applications")
        assert len(apps) == len(set(apps)) and (app in apps) == (role in held), role
    _check_links(net, roles, set(held))


@pytest.mark.parametrize("owner", ["applications", "users"])
def test_parallel_replaces_are_atomic(server: Server, token: str, client: httpx.Client, owner: str) -> None:
    """50 parallel PUT /{owner}/{id}/roles with different sets: the result is one of them, whole."""
    if owner == "applications":
        entity = client.post("/api/applications", json={"name": unique("put"), "type": "MachineToMachine"}).json()["id"]
        role_type = "MachineToMachine"
    else:
        entity = client.post("/api/users", json={"username": unique("put").replace("-", "_")}).json()["id"]
        role_type = "User"
    roles = [
        client.post("/api/roles", json={"name": unique("put"), "description": "d", "type": role_type}).json()["id"]
        for _ in range(MEMBERS)
    ]
    rng = random.Random(7)
    sets = [sorted(rng.sample(roles, rng.randint(1, MEMBERS))) for _ in range(50)]
    calls: list[Call] = [("PUT", f"/api/{owner}/{entity}/roles", {"roleIds": s}) for s in sets]
    responses = fire(server, token, calls)
    _no_server_errors(calls, responses)
    assert all(r.status_code == 200 for r in responses), _codes(responses)
    final = sorted(_ids(client, f"/api/{owner}/{entity}/roles"))
    assert final in sets
