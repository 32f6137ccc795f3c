"""SQL for idempotency keys (api/idempotency.py says what they mean).

A key is claimed by one INSERT: it succeeds when the key is new, expired, or held by a request
whose lease ran out before its effect committed. The claim's `owner` fences every later write:
marking the effect committed (inside the effect's own transaction), storing the answer, or
releasing the key all match on it, so a request that lost its claim changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, and_, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep.store.tables_idempotency import idempotency_keys as K


@dataclass(frozen=True)
class KeyId:
    tenant_id: str
    client_id: str
    subject: str
    key: str

    def where(self) -> Any:
        return and_(
            K.c.tenant_id == self.tenant_id,
            K.c.client_id == self.client_id,
            K.c.subject == self.subject,
            K.c.key == self.key,
        )


async def claim(
    conn: AsyncConnection, kid: KeyId, fingerprint: str, owner: str, now: int, lease_ms: int, ttl_ms: int
) -> bool:
    """True when `owner` now holds the key (new, expired, or abandoned before its effect)."""
    values = {
        "tenant_id": kid.tenant_id, "client_id": kid.client_id, "subject": kid.subject, "key": kid.key,
        "fingerprint": fingerprint, "owner": owner, "committed": False, "status": None, "body": None,
        "headers": None, "created_at": now, "locked_until": now + lease_ms, "expires_at": now + ttl_ms,
    }  # fmt: skip
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(K).values(values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[K.c.tenant_id, K.c.client_id, K.c.subject, K.c.key],
        set_={name: getattr(stmt.excluded, name) for name in values if name not in ("tenant_id", "client_id", "subject", "key")},
        where=or_(
            K.c.expires_at <= now,
            and_(K.c.status.is_(None), K.c.committed.is_(False), K.c.locked_until <= now),
        ),
    ).returning(K.c.owner)
    return (await conn.execute(stmt)).first() is not None


async def find(conn: AsyncConnection, kid: KeyId) -> Row[Any] | None:
    stmt = select(K.c.fingerprint, K.c.owner, K.c.committed, K.c.status, K.c.body, K.c.headers, K.c.expires_at)
    return (await conn.execute(stmt.where(kid.where()))).first()


async def mark_committed(conn: AsyncConnection, kid: KeyId, owner: str) -> bool:
    """In the effect's transaction: False when `owner` no longer holds the key."""
    done = await conn.execute(update(K).where(kid.where(), K.c.owner == owner).values(committed=True))
    return done.rowcount == 1


async def store(
    conn: AsyncConnection, kid: KeyId, owner: str, status: int, body: bytes, headers: list[list[str]]
) -> None:
    await conn.execute(
        update(K)
        .where(kid.where(), K.c.owner == owner)
        .values(owner=None, committed=True, status=status, body=body, headers=headers)
    )


async def release(conn: AsyncConnection, kid: KeyId, owner: str) -> None:
    await conn.execute(delete(K).where(kid.where(), K.c.owner == owner))


async def sweep(conn: AsyncConnection, now: int) -> int:
    """Delete expired keys; returns how many."""
    return (await conn.execute(delete(K).where(K.c.expires_at <= now))).rowcount or 0
