"""What hangs off an application: roles (M2M), organizations, access control, user consent
(third-party apps), the per-app sign-in experience and protected-app custom domains."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep import web
from authkeep.api.applications.common import app_row, m2m_row, router, third_party_row
from authkeep.api.contract import Ctx
from authkeep.domain import applications as rules
from authkeep.domain import management_api as mapi
from authkeep.errors import LogtoError, not_exists_with_id, not_found
from authkeep.store import applications as store
from authkeep.store import tables as T
from authkeep.store.rows import role as role_out

# --- roles (machine-to-machine apps only) ------------------------------------------------------


@router.get("/applications/{applicationId}/roles", paged=True, search=store.ROLE_SEARCH, reads=("applications", "roles"))
async def list_roles(ctx: Ctx) -> Any:
    async with ctx.db.read() as conn:
        row = await m2m_row(conn, ctx)
        found, total = await store.list_roles(conn, ctx.tenant_id, row.id, ctx.search, ctx.page)
    return ctx.paged([role_out(r) for r in found], total)


@router.post("/applications/{applicationId}/roles", body=rules.RoleIds)
async def assign_roles(ctx: Ctx) -> Any:
    body: rules.RoleIds = ctx.body
    async with ctx.db.write() as conn:
        row = await m2m_row(conn, ctx, lock=True)
        held = set(await store.role_ids(conn, ctx.tenant_id, row.id))
        to_add = [r for r in rules.dedupe(body.roleIds) if r not in held]
        found = await store.existing(conn, T.roles, ctx.tenant_id, to_add)
        if any(r.type != "MachineToMachine" for r in found.values()):
            raise LogtoError("application.invalid_role_type", 422)
        for role_id in to_add:
            if role_id not in found:
                raise not_exists_with_id("roles", role_id)
        added = await store.link_roles(conn, ctx.tenant_id, row.id, to_add)
    return {"roleIds": body.roleIds, "addedRoleIds": added}


@router.put("/applications/{applicationId}/roles", body=rules.RoleIds)
async def replace_roles(ctx: Ctx) -> Any:
    body: rules.RoleIds = ctx.body
    wanted = rules.dedupe(body.roleIds)
    async with ctx.db.write() as conn:
        row = await m2m_row(conn, ctx, lock=True)
        held = await store.role_ids(conn, ctx.tenant_id, row.id)
        to_add = [r for r in wanted if r not in held]
        found = await store.existing(conn, T.roles, ctx.tenant_id, to_add)
        for role_id in to_add:
            if role_id not in found:
                raise not_exists_with_id("roles", role_id)
        if any(r.type != "MachineToMachine" for r in found.values()):
            raise LogtoError("entity.db_constraint_violated", 422)  # Logto's CHECK on applications_roles
        await store.unlink_roles(conn, ctx.tenant_id, row.id, [r for r in held if r not in wanted])
        await store.link_roles(conn, ctx.tenant_id, row.id, to_add)
    # Logto sends a text/plain "OK" body its own client cannot parse; we send an empty 200.
    return web.empty(200)


@router.delete("/applications/{applicationId}/roles/{roleId}")
async def remove_role(ctx: Ctx) -> None:
    async with ctx.db.write() as conn:
        row = await m2m_row(conn, ctx)
        if not await store.unlink_roles(conn, ctx.tenant_id, row.id, [ctx.param("roleId")]):
            raise not_found()


# --- organizations -----------------------------------------------------------------------------


@router.get("/applications/{id}/organizations", paged="optional", reads=("applications", "organizations"))
async def list_organizations(ctx: Ctx) -> Any:
    async with ctx.db.read() as conn:
        row = await app_row(conn, ctx)
        items, total = await store.organizations(conn, ctx.tenant_id, row.id, ctx.page)
    return ctx.paged(items, total)


# --- access control ----------------------------------------------------------------------------


@router.get("/applications/{applicationId}/access-control", reads=("applications", "users", "roles", "organizations"))
async def get_access_control(ctx: Ctx) -> Any:
    async with ctx.db.read() as conn:
        row = await app_row(conn, ctx, "applicationId")
        return await store.access_rules(conn, ctx.tenant_id, row.id)


@router.put("/applications/{applicationId}/access-control", body=rules.AccessControl)
async def replace_access_control(ctx: Ctx) -> Any:
    wanted = rules.canonical_rules(ctx.body)
    async with ctx.db.write() as conn:
        row = await app_row(conn, ctx, "applicationId", lock=True)
        if row.app_level_access_control_enabled:
            rules.require_rules(wanted)
        await _check_rule_targets(conn, ctx.tenant_id, wanted)
        await store.replace_access_rules(conn, ctx.tenant_id, row.id, wanted)
    return wanted


async def _check_rule_targets(conn: AsyncConnection, tenant_id: str, wanted: dict[str, Any]) -> None:
    """What Logto's foreign keys (404) and role-type CHECKs (422) on the rule tables enforce."""
    org_roles = [r for rule in wanted["organizationRoleRules"] for r in rule["organizationRoleIds"]]
    orgs = wanted["organizationIds"] + [rule["organizationId"] for rule in wanted["organizationRoleRules"]]
    for table, wanted_ids, role_type in (
        (T.users, wanted["userIds"], None),
        (T.roles, wanted["userRoleIds"], "User"),
        (T.organizations, orgs, None),
        (T.organization_roles, org_roles, "User"),
    ):
        found = await store.existing(conn, table, tenant_id, wanted_ids)
        if any(i not in found for i in wanted_ids):
            raise LogtoError("entity.relation_foreign_key_not_found", 404)
        if role_type and any(r.type != role_type for r in found.values()):
            raise LogtoError("entity.db_constraint_violated", 422)


