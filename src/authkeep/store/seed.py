"""Idempotent seed of a tenant: the Management API resource, its `all` scope, the two roles, a key."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep import clock, ids
from authkeep.secretbox import SecretBox
from authkeep.store import locks
from authkeep.store import management_api as mapi
from authkeep.store import tables as T
from authkeep.store.signing_keys import new_cookie_key_row, new_key_row


async def seed_tenant(conn: AsyncConnection, tenant_id: str, box: SecretBox) -> bool:
    """Returns True when the tenant was created now. Instances starting together take turns."""
    await locks.hold_setup(conn)
    exists = (await conn.execute(select(T.tenants.c.id).where(T.tenants.c.id == tenant_id))).first()
    if exists:
        has_key = (
            await conn.execute(
                select(T.signing_keys.c.id).where(
                    T.signing_keys.c.tenant_id == tenant_id, T.signing_keys.c.kind == "private"
                )
            )
        ).first()
        if not has_key:
            await conn.execute(T.signing_keys.insert().values(**new_key_row(tenant_id, box)))
        return False
    now = clock.now_ms()
    # Fixed ids are Logto's for `default`; other tenants get prefixed ones so ids stay global.
    suffix = "" if tenant_id == "default" else f"-{tenant_id}"
    resource_id = mapi.RESOURCE_ID + suffix
    scope_id = mapi.SCOPE_ID + suffix
    admin_role_id = mapi.ADMIN_ROLE_ID + suffix
    await conn.execute(T.tenants.insert().values(id=tenant_id, name="My Project", created_at=now))
    await conn.execute(
        T.resources.insert().values(
            tenant_id=tenant_id,
            id=resource_id,
            name="Logto Management API",
            indicator=mapi.indicator(tenant_id),
            is_default=False,
            access_token_ttl=3600,
            created_at=now,
        )
    )
    await conn.execute(
        T.scopes.insert().values(
            tenant_id=tenant_id,
            id=scope_id,
            resource_id=resource_id,
            name=mapi.SCOPE_NAME,
            description="Default scope for Management API, allows all permissions.",
            created_at=now,
        )
    )
    access_role_id = ids.standard_id()
    await conn.execute(
        T.roles.insert(),
        [
            {
                "tenant_id": tenant_id,
                "id": admin_role_id,
                "name": mapi.ADMIN_ROLE_NAME,
                "description": f"Internal admin role for Logto tenant {tenant_id}.",
                "type": "MachineToMachine",
                "is_default": False,
                "created_at": now,
            },
            {
                "tenant_id": tenant_id,
                "id": access_role_id,
                "name": mapi.ACCESS_ROLE_NAME,
                "description": "This default role grants access to the Logto management API.",
                "type": "MachineToMachine",
                "is_default": False,
                "created_at": now + 1,
            },
        ],
    )
    await conn.execute(
        T.roles_scopes.insert(),
        [
            {"tenant_id": tenant_id, "id": ids.standard_id(), "role_id": rid, "scope_id": scope_id}
            for rid in (admin_role_id, access_role_id)
        ],
    )
    await conn.execute(T.signing_keys.insert().values(**new_key_row(tenant_id, box)))
    await conn.execute(T.signing_keys.insert().values(**new_cookie_key_row(tenant_id, box)))
    return True
