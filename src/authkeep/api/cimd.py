"""OAuth Client ID Metadata Document clients (Logto tag "CIMD" and `GET/PATCH /configs/cimd`).
authkeep's OIDC provider does not accept client ID metadata documents, so enabling CIMD is refused
with the 422 Logto gives when it cannot serve them safely (its SSRF protection off); the switch and
the tenant's consent ceiling are stored as data, checked as Logto checks an application's."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from authkeep import web
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.domain import applications as app_rules
from authkeep.domain import management_api as mapi
from authkeep.errors import LogtoError, not_found
from authkeep.store import applications as app_store
from authkeep.store import cimd as store
from authkeep.store import tables as T

router = ApiRouter(policy="management", family="configs")
_KEY = "cimd"
_REFUSED = "authkeep's OIDC provider does not accept client ID metadata documents, so CIMD cannot be enabled."


class CimdPatch(web.Body):
    enabled: bool = None  # type: ignore[assignment]


async def _config(conn: Any, tenant_id: str) -> dict[str, Any]:
    s = T.system_settings
    row = (await conn.execute(select(s.c.value).where(s.c.tenant_id == tenant_id, s.c.key == _KEY))).first()
    return {"enabled": False, **(dict(row.value) if row else {})}


@router.get("/configs/cimd")
async def get_config(ctx: Ctx) -> Any:
    async with ctx.db.read() as conn:
        return await _config(conn, ctx.tenant_id)


@router.patch("/configs/cimd", body=CimdPatch)
async def patch_config(ctx: Ctx) -> Any:
    body: CimdPatch = ctx.body
    if body.enabled:
        raise LogtoError("request.invalid_input", 422, data={"details": _REFUSED}, message="Input is invalid. {{details}}")
    s = T.system_settings
    async with ctx.db.write() as conn:
        value = {**(await _config(conn, ctx.tenant_id)), **body.model_dump(exclude_unset=True)}
        await conn.execute(s.delete().where(s.c.tenant_id == ctx.tenant_id, s.c.key == _KEY))
        await conn.execute(s.insert().values(tenant_id=ctx.tenant_id, key=_KEY, value=value))
    return value


@router.get("/cimd/user-consent-scopes", reads=("configs", "resources", "organizations"))
async def list_scopes(ctx: Ctx) -> Any:
    async with ctx.db.read() as conn:
        return await store.ceiling(conn, ctx.tenant_id)


@router.post("/cimd/user-consent-scopes", body=app_rules.ConsentScopes)
async def add_scopes(ctx: Ctx) -> Any:
    body: app_rules.ConsentScopes = ctx.body
    org_scopes = body.organizationScopes or []
    resource_scopes = body.resourceScopes or []
    org_resource_scopes = body.organizationResourceScopes or []
    async with ctx.db.write() as conn:
        known_org = await app_store.existing(conn, T.organization_scopes, ctx.tenant_id, org_scopes)
        known = await app_store.scopes_with_indicator(conn, ctx.tenant_id, resource_scopes + org_resource_scopes)
        invalid = {
            "invalidOrganizationScopes": [s for s in org_scopes if s not in known_org],
            "invalidResourceScopes": [s for s in resource_scopes if s not in known],
            "invalidOrganizationResourceScopes": [s for s in org_resource_scopes if s not in known],
        }
        if any(invalid.values()):
            raise LogtoError("application.user_consent_scopes_not_found", 422, data=invalid)
        if mapi.indicator(ctx.tenant_id) in known.values():
            raise LogtoError("application.consent_management_api_scopes_not_allowed", 422)
        for scope_type, values in zip(
            app_rules.CONSENT_SCOPE_TYPES, (org_scopes, resource_scopes, org_resource_scopes, body.userScopes or [])
        ):
            await store.add(conn, ctx.tenant_id, scope_type, list(values))
    return web.empty(201)


@router.delete("/cimd/user-consent-scopes/{scopeType}/{scopeId}")
async def delete_scope(ctx: Ctx) -> None:
    scope_type = ctx.param("scopeType")
    if scope_type not in app_rules.CONSENT_SCOPE_TYPES:
        options = list(app_rules.CONSENT_SCOPE_TYPES)
        issue = {"code": "invalid_enum_value", "options": options, "path": ["scopeType"], "message": "Invalid enum value."}
        raise LogtoError(
            "guard.invalid_input", 400, type="params", data={"issues": [issue], "name": "ZodError"},
            details='Error in key path "scopeType": (invalid_enum_value) Invalid enum value.',
        )  # fmt: skip
    async with ctx.db.write() as conn:
        if not await store.remove(conn, ctx.tenant_id, scope_type, ctx.param("scopeId")):
            raise not_found()
