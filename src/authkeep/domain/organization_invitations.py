"""Sending invitation messages (Logto `libraries/organization-invitation.ts` and
`sentinel/message-rate-guard.ts`): the configured sender, the template context, and the
per-recipient cap of 10 successful sends per 10 minutes."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep import clock, mail
from authkeep.domain import organizations as rules
from authkeep.errors import LogtoError
from authkeep.mail import templates
from authkeep.store import organization_invitations as store
from authkeep.store import organizations as org_store
from authkeep.store.db import Database

SEND_WINDOW_MS = 600_000
MAX_SENDS_PER_RECIPIENT = 10
ACTION = "MessageSend"


def recipient_hash(recipient: str) -> str:
    """E-mail recipients share one bucket whatever their casing (Logto's normalizeRecipient)."""
    return hashlib.sha256(recipient.strip().lower().encode()).hexdigest()


def sender_or_error() -> mail.Sender:
    sender = mail.current_sender()
    if sender is None:
        raise LogtoError("connector.not_found", 501, type="Email")
    return sender


async def template_context(
    conn: AsyncConnection, tenant_id: str, organization_id: str, inviter_id: str | None
) -> dict[str, Any]:
    """`{organization: {id, name, branding}, inviter?: {id, avatar, name, primaryEmail, …}}`."""
    org = await org_store.find_organization(conn, tenant_id, organization_id)
    out: dict[str, Any] = {}
    if org is not None:
        out["organization"] = {"id": org.id, "name": org.name, "branding": org.branding}
    if inviter_id:
        user = await store.find_user(conn, tenant_id, inviter_id)
        if user is not None:
            out["inviter"] = {
                "id": user.id,
                "avatar": user.avatar,
                "name": user.name,
                "primaryEmail": user.primary_email,
                "primaryPhone": user.primary_phone,
                "username": user.username,
                "profile": user.profile,
            }
    return out


async def send_invitation(db: Database, tenant_id: str, to: str, payload: dict[str, Any]) -> None:
    """501 without a sender, 429 over the cap, 400 `connector.general` when delivery fails.
    A failed delivery does not count toward the cap."""
    sender = sender_or_error()
    target = recipient_hash(to)
    now = clock.now_ms()

    async def count(conn: AsyncConnection) -> int:
        return await store.count_sends(conn, tenant_id, target, ACTION, now - SEND_WINDOW_MS)

    if await rules.read(db, count) >= MAX_SENDS_PER_RECIPIENT:
        raise LogtoError("request.message_rate_limited", 429)
    try:
        await sender.send(templates.organization_invitation(to, payload))
    except mail.SendError as exc:
        raise LogtoError("connector.general", 400, errorDescription=str(exc)) from None

    async def record(conn: AsyncConnection) -> None:
        await store.prune_sends(conn, tenant_id, target, ACTION, now - SEND_WINDOW_MS)
        await store.record_send(conn, tenant_id, target, ACTION, clock.now_ms())

    await rules.write(db, record)
