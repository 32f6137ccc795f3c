"""SDK against a live authkeep (SQLite and PostgreSQL), both twins.

Requests are counted by wrapping the real httpx transport (tests/sdk_http.py), never mocked.
Scenarios that need a Management API family authkeep does not serve yet skip with that reason.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import pytest

from authkeep.sdk import (
    AsyncClientCredentials,
    AsyncManagementApi,
    ClientCredentials,
    LogtoError,
    ManagementApi,
    OAuthError,
    Retry,
    ScopeWarning,
    Search,
    create_management_api,
)
from tests.conftest import fresh_server, unique
from tests.sdk_flavors import FLAVORS, OSS_INDICATOR, call, close, collect, make, run
from tests.sdk_http import AsyncCountingTransport, CountingTransport
from tests.server import Server


class Clock:
    """An epoch-seconds clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def _mgmt(flavor: str, server: Server, **options: Any) -> tuple[Any, Any]:
    return make(flavor, server.base_url, server.client_id, server.client_secret, **options)


async def require(mgmt: Any, path: str) -> None:
    """Skip when authkeep does not serve `path` yet (the router's plain-text 404/405)."""
    try:
        await call(mgmt.api.get(path, params={"page_size": 1}))
    except LogtoError as exc:
        if exc.code is None and exc.status in (404, 405):
            pytest.skip(f"authkeep does not serve GET {path} yet")
        raise


# ------------------------------------------------------------------------------ tokens


@pytest.mark.parametrize("flavor", FLAVORS)
def test_one_token_request_for_many_calls(flavor: str, server: Server) -> None:
    async def body() -> None:
        mgmt, transport = _mgmt(flavor, server)
        await require(mgmt, "/api/resources")
        for _ in range(24):
            await call(mgmt.api.resources.list())
        assert transport.token_requests == 1
        assert transport.paths["/api/resources"] == 25
        token = await call(mgmt.client_credentials.get_access_token())
        assert token.scope == "all" and token.value.count(".") == 2
        assert abs(token.expires_at - (time.time() + 3600)) < 30
        await close(mgmt)

    run(body)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_basic_credentials_work_too(flavor: str, server: Server) -> None:
    async def body() -> None:
        mgmt, transport = _mgmt(flavor, server, auth_method="client_secret_basic")
        token = await call(mgmt.client_credentials.get_access_token())
        assert token.scope == "all"
        request = transport.requests[0]
        assert request.headers["authorization"].startswith("Basic ")
        assert b"client_secret" not in request.content
        await close(mgmt)

    run(body)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_wrong_secret_is_an_oauth_error(flavor: str, server: Server) -> None:
    async def body() -> None:
        mgmt, _ = make(flavor, server.base_url, server.client_id, "wrong")
        with pytest.raises(OAuthError) as info:
            await call(mgmt.api.get("/api/resources"))
        assert (info.value.status, info.value.error) == (401, "invalid_client")
        await close(mgmt)
        mgmt, _ = _mgmt(flavor, server, api_indicator="https://nope.example/api")
        with pytest.raises(OAuthError) as info:
            await call(mgmt.client_credentials.get_access_token())
        assert (info.value.status, info.value.error) == (400, "invalid_target")
        await close(mgmt)

    run(body)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_refresh_happens_at_the_leeway(flavor: str, server: Server) -> None:
    async def body() -> None:
        clock = Clock()
        mgmt, transport = _mgmt(flavor, server, clock=clock)
        first = await call(mgmt.client_credentials.get_access_token())
        assert first.expires_at == int(clock.now) + 3600
        clock.now = first.expires_at - 61  # 61 s left: still cached
        assert await call(mgmt.client_credentials.get_access_token()) is first
        assert transport.token_requests == 1
        clock.now = first.expires_at - 60  # within the 60 s leeway: refresh
        second = await call(mgmt.client_credentials.get_access_token())
        assert second is not first and transport.token_requests == 2
        assert second.expires_at == int(clock.now) + 3600
        await close(mgmt)
        # a custom leeway
        clock = Clock()
        mgmt, transport = _mgmt(flavor, server, clock=clock, leeway=600)
        token = await call(mgmt.client_credentials.get_access_token())
        clock.now = token.expires_at - 601
        await call(mgmt.client_credentials.get_access_token())
        clock.now = token.expires_at - 599
        await call(mgmt.client_credentials.get_access_token())
        assert transport.token_requests == 2
        await close(mgmt)

    run(body)


def _threaded(n: int, task: Callable[[], Any]) -> list[Any]:
    barrier = threading.Barrier(n)

    def aligned() -> Any:
        barrier.wait()
        return task()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return [f.result() for f in [pool.submit(aligned) for _ in range(n)]]


