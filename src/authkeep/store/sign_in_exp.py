"""SQL for the sign-in configuration: sign-in experience and account center documents, custom
phrases, custom profile fields, the captcha provider, and the username case-conflict scan."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep.store import connectors as connectors_store
from authkeep.store import tables as T
from authkeep.store import tables_sign_in as S


async def _upsert(
    conn: AsyncConnection, table: Table, values: dict[str, Any], keys: list[str], keep: tuple[str, ...] = ()
) -> None:
    make = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = make(table).values(**values)
    changed = {k: v for k, v in values.items() if k not in keys and k not in keep}
    await conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=changed))


# --- documents (sign-in experience, account center) -------------------------------------------


async def get_document(conn: AsyncConnection, table: Table, tenant_id: str, lock: bool = False) -> dict[str, Any] | None:
    stmt = select(table.c.data).where(table.c.tenant_id == tenant_id)
    if lock and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = (await conn.execute(stmt)).first()
    return dict(row.data) if row else None


async def username_case_sensitive(conn: AsyncConnection, tenant_id: str) -> bool:
    """The sign-in experience's `usernamePolicy.caseSensitive` (Logto's seed: true)."""
    doc = await get_document(conn, S.sign_in_experiences, tenant_id)
    policy = (doc or {}).get("usernamePolicy")
    return not (isinstance(policy, dict) and policy.get("caseSensitive") is False)


async def put_document(conn: AsyncConnection, table: Table, tenant_id: str, data: dict[str, Any]) -> None:
    await _upsert(conn, table, {"tenant_id": tenant_id, "data": data}, ["tenant_id"])


# --- custom phrases ---------------------------------------------------------------------------

_P = S.custom_phrases


def _phrase(row: Any) -> dict[str, Any]:
    return {"tenantId": row.tenant_id, "id": row.id, "languageTag": row.language_tag, "translation": row.translation}


async def list_phrases(conn: AsyncConnection, tenant_id: str) -> list[dict[str, Any]]:
    rows = await conn.execute(select(_P).where(_P.c.tenant_id == tenant_id).order_by(_P.c.language_tag))
    return [_phrase(r) for r in rows]


async def get_phrase(conn: AsyncConnection, tenant_id: str, tag: str) -> dict[str, Any] | None:
    row = (await conn.execute(select(_P).where(_P.c.tenant_id == tenant_id, _P.c.language_tag == tag))).first()
    return _phrase(row) if row else None


async def upsert_phrase(conn: AsyncConnection, tenant_id: str, new_id: str, tag: str, translation: Any) -> dict[str, Any]:
    await _upsert(
        conn, _P, {"tenant_id": tenant_id, "id": new_id, "language_tag": tag, "translation": translation},
        ["tenant_id", "language_tag"],
        keep=("id",),
    )
    found = await get_phrase(conn, tenant_id, tag)
    assert found is not None
    return found


async def delete_phrase(conn: AsyncConnection, tenant_id: str, tag: str) -> bool:
    res = await conn.execute(delete(_P).where(_P.c.tenant_id == tenant_id, _P.c.language_tag == tag))
    return bool(res.rowcount)


async def phrase_tags(conn: AsyncConnection, tenant_id: str) -> list[str]:
    rows = await conn.execute(select(_P.c.language_tag).where(_P.c.tenant_id == tenant_id))
    return [r.language_tag for r in rows]


# --- custom profile fields --------------------------------------------------------------------

_F = S.custom_profile_fields


def _field(row: Any) -> dict[str, Any]:
    return {
        "tenantId": row.tenant_id,
        "id": row.id,
        "name": row.name,
        "type": row.type,
        "label": row.label,
        "description": row.description,
        "required": row.required,
        "config": row.config,
        "createdAt": row.created_at,
        "sieOrder": row.sie_order,
    }


async def list_fields(conn: AsyncConnection, tenant_id: str, names: list[str] | None = None) -> list[dict[str, Any]]:
    stmt = select(_F).where(_F.c.tenant_id == tenant_id)
    if names is not None:
        stmt = stmt.where(_F.c.name.in_(names))
    rows = await conn.execute(stmt.order_by(_F.c.sie_order, _F.c.created_at))
    return [_field(r) for r in rows]


async def get_field(conn: AsyncConnection, tenant_id: str, name: str) -> dict[str, Any] | None:
    row = (await conn.execute(select(_F).where(_F.c.tenant_id == tenant_id, _F.c.name == name))).first()
    return _field(row) if row else None


async def insert_fields(conn: AsyncConnection, tenant_id: str, rows: list[dict[str, Any]], now: int) -> None:
    top = (await conn.execute(select(func.max(_F.c.sie_order)).where(_F.c.tenant_id == tenant_id))).scalar()
    order = int(top or 0)
    values = []
    for row in rows:
        order += 1
        values.append({**row, "tenant_id": tenant_id, "created_at": now, "sie_order": order})
    await conn.execute(insert(_F), values)


async def update_field(conn: AsyncConnection, tenant_id: str, name: str, values: dict[str, Any]) -> bool:
    res = await conn.execute(update(_F).where(_F.c.tenant_id == tenant_id, _F.c.name == name).values(**values))
    return bool(res.rowcount)


async def delete_field(conn: AsyncConnection, tenant_id: str, name: str) -> bool:
    res = await conn.execute(delete(_F).where(_F.c.tenant_id == tenant_id, _F.c.name == name))
    return bool(res.rowcount)


# --- captcha provider (config sealed by the caller) ------------------------------------------

_C = S.captcha_providers


async def get_captcha(conn: AsyncConnection, tenant_id: str) -> Any:
    return (await conn.execute(select(_C).where(_C.c.tenant_id == tenant_id))).first()


async def put_captcha(conn: AsyncConnection, tenant_id: str, new_id: str, sealed: str, now: int) -> None:
    row = await get_captcha(conn, tenant_id)
    if row is None:
        await conn.execute(
            insert(_C).values(tenant_id=tenant_id, id=new_id, config=sealed, created_at=now, updated_at=now)
        )
    else:
        await conn.execute(update(_C).where(_C.c.tenant_id == tenant_id).values(config=sealed, updated_at=now))


async def delete_captcha(conn: AsyncConnection, tenant_id: str) -> bool:
    return bool((await conn.execute(delete(_C).where(_C.c.tenant_id == tenant_id))).rowcount)


# --- usernames --------------------------------------------------------------------------------


async def username_case_conflicts(conn: AsyncConnection, tenant_id: str, limit: int) -> tuple[int, list[dict[str, Any]]]:
    u = T.users
    lower = func.lower(u.c.username)
    groups = (
        select(lower.label("usernameLower"))
        .where(u.c.tenant_id == tenant_id, u.c.username.is_not(None))
        .group_by(lower)
        .having(func.count() > 1)
    )
    total = (await conn.execute(select(func.count()).select_from(groups.subquery()))).scalar() or 0
    names = [r[0] for r in await conn.execute(groups.order_by(lower).limit(limit))]
    samples = []
    for name in names:
        ids = await conn.execute(
            select(u.c.id).where(u.c.tenant_id == tenant_id, lower == name).order_by(u.c.created_at, u.c.id)
        )
        samples.append({"usernameLower": name, "userIds": [r.id for r in ids]})
    return int(total), samples


async def user_info(conn: AsyncConnection, tenant_id: str, user_id: str) -> dict[str, str] | None:
    u = T.users
    row = (
        await conn.execute(
            select(u.c.username, u.c.primary_email, u.c.primary_phone, u.c.name).where(
                u.c.tenant_id == tenant_id, u.c.id == user_id
            )
        )
    ).first()
    if row is None:
        return None
    info = {"email": row.primary_email, "username": row.username, "phoneNumber": row.primary_phone, "name": row.name}
    return {k: v for k, v in info.items() if v}


async def organization_branding(conn: AsyncConnection, tenant_id: str, org_id: str) -> dict[str, Any] | None:
    o = T.organizations
    row = (
        await conn.execute(
            select(o.c.branding, o.c.color, o.c.custom_css).where(o.c.tenant_id == tenant_id, o.c.id == org_id)
        )
    ).first()
    if row is None:
        return None
    return {"branding": row.branding, "color": row.color, "customCss": row.custom_css}


# --- connectors (owned by store/connectors.py; read only here) --------------------------------


async def connector_rows(conn: AsyncConnection, tenant_id: str) -> list[dict[str, Any]]:
    rows = await connectors_store.list_connectors(conn, tenant_id)
    return [{"id": r.id, "connectorId": r.connector_id, "metadata": r.metadata or {}} for r in rows]
