"""SQL for organization invitations, their roles, and the log of sent messages that backs the
per-recipient send cap."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Row, and_, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep import ids
from authkeep.store import tables as T
from authkeep.store.organizations import insert_ignore

I = T.organization_invitations
IRR = T.organization_invitation_role_relations
OR = T.organization_roles
MS = T.message_sends

PENDING, ACCEPTED, EXPIRED, REVOKED = "Pending", "Accepted", "Expired", "Revoked"
ENDING_STATUSES = (ACCEPTED, EXPIRED, REVOKED)


def invitation_status(stored: str, expires_at: int, now_ms: int) -> str:
    """A Pending invitation past its expiry reads as Expired; the row keeps Pending."""
    return EXPIRED if stored == PENDING and expires_at < now_ms else stored


def invitation_out(row: Any, roles: list[dict[str, str]], now_ms: int) -> dict[str, Any]:
    return {
        "tenantId": row.tenant_id,
        "id": row.id,
        "inviterId": row.inviter_id,
        "invitee": row.invitee,
        "acceptedUserId": row.accepted_user_id,
        "organizationId": row.organization_id,
        "status": invitation_status(row.status, row.expires_at, now_ms),
        "createdAt": row.created_at,
        "updatedAt": row.updated_at,
        "expiresAt": row.expires_at,
        "organizationRoles": roles,
    }


async def _roles_of(conn: AsyncConnection, tenant_id: str, invitation_ids: list[str]) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {i: [] for i in invitation_ids}
    if not invitation_ids:
        return out
    found = await conn.execute(
        select(IRR.c.organization_invitation_id, OR.c.id, OR.c.name)
        .join(OR, and_(OR.c.id == IRR.c.organization_role_id, OR.c.tenant_id == IRR.c.tenant_id))
        .where(IRR.c.tenant_id == tenant_id, IRR.c.organization_invitation_id.in_(invitation_ids))
        .order_by(OR.c.name, OR.c.id)
    )
    for inv, rid, name in found:
        out[inv].append({"id": rid, "name": name})
    return out


async def find_invitation(
    conn: AsyncConnection, tenant_id: str, invitation_id: str, now_ms: int, lock: bool = False
) -> dict[str, Any] | None:
    stmt = select(I).where(I.c.tenant_id == tenant_id, I.c.id == invitation_id)
    if lock:
        stmt = stmt.with_for_update()
    row = (await conn.execute(stmt)).first()
    if row is None:
        return None
    roles = await _roles_of(conn, tenant_id, [row.id])
    return invitation_out(row, roles[row.id], now_ms)


async def list_invitations(
    conn: AsyncConnection,
    tenant_id: str,
    now_ms: int,
    organization_id: str | None,
    inviter_id: str | None,
    invitee: str | None,
) -> list[dict[str, Any]]:
    """Not paginated (as in Logto), newest first; `invitee` matches case-insensitively."""
    cond: list[Any] = [I.c.tenant_id == tenant_id]
    if organization_id:
        cond.append(I.c.organization_id == organization_id)
    if inviter_id:
        cond.append(I.c.inviter_id == inviter_id)
    if invitee:
        cond.append(func.lower(I.c.invitee) == invitee.lower())
    found = list(await conn.execute(select(I).where(*cond).order_by(I.c.created_at.desc(), I.c.id.desc())))
    roles = await _roles_of(conn, tenant_id, [r.id for r in found])
    return [invitation_out(r, roles[r.id], now_ms) for r in found]


async def expire_pending(conn: AsyncConnection, tenant_id: str, organization_id: str, invitee: str, now_ms: int) -> None:
    """Persist the computed Expired status of this invitee's stale Pending invitations, so the
    one-pending-per-invitee index admits a new one."""
    await conn.execute(
        update(I)
        .where(
            I.c.tenant_id == tenant_id,
            I.c.status == PENDING,
            I.c.expires_at < now_ms,
            I.c.organization_id == organization_id,
            func.lower(I.c.invitee) == invitee.lower(),
        )
        .values(status=EXPIRED)
    )


async def insert_invitation(conn: AsyncConnection, values: dict[str, Any], role_ids: Iterable[str]) -> None:
    await conn.execute(I.insert().values(values))
    await insert_ignore(
        conn,
        IRR,
        [
            {"tenant_id": values["tenant_id"], "organization_invitation_id": values["id"], "organization_role_id": r}
            for r in role_ids
        ],
    )


async def set_status(
    conn: AsyncConnection, tenant_id: str, invitation_id: str, values: dict[str, Any]
) -> None:
    await conn.execute(update(I).where(I.c.tenant_id == tenant_id, I.c.id == invitation_id).values(values))


async def delete_invitation(conn: AsyncConnection, tenant_id: str, invitation_id: str) -> bool:
    result = await conn.execute(delete(I).where(I.c.tenant_id == tenant_id, I.c.id == invitation_id))
    return result.rowcount > 0


async def find_user(conn: AsyncConnection, tenant_id: str, user_id: str) -> Row[Any] | None:
    u = T.users
    stmt = select(u.c.id, u.c.primary_email, u.c.name, u.c.username, u.c.avatar, u.c.primary_phone, u.c.profile)
    return (await conn.execute(stmt.where(u.c.tenant_id == tenant_id, u.c.id == user_id))).first()


# --- sent messages (the per-recipient cap) --------------------------------------------------------------


async def count_sends(conn: AsyncConnection, tenant_id: str, target_hash: str, action: str, since_ms: int) -> int:
    stmt = select(func.count()).where(
        MS.c.tenant_id == tenant_id,
        MS.c.target_hash == target_hash,
        MS.c.action == action,
        MS.c.created_at >= since_ms,
    )
    return int((await conn.execute(stmt)).scalar_one())


async def record_send(conn: AsyncConnection, tenant_id: str, target_hash: str, action: str, now_ms: int) -> None:
    await conn.execute(
        MS.insert().values(
            tenant_id=tenant_id, id=ids.standard_id(), target_hash=target_hash, action=action, created_at=now_ms
        )
    )


async def prune_sends(conn: AsyncConnection, tenant_id: str, target_hash: str, action: str, before_ms: int) -> None:
    """Entries older than the window no longer count; drop this recipient's."""
    await conn.execute(
        delete(MS).where(
            MS.c.tenant_id == tenant_id,
            MS.c.target_hash == target_hash,
            MS.c.action == action,
            MS.c.created_at < before_ms,
        )
    )
