"""Sentinel activities (Logto tag "Sentinel activities"): unblock identifiers locked out by too
many failed attempts (domain/experience/sentinel.py)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from authkeep import web
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.domain.experience import sentinel

router = ApiRouter(policy="management", family="sessions")
MAX_TARGETS = 1000  # bounded work per request (Logto has no limit)


class DeleteActivities(web.Body):
    targetType: Literal["User", "App"]
    targets: Annotated[list[str], Field(max_length=MAX_TARGETS)]


@router.post("/sentinel-activities/delete", body=DeleteActivities, status=204)
async def delete_activities(ctx: Ctx) -> None:
    body: DeleteActivities = ctx.body
    async with ctx.db.write() as conn:
        await sentinel.unblock(conn, ctx.tenant_id, body.targetType, body.targets)
