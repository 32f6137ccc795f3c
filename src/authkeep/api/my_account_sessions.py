"""`/api/my-account/sessions` and `/api/my-account/grants` (Account API, policy `end_user`):
the signed-in user's own sessions and grants. As in Logto: the account center must be on with
its `session` field, the request must carry a verified identity (`logto-verification-id`), and
the token needs scope `urn:logto:scope:sessions`.

The checks are the Account API's own (api/account/common.py)."""

from __future__ import annotations

from typing import Any

from authkeep.api.account.common import editable, gate, readable, require_verified, scope, user_id
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.api.users.schemas import GrantsQuery, SessionDeleteQuery
from authkeep.api.users.sessions import end_user_session, list_user_grants, revoke_grant
from authkeep.oidc import sessions

router = ApiRouter(policy="end_user", family="sessions")
SCOPE = "urn:logto:scope:sessions"


async def _check(ctx: Ctx, edit: bool) -> str:
    """After `gate` (active user, account center on): the verified identity (Logto checks it even
    on GET, before the scope), the `session` field, then the scope."""
    await require_verified(ctx)
    (editable if edit else readable)(ctx, "session")
    scope(ctx, SCOPE)
    return user_id(ctx)


@router.get("/my-account/sessions", cache=False, before=gate)
async def my_sessions(ctx: Ctx) -> dict[str, Any]:
    user_id = await _check(ctx, edit=False)
    async with ctx.db.read() as conn:
        found = await sessions.sessions_of(conn, ctx.tenant_id, user_id)
    return {"sessions": [sessions.session_view(s) for s in found]}


@router.delete("/my-account/sessions/{sessionId}", query=SessionDeleteQuery, before=gate)
async def end_my_session(ctx: Ctx) -> None:
    user_id = await _check(ctx, edit=True)
    await end_user_session(ctx, user_id, ctx.param("sessionId"), ctx.q.revoke_grants_target)


@router.get("/my-account/grants", query=GrantsQuery, cache=False, before=gate)
async def my_grants(ctx: Ctx) -> dict[str, Any]:
    user_id = await _check(ctx, edit=False)
    async with ctx.db.read() as conn:
        return {"grants": await list_user_grants(conn, ctx.tenant_id, user_id, ctx.q.app_type)}


@router.delete("/my-account/grants/{grantId}", before=gate)
async def revoke_my_grant(ctx: Ctx) -> None:
    user_id = await _check(ctx, edit=True)
    await revoke_grant(ctx, user_id, ctx.param("grantId"))
