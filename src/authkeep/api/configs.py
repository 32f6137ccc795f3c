"""Configs routes: OIDC signing/cookie keys and session settings (Logto tag "Configs")."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from sqlalchemy import select

from authkeep.api.contract import ApiRouter, Ctx
from authkeep.domain import signing_keys as keys
from authkeep.errors import LogtoError
from authkeep.store import tables as T
from authkeep.web import Body

router = ApiRouter(policy="management", family="configs")
_SESSION_KEY = "oidc.session"
_DEFAULT_SESSION_TTL = 14 * 24 * 3600


def _key_type(ctx: Ctx) -> str:
    key_type = ctx.param("keyType")
    if key_type not in keys.KINDS:
        raise LogtoError(
            "guard.invalid_input",
            400,
            type="params",
            details=f'Error in key path "keyType": (invalid_enum_value) Invalid enum value. Expected \'private-keys\' | \'cookie-keys\', received \'{key_type}\'',
        )
    return key_type


async def _known_key_type(ctx: Ctx) -> None:
    _key_type(ctx)


class RotateBody(Body):
    signingKeyAlgorithm: Literal["RSA", "EC"] = "EC"
    rotationGracePeriod: int = Field(default=0, ge=0, le=365 * 24 * 3600)


class SessionBody(Body):
    ttl: int | None = Field(default=None, gt=0, le=10 * 365 * 24 * 3600)


async def _session(ctx: Ctx) -> dict[str, int]:
    s = T.system_settings
    async with ctx.db.read() as conn:
        row = (
            await conn.execute(select(s.c.value).where(s.c.tenant_id == ctx.tenant_id, s.c.key == _SESSION_KEY))
        ).first()
    return {"ttl": _DEFAULT_SESSION_TTL, **(row.value if row else {})}


@router.get("/configs/oidc/session")
async def get_session(ctx: Ctx) -> object:
    return await _session(ctx)


@router.patch("/configs/oidc/session", body=SessionBody)
async def patch_session(ctx: Ctx) -> object:
    value = {**(await _session(ctx)), **ctx.body.model_dump(exclude_none=True)}
    s = T.system_settings
    async with ctx.db.write() as conn:
        await conn.execute(s.delete().where(s.c.tenant_id == ctx.tenant_id, s.c.key == _SESSION_KEY))
        await conn.execute(s.insert().values(tenant_id=ctx.tenant_id, key=_SESSION_KEY, value=value))
    return value


# Registered after /configs/oidc/session so `session` is not taken for a key type.
@router.get("/configs/oidc/{keyType}", cache=False)  # statuses depend on the clock
async def list_keys(ctx: Ctx) -> object:
    key_type = _key_type(ctx)
    async with ctx.db.write() as conn:  # may persist a due Next -> Current promotion
        return await keys.list_keys(conn, ctx.tenant_id, key_type)


@router.post("/configs/oidc/{keyType}/rotate", before=_known_key_type, body=RotateBody, status=200)
async def rotate(ctx: Ctx) -> object:
    key_type = _key_type(ctx)
    body: RotateBody = ctx.body
    async with ctx.db.write() as conn:
        result = await keys.rotate(
            conn, ctx.tenant_id, key_type, ctx.state.box, body.signingKeyAlgorithm, body.rotationGracePeriod
        )
    await ctx.tenant.keys.refresh()
    return result


@router.delete("/configs/oidc/{keyType}/{keyId}")
async def delete_key(ctx: Ctx) -> None:
    key_type = _key_type(ctx)
    async with ctx.db.write() as conn:
        await keys.delete(conn, ctx.tenant_id, key_type, ctx.param("keyId"))
    await ctx.tenant.keys.refresh()
