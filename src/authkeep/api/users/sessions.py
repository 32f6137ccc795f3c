"""A user's sessions and grants (Logto tag "Users"), read from the OIDC provider's records
(oidc/sessions.py). Revoking a session ends it (and, per `revokeGrantsTarget`, its grants);
revoking a grant removes every token issued under it."""

from __future__ import annotations

from typing import Any

from authkeep.api.contract import ApiRouter, Ctx
from authkeep.api.users.schemas import GrantsQuery, SessionDeleteQuery
from authkeep.errors import LogtoError
from authkeep.oidc import sessions
from authkeep.store import oidc_users

router = ApiRouter(policy="management", family="sessions")


async def list_user_grants(conn: Any, tenant_id: str, user_id: str, app_type: str | None) -> list[dict[str, Any]]:
    found = await sessions.grants_of(conn, tenant_id, user_id)
    apps = await oidc_users.app_names(conn, tenant_id, sorted({g.client_id for g in found if g.client_id}))
    out = []
    for grant in found:
        app = apps.get(grant.client_id or "")
        if app is None:
            continue
        if app_type is not None and bool(app["is_third_party"]) != (app_type == "thirdParty"):
            continue
        out.append(sessions.grant_view(grant, app))
    return out


async def end_user_session(ctx: Ctx, user_id: str, session_id: str, target: str | None) -> None:
    async with ctx.db.write() as conn:
        found = await sessions.session_by_uid(conn, ctx.tenant_id, user_id, session_id)
        if found is None:
            raise LogtoError("oidc.session_not_found", 404)
        first_party: set[str] | None = None
        if target == "firstParty":
            clients = list((found.payload.get("authorizations") or {}).keys())
            apps = await oidc_users.app_names(conn, ctx.tenant_id, clients)
            first_party = {cid for cid, app in apps.items() if not app["is_third_party"]}
        await sessions.revoke_session(conn, ctx.tenant_id, found, target, first_party)


async def revoke_grant(ctx: Ctx, user_id: str, grant_id: str) -> None:
    async with ctx.db.write() as conn:
        if not await sessions.revoke_user_grant(conn, ctx.tenant_id, user_id, grant_id):
            raise LogtoError("oidc.invalid_grant", 404)


@router.get("/users/{userId}/grants", query=GrantsQuery, cache=False)
async def list_grants(ctx: Ctx) -> dict[str, Any]:
    async with ctx.db.read() as conn:
        return {"grants": await list_user_grants(conn, ctx.tenant_id, ctx.param("userId"), ctx.q.app_type)}


@router.delete("/users/{userId}/grants/{grantId}")
async def delete_grant(ctx: Ctx) -> None:
    await revoke_grant(ctx, ctx.param("userId"), ctx.param("grantId"))


@router.get("/users/{userId}/sessions", cache=False)
async def list_sessions(ctx: Ctx) -> dict[str, Any]:
    async with ctx.db.read() as conn:
        found = await sessions.sessions_of(conn, ctx.tenant_id, ctx.param("userId"))
    return {"sessions": [sessions.session_view(s) for s in found]}


@router.get("/users/{userId}/sessions/{sessionId}", cache=False)
async def get_session(ctx: Ctx) -> dict[str, Any]:
    async with ctx.db.read() as conn:
        found = await sessions.session_by_uid(conn, ctx.tenant_id, ctx.param("userId"), ctx.param("sessionId"))
    if found is None:
        raise LogtoError("oidc.session_not_found", 404)
    return sessions.session_view(found)


@router.delete("/users/{userId}/sessions/{sessionId}", query=SessionDeleteQuery)
async def delete_session(ctx: Ctx) -> None:
    await end_user_session(ctx, ctx.param("userId"), ctx.param("sessionId"), ctx.q.revoke_grants_target)
