"""Sign-in experience routes (Logto tag "Sign-in experience")."""

from __future__ import annotations

import asyncio

from authkeep import errors
from authkeep.api import sign_in_exp_models as models
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.domain import password_policy
from authkeep.domain import sign_in_exp as sie
from authkeep.errors import LogtoError
from authkeep.store import sign_in_exp as store
from authkeep.store import tables_sign_in as S
from authkeep.web import Body, Query, json_response

router = ApiRouter(policy="management", family="sign_in")


# The social connector targets it holds follow connector deletions.
@router.get("/sign-in-exp", reads=("sign_in", "connectors"))
async def get_sign_in_exp(ctx: Ctx) -> object:
    async with ctx.db.read() as conn:
        return await sie.current(conn, ctx.tenant_id)


@router.patch("/sign-in-exp", body=models.SignInExpPatch)
async def patch_sign_in_exp(ctx: Ctx) -> object:
    body = models.to_patch(ctx.body)
    tenant = ctx.tenant_id
    async with ctx.db.write() as conn:
        doc = await sie.current(conn, tenant, lock=True)
        if "signUpProfileFields" in body:
            body["signUpProfileFields"] = await sie.normalize_profile_fields(conn, tenant, body["signUpProfileFields"])
        policy = body.get("usernamePolicy")
        if policy and policy["caseSensitive"] is False and doc["usernamePolicy"].get("caseSensitive", True):
            total, samples = await store.username_case_conflicts(conn, tenant, 20)
            if total:
                raise LogtoError(
                    "sign_in_experiences.username_policy_case_conflicts_exist",
                    409,
                    data={"totalConflicts": total, "samples": samples},
                )
        found = await sie.connectors(conn, tenant)
        tags = await store.phrase_tags(conn, tenant)
        updated = sie.apply_patch(doc, body, found, tags)
        await store.put_document(conn, S.sign_in_experiences, tenant, updated)
    return updated


class CheckPassword(Body):
    password: str
    userId: str | None = None


@router.post("/sign-in-exp/default/check-password", status=200, body=CheckPassword)
async def check_password(ctx: Ctx) -> object:
    body: CheckPassword = ctx.body
    async with ctx.db.read() as conn:
        doc = await sie.current(conn, ctx.tenant_id)
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


class ConflictQuery(Query):
    limit: str | None = None  # checked by hand for Logto's exact message


def _limit(raw: str | None) -> int:
    if raw is None:
        return 20
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
    return limit


@router.get("/sign-in-exp/username-policy/case-sensitivity-conflicts", query=ConflictQuery, reads=("users",))
async def case_conflicts(ctx: Ctx) -> object:
    limit = _limit(ctx.q.limit)
    async with ctx.db.read() as conn:
        total, samples = await store.username_case_conflicts(conn, ctx.tenant_id, limit)
    return {"totalConflicts": total, "samples": samples}


@router.post("/sign-in-exp/default/custom-ui-assets", status=200)
async def custom_ui_assets(ctx: Ctx) -> object:
    """Logto uploads the zip to Azure storage; without one configured (OSS) it refuses."""
    if not ctx.request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise LogtoError("guard.invalid_input", 400, type="files")
    raise LogtoError("storage.not_configured", 400)
