"""The bootstrap M2M app: found by a marker in system_settings, created with the access role."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep import clock, ids
from authkeep.secretbox import SecretBox
from authkeep.store import locks
from authkeep.store import management_api as mapi
from authkeep.store import tables as T

_MARKER = "bootstrap_application_id"
SECRET_NAME = "Default secret"


async def marked_app(conn: AsyncConnection, tenant_id: str) -> str | None:
    row = (
        await conn.execute(
            select(T.system_settings.c.value).where(
                T.system_settings.c.tenant_id == tenant_id, T.system_settings.c.key == _MARKER
            )
        )
    ).first()
    if row is None:
        return None
    app_id = row.value.get("id")
    exists = (
        await conn.execute(
            select(T.applications.c.id).where(T.applications.c.tenant_id == tenant_id, T.applications.c.id == app_id)
        )
    ).first()
    return app_id if exists else None


async def read_secret(conn: AsyncConnection, tenant_id: str, app_id: str, box: SecretBox) -> str | None:
    s = T.application_secrets
    row = (
        await conn.execute(
            select(s.c.value).where(s.c.tenant_id == tenant_id, s.c.application_id == app_id).order_by(s.c.created_at)
        )
    ).first()
    return box.open(row.value, aad=app_id) if row else None


async def access_role_id(conn: AsyncConnection, tenant_id: str) -> str | None:
    """Prefer the preset access role; fall back to the internal admin role if it was deleted."""
    r = T.roles
    for name in (mapi.ACCESS_ROLE_NAME, mapi.ADMIN_ROLE_NAME):
        row = (await conn.execute(select(r.c.id).where(r.c.tenant_id == tenant_id, r.c.name == name))).first()
        if row:
            return str(row.id)
    return None


async def ensure_app(
    conn: AsyncConnection,
    tenant_id: str,
    box: SecretBox,
    app_id: str | None = None,
    secret: str | None = None,
    name: str = "authkeep bootstrap",
) -> tuple[str, str, bool]:
    """Make sure an M2M app with the access role exists. Returns (id, secret, created).
    Instances starting together take turns (callers that read `marked_app` first lock before it)."""
    await locks.hold_setup(conn)
    created = False
    app_id = app_id or await marked_app(conn, tenant_id)
    a = T.applications
    exists = app_id and (
        await conn.execute(select(a.c.id, a.c.type).where(a.c.tenant_id == tenant_id, a.c.id == app_id))
    ).first()
    if not exists:
        app_id = app_id or ids.standard_id()
        await conn.execute(
            a.insert().values(
                tenant_id=tenant_id,
                id=app_id,
                name=name,
                secret=box.seal("#internal:" + ids.standard_secret(), aad=app_id),
                description="Created by `authkeep bootstrap` to call the Management API.",
                type="MachineToMachine",
                oidc_client_metadata={"redirectUris": [], "postLogoutRedirectUris": []},
                custom_client_metadata={},
                protected_app_metadata=None,
                custom_data={},
                is_third_party=False,
                app_level_access_control_enabled=False,
                created_at=clock.now_ms(),
            )
        )
        created = True
    assert app_id is not None
    s = T.application_secrets
    current = await read_secret(conn, tenant_id, app_id, box)
    if secret is not None and current != secret:
        await conn.execute(s.delete().where(s.c.tenant_id == tenant_id, s.c.application_id == app_id, s.c.name == SECRET_NAME))
        current = None
    if current is None:
        current = secret or ids.standard_secret()
        await conn.execute(
            s.insert().values(
                tenant_id=tenant_id,
                application_id=app_id,
                name=SECRET_NAME,
                value=box.seal(current, aad=app_id),
                created_at=clock.now_ms(),
                expires_at=None,
            )
        )
    role_id = await access_role_id(conn, tenant_id)
    ar = T.applications_roles
    if role_id:
        linked = (
            await conn.execute(
                select(ar.c.id).where(ar.c.tenant_id == tenant_id, ar.c.application_id == app_id, ar.c.role_id == role_id)
            )
        ).first()
        if not linked:
            await conn.execute(
                ar.insert().values(tenant_id=tenant_id, id=ids.standard_id(), application_id=app_id, role_id=role_id)
            )
    ss = T.system_settings
    await conn.execute(ss.delete().where(ss.c.tenant_id == tenant_id, ss.c.key == _MARKER))
    await conn.execute(ss.insert().values(tenant_id=tenant_id, key=_MARKER, value={"id": app_id}))
    return app_id, current, created
