"""SQL for oidc-provider's model instances (store/tables_oidc.py): sessions, interactions, grants,
codes and tokens. Expired rows read as absent; `sweep` deletes them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep.store.tables_oidc import oidc_model_instances as M

MODELS = ("Session", "Interaction", "Grant", "AuthorizationCode", "AccessToken", "RefreshToken")


@dataclass(frozen=True)
class Instance:
    model: str
    id: str
    payload: dict[str, Any]
    expires_at: int
    consumed_at: int | None
    grant_id: str | None
    account_id: str | None
    client_id: str | None


def _instance(row: Any) -> Instance:
    return Instance(
        row.model_name, row.id, dict(row.payload), row.expires_at, row.consumed_at, row.grant_id, row.account_id, row.client_id
    )


async def insert(
    conn: AsyncConnection,
    tenant_id: str,
    model: str,
    id: str,
    payload: dict[str, Any],
    expires_at: int,
    *,
    grant_id: str | None = None,
    account_id: str | None = None,
    client_id: str | None = None,
) -> None:
    values = {"tenant_id": tenant_id, "model_name": model, "id": id, "payload": payload, "expires_at": expires_at,
              "grant_id": grant_id, "account_id": account_id, "client_id": client_id}  # fmt: skip
    await conn.execute(M.insert().values(**values))


async def find(conn: AsyncConnection, tenant_id: str, model: str, id: str, now_ms: int) -> Instance | None:
    """The live instance (not expired), consumed or not."""
    row = (
        await conn.execute(
            select(M).where(M.c.tenant_id == tenant_id, M.c.model_name == model, M.c.id == id, M.c.expires_at > now_ms)
        )
    ).first()
    return _instance(row) if row is not None else None


async def update_instance(
    conn: AsyncConnection,
    tenant_id: str,
    model: str,
    id: str,
    payload: dict[str, Any],
    *,
    expires_at: int | None = None,
    account_id: str | None = None,
) -> bool:
    values: dict[str, Any] = {"payload": payload}
    if expires_at is not None:
        values["expires_at"] = expires_at
    if account_id is not None:
        values["account_id"] = account_id
    result = await conn.execute(
        update(M).where(M.c.tenant_id == tenant_id, M.c.model_name == model, M.c.id == id).values(**values)
    )
    return bool(result.rowcount)


async def consume(conn: AsyncConnection, tenant_id: str, model: str, id: str, now_ms: int) -> bool:
    """Mark consumed; False when it already was (a replay) or is gone. Atomic across instances."""
    result = await conn.execute(
        update(M)
        .where(M.c.tenant_id == tenant_id, M.c.model_name == model, M.c.id == id, M.c.consumed_at.is_(None))
        .values(consumed_at=now_ms)
    )
    return bool(result.rowcount)


async def remove(conn: AsyncConnection, tenant_id: str, model: str, id: str) -> bool:
    result = await conn.execute(delete(M).where(M.c.tenant_id == tenant_id, M.c.model_name == model, M.c.id == id))
    return bool(result.rowcount)


async def revoke_grant(conn: AsyncConnection, tenant_id: str, grant_id: str) -> int:
    """Remove the grant and every code and token issued under it."""
    result = await conn.execute(
        delete(M).where(
            M.c.tenant_id == tenant_id,
            ((M.c.grant_id == grant_id) | and_(M.c.model_name == "Grant", M.c.id == grant_id)),
        )
    )
    return int(result.rowcount or 0)


async def list_for_account(
    conn: AsyncConnection, tenant_id: str, model: str, account_id: str, now_ms: int
) -> list[Instance]:
    rows = await conn.execute(
        select(M)
        .where(M.c.tenant_id == tenant_id, M.c.account_id == account_id, M.c.model_name == model, M.c.expires_at > now_ms)
        .order_by(M.c.expires_at.desc(), M.c.id)
    )
    return [_instance(r) for r in rows]


async def sweep(conn: AsyncConnection, now_ms: int) -> int:
    result = await conn.execute(delete(M).where(M.c.expires_at <= now_ms))
    return int(result.rowcount or 0)
