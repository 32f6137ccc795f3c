"""What every Experience API route shares: the router, the cross-site guard, the stored state,
audit log entries and the webhooks raised from interactions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Literal
from urllib.parse import urlsplit

import orjson
from pydantic import Field
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep import clock, web
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.domain import sign_in_exp
from authkeep.domain.experience import require
from authkeep.domain.hooks import iso
from authkeep.errors import LogtoError
from authkeep.hooks import many
from authkeep.oidc import interactions
from authkeep.store import applications as apps_store
from authkeep.store import rows
from authkeep.store.logs import entry

router = ApiRouter(policy="interaction", family="sessions")
PREFIX = "/experience"
Event = Literal["SignIn", "Register", "ForgotPassword"]


class Identifier(web.Body):
    type: Literal["username", "email", "phone"]
    value: str = Field(min_length=1, max_length=256)


class CodeIdentifier(web.Body):
    type: Literal["email", "phone"]
    value: str = Field(min_length=1, max_length=256)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


async def same_site(ctx: Ctx) -> None:
    """Stricter than Logto: a request carrying an `Origin` other than this server's (or the
    issuer's) is refused, and so is a body that is not JSON (a cross-site form cannot send one
    without a CORS preflight)."""
    request = ctx.request
    origin = request.headers.get("origin")
    if origin is not None:
        own = {_origin(str(request.base_url)), _origin(ctx.tenant.issuer)}
        if origin.lower().rstrip("/") not in own:
            raise LogtoError("session.csrf_token_mismatch", 403)
    if request.method in ("POST", "PUT", "PATCH"):
        length = request.headers.get("content-length")
        has_body = (length is not None and length != "0") or "transfer-encoding" in request.headers
        kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if has_body and kind != "application/json":
            raise LogtoError("session.csrf_token_mismatch", 403)


def state_of(ctx: Ctx) -> dict[str, Any]:
    return require(ctx.auth.experience)


async def save(ctx: Ctx, state: dict[str, Any] | None, conn: AsyncConnection | None = None) -> None:
    ctx.auth.experience = state
    if conn is not None:
        await interactions.save(conn, ctx.tenant_id, ctx.auth)
        return
    async with ctx.db.write() as own:
        await interactions.save(own, ctx.tenant_id, ctx.auth)


async def sign_in_experience(ctx: Ctx) -> dict[str, Any]:
    async with ctx.db.read() as conn:
        return await sign_in_exp.current(conn, ctx.tenant_id)


def client_ip(ctx: Ctx) -> str | None:
    return ctx.request.client.host if ctx.request.client is not None else None


def app_id(ctx: Ctx) -> str | None:
    return ctx.auth.client_id or (ctx.auth.params or {}).get("client_id")


# --- audit log -----------------------------------------------------------------------------------


def audit(ctx: Ctx, key: str, error: LogtoError | None = None, **payload: Any) -> None:
    writer = getattr(ctx.request.app.state, "audit_logs", None)
    if writer is None:
        return
    body: dict[str, Any] = {"result": "Error" if error is not None else "Success"}
    if error is not None:
        body["error"] = {"code": error.code, "message": error.message}
    ip, agent = client_ip(ctx), ctx.request.headers.get("user-agent")
    if ip:
        body["ip"] = ip
    if agent:
        body["userAgent"] = agent
    if app_id(ctx):
        body["applicationId"] = app_id(ctx)
    body["sessionId"] = ctx.auth.uid
    experience = ctx.auth.experience
    if isinstance(experience, dict):
        if experience.get("userId"):
            body["userId"] = experience["userId"]
        body["interaction"] = _masked_state(experience)
    body.update(payload)
    writer.add(entry(ctx.tenant_id, key, body))


_SECRETS = frozenset({"passwordEncrypted", "secret", "backupCodes", "code", "codes", "connectorSession"})


def _masked(value: Any) -> Any:
    """The state as logged: digests, TOTP secrets, backup codes and connector sessions masked."""
    if isinstance(value, dict):
        return {k: ("******" if k in _SECRETS else _masked(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


def _masked_state(experience: dict[str, Any]) -> dict[str, Any]:
    return dict(_masked(experience))


@asynccontextmanager
async def logged(ctx: Ctx, key: str, **payload: Any) -> AsyncIterator[dict[str, Any]]:
    """One audit entry for the block: Success, or Error with the Logto error it raised. The
    yielded dict collects more payload."""
    extra: dict[str, Any] = dict(payload)
    try:
        yield extra
    except LogtoError as exc:
        audit(ctx, key, exc, **extra)
        raise
    audit(ctx, key, **extra)


# --- webhooks ------------------------------------------------------------------------------------


def wake_hooks(ctx: Ctx) -> None:
    worker = getattr(ctx.request.app.state, "hook_worker", None)
    if worker is not None:
        worker.wake()


async def _application(conn: AsyncConnection, ctx: Ctx) -> dict[str, Any] | None:
    found = await apps_store.find(conn, ctx.tenant_id, app_id(ctx) or "")
    if found is None:
        return None
    return {"id": found.id, "type": found.type, "name": found.name, "description": found.description}


def _user_info(user: Row[Any]) -> dict[str, Any]:
    info = rows.user_info(user)
    info.pop("hasPassword", None)
    return info


async def interaction_hook(conn: AsyncConnection, ctx: Ctx, event: str, interaction_event: str, user: Row[Any]) -> int:
    """PostSignIn / PostRegister / PostResetPassword (Logto's triggerInteractionHooks payload)."""
    body: dict[str, Any] = {
        "event": event, "interactionEvent": interaction_event, "createdAt": iso(clock.now_ms()),
        "sessionId": ctx.auth.uid, "userAgent": ctx.request.headers.get("user-agent"), "userId": user.id,
        "userIp": client_ip(ctx), "user": _user_info(user), "application": await _application(conn, ctx),
    }  # fmt: skip
    return await many.add_ready(ctx.db, conn, ctx.tenant_id, event, [({"body": orjson.dumps(_defined(body)).decode()}, None, None)])


async def data_hook(conn: AsyncConnection, ctx: Ctx, event: str, interaction_event: str, **rest: Any) -> int:
    """User.Created / User.Data.Updated / Identifier.Lockout raised by the Experience API (Logto's
    buildWebhooks: metadata, then `ip`, the application, then the event's own fields)."""
    body: dict[str, Any] = {
        "event": event, "createdAt": iso(clock.now_ms()), "interactionEvent": interaction_event,
        "userAgent": ctx.request.headers.get("user-agent"), "applicationId": app_id(ctx), "sessionId": ctx.auth.uid,
        "ip": client_ip(ctx), "application": await _application(conn, ctx), **rest,
    }  # fmt: skip
    return await many.add_ready(ctx.db, conn, ctx.tenant_id, event, [({"body": orjson.dumps(_defined(body)).decode()}, None, None)])


def user_data(user: Row[Any]) -> dict[str, Any]:
    return _user_info(user)


def _defined(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}
