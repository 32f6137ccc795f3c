"""Organization invitations routes (Logto tag "Organization invitations", 6 operations).

Pending → Accepted (membership and the invited roles are added) or Revoked; those and Expired
(a Pending invitation past `expiresAt`) are final. Messages go through the tenant's e-mail
connector, else the process-wide `authkeep.mail` sender.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep import clock, ids
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.api.organizations import schemas
from authkeep.domain import organization_invitations as invitation_rules
from authkeep.domain import organizations as rules
from authkeep.domain.organizations import ACCEPTED, PENDING, dedupe
from authkeep.errors import LogtoError, not_found
from authkeep.store import organization_invitations as store
from authkeep.store import organizations as org_store

router = ApiRouter(policy="management", family="organizations")
INVITEE_MAX = 256


@router.get("/organization-invitations", query=schemas.InvitationQuery, cache=False)  # status depends on the clock
async def list_invitations(ctx: Ctx) -> list[dict[str, Any]]:
    q: schemas.InvitationQuery = ctx.q

    async def work(conn: AsyncConnection) -> list[dict[str, Any]]:
        return await store.list_invitations(
            conn, ctx.tenant_id, clock.now_ms(), q.organizationId, q.inviterId, q.invitee
        )

    return await rules.read(ctx.db, work)


@router.post("/organization-invitations", body=schemas.InvitationCreate)
async def create_invitation(ctx: Ctx) -> dict[str, Any]:
    body: schemas.InvitationCreate = ctx.body
    now = clock.now_ms()
    if not body.expiresAt > now:
        raise rules.invalid_input("The value of `expiresAt` must be in the future.")
    if len(body.invitee) > INVITEE_MAX:
        raise rules.value_too_long()
    org_id, invitee = body.organizationId, body.invitee
    payload = body.messagePayload.data() if body.messagePayload is not False else None

    async def member(conn: AsyncConnection) -> bool:
        return await org_store.is_member_by_email(conn, ctx.tenant_id, org_id, invitee)

    if await rules.read(ctx.db, member):
        raise rules.invalid_input("The invitee is already a member of the organization.", 422)

    role_ids = dedupe(body.organizationRoleIds or [])
    values = {
        "tenant_id": ctx.tenant_id,
        "id": ids.standard_id(),
        "inviter_id": body.inviterId,
        "invitee": invitee,
        "accepted_user_id": None,
        "organization_id": org_id,
        "status": PENDING,
        "created_at": now,
        "updated_at": now,
        "expires_at": int(body.expiresAt),
    }

    async def work(conn: AsyncConnection) -> tuple[invitation_rules.Channel, dict[str, Any]] | None:
        await invitation_rules.check_references(conn, ctx.tenant_id, org_id, body.inviterId, role_ids)
        await store.expire_pending(conn, ctx.tenant_id, org_id, invitee, now)
        await store.insert_invitation(conn, values, role_ids)
        if payload is None:
            return None
        via = await invitation_rules.channel(conn, ctx.state.box, ctx.tenant_id, payload.get("locale"))  # 501 before the commit
        return via, await invitation_rules.template_context(conn, ctx.tenant_id, org_id, body.inviterId)

    prepared = await rules.write(ctx.db, work)
    if prepared is not None:
        via, context = prepared
        try:
            await invitation_rules.send_invitation(ctx.db, ctx.tenant_id, invitee, {**context, **(payload or {})}, via)
        except LogtoError:
            # Logto sends inside the creating transaction; authkeep sends after commit (no
            # database lock held over SMTP) and takes the invitation back when sending fails.
            async def undo(conn: AsyncConnection) -> None:
                await store.delete_invitation(conn, ctx.tenant_id, values["id"])

            await rules.write(ctx.db, undo)
            raise
    return await _find(ctx, values["id"])


async def _find(ctx: Ctx, invitation_id: str) -> dict[str, Any]:
    async def work(conn: AsyncConnection) -> dict[str, Any] | None:
        return await store.find_invitation(conn, ctx.tenant_id, invitation_id, clock.now_ms())

    found = await rules.read(ctx.db, work)
    if found is None:
        raise not_found()
    return found


@router.get("/organization-invitations/{id}", cache=False)
async def get_invitation(ctx: Ctx) -> dict[str, Any]:
    return await _find(ctx, ctx.param("id"))


@router.delete("/organization-invitations/{id}")
async def delete_invitation(ctx: Ctx) -> None:
    async def work(conn: AsyncConnection) -> bool:
        return await store.delete_invitation(conn, ctx.tenant_id, ctx.param("id"))

    if not await rules.write(ctx.db, work):
        raise not_found()


@router.post("/organization-invitations/{id}/message", status=204, body=schemas.MessagePayload)
async def send_message(ctx: Ctx) -> None:
    body: schemas.MessagePayload = ctx.body
    invitation = await _find(ctx, ctx.param("id"))

    payload = body.data()

    async def work(conn: AsyncConnection) -> tuple[invitation_rules.Channel, dict[str, Any]]:
        via = await invitation_rules.channel(conn, ctx.state.box, ctx.tenant_id, payload.get("locale"))
        context = await invitation_rules.template_context(
            conn, ctx.tenant_id, invitation["organizationId"], invitation["inviterId"]
        )
        return via, context

    via, context = await rules.read(ctx.db, work)
    await invitation_rules.send_invitation(ctx.db, ctx.tenant_id, invitation["invitee"], {**context, **payload}, via)


@router.put("/organization-invitations/{id}/status", body=schemas.InvitationStatus)
async def update_status(ctx: Ctx) -> dict[str, Any]:
    body: schemas.InvitationStatus = ctx.body
    accepted_user_id = body.acceptedUserId if body.status == ACCEPTED else None
    if body.status == ACCEPTED and not accepted_user_id:
        raise rules.invalid_input("The `acceptedUserId` is required when accepting an invitation.", 422)

    async def work(conn: AsyncConnection) -> dict[str, Any]:
        return await invitation_rules.change_status(conn, ctx.tenant_id, ctx.param("id"), body.status, accepted_user_id)

    return await rules.write(ctx.db, work)
