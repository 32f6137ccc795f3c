"""Sign-in experience routes (Logto tag "Sign-in experience")."""

from __future__ import annotations

import asyncio
from typing import Any

from authkeep import errors
from authkeep.api import sign_in_exp_models as models
from authkeep.api.context import Ctx
from authkeep.domain import password_policy
from authkeep.domain import sign_in_exp as sie
from authkeep.errors import LogtoError
from authkeep.store import sign_in_exp as store
from authkeep.store import tables_sign_in as S
from authkeep.web import ApiRouter, Body, json_response, read_body, read_json, validate

router = ApiRouter()


async def current(conn: Any, tenant_id: str, lock: bool = False) -> dict[str, Any]:
    """The stored document over the seed defaults (a missing row is Logto's seed)."""
    stored = await store.get_document(conn, S.sign_in_experiences, tenant_id, lock)
    return {**sie.default(tenant_id), **(stored or {}), "tenantId": tenant_id, "id": "default"}


async def connectors(conn: Any, tenant_id: str) -> list[dict[str, Any]]:
    return sie.connector_summaries(await store.connector_rows(conn, tenant_id))


async def normalize_profile_fields(conn: Any, tenant_id: str, fields: list[dict[str, Any]] | None) -> Any:
    """Logto's `normalizeProfileFields`: duplicates refused, names missing from the catalog dropped."""
    if not fields:
        return fields
    names = [f["name"] for f in fields]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise errors.invalid_input(f"Duplicate profile field names: {', '.join(dupes)}")
    known = {f["name"] for f in await store.list_fields(conn, tenant_id, names)}
    return [f for f in fields if f["name"] in known]


@router.get("/sign-in-exp")
async def get_sign_in_exp(ctx: Ctx) -> object:
    async with ctx.db.read() as conn:
        return await current(conn, ctx.tenant_id)


@router.patch("/sign-in-exp")
async def patch_sign_in_exp(ctx: Ctx) -> object:
    raw = await read_json(ctx.request)
    parsed = validate(models.SignInExpPatch, raw)
    body = models.to_patch(raw, parsed)
    tenant = ctx.tenant_id
    async with ctx.db.write() as conn:
        doc = await current(conn, tenant, lock=True)
        if "signUpProfileFields" in body:
            body["signUpProfileFields"] = await normalize_profile_fields(conn, tenant, body["signUpProfileFields"])
        policy = body.get("usernamePolicy")
        if policy and policy["caseSensitive"] is False and doc["usernamePolicy"].get("caseSensitive", True):
            total, samples = await store.username_case_conflicts(conn, tenant, 20)
            if total:
                raise LogtoError(
                    "sign_in_experiences.username_policy_case_conflicts_exist",
                    409,
                    data={"totalConflicts": total, "samples": samples},
                )
        found = await connectors(conn, tenant)
        tags = await store.phrase_tags(conn, tenant)
        updated = sie.apply_patch(doc, body, found, tags)
        await store.put_document(conn, S.sign_in_experiences, tenant, updated)
    return updated


class CheckPassword(Body):
    password: str
    userId: str | None = None


@router.post("/sign-in-exp/default/check-password", status=200)
async def check_password(ctx: Ctx) -> object:
    body = await read_body(ctx.request, CheckPassword)
    async with ctx.db.read() as conn:
        doc = await current(conn, ctx.tenant_id)
        info = None
        if body.userId:
            info = await store.user_info(conn, ctx.tenant_id, body.userId)
            if info is None:
                raise errors.not_exists_with_id("users", body.userId)
    policy = password_policy.full_policy(doc["passwordPolicy"])
    try:
        # The breached-password set loads once; the checks are pure CPU but short.
        issues = await asyncio.to_thread(password_policy.check, policy, body.password, info)
    except password_policy.MissingUserInfo as exc:
        raise errors.invalid_input(str(exc)) from None
    if issues:
        return json_response({"result": False, "issues": issues}, 400)
    return {"result": True}


@router.get("/sign-in-exp/username-policy/case-sensitivity-conflicts")
async def case_conflicts(ctx: Ctx) -> object:
    raw = ctx.query.get("limit")
    limit = 20
    if raw is not None:
        try:
            limit = int(raw.strip()) if raw.strip() else 0
        except ValueError:
            limit = -1
        if not 1 <= limit <= 100:
            raise LogtoError(
                "guard.invalid_input",
                400,
                type="query",
                details='Error in key path "limit": Number must be between 1 and 100.',
            )
    async with ctx.db.read() as conn:
        total, samples = await store.username_case_conflicts(conn, ctx.tenant_id, limit)
    return {"totalConflicts": total, "samples": samples}


@router.post("/sign-in-exp/default/custom-ui-assets", status=200)
async def custom_ui_assets(ctx: Ctx) -> object:
    """Logto uploads the zip to Azure storage; without one configured (OSS) it refuses."""
    if not ctx.request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise LogtoError("guard.invalid_input", 400, type="files")
    raise LogtoError("storage.not_configured", 400)
