"""SQL for the sentinel's activities (Logto's `sentinel_activities`): failed verification
attempts per target, and the blocks they lead to."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep.store.tables_oidc import sentinel_activities as S


async def blocked_until(
    conn: AsyncConnection, tenant_id: str, target_type: str, target_hash: str, actions: Sequence[str], now: int
) -> int | None:
    """The end of a block still running on the target for these actions, or None."""
    stmt = select(func.max(S.c.decision_expires_at)).where(
        S.c.tenant_id == tenant_id, S.c.target_type == target_type, S.c.target_hash == target_hash,
        S.c.action.in_(list(actions)), S.c.decision == "Blocked", S.c.decision_expires_at > now,
    )  # fmt: skip
    found = (await conn.execute(stmt)).scalar()
    return int(found) if found is not None else None


async def failures_since(
    conn: AsyncConnection, tenant_id: str, target_type: str, target_hash: str, actions: Sequence[str], since: int
) -> int:
    stmt = select(func.count()).where(
        S.c.tenant_id == tenant_id, S.c.target_type == target_type, S.c.target_hash == target_hash,
        S.c.action.in_(list(actions)), S.c.action_result == "Failed", S.c.decision != "Blocked",
        S.c.created_at > since,
    )  # fmt: skip
    return int((await conn.execute(stmt)).scalar_one())


async def insert(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(S.insert().values(**values))


async def prune(conn: AsyncConnection, tenant_id: str, target_type: str, target_hash: str, before: int, now: int) -> None:
    """Drops the target's rows that no longer count: older than `before` and not a running block."""
    await conn.execute(
        delete(S).where(
            S.c.tenant_id == tenant_id, S.c.target_type == target_type, S.c.target_hash == target_hash,
            S.c.created_at < before,
            S.c.decision_expires_at < now,
        )
    )


async def delete_recent(
    conn: AsyncConnection, tenant_id: str, target_type: str, target_hashes: Sequence[str], since: int
) -> None:
    """Drops the targets' rows created after `since` (Logto's `deleteActivities`), blocks included."""
    await conn.execute(
        delete(S).where(
            S.c.tenant_id == tenant_id, S.c.target_type == target_type, S.c.target_hash.in_(list(target_hashes)),
            S.c.created_at > since,
        )
    )  # fmt: skip