# --- user consent scopes (third-party apps) ----------------------------------------------------


@router.post("/applications/{applicationId}/user-consent-scopes", body=rules.ConsentScopes)
async def add_consent_scopes(ctx: Ctx) -> Any:
    body: rules.ConsentScopes = ctx.body
    org_scopes = body.organizationScopes or []
    resource_scopes = body.resourceScopes or []
    org_resource_scopes = body.organizationResourceScopes or []
    async with ctx.db.write() as conn:
        row = await third_party_row(conn, ctx, "applicationId")
        known_org = await store.existing(conn, T.organization_scopes, ctx.tenant_id, org_scopes)
        known = await store.scopes_with_indicator(conn, ctx.tenant_id, resource_scopes + org_resource_scopes)
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
            rules.CONSENT_SCOPE_TYPES, (org_scopes, resource_scopes, org_resource_scopes, body.userScopes or [])
        ):
            await store.add_consent_scopes(conn, ctx.tenant_id, row.id, scope_type, list(values))
    return web.empty(201)


@router.get("/applications/{applicationId}/user-consent-scopes", reads=("applications", "resources", "organizations"))
async def get_consent_scopes(ctx: Ctx) -> Any:
    async with ctx.db.read() as conn:
        row = await app_row(conn, ctx, "applicationId")
        return await store.consent_scopes(conn, ctx.tenant_id, row.id)


@router.delete("/applications/{applicationId}/user-consent-scopes/{scopeType}/{scopeId}")
async def delete_consent_scope(ctx: Ctx) -> None:
    scope_type = ctx.param("scopeType")
    if scope_type not in rules.CONSENT_SCOPE_TYPES:
        raise LogtoError(
            "guard.invalid_input",
            400,
            type="params",
            data={
                "issues": [
                    {
                        "code": "invalid_enum_value",
                        "options": list(rules.CONSENT_SCOPE_TYPES),
                        "path": ["scopeType"],
                        "message": "Invalid enum value.",
                    }
                ],
                "name": "ZodError",
            },
            details='Error in key path "scopeType": (invalid_enum_value) Invalid enum value.',
        )
    async with ctx.db.write() as conn:
        row = await app_row(conn, ctx, "applicationId")
        if not await store.delete_consent_scope(conn, ctx.tenant_id, row.id, scope_type, ctx.param("scopeId")):
            raise not_found()


# --- per-application sign-in experience --------------------------------------------------------


@router.put("/applications/{applicationId}/sign-in-experience", body=rules.SignInExperience)
async def put_sign_in_experience(ctx: Ctx) -> Any:
    sent = rules.given(ctx.body)
    columns = {
        "color": "color",
        "branding": "branding",
        "customCss": "custom_css",
        "displayName": "display_name",
        "termsOfUseUrl": "terms_of_use_url",
        "privacyPolicyUrl": "privacy_policy_url",
    }
    # Logto's SQL layer stores every top-level "" as null.
    values = {column: None if sent[key] == "" else sent[key] for key, column in columns.items() if key in sent}
    async with ctx.db.write() as conn:
        row = await app_row(conn, ctx, "applicationId", lock=True)
        existed = await store.sign_in_experience(conn, ctx.tenant_id, row.id) is not None
        saved = await store.save_sign_in_experience(conn, ctx.tenant_id, row.id, values, existed)
    return web.json_response(store.sign_in_experience_out(saved), 200 if existed else 201)


@router.get("/applications/{applicationId}/sign-in-experience")
async def get_sign_in_experience(ctx: Ctx) -> Any:
    async with ctx.db.read() as conn:
        row = await app_row(conn, ctx, "applicationId")
        found = await store.sign_in_experience(conn, ctx.tenant_id, row.id)
    if found is None:
        raise not_exists_with_id("application_sign_in_experiences", row.id)
    return store.sign_in_experience_out(found)


