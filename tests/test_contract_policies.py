"""The route contract's auth policies and deadlock retry.

An in-process app (ASGI transport) declares one route per policy on the live server's own
database and keys, so a real Management API token is verified exactly as the server would.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

from authkeep.api.contract import ApiRouter, Ctx
from authkeep.auth.policies import INTERACTION_COOKIE, UserToken
from authkeep.state import AppState
from tests.conftest import unique
from tests.contract_app import run_in_process
from tests.server import Server

USER_TOKEN = "opaque-user-token"
NO_OPENID = "opaque-no-openid"
NO_ACCOUNT = "opaque-client-only"


class Tokens:
    """An in-memory issuer of opaque end-user tokens."""

    async def find_access_token(self, tenant_id: str, token: str) -> UserToken | None:
        return {
            USER_TOKEN: UserToken("user-1", "app-1", frozenset({"openid", "profile"})),
            NO_OPENID: UserToken("user-1", "app-1", frozenset({"profile"})),
            NO_ACCOUNT: UserToken(None, "app-1", frozenset({"openid"})),
        }.get(token)


class Interactions:
    async def find_interaction(self, tenant_id: str, cookie: str) -> Any | None:
        return {"id": cookie} if cookie == "known" else None


def _routers(calls: dict[str, int]) -> list[ApiRouter]:
    routers = {p: ApiRouter(policy=p, family="probe") for p in ("management", "end_user", "interaction", "public")}
    for policy, router in routers.items():

        async def who(ctx: Ctx, policy: str = policy) -> Any:
            caller = ctx.auth
            return {"policy": policy, "caller": getattr(caller, "account_id", None) or getattr(caller, "subject", None)}

        router.get(f"/{policy}", cache=False)(who)

    probe = routers["public"]

    def deadlock(sqlite_text: bool) -> DBAPIError:
        if sqlite_text:
            return OperationalError("UPDATE x", {}, sqlite3.OperationalError("database is locked"))
        orig = Exception("deadlock detected")
        orig.sqlstate = "40P01"  # type: ignore[attr-defined]
        return DBAPIError("UPDATE x", {}, orig)

    @probe.post("/deadlock-before-commit/{kind}", status=200)
    async def before_commit(ctx: Ctx) -> Any:
        calls["before"] += 1
        async with ctx.db.write() as conn:
            await conn.execute(text("SELECT 1"))
            if calls["before"] < 3:
                raise deadlock(ctx.param("kind") == "sqlite")
        return {"runs": calls["before"]}

    @probe.post("/deadlock-after-commit", status=200)
    async def after_commit(ctx: Ctx) -> Any:
        calls["after"] += 1
        async with ctx.db.write() as conn:
            await conn.execute(text("SELECT 1"))
        raise deadlock(False)

    @probe.post("/unique", status=200)
    async def unique_violation(ctx: Ctx) -> Any:
        orig = Exception("duplicate key")
        orig.sqlstate = "23505"  # type: ignore[attr-defined]
        raise DBAPIError("INSERT", {}, orig)

    return list(routers.values())


def _setup(state: AppState) -> None:
    state.user_tokens = Tokens()
    state.interactions = Interactions()


def _run(server: Server, test: Callable[[httpx.AsyncClient, dict[str, int]], Any]) -> None:
    calls = {"before": 0, "after": 0}
    run_in_process(server, _routers(calls), lambda client: test(client, calls), _setup)


def _code(res: httpx.Response, status: int, code: str) -> None:
    assert res.status_code == status, res.text
    assert res.json()["code"] == code, res.text


def test_each_policy_refuses_the_others_credentials(server: Server, token: str) -> None:
    mgmt = {"Authorization": f"Bearer {token}"}
    user = {"Authorization": f"Bearer {USER_TOKEN}"}
    cookie = {"Cookie": f"{INTERACTION_COOKIE}=known"}

    async def test(client: httpx.AsyncClient, _calls: dict[str, int]) -> None:
        # management: its own token passes; an end user's opaque token or a cookie does not.
        res = await client.get("/api/management", headers=mgmt)
        assert res.status_code == 200 and res.json()["caller"] == server.client_id
        _code(await client.get("/api/management", headers=user), 401, "auth.unauthorized")
        _code(await client.get("/api/management", headers=cookie), 401, "auth.authorization_header_missing")
        # end_user: the Management API JWT is a resource token, unknown here (as Logto: 401).
        res = await client.get("/api/end_user", headers=user)
        assert res.status_code == 200 and res.json()["caller"] == "user-1"
        _code(await client.get("/api/end_user", headers=mgmt), 401, "auth.unauthorized")
        _code(await client.get("/api/end_user", headers=cookie), 401, "auth.authorization_header_missing")
        _code(await client.get("/api/end_user", headers={"Authorization": "Basic x"}), 401,
              "auth.authorization_token_type_not_supported")
        _code(await client.get("/api/end_user", headers={"Authorization": f"Bearer {NO_ACCOUNT}"}), 401,
              "auth.unauthorized")
        _code(await client.get("/api/end_user", headers={"Authorization": f"Bearer {NO_OPENID}"}), 403,
              "auth.forbidden")
        # interaction: only the cookie; bearer tokens of either kind are no interaction.
        res = await client.get("/api/interaction", headers=cookie)
        assert res.status_code == 200
        for headers in (mgmt, user, {}, {"Cookie": f"{INTERACTION_COOKIE}=unknown"}):
            res = await client.get("/api/interaction", headers=headers)
            _code(res, 404, "session.interaction_not_found")
            assert res.json()["message"].startswith("Interaction session not found.")
        # public: no credentials needed, and any sent are ignored.
        for headers in ({}, mgmt, user, cookie):
            assert (await client.get("/api/public", headers=headers)).status_code == 200

    _run(server, test)


def test_deadlock_before_commit_is_retried(server: Server) -> None:
    async def test(client: httpx.AsyncClient, calls: dict[str, int]) -> None:
        for kind in ("postgres", "sqlite"):
            calls["before"] = 0
            res = await client.post(f"/api/deadlock-before-commit/{kind}")
            assert res.status_code == 200, res.text
            assert res.json() == {"runs": 3}

    _run(server, test)


def test_deadlock_after_commit_is_not_retried(server: Server) -> None:
    async def test(client: httpx.AsyncClient, calls: dict[str, int]) -> None:
        res = await client.post("/api/deadlock-after-commit")
        assert res.status_code == 500
        assert calls["after"] == 1

    _run(server, test)


def test_database_errors_are_mapped_once_for_every_route(server: Server) -> None:
    async def test(client: httpx.AsyncClient, _calls: dict[str, int]) -> None:
        _code(await client.post("/api/unique"), 422, "entity.unique_integrity_violation")

    _run(server, test)


def test_unknown_policy_is_refused_at_declaration() -> None:
    with pytest.raises(ValueError):
        ApiRouter(policy="nobody")


def test_live_management_routes_refuse_other_credentials(anon: httpx.Client, api: httpx.Client) -> None:
    assert api.get("/api/roles").status_code == 200
    res = anon.get("/api/roles", headers={"Authorization": f"Bearer {USER_TOKEN}"})
    assert res.status_code == 401 and res.json()["code"] == "auth.unauthorized"
    res = anon.get("/api/roles", headers={"Cookie": f"{INTERACTION_COOKIE}=known"})
    assert res.status_code == 401 and res.json()["code"] == "auth.authorization_header_missing"
    assert anon.get("/api/status").status_code == 204


def test_nul_in_path_or_query_is_refused_on_every_family(api: httpx.Client) -> None:
    name = unique("nul")
    for path in ("/api/roles/a%00b", "/api/resources/a%00b", "/api/applications/a%00b", f"/api/roles?search={name}%00"):
        res = api.get(path)
        assert res.status_code == 400, (path, res.text)
        assert res.json()["code"] == "guard.invalid_input"
        assert res.json()["message"] == ("The request query is invalid." if "?" in path else "The request params is invalid.")
