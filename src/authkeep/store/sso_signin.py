"""SQL of enterprise SSO sign-in: users' SSO identities (`user_sso_identities`) and the
organizations whose just-in-time provisioning names an SSO connector (with their JIT roles)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep import clock
from authkeep.ids import standard_id
from authkeep.store import tables as T
from authkeep.store.organizations import add_member_roles, add_members

SSO = T.user_sso_identities
JSC, JR, OUR = T.organization_jit_sso_connectors, T.organization_jit_roles, T.organization_user_relations


async def find_identity(conn: AsyncConnection, tenant_id: str, issuer: str, identity_id: str) -> Row[Any] | None:
    stmt = select(SSO).where(SSO.c.tenant_id == tenant_id, SSO.c.issuer == issuer, SSO.c.identity_id == identity_id)
    return (await conn.execute(stmt)).first()


async def insert_identity(conn: AsyncConnection, tenant_id: str, user_id: str, identity: dict[str, Any]) -> None:
    now = clock.now_ms()
    await conn.execute(SSO.insert().values(
        tenant_id=tenant_id, id=standard_id(), user_id=user_id, issuer=identity["issuer"],
        identity_id=identity["identityId"], detail=identity["detail"], sso_connector_id=identity["ssoConnectorId"],
        created_at=now, updated_at=now,
    ))  # fmt: skip


async def update_detail(conn: AsyncConnection, tenant_id: str, issuer: str, identity_id: str, detail: dict[str, Any]) -> None:
    await conn.execute(
        update(SSO)
        .where(SSO.c.tenant_id == tenant_id, SSO.c.issuer == issuer, SSO.c.identity_id == identity_id)
        .values(detail=detail, updated_at=clock.now_ms())
    )


async def provision(conn: AsyncConnection, tenant_id: str, user_id: str, connector_id: str) -> list[str]:
    """Logto's provisionOrganizations({ssoConnectorId}): membership of every organization whose
    JIT names the connector, with that organization's JIT roles; the ids newly joined."""
    org_ids = list((await conn.execute(
        select(JSC.c.organization_id).where(JSC.c.tenant_id == tenant_id, JSC.c.sso_connector_id == connector_id)
        .order_by(JSC.c.organization_id)
    )).scalars())  # fmt: skip
    if not org_ids:
        return []
    before = set((await conn.execute(
        select(OUR.c.organization_id).where(OUR.c.tenant_id == tenant_id, OUR.c.user_id == user_id,
                                            OUR.c.organization_id.in_(org_ids))
    )).scalars())  # fmt: skip
    roles = (await conn.execute(
        select(JR.c.organization_id, JR.c.organization_role_id).where(JR.c.tenant_id == tenant_id,
                                                                      JR.c.organization_id.in_(org_ids))
    )).all()  # fmt: skip
    for org_id in org_ids:
        await add_members(conn, tenant_id, org_id, [user_id])
        await add_member_roles(conn, tenant_id, org_id, [(user_id, r.organization_role_id) for r in roles if r.organization_id == org_id])
    return [o for o in org_ids if o not in before]
