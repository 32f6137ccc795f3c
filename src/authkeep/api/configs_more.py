"""More of Logto's tag "Configs": the admin-console flags and the ID token's extended claims,
kept in `system_settings` with Logto's seed values until first written."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from authkeep.api.contract import ApiRouter, Ctx
from authkeep.store import tables as T
from authkeep.web import Body

# The documents live in `system_settings` (family "configs"): its GETs read that family.
router = ApiRouter(policy="management", family="sign_in")
_ADMIN_CONSOLE = "adminConsole"
_ID_TOKEN = "idToken"
_SEED: dict[str, dict[str, Any]] = {
    _ADMIN_CONSOLE: {"signInExperienceCustomized": False, "organizationCreated": False},
    _ID_TOKEN: {"enabledExtendedClaims": ["roles", "organizations", "organization_roles"]},
}
Claim = Literal[
    "custom_data", "identities", "sso_identities", "roles", "organizations", "organization_data", "organization_roles"
]


class _Part(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


class MigrationNotice(_Part):
    isPaidTenant: bool
    tag: str
    readAt: int | float | None = None


class ChargeNotice(_Part):
    token: bool | None = None
    apiResource: bool | None = None
    machineToMachineApp: bool | None = None
    tenantMember: bool | None = None


class AdminConsolePatch(Body):
    signInExperienceCustomized: bool | None = None
    organizationCreated: bool | None = None
    developmentTenantMigrationNotification: MigrationNotice | None = None
    checkedChargeNotification: ChargeNotice | None = None


class IdTokenBody(Body):
    enabledExtendedClaims: list[Claim] | None = None


async def _read(ctx: Ctx, conn: Any, key: str) -> dict[str, Any]:
    s = T.system_settings
    row = (await conn.execute(select(s.c.value).where(s.c.tenant_id == ctx.tenant_id, s.c.key == key))).first()
    return dict(row.value) if row else dict(_SEED[key])


async def _write(ctx: Ctx, conn: Any, key: str, value: dict[str, Any]) -> None:
    s = T.system_settings
    await conn.execute(s.delete().where(s.c.tenant_id == ctx.tenant_id, s.c.key == key))
    await conn.execute(s.insert().values(tenant_id=ctx.tenant_id, key=key, value=value))


@router.get("/configs/admin-console", reads=("configs",))
async def get_admin_console(ctx: Ctx) -> object:
    async with ctx.db.read() as conn:
        return await _read(ctx, conn, _ADMIN_CONSOLE)


@router.patch("/configs/admin-console", body=AdminConsolePatch)
async def patch_admin_console(ctx: Ctx) -> object:
    body: AdminConsolePatch = ctx.body
    async with ctx.db.write() as conn:
        value = {**(await _read(ctx, conn, _ADMIN_CONSOLE)), **body.model_dump(exclude_none=True)}
        await _write(ctx, conn, _ADMIN_CONSOLE, value)
    return value


@router.get("/configs/id-token", reads=("configs",))
async def get_id_token(ctx: Ctx) -> object:
    async with ctx.db.read() as conn:
        return await _read(ctx, conn, _ID_TOKEN)


@router.put("/configs/id-token", body=IdTokenBody)
async def put_id_token(ctx: Ctx) -> object:
    body: IdTokenBody = ctx.body
    value = body.model_dump(exclude_none=True)
    async with ctx.db.write() as conn:
        await _write(ctx, conn, _ID_TOKEN, value)
    return value
