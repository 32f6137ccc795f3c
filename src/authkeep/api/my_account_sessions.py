"""`/api/my-account/sessions` and `/api/my-account/grants` (Account API, policy `end_user`):
the signed-in user's own sessions and grants. As in Logto: the account center must be on with
its `session` field, the request must carry a verified identity (`logto-verification-id`), and
the token needs scope `urn:logto:scope:sessions`.

The verification record is read straight from `verification_records` (verified, unexpired, the
caller's): the Verification API's own check replaces this when it lands."""

from __future__ import annotations

from typing import Any

from authkeep import clock
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.api.users.schemas import GrantsQuery, SessionDeleteQuery
from authkeep.api.users.sessions import end_user_session, list_user_grants, revoke_grant
from authkeep.domain.account_center import current
from authkeep.errors import LogtoError
from authkeep.oidc import sessions
from authkeep.store import oidc_users

router = ApiRouter(policy="end_user", family="sessions")
SCOPE = "urn:logto:scope:sessions"
HEADER = "logto-verification-id"


async def _check(ctx: Ctx, edit: bool) -> str:
    user_id = str(ctx.auth.account_id)
    async with ctx.db.read() as conn:
        center = await current(conn, ctx.tenant_id)
        record_id = ctx.request.headers.get(HEADER, "")
        record = await oidc_users.verification_record(conn, ctx.tenant_id, record_id) if 0 < len(record_id) <= 64 else None
    if not center.get("enabled"):
        raise LogtoError("account_center.not_enabled", 400, message="The account center is not enabled.")
    data = (record or {}).get("data") or {}
    verified = (
        record is not None and record["user_id"] == user_id and record["expires_at"] > clock.now_ms()
        and isinstance(data, dict) and data.get("verified") is True
    )  # fmt: skip
    if not verified:
        raise LogtoError("verification_record.permission_denied", 401, message="Permission denied, please re-authenticate.")
    field = (center.get("fields") or {}).get("session")
    if edit and field != "Edit":
        raise LogtoError("account_center.field_not_editable", 400, message="The field is not editable.")
    if field not in ("Edit", "ReadOnly"):
        raise LogtoError("account_center.field_not_enabled", 400, message="The field is not enabled.")
    if SCOPE not in ctx.auth.scopes:
        raise LogtoError("auth.unauthorized", 401)
    return user_id


@router.get("/my-account/sessions", cache=False)
async def my_sessions(ctx: Ctx) -> dict[str, Any]:
    user_id = await _check(ctx, edit=False)
    async with ctx.db.read() as conn:
        found = await sessions.sessions_of(conn, ctx.tenant_id, user_id)
    return {"sessions": [sessions.session_view(s) for s in found]}


@router.delete("/my-account/sessions/{sessionId}", query=SessionDeleteQuery)
async def end_my_session(ctx: Ctx) -> None:
    user_id = await _check(ctx, edit=True)
    await end_user_session(ctx, user_id, ctx.param("sessionId"), ctx.q.revoke_grants_target)


@router.get("/my-account/grants", query=GrantsQuery, cache=False)
async def my_grants(ctx: Ctx) -> dict[str, Any]:
    user_id = await _check(ctx, edit=False)
    async with ctx.db.read() as conn:
        return {"grants": await list_user_grants(conn, ctx.tenant_id, user_id, ctx.q.app_type)}


@router.delete("/my-account/grants/{grantId}")
async def revoke_my_grant(ctx: Ctx) -> None:
    user_id = await _check(ctx, edit=True)
    await revoke_grant(ctx, user_id, ctx.param("grantId"))