def test_single_flight_refresh_across_50_threads(server: Server) -> None:
    clock = Clock()
    transport = CountingTransport()
    with create_management_api(
        "default",
        client_id=server.client_id,
        client_secret=server.client_secret,
        base_url=server.base_url,
        api_indicator=OSS_INDICATOR,
        transport=transport,
        clock=clock,
    ) as mgmt:
        assert isinstance(mgmt, ManagementApi)
        results = _threaded(50, lambda: mgmt.api.get("/api/resources", params={"page_size": 1}))
        assert len(results) == 50 and transport.token_requests == 1
        assert transport.paths["/api/resources"] == 50
        tokens = _threaded(50, mgmt.client_credentials.get_access_token)
        assert len({id(t) for t in tokens}) == 1 and transport.token_requests == 1
        clock.now = tokens[0].expires_at - 30  # everyone now sees a token inside the leeway
        results = _threaded(50, lambda: mgmt.api.get("/api/resources", params={"page_size": 1}))
        assert transport.token_requests == 2 and transport.paths["/api/resources"] == 100


def test_single_flight_refresh_across_50_tasks(server: Server) -> None:
    async def body() -> None:
        clock = Clock()
        mgmt, transport = _mgmt("async", server, clock=clock)
        assert isinstance(mgmt, AsyncManagementApi) and isinstance(
            transport, AsyncCountingTransport
        )
        calls = [mgmt.api.get("/api/resources", params={"page_size": 1}) for _ in range(50)]
        await asyncio.gather(*calls)
        assert transport.token_requests == 1 and transport.paths["/api/resources"] == 50
        tokens = await asyncio.gather(
            *[mgmt.client_credentials.get_access_token() for _ in range(50)]
        )
        assert len({id(t) for t in tokens}) == 1
        clock.now = tokens[0].expires_at - 30
        await asyncio.gather(
            *[mgmt.api.get("/api/resources", params={"page_size": 1}) for _ in range(50)]
        )
        assert transport.token_requests == 2 and transport.paths["/api/resources"] == 100
        await mgmt.aclose()

    asyncio.run(body())


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_refused_cached_token_is_refreshed_once_and_retried(flavor: str, server: Server) -> None:
    """The cached token goes bad (key rotation, revocation): one refresh, then success."""

    async def body() -> None:
        mgmt, transport = _mgmt(flavor, server)
        credentials = mgmt.client_credentials
        good = await call(credentials.get_access_token())
        credentials._token = replace(good, value=good.value[:-6] + "AAAAAA")  # bad signature
        assert await call(mgmt.api.resources.list(page_size=1)) is not None
        assert transport.token_requests == 2 and transport.paths["/api/resources"] == 2
        refused = next(r for r in transport.requests if r.url.path == "/api/resources")
        assert refused.headers["authorization"].endswith("AAAAAA")
        # many requests failing with the same stale token share one refresh
        fresh = await call(credentials.get_access_token())
        credentials._token = replace(fresh, value="not-a-jwt")
        if flavor == "async":
            await asyncio.gather(*[mgmt.api.resources.list(page_size=1) for _ in range(20)])
        else:
            _threaded(20, lambda: mgmt.api.resources.list(page_size=1))
        assert transport.token_requests == 3
        await close(mgmt)

    run(body)


def test_authkeep_rate_limit_429_is_waited_out() -> None:
    """authkeep's own limiter (3 calls per 2 s per app) answers 429 + Retry-After; the SDK waits."""
    env = {"AUTHKEEP_RATE_LIMIT": "3/2 seconds"}
    with fresh_server("sqlite", env) as server:
        for flavor in FLAVORS:

            async def body(flavor: str = flavor) -> None:
                mgmt, transport = _mgmt(flavor, server, retry=Retry(total=5, retry_after_max=10))
                started = time.monotonic()
                for _ in range(7):
                    await call(mgmt.api.resources.list())
                statuses = [r.status_code for r in transport.responses]
                assert 429 in statuses and statuses[-1] == 200
                assert time.monotonic() - started >= 1
                await close(mgmt)

            time.sleep(2.1)  # a fresh window for each twin
            run(body)


# ------------------------------------------------------------------------------ paging


