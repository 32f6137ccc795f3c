"""Organization invitations (Logto `libraries/organization-invitation.ts` and
`sentinel/message-rate-guard.ts`): references of a new invitation, status changes (accepting adds
the membership and the invited roles), the delivery channel (the tenant's e-mail connector, else
the process-wide sender when one is configured), the template context, and the per-recipient cap
of 10 successful sends per 10 minutes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep import clock, mail
from authkeep.connectors import EMAIL, Factory
from authkeep.domain import connectors
from authkeep.domain import organizations as rules
from authkeep.errors import LogtoError, not_found
from authkeep.mail import templates
from authkeep.secretbox import SecretBox
from authkeep.store import organization_invitations as store
from authkeep.store import organizations as org_store
from authkeep.store import tables
from authkeep.store.db import Database

SEND_WINDOW_MS = 600_000
MAX_SENDS_PER_RECIPIENT = 10
ACTION = "MessageSend"


def recipient_hash(recipient: str) -> str:
    """E-mail recipients share one bucket whatever their casing (Logto's normalizeRecipient)."""
    return hashlib.sha256(recipient.strip().lower().encode()).hexdigest()


TEMPLATE_TYPE = templates.ORGANIZATION_INVITATION


@dataclass(frozen=True)
class Channel:
    """Either the tenant's e-mail connector (factory, opened config, template) or the process-wide
    sender."""

    factory: Factory | None = None
    config: dict[str, Any] | None = None
    template: dict[str, Any] | None = None
    sender: mail.Sender | None = None


def _config_template(config: dict[str, Any]) -> dict[str, Any] | None:
    """The connector config's OrganizationInvitation template, else its Generic one (Logto's
    connector-kit falls back to Generic for usage types a config does not list)."""
    raw = config.get("templates")  # development connectors accept any config
    items = [t for t in raw if isinstance(t, dict)] if isinstance(raw, list) else []
    for kind in (TEMPLATE_TYPE, "Generic"):
        found = next((t for t in items if t.get("usageType") == kind), None)
        if found is not None:
            return found
    return None


async def channel(conn: AsyncConnection, box: SecretBox, tenant_id: str, locale: Any) -> Channel:
    """The tenant's e-mail connector first; without one, the configured `AUTHKEEP_EMAIL_SENDER`;
    without either, Logto's 501 `connector.not_found`."""
    try:
        factory, config = await connectors.message_connector(conn, box, tenant_id, EMAIL)
    except LogtoError:
        sender = mail.current_sender()
        if sender is None:
            raise
        return Channel(sender=sender)
    template = await connectors.email_template(conn, tenant_id, TEMPLATE_TYPE, locale if isinstance(locale, str) else None)
    return Channel(factory=factory, config=config, template=template or _config_template(config))


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


async def send_invitation(db: Database, tenant_id: str, to: str, payload: dict[str, Any], via: Channel) -> None:
    """429 over the cap, 400 `connector.*` when delivery fails. A failed delivery does not count
    toward the cap."""
    target = recipient_hash(to)
    now = clock.now_ms()

    async def count(conn: AsyncConnection) -> int:
        return await store.count_sends(conn, tenant_id, target, ACTION, now - SEND_WINDOW_MS)

    if await rules.read(db, count) >= MAX_SENDS_PER_RECIPIENT:
        raise LogtoError("request.message_rate_limited", 429)
    if via.factory is not None:
        await connectors.deliver(via.factory, via.config or {}, to, TEMPLATE_TYPE, payload, via.template)
    else:
        assert via.sender is not None
        try:
            await via.sender.send(templates.organization_invitation(to, payload))
        except mail.SendError as exc:
            raise LogtoError("connector.general", 400, errorDescription=str(exc)) from None

    async def record(conn: AsyncConnection) -> None:
        await store.prune_sends(conn, tenant_id, target, ACTION, now - SEND_WINDOW_MS)
        await store.record_send(conn, tenant_id, target, ACTION, clock.now_ms())

    await rules.write(db, record)


async def check_references(
    conn: AsyncConnection, tenant_id: str, org_id: str, inviter_id: str | None, role_ids: list[str]
) -> None:
    """The organization, the inviter and the roles exist (Logto: the invitation's FKs)."""
    if not await org_store.organization_exists(conn, tenant_id, org_id):
        raise rules.foreign_key_error()
    if inviter_id and not await org_store.users_existing(conn, tenant_id, [inviter_id]):
        raise rules.foreign_key_error()
    if len(await org_store.existing_ids(conn, tables.organization_roles, tenant_id, role_ids)) < len(role_ids):
        raise rules.foreign_key_error()


async def change_status(
    conn: AsyncConnection, tenant_id: str, invitation_id: str, status: str, accepted_user_id: str | None
) -> dict[str, Any]:
    """Pending -> Accepted (membership and the invited roles are added) or Revoked; final
    statuses stay. Returns the invitation as it now reads."""
    now = clock.now_ms()
    invitation = await store.find_invitation(conn, tenant_id, invitation_id, now, lock=True)
    if invitation is None:
        raise not_found()
    if invitation["status"] in store.ENDING_STATUSES:
        raise rules.invalid_input("The status of the invitation cannot be changed anymore.", 422)
    values: dict[str, Any] = {"status": status, "updated_at": now}
    if status == store.ACCEPTED:
        assert accepted_user_id is not None
        user = await store.find_user(conn, tenant_id, accepted_user_id)
        if user is None:
            raise not_found()
        if (user.primary_email or "").lower() != invitation["invitee"].lower():
            raise rules.invalid_input("The accepted user must have the same email as the invitee.", 422)
        org_id = invitation["organizationId"]
        await org_store.lock_organization(conn, tenant_id, org_id)
        await org_store.add_members(conn, tenant_id, org_id, [accepted_user_id])
        role_ids = [r["id"] for r in invitation["organizationRoles"]]
        await rules.check_roles(conn, tenant_id, role_ids, "User")
        await org_store.add_member_roles(conn, tenant_id, org_id, [(accepted_user_id, r) for r in role_ids])
        values["accepted_user_id"] = accepted_user_id
    await store.set_status(conn, tenant_id, invitation_id, values)
    invitation.update(status=status, updatedAt=values["updated_at"])
    if status == store.ACCEPTED:
        invitation["acceptedUserId"] = accepted_user_id
    return invitation
