"""E-mail templates (Logto tag "Email templates"): per language tag and template type, used by the
e-mail connectors ahead of their own config templates."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from authkeep import clock, ids, web
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.connectors import TEMPLATE_TYPES
from authkeep.errors import LogtoError
from authkeep.store import email_templates as store

router = ApiRouter(policy="management", family="connectors")

LanguageTag = Annotated[str, Field(min_length=1, max_length=16)]
TemplateType = Literal[TEMPLATE_TYPES]  # type: ignore[valid-type]
ContentType = Literal["text/html", "text/plain"]


class DetailsPatch(web.Body):
    subject: str = None  # type: ignore[assignment]
    content: str = None  # type: ignore[assignment]
    content_type: ContentType = Field(None, alias="contentType")  # type: ignore[assignment]
    reply_to: str = Field(None, alias="replyTo")  # type: ignore[assignment]
    send_from: str = Field(None, alias="sendFrom")  # type: ignore[assignment]


class Details(DetailsPatch):
    subject: str
    content: str


class TemplateIn(web.Body):
    language_tag: LanguageTag = Field(alias="languageTag")
    template_type: TemplateType = Field(alias="templateType")
    details: Details


class TemplatesPut(web.Body):
    templates: Annotated[list[TemplateIn], Field(min_length=1)]


class Filter(web.Query):
    language_tag: LanguageTag = Field(None, alias="languageTag")  # type: ignore[assignment]
    template_type: TemplateType = Field(None, alias="templateType")  # type: ignore[assignment]


def template_out(row: Any) -> dict[str, Any]:
    return {
        "tenantId": row.tenant_id,
        "id": row.id,
        "languageTag": row.language_tag,
        "templateType": row.template_type,
        "details": row.details,
        "createdAt": row.created_at,
    }


async def _find(conn: Any, ctx: Ctx) -> Any:
    row = await store.find_template(conn, ctx.tenant_id, ctx.param("id"))
    if row is None:
        raise LogtoError("entity.not_exists_with_id", 404, name="email_templates", id=ctx.param("id"))
    return row


@router.put("/email-templates", body=TemplatesPut)
async def put_templates(ctx: Ctx) -> Any:
    body: TemplatesPut = ctx.body
    out = []
    async with ctx.db.write() as conn:
        for item in body.templates:
            await store.upsert_template(
                conn,
                {
                    "tenant_id": ctx.tenant_id,
                    "id": ids.standard_id(),
                    "language_tag": item.language_tag,
                    "template_type": item.template_type,
                    "details": item.details.model_dump(by_alias=True, exclude_none=True),
                    "created_at": clock.now_ms(),
                },
            )
            found = await store.list_templates(conn, ctx.tenant_id, item.language_tag, item.template_type)
            out.append(template_out(found[0]))
    return out


@router.get("/email-templates", query=Filter)
async def list_templates(ctx: Ctx) -> Any:
    where: Filter = ctx.q
    async with ctx.db.read() as conn:
        found = await store.list_templates(conn, ctx.tenant_id, where.language_tag, where.template_type)
    return [template_out(row) for row in found]


@router.delete("/email-templates", query=Filter, status=200)
async def delete_templates(ctx: Ctx) -> Any:
    where: Filter = ctx.q
    if where.language_tag is None and where.template_type is None:
        raise LogtoError(
            "connector.email_connector.bulk_deletion_no_filter",
            422,
            properties="languageTag and templateType",
        )
    async with ctx.db.write() as conn:
        count = await store.delete_where(conn, ctx.tenant_id, where.language_tag, where.template_type)
    return {"rowCount": count}


@router.get("/email-templates/{id}")
async def get_template(ctx: Ctx) -> Any:
    async with ctx.db.read() as conn:
        return template_out(await _find(conn, ctx))


@router.patch("/email-templates/{id}/details", body=DetailsPatch)
async def patch_details(ctx: Ctx) -> Any:
    body: DetailsPatch = ctx.body
    async with ctx.db.write() as conn:
        row = await _find(conn, ctx)
        details = {**(row.details or {}), **body.model_dump(by_alias=True, exclude_unset=True)}
        await store.update_details(conn, ctx.tenant_id, row.id, details)
        return template_out(await _find(conn, ctx))


@router.delete("/email-templates/{id}")
async def delete_template(ctx: Ctx) -> Any:
    async with ctx.db.write() as conn:
        row = await _find(conn, ctx)
        await store.delete_template(conn, ctx.tenant_id, row.id)
    return None
