"""SQL for SAML applications: their config, signing secrets and SP-initiated sessions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep.store import tables as T
from authkeep.store.tables_saml import saml_application_configs as C
from authkeep.store.tables_saml import saml_application_secrets as K
from authkeep.store.tables_saml import saml_application_sessions as S

# wire key -> column of saml_application_configs
CONFIG_COLUMNS = {
    "attributeMapping": "attribute_mapping",
    "entityId": "entity_id",
    "acsUrl": "acs_url",
    "encryption": "encryption",
    "nameIdFormat": "name_id_format",
}


def config_out(row: Any) -> dict[str, Any]:
    return {key: getattr(row, column) for key, column in CONFIG_COLUMNS.items()}


async def insert_config(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(C.insert().values(**values))


async def find_config(conn: AsyncConnection, tenant_id: str, app_id: str) -> Row[Any] | None:
    stmt = select(C).where(C.c.tenant_id == tenant_id, C.c.application_id == app_id)
    return (await conn.execute(stmt)).first()


async def update_config(
    conn: AsyncConnection, tenant_id: str, app_id: str, values: dict[str, Any]
) -> None:
    await conn.execute(
        update(C).where(C.c.tenant_id == tenant_id, C.c.application_id == app_id).values(**values)
    )


# --- signing secrets ---------------------------------------------------------------------------


async def secrets(conn: AsyncConnection, tenant_id: str, app_id: str) -> list[Row[Any]]:
    stmt = (
        select(K)
        .where(K.c.tenant_id == tenant_id, K.c.application_id == app_id)
        .order_by(K.c.created_at, K.c.id)
    )
    return list((await conn.execute(stmt)).all())


async def find_secret(
    conn: AsyncConnection, tenant_id: str, app_id: str, secret_id: str
) -> Row[Any] | None:
    stmt = select(K).where(
        K.c.tenant_id == tenant_id, K.c.application_id == app_id, K.c.id == secret_id
    )
    return (await conn.execute(stmt)).first()


async def active_secret(conn: AsyncConnection, tenant_id: str, app_id: str) -> Row[Any] | None:
    stmt = select(K).where(
        K.c.tenant_id == tenant_id, K.c.application_id == app_id, K.c.active.is_(True)
    )
    return (await conn.execute(stmt)).first()


async def insert_secret(conn: AsyncConnection, values: dict[str, Any]) -> None:
    """Inserted inactive; `activate` makes it the one active secret."""
    await conn.execute(K.insert().values(**{**values, "active": False}))


async def set_active(
    conn: AsyncConnection, tenant_id: str, app_id: str, secret_id: str, active: bool
) -> Row[Any]:
    if active:  # the partial unique index allows one active secret: clear the others first
        await conn.execute(
            update(K)
            .where(K.c.tenant_id == tenant_id, K.c.application_id == app_id, K.c.active.is_(True))
            .values(active=False)
        )
    cond = (K.c.tenant_id == tenant_id, K.c.application_id == app_id, K.c.id == secret_id)
    await conn.execute(update(K).where(*cond).values(active=active))
    return (await conn.execute(select(K).where(*cond))).one()


async def delete_inactive_secret(
    conn: AsyncConnection, tenant_id: str, app_id: str, secret_id: str
) -> bool:
    stmt = delete(K).where(
        K.c.tenant_id == tenant_id,
        K.c.application_id == app_id,
        K.c.id == secret_id,
        K.c.active.is_(False),
    )
    return bool((await conn.execute(stmt)).rowcount)


# --- SP-initiated sessions ---------------------------------------------------------------------


async def insert_session(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(S.insert().values(**values))


async def find_session(
    conn: AsyncConnection, tenant_id: str, session_id: str, now_ms: int
) -> Row[Any] | None:
    stmt = select(S).where(
        S.c.tenant_id == tenant_id, S.c.id == session_id, S.c.expires_at > now_ms
    )
    return (await conn.execute(stmt)).first()


async def clear_state(conn: AsyncConnection, tenant_id: str, session_id: str) -> None:
    """Marks the OIDC `state` as used: the session cannot complete a second time."""
    await conn.execute(
        update(S).where(S.c.tenant_id == tenant_id, S.c.id == session_id).values(oidc_state=None)
    )


async def delete_expired_sessions(conn: AsyncConnection, tenant_id: str, now_ms: int) -> None:
    await conn.execute(delete(S).where(S.c.tenant_id == tenant_id, S.c.expires_at <= now_ms))


async def count_apps(conn: AsyncConnection, tenant_id: str) -> int:
    A = T.applications
    stmt = select(func.count()).select_from(A).where(A.c.tenant_id == tenant_id, A.c.type == "SAML")
    return int((await conn.execute(stmt)).scalar_one())
