"""Account center settings (Logto tag "Account center")."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from authkeep.api.contract import ApiRouter, Ctx
from authkeep.api.sign_in_exp_models import Named
from authkeep.domain.account_center import current
from authkeep.domain.sign_in_exp import normalize_profile_fields
from authkeep.store import sign_in_exp as store
from authkeep.store import tables_sign_in as S
from authkeep.web import Body

router = ApiRouter(policy="management", family="sign_in")
Control = Literal["Off", "ReadOnly", "Edit"]


def _delete_url(value: str) -> str:
    ok = value == "" or (value.startswith(("https://", "http://")) and len(value.split("://", 1)[1]) > 0)
    if not ok:
        raise ValueError("deleteAccountUrl must be a valid http(s) URL")
    return value


class Fields(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")
    name: Control | None = None
    avatar: Control | None = None
    profile: Control | None = None
    email: Control | None = None
    phone: Control | None = None
    password: Control | None = None
    username: Control | None = None
    social: Control | None = None
    customData: Control | None = None
    mfa: Control | None = None
    passkey: Control | None = None
    session: Control | None = None


class AccountCenterPatch(Body):
    enabled: bool | None = None
    fields: Fields | None = None
    webauthnRelatedOrigins: list[str] | None = None
    deleteAccountUrl: Annotated[str, Field(max_length=2048), AfterValidator(_delete_url)] | None = None
    customCss: str | None = None
    profileFields: list[Named] | None = None


@router.get("/account-center")
async def get_account_center(ctx: Ctx) -> object:
    async with ctx.db.read() as conn:
        return await current(conn, ctx.tenant_id)


@router.patch("/account-center", body=AccountCenterPatch)
async def patch_account_center(ctx: Ctx) -> object:
    body: AccountCenterPatch = ctx.body
    sent = body.model_fields_set
    async with ctx.db.write() as conn:
        doc = await current(conn, ctx.tenant_id)
        if body.enabled is not None:
            doc["enabled"] = body.enabled
        if body.fields is not None:
            doc["fields"] = body.fields.model_dump(exclude_none=True)
        if body.webauthnRelatedOrigins is not None:
            doc["webauthnRelatedOrigins"] = list(dict.fromkeys(body.webauthnRelatedOrigins))
        if "deleteAccountUrl" in sent:
            doc["deleteAccountUrl"] = body.deleteAccountUrl or None
        if "customCss" in sent:
            doc["customCss"] = body.customCss
        if "profileFields" in sent:
            fields = None if body.profileFields is None else [f.model_dump() for f in body.profileFields]
            doc["profileFields"] = await normalize_profile_fields(conn, ctx.tenant_id, fields)
        await store.put_document(conn, S.account_centers, ctx.tenant_id, doc)
    return doc
