"""50 parallel adds and removes of the same members and roles: no 5xx, no duplicates, and a
final state that follows Logto's rules (a role always belongs to a membership)."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.server import Server
from tests.test_organization_helpers import ids_of, new_org, new_role, new_user, ok

WORKERS = 50


def _parallel(server: Server, token: str, jobs: list[Callable[[httpx.Client], httpx.Response]]) -> list[int]:
    barrier = threading.Barrier(len(jobs))
    local = threading.local()

    def run(job: Callable[[httpx.Client], httpx.Response]) -> int:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        barrier.wait()
        return job(local.client).status_code

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs))


def _state(api: httpx.Client, org_id: str) -> dict[str, list[str]]:
    res = api.get(f"/api/organizations/{org_id}/users", params={"page_size": 100})
    members = res.json()
    assert int(res.headers["total-number"]) == len(members)
    assert len(set(ids_of(members))) == len(members)
    out = {}
    for m in members:
        roles = ids_of(m["organizationRoles"])
        assert len(set(roles)) == len(roles)
        assert sorted(roles) == sorted(ids_of(ok(api.get(f"/api/organizations/{org_id}/users/{m['id']}/roles"))))
        out[m["id"]] = sorted(roles)
    return out


def test_same_member_and_roles_added_50_times(api: httpx.Client, server: Server, token: str) -> None:
    org = new_org(api)
    base = f"/api/organizations/{org['id']}/users"
    user = new_user(api)
    roles = [new_role(api) for _ in range(3)]
    role_ids = ids_of(roles)
    jobs: list[Callable[[httpx.Client], httpx.Response]] = []
    for i in range(WORKERS):
        if i % 2:
            jobs.append(lambda c: c.post(base, json={"userIds": [user["id"]]}))
        else:
            jobs.append(lambda c: c.post(f"{base}/roles", json={"userIds": [user["id"]], "organizationRoleIds": role_ids}))
    ok(api.post(base, json={"userIds": [user["id"]]}), 201)
    statuses = _parallel(server, token, jobs)
    assert set(statuses) == {201}, statuses
    assert _state(api, org["id"]) == {user["id"]: sorted(role_ids)}

    statuses = _parallel(server, token, [lambda c: c.delete(f"{base}/{user['id']}")] * WORKERS)
    assert sorted(statuses) == [204] + [404] * (WORKERS - 1)
    assert _state(api, org["id"]) == {}


def test_mixed_adds_and_removes(api: httpx.Client, server: Server, token: str) -> None:
    org = new_org(api)
    base = f"/api/organizations/{org['id']}/users"
    users = ids_of([new_user(api) for _ in range(4)])
    role_ids = ids_of([new_role(api) for _ in range(3)])
    rng = random.Random(4)
    ops: list[Callable[[httpx.Client], httpx.Response]] = [
        lambda c: c.post(base, json={"userIds": users}),
        lambda c: c.put(base, json={"userIds": users[:2]}),
        lambda c: c.delete(f"{base}/{rng.choice(users)}"),
        lambda c: c.post(f"{base}/roles", json={"userIds": users[:2], "organizationRoleIds": role_ids}),
        lambda c: c.post(f"{base}/{users[0]}/roles", json={"organizationRoleIds": role_ids[:2]}),
        lambda c: c.put(f"{base}/{users[1]}/roles", json={"organizationRoleIds": role_ids[1:]}),
        lambda c: c.delete(f"{base}/{users[0]}/roles/{role_ids[0]}"),
    ]
    jobs = [ops[i % len(ops)] for i in range(WORKERS)]
    rng.shuffle(jobs)
    for _round in range(2):
        statuses = _parallel(server, token, jobs)
        assert all(s < 500 for s in statuses), statuses
        assert set(statuses) <= {201, 204, 404, 422}, statuses
        state = _state(api, org["id"])
        assert set(state) <= set(users)
        assert all(set(r) <= set(role_ids) for r in state.values())

    # settle: one final writer decides, and the result is exactly what it asked for
    assert api.put(base, json={"userIds": users}).status_code == 204
    ok(api.post(f"{base}/roles", json={"userIds": users, "organizationRoleIds": role_ids}), 201)
    assert _state(api, org["id"]) == {u: sorted(role_ids) for u in users}
