"""One-time tokens (Logto tag "One-time tokens")."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from authkeep import clock, web
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.domain import one_time_tokens as domain
from authkeep.errors import LogtoError
from authkeep.store import one_time_tokens as store

router = ApiRouter(policy="management", family="codes")
EMAIL_RE = re.compile(r"^\S+@\S+\.\S+$")
Email = Annotated[str, Field(min_length=1, max_length=128)]
Status = Literal["active", "consumed", "revoked", "expired"]


class TokenContext(web.Body):
    jit_organization_ids: list[str] = Field(None, alias="jitOrganizationIds")  # type: ignore[assignment]
    interaction_event: Literal["SignIn", "Register", "ForgotPassword"] = Field(None, alias="interactionEvent")  # type: ignore[assignment]


class TokenCreate(web.Body):
    email: Email
    context: TokenContext = None  # type: ignore[assignment]
    expires_in: float = Field(None, alias="expiresIn", ge=1, allow_inf_nan=False, le=10 * 365 * 24 * 3600)  # type: ignore[assignment]


class TokenVerify(web.Body):
    token: Annotated[str, Field(min_length=1, max_length=256)]
    email: Email


class StatusBody(web.Body):
    status: Status


class ListQuery(web.Query):
    email: str = None  # type: ignore[assignment]
    status: Status = None  # type: ignore[assignment]

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not EMAIL_RE.match(value):
            raise ValueError("Invalid")
        return value


@router.get("/one-time-tokens", cache=False, query=ListQuery, paged="optional")  # statuses depend on the clock
async def list_tokens(ctx: Ctx) -> Any:
    query: ListQuery = ctx.q
    page = ctx.page
    limit, offset = (page.limit, page.offset) if page else (None, 0)
    async with ctx.db.read() as conn:
        total, found = await store.list_tokens(conn, ctx.tenant_id, query.email, query.status, limit, offset)
    now = clock.now_ms()
    items = [domain.token_out(ctx.state.box, row, now) for row in found]
    return ctx.paged(items, total)


@router.get("/one-time-tokens/{id}", cache=False)
async def get_token(ctx: Ctx) -> Any:
    async with ctx.db.read() as conn:
        row = await domain.find(conn, ctx.tenant_id, ctx.param("id"))
    return domain.token_out(ctx.state.box, row)


@router.post("/one-time-tokens", body=TokenCreate, status=201)
async def create_token(ctx: Ctx) -> Any:
    body: TokenCreate = ctx.body
    context = body.context.model_dump(by_alias=True, exclude_unset=True) if body.context else {}
    async with ctx.db.write() as conn:
        token_id = await domain.create(conn, ctx.state.box, ctx.tenant_id, body.email, context, body.expires_in)
        row = await domain.find(conn, ctx.tenant_id, token_id)
    return domain.token_out(ctx.state.box, row)


@router.post("/one-time-tokens/verify", body=TokenVerify, status=200)
async def verify_token(ctx: Ctx) -> Any:
    body: TokenVerify = ctx.body
    async with ctx.db.write() as conn:
        token_id, failure = await domain.verify(conn, ctx.tenant_id, body.token, body.email)
        row = await domain.find(conn, ctx.tenant_id, token_id) if token_id else None
    if failure is not None:
        raise failure
    return domain.token_out(ctx.state.box, row)


@router.put("/one-time-tokens/{id}/status", body=StatusBody)
async def put_status(ctx: Ctx) -> Any:
    body: StatusBody = ctx.body
    token_id = ctx.param("id")
    async with ctx.db.write() as conn:
        await domain.set_status(conn, ctx.tenant_id, token_id, body.status)
        row = await domain.find(conn, ctx.tenant_id, token_id)
    return domain.token_out(ctx.state.box, row)


@router.delete("/one-time-tokens/{id}")
async def delete_token(ctx: Ctx) -> Any:
    token_id = ctx.param("id")
    async with ctx.db.write() as conn:
        if not await store.delete_token(conn, ctx.tenant_id, token_id):
            raise LogtoError("entity.not_exists_with_id", 404, name="one_time_tokens", id=token_id)
    return None