# --- organizations a user consented to (third-party apps) --------------------------------------

_CONSENT_ORGS = "/applications/{id}/users/{userId}/consent-organizations"


async def _consent_user(conn: AsyncConnection, ctx: Ctx) -> tuple[str, str]:
    row = await third_party_row(conn, ctx, "id")
    if not await store.user_exists(conn, ctx.tenant_id, ctx.param("userId")):
        raise not_found()
    return row.id, ctx.param("userId")


async def _require_membership(conn: AsyncConnection, ctx: Ctx, user_id: str, org_ids: list[str]) -> None:
    member = await store.member_of(conn, ctx.tenant_id, user_id, org_ids)
    if any(o not in member for o in org_ids):
        raise LogtoError("organization.require_membership", 422)


async def _consent_check(ctx: Ctx) -> None:
    """Logto checks the app and the user before paging or the body (a `router.use` on the path)."""
    async with ctx.db.read() as conn:
        await _consent_user(conn, ctx)


@router.get(_CONSENT_ORGS, before=_consent_check, paged=True, reads=("applications", "users", "organizations"))
async def list_consent_organizations(ctx: Ctx) -> Any:
    async with ctx.db.read() as conn:
        app_id, user_id = await _consent_user(conn, ctx)
        items, total = await store.consent_organizations(conn, ctx.tenant_id, app_id, user_id, ctx.page)
    return ctx.paged({"organizations": items}, total)


@router.put(_CONSENT_ORGS, before=_consent_check, body=rules.OrganizationIds, status=204)
async def replace_consent_organizations(ctx: Ctx) -> Any:
    async with ctx.db.write() as conn:
        app_id, user_id = await _consent_user(conn, ctx)
        org_ids = rules.dedupe(ctx.body.organizationIds)
        await _require_membership(conn, ctx, user_id, org_ids)
        await store.clear_consent_organizations(conn, ctx.tenant_id, app_id, user_id)
        await store.add_consent_organizations(conn, ctx.tenant_id, app_id, user_id, org_ids)
    return web.empty(204)


@router.post(_CONSENT_ORGS, before=_consent_check, body=rules.SomeOrganizationIds)
async def add_consent_organizations(ctx: Ctx) -> Any:
    async with ctx.db.write() as conn:
        app_id, user_id = await _consent_user(conn, ctx)
        org_ids = rules.dedupe(ctx.body.organizationIds)
        await _require_membership(conn, ctx, user_id, org_ids)
        await store.add_consent_organizations(conn, ctx.tenant_id, app_id, user_id, org_ids)
    return web.empty(201)


@router.delete(_CONSENT_ORGS + "/{organizationId}")
async def delete_consent_organization(ctx: Ctx) -> None:
    async with ctx.db.write() as conn:
        app_id, user_id = await _consent_user(conn, ctx)
        org_id = ctx.param("organizationId")
        if not await store.delete_consent_organization(conn, ctx.tenant_id, app_id, user_id, org_id):
            raise not_found()


# --- protected-app custom domains: Logto needs Cloudflare for these, which OSS lacks -----------

_DOMAINS = "/applications/{id}/protected-app-metadata/custom-domains"


async def _protected(ctx: Ctx) -> dict[str, Any] | None:
    async with ctx.db.read() as conn:
        row = await app_row(conn, ctx)
    if row.type != "Protected":
        raise LogtoError("application.protected_application_only", 422)
    return row.protected_app_metadata


@router.get(_DOMAINS)
async def list_custom_domains(ctx: Ctx) -> Any:
    if await _protected(ctx) is None:
        raise rules.not_configured()
    raise LogtoError("domain.not_configured", 501)


async def _protected_check(ctx: Ctx) -> None:
    """Logto checks the app before the body (a `router.use` on the path)."""
    await _protected(ctx)


@router.post(_DOMAINS, before=_protected_check, body=rules.Domain)
async def add_custom_domain(ctx: Ctx) -> Any:
    metadata = await _protected(ctx)
    if metadata is None:
        raise rules.not_configured()
    if metadata.get("customDomains"):
        raise LogtoError("domain.limit_to_one_domain", 422)
    raise rules.not_configured()


@router.delete(_DOMAINS + "/{domain}")
async def delete_custom_domain(ctx: Ctx) -> Any:
    metadata = await _protected(ctx) or {}
    if not any(d.get("domain") == ctx.param("domain") for d in metadata.get("customDomains") or []):
        raise LogtoError("application.custom_domain_not_found", 404)
    raise rules.not_configured()