async def _create_many(mgmt: Any, family: str, prefix: str, count: int) -> None:
    for i in range(count):
        name = f"{prefix}-{i:03d}"
        if family == "roles":
            await call(
                mgmt.api.roles.create(
                    {"name": name, "description": "paging", "type": "MachineToMachine"}
                )
            )
        else:
            await call(mgmt.api.applications.create({"name": name, "type": "MachineToMachine"}))


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize("family", ["roles", "applications"])
def test_paging_over_more_than_100_items(flavor: str, family: str, server: Server) -> None:
    async def body() -> None:
        mgmt, transport = _mgmt(flavor, server)
        await require(mgmt, f"/api/{family}")
        prefix = unique(f"page-{family}")
        await _create_many(mgmt, family, prefix, 105)
        namespace = getattr(mgmt.api, family)
        search = Search(fields={"name": f"{prefix}%"})
        before = transport.paths[f"/api/{family}"]
        pager = namespace.iterate(page_size=20, search=search)
        items = await collect(pager)
        assert len(items) == 105 and len({item["id"] for item in items}) == 105
        assert {item["name"] for item in items} == {f"{prefix}-{i:03d}" for i in range(105)}
        assert pager.total == 105
        assert (
            transport.paths[f"/api/{family}"] - before == 6
        )  # ceil(105 / 20), no page past the end
        # an exact multiple: 5 pages of 21, and no sixth request
        before = transport.paths[f"/api/{family}"]
        pages = []
        async_pages = namespace.iterate(page_size=21, search=search).pages()
        if hasattr(async_pages, "__aiter__"):
            pages = [page async for page in async_pages]
        else:
            pages = list(async_pages)
        assert [len(p.items) for p in pages] == [21] * 5 and [p.number for p in pages] == [
            1,
            2,
            3,
            4,
            5,
        ]
        assert all(p.total == 105 for p in pages) and pages[-1].next_url is None
        assert transport.paths[f"/api/{family}"] - before == 5
        # every request after the first followed Link under /api on our own origin
        followed = [r.url for r in transport.requests if r.url.path == f"/api/{family}"][-5:]
        assert [r.params["page"] for r in followed] == ["1", "2", "3", "4", "5"]
        assert all(r.params["search.name"] == f"{prefix}%" for r in followed)
        # a single page
        page = await call(namespace.list(page=6, page_size=20, search=search))
        assert len(page) == 5
        await close(mgmt)

    run(body)


# --------------------------------------------------------------------------- scenarios


