"""SQL the Experience API needs beyond the Users store: users by sign-in identifier, the
interaction's verification codes (Logto's `passcodes` rows keyed by `interaction_jti` = the
verification record id)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep.store.tables import users as U
from authkeep.store.tables_connectors import passcodes as P


async def find_user_by_identifier(
    conn: AsyncConnection, tenant_id: str, kind: str, value: str, phones: Sequence[str], case_sensitive: bool
) -> Row[Any] | None:
    """Logto's findUserByIdentifier: username (per the username policy's case rule), e-mail
    (case-insensitive) or phone (any of its normalised spellings)."""
    if kind == "username":
        cond = U.c.username == value if case_sensitive else func.lower(U.c.username) == value.lower()
    elif kind == "email":
        cond = func.lower(U.c.primary_email) == value.lower()
    else:
        if not phones:
            return None
        cond = U.c.primary_phone.in_(list(phones))
    stmt = select(U).where(U.c.tenant_id == tenant_id, cond).order_by(U.c.created_at).limit(1)
    return (await conn.execute(stmt)).first()


# --- the interaction's verification codes -------------------------------------------------------


async def put_code(conn: AsyncConnection, values: dict[str, Any]) -> None:
    """A new code for the verification record (any earlier code of that record is dropped)."""
    await conn.execute(
        delete(P).where(P.c.tenant_id == values["tenant_id"], P.c.interaction_jti == values["interaction_jti"])
    )
    await conn.execute(P.insert().values(**values))


async def find_code(conn: AsyncConnection, tenant_id: str, jti: str) -> Row[Any] | None:
    stmt = select(P).where(P.c.tenant_id == tenant_id, P.c.interaction_jti == jti, P.c.consumed.is_(False))
    return (await conn.execute(stmt.order_by(P.c.created_at.desc()).limit(1))).first()


async def add_try(conn: AsyncConnection, tenant_id: str, code_id: str) -> None:
    await conn.execute(update(P).where(P.c.tenant_id == tenant_id, P.c.id == code_id).values(try_count=P.c.try_count + 1))


async def consume_code(conn: AsyncConnection, tenant_id: str, code_id: str) -> bool:
    found = await conn.execute(
        update(P).where(P.c.tenant_id == tenant_id, P.c.id == code_id, P.c.consumed.is_(False)).values(consumed=True)
    )
    return bool(found.rowcount)


async def find_user_by_identity(conn: AsyncConnection, tenant_id: str, target: str, social_id: str) -> Row[Any] | None:
    """The user whose `identities[target].userId` is `social_id`."""
    if conn.dialect.name == "postgresql":
        match = U.c.identities.op("@>")(func.jsonb_build_object(target, func.jsonb_build_object("userId", social_id)))
    else:
        path = '$."' + target.replace("\\", "\\\\").replace('"', '\\"') + '".userId'
        match = func.json_extract(U.c.identities, path) == social_id
    stmt = select(U).where(U.c.tenant_id == tenant_id, match).limit(1)
    return (await conn.execute(stmt)).first()
