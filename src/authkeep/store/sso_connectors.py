"""SQL for enterprise SSO connectors (`sso_connectors`) and their SAML SP signing keys."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep.paging import Page
from authkeep.store import tables as T
from authkeep.store.organizations import page_of, sso_connector_out
from authkeep.store.tables_sso import sso_connector_signing_keys as K

SSO = T.sso_connectors
out = sso_connector_out  # the wire shape, shared with the organizations' JIT list

_COLUMNS = {
    "providerName": "provider_name",
    "connectorName": "connector_name",
    "config": "config",
    "domains": "domains",
    "branding": "branding",
    "syncProfile": "sync_profile",
    "enableTokenStorage": "enable_token_storage",
}


def columns(values: dict[str, Any]) -> dict[str, Any]:
    """Wire keys -> column values (only the keys given)."""
    return {_COLUMNS[k]: v for k, v in values.items() if k in _COLUMNS}


async def list_connectors(conn: AsyncConnection, tenant_id: str, page: Page | None) -> tuple[list[Row[Any]], int]:
    cond = SSO.c.tenant_id == tenant_id
    stmt = select(SSO).where(cond).order_by(SSO.c.created_at, SSO.c.id)
    count = select(func.count()).select_from(SSO).where(cond)
    return await page_of(conn, stmt, count, page)


async def find(conn: AsyncConnection, tenant_id: str, connector_id: str) -> Row[Any] | None:
    stmt = select(SSO).where(SSO.c.tenant_id == tenant_id, SSO.c.id == connector_id)
    return (await conn.execute(stmt)).first()


async def find_by_name(conn: AsyncConnection, tenant_id: str, name: str) -> Row[Any] | None:
    stmt = select(SSO).where(SSO.c.tenant_id == tenant_id, SSO.c.connector_name == name)
    return (await conn.execute(stmt)).first()


async def insert(conn: AsyncConnection, values: dict[str, Any]) -> Row[Any]:
    return (await conn.execute(SSO.insert().values(**values).returning(*SSO.c))).one()


async def update_connector(conn: AsyncConnection, tenant_id: str, connector_id: str, values: dict[str, Any]) -> Row[Any] | None:
    stmt = update(SSO).where(SSO.c.tenant_id == tenant_id, SSO.c.id == connector_id).values(**values).returning(*SSO.c)
    return (await conn.execute(stmt)).first()


async def delete_connector(conn: AsyncConnection, tenant_id: str, connector_id: str) -> bool:
    result = await conn.execute(delete(SSO).where(SSO.c.tenant_id == tenant_id, SSO.c.id == connector_id))
    return result.rowcount > 0


# --- signing keys --------------------------------------------------------------------------------


def _key_cond(tenant_id: str, connector_id: str) -> list[Any]:
    return [K.c.tenant_id == tenant_id, K.c.sso_connector_id == connector_id]


async def keys(conn: AsyncConnection, tenant_id: str, connector_id: str) -> list[Row[Any]]:
    stmt = select(K).where(*_key_cond(tenant_id, connector_id)).order_by(K.c.created_at, K.c.id)
    return list((await conn.execute(stmt)).all())


async def find_key(conn: AsyncConnection, tenant_id: str, connector_id: str, key_id: str) -> Row[Any] | None:
    stmt = select(K).where(*_key_cond(tenant_id, connector_id), K.c.id == key_id)
    return (await conn.execute(stmt)).first()


async def active_key(conn: AsyncConnection, tenant_id: str, connector_id: str) -> Row[Any] | None:
    stmt = select(K).where(*_key_cond(tenant_id, connector_id), K.c.active.is_(True))
    return (await conn.execute(stmt)).first()


async def deactivate_all(conn: AsyncConnection, tenant_id: str, connector_id: str) -> None:
    await conn.execute(update(K).where(*_key_cond(tenant_id, connector_id), K.c.active.is_(True)).values(active=False))


async def insert_key(conn: AsyncConnection, values: dict[str, Any]) -> Row[Any]:
    return (await conn.execute(K.insert().values(**values).returning(*K.c))).one()


async def set_key_active(conn: AsyncConnection, tenant_id: str, connector_id: str, key_id: str, active: bool) -> Row[Any] | None:
    stmt = update(K).where(*_key_cond(tenant_id, connector_id), K.c.id == key_id).values(active=active).returning(*K.c)
    return (await conn.execute(stmt)).first()


async def delete_inactive_key(conn: AsyncConnection, tenant_id: str, connector_id: str, key_id: str) -> bool:
    """Deletes only an inactive key: a concurrent activation makes this a no-op (Logto's guard)."""
    stmt = delete(K).where(*_key_cond(tenant_id, connector_id), K.c.id == key_id, K.c.active.is_(False))
    return (await conn.execute(stmt)).rowcount > 0
