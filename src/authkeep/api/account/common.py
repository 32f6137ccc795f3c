"""What every `/api/my-account` and `/api/verifications` route shares (Logto's koa-oidc-auth
identity check, koa-account-center, assertFirstPartyClient, the manual User.Data.Updated hook).

For other engineers' my-account routes (sessions, grants): declare the route with
`before=gate`, then call `await require_verified(ctx)` where Logto asserts `identityVerified`,
`field(ctx, "session")` for the account-center control, `scope(ctx, ...)` for the scope check.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep import clock
from authkeep.api.contract import Ctx
from authkeep.auth.policies import UserToken
from authkeep.domain import account_center
from authkeep.domain import hooks as hook_rules
from authkeep.domain import verification_records as records
from authkeep.errors import LogtoError
from authkeep.hooks import many
from authkeep.store import applications as app_store
from authkeep.store import rows
from authkeep.store import users as user_store

VERIFICATION_HEADER = "logto-verification-id"
EDIT, READ_ONLY = "Edit", "ReadOnly"


def user_id(ctx: Ctx) -> str:
    auth: UserToken = ctx.auth
    assert auth.account_id is not None  # the end_user policy refuses tokens without one
    return auth.account_id


async def gate(ctx: Ctx) -> None:
    """`before=` check of every route: the token's user must still be active (a suspended or
    deleted user's token is 401 `auth.unauthorized`), then the account center must be enabled
    (400 `account_center.not_enabled`). The settings are kept for `field()`."""
    async with ctx.db.read() as conn:
        user = await user_store.find_user(conn, ctx.tenant_id, user_id(ctx))
        if user is None or user.is_suspended:
            raise LogtoError("auth.unauthorized", 401)
        settings = await account_center.current(conn, ctx.tenant_id)
    if not settings.get("enabled"):
        raise LogtoError("account_center.not_enabled", 400)
    ctx.request.state.account_center = settings


def fields(ctx: Ctx) -> dict[str, Any]:
    settings = getattr(ctx.request.state, "account_center", None) or {}
    found = settings.get("fields")
    return found if isinstance(found, dict) else {}


def field(ctx: Ctx, name: str) -> str | None:
    """The account center's control of a field: Edit, ReadOnly, Off or None (not set)."""
    value = fields(ctx).get(name)
    return value if isinstance(value, str) else None


def editable(ctx: Ctx, *names: str) -> None:
    """400 `account_center.field_not_editable` unless the (first set of the) field is Edit."""
    control = next((c for c in (field(ctx, n) for n in names) if c is not None), None)
    if control != EDIT:
        raise LogtoError("account_center.field_not_editable", 400)


def readable(ctx: Ctx, *names: str) -> None:
    """400 `account_center.field_not_enabled` unless the field is Edit or ReadOnly."""
    control = next((c for c in (field(ctx, n) for n in names) if c is not None), None)
    if control not in (EDIT, READ_ONLY):
        raise LogtoError("account_center.field_not_enabled", 400)


def scope(ctx: Ctx, name: str, status: int = 401) -> None:
    """Logto answers a missing scope with `auth.unauthorized`: 401 where the route builds the
    error with a status, 400 where it passes the bare code (RequestError's default)."""
    auth: UserToken = ctx.auth
    if name not in auth.scopes:
        raise LogtoError("auth.unauthorized", status)


async def identity_verified(ctx: Ctx) -> bool:
    """koa-oidc-auth's `identityVerified`: the `logto-verification-id` header names an unexpired,
    verified Password record or UserPermissionValidation code record of this same user."""
    record_id = ctx.request.headers.get(VERIFICATION_HEADER)
    if not record_id:
        return False
    async with ctx.db.read() as conn:
        return await records.identity_verified(conn, ctx.tenant_id, record_id, user_id(ctx))


async def require_verified(ctx: Ctx) -> None:
    """The one place the identity verification is enforced: 401
    `verification_record.permission_denied` unless `identity_verified(ctx)`."""
    if not await identity_verified(ctx):
        raise LogtoError("verification_record.permission_denied", 401)


async def first_party(ctx: Ctx) -> None:
    """Logto's assertFirstPartyClient: 403 `auth.third_party_application_forbidden` for a
    third-party (or unknown) client."""
    auth: UserToken = ctx.auth
    if auth.client_id is None:
        return
    async with ctx.db.read() as conn:
        app = await app_store.find(conn, ctx.tenant_id, auth.client_id)
    if app is None or app.is_third_party:
        raise LogtoError("auth.third_party_application_forbidden", 403)


async def load_user(ctx: Ctx, conn: AsyncConnection | None = None) -> Row[Any]:
    if conn is not None:
        return await user_store.get_user(conn, ctx.tenant_id, user_id(ctx))
    async with ctx.db.read() as c:
        return await user_store.get_user(c, ctx.tenant_id, user_id(ctx))


async def user_updated(ctx: Ctx, conn: AsyncConnection, user: Row[Any]) -> None:
    """Stages `User.Data.Updated` in the same write (Logto's appendDataHookContext: `data` is the
    user's public fields, no path/method/status). Call `wake_hooks(ctx)` after the commit."""
    context: dict[str, Any] = {"createdAt": hook_rules.iso(clock.now_ms())}
    agent = ctx.request.headers.get("user-agent")
    if agent is not None:
        context["userAgent"] = agent
    if ctx.request.client is not None:
        context["ip"] = ctx.request.client.host
    data = rows.user_info(user)
    data.pop("hasPassword", None)
    if await many.add_ready(ctx.db, conn, ctx.tenant_id, "User.Data.Updated", [(context, None, data)]):
        ctx.request.state.hooks_staged = True


def wake_hooks(ctx: Ctx) -> None:
    worker = getattr(ctx.request.app.state, "hook_worker", None)
    if worker is not None and getattr(ctx.request.state, "hooks_staged", False):
        worker.wake()


async def save_user(ctx: Ctx, values: dict[str, Any]) -> Row[Any]:
    """Updates the caller's user row and raises User.Data.Updated, in one transaction."""
    async with ctx.db.write() as conn:
        row = await user_store.update_user(conn, ctx.tenant_id, user_id(ctx), values)
        await user_updated(ctx, conn, row)
    wake_hooks(ctx)
    return row
