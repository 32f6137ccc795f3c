"""SQL for e-mail templates: one row per (tenant, language tag, template type)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep.store.tables_connectors import email_templates as E


def _where(tenant_id: str, language_tag: str | None, template_type: str | None) -> list[Any]:
    conds = [E.c.tenant_id == tenant_id]
    if language_tag is not None:
        conds.append(E.c.language_tag == language_tag)
    if template_type is not None:
        conds.append(E.c.template_type == template_type)
    return conds


async def list_templates(
    conn: AsyncConnection, tenant_id: str, language_tag: str | None = None, template_type: str | None = None
) -> list[Row[Any]]:
    stmt = select(E).where(*_where(tenant_id, language_tag, template_type)).order_by(E.c.created_at, E.c.id)
    return list((await conn.execute(stmt)).all())


async def find_template(conn: AsyncConnection, tenant_id: str, template_id: str) -> Row[Any] | None:
    return (await conn.execute(select(E).where(E.c.tenant_id == tenant_id, E.c.id == template_id))).first()


async def upsert_template(conn: AsyncConnection, values: dict[str, Any]) -> None:
    """Replaces the details of the (language, type) template when it exists (Logto's upsertMany)."""
    existing = await list_templates(conn, values["tenant_id"], values["language_tag"], values["template_type"])
    if existing:
        await conn.execute(
            update(E).where(E.c.tenant_id == values["tenant_id"], E.c.id == existing[0].id).values(details=values["details"])
        )
    else:
        await conn.execute(E.insert().values(**values))


async def update_details(conn: AsyncConnection, tenant_id: str, template_id: str, details: dict[str, Any]) -> None:
    await conn.execute(update(E).where(E.c.tenant_id == tenant_id, E.c.id == template_id).values(details=details))


async def delete_template(conn: AsyncConnection, tenant_id: str, template_id: str) -> bool:
    return bool((await conn.execute(delete(E).where(E.c.tenant_id == tenant_id, E.c.id == template_id))).rowcount)


async def delete_where(conn: AsyncConnection, tenant_id: str, language_tag: str | None, template_type: str | None) -> int:
    result = await conn.execute(delete(E).where(*_where(tenant_id, language_tag, template_type)))
    return int(result.rowcount or 0)
