"""Impersonation subject tokens (Logto tag "Subject tokens"); exchanged at `/oidc/token`
(oidc/token_exchange.py)."""

from __future__ import annotations

from typing import Any

from authkeep import web
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.domain import subject_tokens as domain

router = ApiRouter(policy="management", family="sessions")


class SubjectTokenCreate(web.Body):
    userId: str
    context: dict[str, Any] = None  # type: ignore[assignment]


@router.post("/subject-tokens", body=SubjectTokenCreate)
async def create_subject_token(ctx: Ctx) -> Any:
    body: SubjectTokenCreate = ctx.body
    async with ctx.db.write() as conn:
        token = await domain.create(conn, ctx.tenant_id, body.userId, body.context or {}, ctx.auth.subject)
    return {"subjectToken": token, "expiresIn": domain.EXPIRES_IN_S}