@pytest.mark.parametrize("flavor", FLAVORS)
def test_users_search_and_errors(flavor: str, server: Server) -> None:
    async def body() -> None:
        mgmt, _ = _mgmt(flavor, server)
        await require(mgmt, "/api/users")
        users = mgmt.api.users
        domain = f"{unique('corp')}.example"
        created = []
        for name in ("ada", "grace", "linus"):
            created.append(
                await call(
                    users.create(
                        {
                            "username": f"{name}_{domain.split('.')[0][-6:]}",
                            "primaryEmail": f"{name}@{domain}",
                            "name": name.title(),
                        }
                    )
                )
            )
        assert created[0]["primaryEmail"] == f"ada@{domain}" and created[0]["isSuspended"] is False
        found = await collect(
            users.search(Search(fields={"primaryEmail": f"%@{domain}"}), page_size=2)
        )
        assert sorted(u["name"] for u in found) == ["Ada", "Grace", "Linus"]
        by_name = await collect(users.search(Search.contains(f"grace@{domain}", "primaryEmail")))
        assert [u["id"] for u in by_name] == [created[1]["id"]]
        # no implicit wildcards in Logto's like-search
        assert await collect(users.search(Search(fields={"primaryEmail": domain}))) == []
        got = await call(users.get(created[0]["id"]))
        assert got["id"] == created[0]["id"]
        updated = await call(users.update(created[0]["id"], {"name": "Ada Lovelace"}))
        assert updated["name"] == "Ada Lovelace"
        with pytest.raises(LogtoError) as info:
            await call(users.create({"username": created[0]["username"]}))
        assert (info.value.status, info.value.code) == (422, "user.username_already_in_use")
        await call(users.delete(created[2]["id"]))
        with pytest.raises(LogtoError) as info:
            await call(users.get(created[2]["id"]))
        assert (info.value.status, info.value.code) == (404, "entity.not_found")
        with pytest.raises(LogtoError) as info:
            await call(users.list(page_size=101))
        assert info.value.code == "guard.invalid_pagination"
        await close(mgmt)

    run(body)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_applications_roles_and_resources(flavor: str, server: Server) -> None:
    async def body() -> None:
        mgmt, _ = _mgmt(flavor, server)
        api = mgmt.api
        await require(mgmt, "/api/applications")
        await require(mgmt, "/api/roles")
        await require(mgmt, "/api/resources")
        prefix = unique("sdk")
        resource = await call(
            api.resources.create(
                {"name": f"{prefix} API", "indicator": f"https://{prefix}.example/api"}
            )
        )
        assert resource["accessTokenTtl"] == 3600 and resource["isDefault"] is False
        scope = await call(
            api.resources.create_scope(
                resource["id"], {"name": "read:things", "description": "Read"}
            )
        )
        assert [s["name"] for s in await collect(api.resources.iterate_scopes(resource["id"]))] == [
            "read:things"
        ]
        role = await call(
            api.roles.create(
                {"name": f"{prefix}-role", "description": "d", "type": "MachineToMachine"}
            )
        )
        await call(api.roles.add_scopes(role["id"], [scope["id"]]))
        app = await call(
            api.applications.create({"name": f"{prefix}-app", "type": "MachineToMachine"})
        )
        assert app["type"] == "MachineToMachine"
        await call(api.applications.assign_roles(app["id"], [role["id"]]))
        assert [r["id"] for r in await collect(api.applications.iterate_roles(app["id"]))] == [
            role["id"]
        ]
        secrets = await call(api.applications.list_secrets(app["id"]))
        assert secrets and all(len(s["value"]) >= 32 for s in secrets)
        # the new app is not a Management API client: its token lacks `all`, the SDK warns
        outsider, _ = make(flavor, server.base_url, app["id"], secrets[0]["value"])
        with pytest.warns(ScopeWarning), pytest.raises(LogtoError) as info:
            await call(outsider.api.resources.list())
        assert (info.value.status, info.value.code) == (403, "auth.forbidden")
        await close(outsider)
        # … but it gets the scope its role grants on the new resource
        kind = ClientCredentials if flavor == "sync" else AsyncClientCredentials
        credentials = kind(
            f"{server.base_url}/oidc/token",
            client_id=app["id"],
            client_secret=secrets[0]["value"],
            resource=resource["indicator"],
            scope="read:things",
        )
        assert (await call(credentials.get_access_token())).scope == "read:things"
        await call(credentials.aclose() if flavor == "async" else credentials.close())
        listed = await call(api.applications.list(search=Search(fields={"name": f"{prefix}-app"})))
        assert [a["id"] for a in listed] == [app["id"]]
        with pytest.raises(LogtoError) as info:
            await call(api.applications.get("does-not-exist"))
        assert info.value.code == "entity.not_exists_with_id"
        await call(api.applications.delete(app["id"]))
        await call(api.roles.delete(role["id"]))
        await call(api.resources.delete(resource["id"]))
        await close(mgmt)

    run(body)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_organization_members_and_invitations(flavor: str, server: Server) -> None:
    async def body() -> None:
        mgmt, _ = _mgmt(flavor, server)
        api = mgmt.api
        await require(mgmt, "/api/organizations")
        await require(mgmt, "/api/users")
        tag = unique("org")
        org = await call(api.organizations.create({"name": f"{tag} Inc."}))
        member_role = await call(api.organization_roles.create({"name": f"{tag}-member"}))
        people = [
            await call(
                api.users.create(
                    {
                        "username": f"{tag}_{n}".replace("-", "_"),
                        "primaryEmail": f"{n}@{tag}.example",
                    }
                )
            )
            for n in ("ann", "bo")
        ]
        await call(api.organizations.add_members(org["id"], [p["id"] for p in people]))
        await call(
            api.organizations.add_member_roles(
                org["id"], people[0]["id"], role_ids=[member_role["id"]]
            )
        )
        members = await collect(api.organizations.iterate_members(org["id"]))
        roles_by_user = {m["id"]: [r["name"] for r in m["organizationRoles"]] for m in members}
        assert roles_by_user == {people[0]["id"]: [f"{tag}-member"], people[1]["id"]: []}
        await call(api.organizations.remove_member(org["id"], people[1]["id"]))
        invitation = await call(
            api.organization_invitations.create(
                {
                    "organizationId": org["id"],
                    "invitee": f"carol@{tag}.example",
                    "expiresAt": int((time.time() + 86400) * 1000),
                    "organizationRoleIds": [member_role["id"]],
                }
            )
        )
        assert invitation["status"] == "Pending"
        pending = await call(api.organization_invitations.list(organization_id=org["id"]))
        assert [i["id"] for i in pending] == [invitation["id"]]
        revoked = await call(api.organization_invitations.set_status(invitation["id"], "Revoked"))
        assert revoked["status"] == "Revoked"
        await call(api.organization_invitations.delete(invitation["id"]))
        await call(api.organizations.delete(org["id"]))
        await close(mgmt)

    run(body)
