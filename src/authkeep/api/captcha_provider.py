"""The captcha provider (Logto tag "Captcha provider"): stored configuration only, no outside
calls. The config holds the provider's secret key, so it is sealed at rest."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from authkeep import clock, ids
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.domain import captcha
from authkeep.domain.sign_in_exp import current as current_sie
from authkeep.errors import LogtoError
from authkeep.store import sign_in_exp as store
from authkeep.store import tables_sign_in as S
from authkeep.web import Body

router = ApiRouter(policy="management", family="sign_in")


class Turnstile(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")
    type: Literal["Turnstile"]
    siteKey: str
    secretKey: str


class Recaptcha(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")
    type: Literal["RecaptchaEnterprise"]
    siteKey: str
    secretKey: str
    projectId: str
    domain: str | None = None
    mode: Literal["invisible", "checkbox"] | None = None


class CaptchaBody(Body):
    config: Turnstile | Recaptcha


def _shape(ctx: Ctx, row: Any) -> dict[str, Any]:
    return {
        "tenantId": ctx.tenant_id,
        "id": row.id,
        "config": captcha.open_config(ctx.state.box, ctx.tenant_id, row.config),
        "createdAt": row.created_at,
        "updatedAt": row.updated_at,
    }


@router.get("/captcha-provider")
async def get_captcha(ctx: Ctx) -> object:
    async with ctx.db.read() as conn:
        row = await store.get_captcha(conn, ctx.tenant_id)
    if row is None:
        raise LogtoError("entity.not_found", 404)
    return _shape(ctx, row)


@router.put("/captcha-provider", body=CaptchaBody)
async def put_captcha(ctx: Ctx) -> object:
    config = ctx.body.config.model_dump(exclude_none=True)
    sealed = captcha.seal(ctx.state.box, ctx.tenant_id, config)
    async with ctx.db.write() as conn:
        await store.put_captcha(conn, ctx.tenant_id, ids.standard_id(), sealed, clock.now_ms())
        row = await store.get_captcha(conn, ctx.tenant_id)
    return _shape(ctx, row)


@router.delete("/captcha-provider")
async def delete_captcha(ctx: Ctx) -> None:
    async with ctx.db.write() as conn:
        await store.delete_captcha(conn, ctx.tenant_id)
        # Logto turns the captcha policy off with the provider.
        doc = await current_sie(conn, ctx.tenant_id, lock=True)
        doc["captchaPolicy"] = {"enabled": False}
        await store.put_document(conn, S.sign_in_experiences, ctx.tenant_id, doc)
