"""A user's grants and sessions (Logto tag "Users"). authkeep has no end-user sign-in yet: the
lists are empty and every id is unknown."""

from __future__ import annotations

from typing import Any

from authkeep.api.contract import ApiRouter, Ctx
from authkeep.api.users.schemas import GrantsQuery, SessionDeleteQuery
from authkeep.errors import LogtoError

router = ApiRouter(policy="management", family="users")


@router.get("/users/{userId}/grants", query=GrantsQuery)
async def list_grants(ctx: Ctx) -> dict[str, Any]:
    return {"grants": []}


@router.delete("/users/{userId}/grants/{grantId}")
async def delete_grant(ctx: Ctx) -> None:
    raise LogtoError("oidc.invalid_grant", 404)


@router.get("/users/{userId}/sessions")
async def list_sessions(ctx: Ctx) -> dict[str, Any]:
    return {"sessions": []}


@router.get("/users/{userId}/sessions/{sessionId}")
async def get_session(ctx: Ctx) -> None:
    raise LogtoError("oidc.session_not_found", 404)


@router.delete("/users/{userId}/sessions/{sessionId}", query=SessionDeleteQuery)
async def delete_session(ctx: Ctx) -> None:
    raise LogtoError("oidc.session_not_found", 404)
