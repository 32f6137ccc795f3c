"""Applications routes (Logto tag "Applications"): apps, secrets, roles, organizations, access
control, user consent, per-app sign-in experience and protected-app custom domains."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep import clock, ids, paging, web
from authkeep.api.context import Ctx
from authkeep.domain import applications as rules
from authkeep.domain import management_api as mapi
from authkeep.errors import LogtoError, invalid_input, not_exists_with_id, not_found
from authkeep.search import parse_search
from authkeep.store import applications as store
from authkeep.store import tables as T
from authkeep.store.rows import role as role_out
from authkeep.store.search_sql import search_condition

router = web.ApiRouter()
Handler = Callable[[Ctx], Awaitable[Any]]
TABLE = "applications"


# --- plumbing ----------------------------------------------------------------------------------


def _nul_error(where: str) -> LogtoError:
    return LogtoError("guard.invalid_input", 400, type=where, details="Strings must not contain NUL characters.")


def route(register: Callable[[Handler], Handler]) -> Callable[[Handler], Handler]:
    """Registers a handler behind a NUL check of path and query (web.read_json checks bodies):
    PostgreSQL refuses NUL, so every backend answers 400 alike."""

    def deco(fn: Handler) -> Handler:
        @functools.wraps(fn)
        async def guarded(ctx: Ctx) -> Any:
            if web.has_nul(dict(ctx.request.path_params)):
                raise _nul_error("params")
            if any(web.has_nul(k) or web.has_nul(v) for k, v in ctx.query.multi_items()):
                raise _nul_error("query")
            return await fn(ctx)

        register(guarded)
        return fn

    return deco


async def _body(ctx: Ctx, model: type[web.M]) -> web.M:
    return await web.read_body(ctx.request, model)


async def _app(conn: AsyncConnection, ctx: Ctx, key: str = "id", lock: bool = False, key_share: bool = False) -> Any:
    app_id = ctx.param(key)
    row = await store.find(conn, ctx.tenant_id, app_id, lock=lock, key_share=key_share)
    if row is None:
        raise not_exists_with_id(TABLE, app_id)
    return row


async def _m2m(conn: AsyncConnection, ctx: Ctx, lock: bool = False) -> Any:
    """`lock`: serialise changes to this app's role links (parallel PUTs deadlocked on PostgreSQL)."""
    row = await _app(conn, ctx, "applicationId", lock=lock, key_share=True)
    if row.type != "MachineToMachine":
        raise LogtoError("application.invalid_type", 422)
    return row


async def _third_party(conn: AsyncConnection, ctx: Ctx, key: str) -> Any:
    row = await _app(conn, ctx, key)
    if not row.is_third_party:
        raise LogtoError("application.third_party_application_only", 422)
    return row


def _out(ctx: Ctx, row: Any) -> dict[str, Any]:
    return store.app_out(row, ctx.state.box)


# --- applications ------------------------------------------------------------------------------


class ListQuery(web.Body):
    types: list[rules.AppType] = None
    isThirdParty: Literal["true", "false"] = None
    excludeRoleId: str = None
    excludeOrganizationId: str = None


@route(router.get("/applications"))
async def list_applications(ctx: Ctx) -> Any:
    page = paging.parse_page(ctx.request, optional=True)
    q = ctx.query
    raw = {k: q.get(k) for k in ("isThirdParty", "excludeRoleId", "excludeOrganizationId")}
    given = {k: v for k, v in raw.items() if v is not None} | ({"types": q.getlist("types")} if "types" in q else {})
    query = web.validate(ListQuery, given, "query") if given else ListQuery()
    if query.excludeRoleId and query.excludeOrganizationId:
        raise invalid_input("Parameter `excludeRoleId` and `excludeOrganizationId` cannot be used at the same time.")
    search = parse_search(q, tuple(store.SEARCH_COLUMNS))
    cond = store.list_condition(
        ctx.tenant_id,
        types=rules.dedupe(query.types) if query.types else None,
        is_third_party=None if query.isThirdParty is None else query.isThirdParty == "true",
        exclude_role=query.excludeRoleId,
        exclude_org=query.excludeOrganizationId,
        search=search_condition(search, store.SEARCH_COLUMNS, ctx.db.dialect) if search else None,
    )
    if cond is None and page is not None:
        found, total = await store.page_all(ctx.db, ctx.tenant_id, page)
    else:
        async with ctx.db.read() as conn:
            found, total = await store.list_apps(conn, ctx.tenant_id, cond, page)
    box = ctx.state.box
    return paging.paged(ctx.request, [store.listed_app_out(r, box) for r in found], total, page)


@route(router.post("/applications", status=200))
async def create_application(ctx: Ctx) -> Any:
    body = await _body(ctx, rules.AppCreate)
    rules.check_create(body)
    sent = rules.given(body)
    box, app_id = ctx.state.box, ids.standard_id()
    values = {
        "tenant_id": ctx.tenant_id,
        "id": app_id,
        "name": body.name,
        "secret": box.seal(rules.INTERNAL_PREFIX + ids.standard_secret(), aad=app_id),
        "description": body.description,
        "type": body.type,
        "oidc_client_metadata": store.EMPTY_OIDC | sent.get("oidcClientMetadata", {}),
        "custom_client_metadata": sent.get("customClientMetadata", {}),
        "protected_app_metadata": None,
        "custom_data": sent.get("customData", {}),
        "is_third_party": bool(body.isThirdParty),
        "app_level_access_control_enabled": False,
        "created_at": clock.now_ms(),
    }
    async with ctx.db.write() as conn:
        row = await store.insert(conn, values)
        if body.type in rules.WITH_SECRETS:
            await store.insert_secret(conn, _secret_row(ctx, app_id, rules.DEFAULT_SECRET_NAME, None))
    return _out(ctx, row)


@route(router.get("/applications/{id}"))
async def get_application(ctx: Ctx) -> Any:
    built_in = rules.built_in_app(ctx.tenant_id, ctx.param("id"))
    if built_in is not None:
        return built_in
    async with ctx.db.read() as conn:
        row = await store.find_with_admin(conn, ctx.tenant_id, ctx.param("id"))
    if row is None:
        raise not_exists_with_id(TABLE, ctx.param("id"))
    return _out(ctx, row) | {"isAdmin": bool(row.is_admin)}


_PATCH_COLUMNS = {
    "name": "name",
    "description": "description",
    "oidcClientMetadata": "oidc_client_metadata",
    "customClientMetadata": "custom_client_metadata",
    "customData": "custom_data",
    "appLevelAccessControlEnabled": "app_level_access_control_enabled",
}


@route(router.patch("/applications/{id}"))
async def update_application(ctx: Ctx) -> Any:
    body = await _body(ctx, rules.AppPatch)
    sent = rules.given(body)
    async with ctx.db.write() as conn:
        row = await _app(conn, ctx, lock=True)
        if row.type == "SAML":
            raise LogtoError("application.saml.use_saml_app_api", 400)
        if body.appLevelAccessControlEnabled is True:
            rules.require_rules(await store.access_rules(conn, ctx.tenant_id, row.id))
        rules.check_token_exchange(row.is_third_party, body.customClientMetadata)
        rules.check_device_flow_unchanged(row.custom_client_metadata, body.customClientMetadata)
        if "isAdmin" in sent:
            await _toggle_admin(conn, ctx, row, body.isAdmin)
        if body.protectedAppMetadata is not None:
            if row.type != "Protected":
                raise LogtoError("application.protected_application_only", 400)
            if row.protected_app_metadata is None:
                raise LogtoError("application.protected_application_misconfigured", 422)
            raise rules.not_configured()  # the change must reach the (absent) Cloudflare provider
        values = {column: sent[key] for key, column in _PATCH_COLUMNS.items() if key in sent}
        row = await store.update_app(conn, ctx.tenant_id, row.id, values)
    return _out(ctx, row)


async def _toggle_admin(conn: AsyncConnection, ctx: Ctx, row: Any, make_admin: bool) -> None:
    """Legacy `isAdmin`: holds the internal admin role or not."""
    admin = await store.admin_role_id(conn, ctx.tenant_id)
    held = admin is not None and admin in await store.role_ids(conn, ctx.tenant_id, row.id)
    if make_admin and not held:
        if admin is None:
            raise LogtoError("entity.not_exists", 404, name=mapi.ADMIN_ROLE_NAME)
        if row.type != "MachineToMachine":
            raise LogtoError("application.invalid_type", 422)
        await store.link_roles(conn, ctx.tenant_id, row.id, [admin])
    elif held and not make_admin:
        assert admin is not None
        await store.unlink_roles(conn, ctx.tenant_id, row.id, [admin])


@route(router.delete("/applications/{id}"))
async def delete_application(ctx: Ctx) -> None:
    async with ctx.db.write() as conn:
        row = await _app(conn, ctx, lock=True)
        if row.type == "SAML":
            raise LogtoError("application.saml.use_saml_app_api", 400)
        if row.type == "Protected" and (row.protected_app_metadata or {}).get("customDomains"):
            raise LogtoError("application.should_delete_custom_domains_first", 422)
        await store.delete_app(conn, ctx.tenant_id, row.id)


@route(router.patch("/applications/{applicationId}/custom-data"))
async def update_custom_data(ctx: Ctx) -> Any:
    data = await web.read_json(ctx.request)
    web.validate(web.Body, data)  # any JSON object
    async with ctx.db.write() as conn:
        row = await store.find(conn, ctx.tenant_id, ctx.param("applicationId"), lock=True)
        if row is None:  # Logto answers from its failed UPDATE here
            raise LogtoError("entity.not_exists", 404, name="application")
        merged = dict(row.custom_data or {}) | data
        await store.update_app(conn, ctx.tenant_id, row.id, {"custom_data": merged})
    return store.json_safe(merged)


# --- secrets -----------------------------------------------------------------------------------


def _secret_row(ctx: Ctx, app_id: str, name: str, expires_at: int | None) -> dict[str, Any]:
    return {
        "tenant_id": ctx.tenant_id,
        "application_id": app_id,
        "name": name,
        "value": ctx.state.box.seal(ids.standard_secret(), aad=app_id),
        "created_at": clock.now_ms(),
        "expires_at": expires_at,
    }


def _name_taken() -> LogtoError:
    return LogtoError("application.secret_name_exists", 422)


@route(router.get("/applications/{id}/secrets"))
async def list_secrets(ctx: Ctx) -> Any:
    async with ctx.db.read() as conn:
        row = await _app(conn, ctx)
        found = await store.secrets(conn, ctx.tenant_id, row.id)
    return [store.secret_out(s, ctx.state.box) for s in found]


@route(router.post("/applications/{id}/secrets"))
async def create_secret(ctx: Ctx) -> Any:
    body = await _body(ctx, rules.SecretCreate)
    if body.expiresAt is not None and body.expiresAt <= clock.now_ms():
        raise invalid_input("The value of `expiresAt` must be in the future.")
    expires_at = None if body.expiresAt is None else int(body.expiresAt)
    async with ctx.db.write() as conn:
        row = await _app(conn, ctx, lock=True)
        if row.type not in rules.WITH_SECRETS:  # Logto's CHECK on application_secrets
            raise LogtoError("entity.db_constraint_violated", 422)
        if await store.find_secret(conn, ctx.tenant_id, row.id, body.name):
            raise _name_taken()
        try:
            await store.insert_secret(conn, _secret_row(ctx, row.id, body.name, expires_at))
        except IntegrityError:
            raise _name_taken() from None
        created = await store.find_secret(conn, ctx.tenant_id, row.id, body.name)
    return store.secret_out(created, ctx.state.box)


@route(router.patch("/applications/{id}/secrets/{name:path}"))
async def rename_secret(ctx: Ctx) -> Any:
    body = await _body(ctx, rules.SecretRename)
    name = ctx.param("name")
    async with ctx.db.write() as conn:
        row = await _app(conn, ctx, lock=True)
        if await store.find_secret(conn, ctx.tenant_id, row.id, name) is None:
            raise LogtoError("entity.not_exists", 404, name="application_secret")
        if body.name != name:
            if await store.find_secret(conn, ctx.tenant_id, row.id, body.name):
                raise _name_taken()
            try:
                await store.rename_secret(conn, ctx.tenant_id, row.id, name, body.name)
            except IntegrityError:
                raise _name_taken() from None
        renamed = await store.find_secret(conn, ctx.tenant_id, row.id, body.name)
    return store.secret_out(renamed, ctx.state.box)


@route(router.delete("/applications/{id}/secrets/{name:path}"))
async def delete_secret(ctx: Ctx) -> None:
    async with ctx.db.write() as conn:
        row = await _app(conn, ctx)
        if not await store.delete_secret(conn, ctx.tenant_id, row.id, ctx.param("name")):
            raise not_found()


@route(router.delete("/applications/{id}/legacy-secret", status=200))
async def delete_legacy_secret(ctx: Ctx) -> Any:
    box = ctx.state.box
    async with ctx.db.write() as conn:
        row = await _app(conn, ctx, lock=True)
        if store.legacy_secret(row, box) is None:
            raise LogtoError("application.no_legacy_secret_found", 400)
        internal = box.seal(rules.INTERNAL_PREFIX + ids.standard_secret(), aad=row.id)
        row = await store.update_app(conn, ctx.tenant_id, row.id, {"secret": internal})
    return _out(ctx, row)


# --- roles (machine-to-machine apps only) ------------------------------------------------------


@route(router.get("/applications/{applicationId}/roles"))
async def list_roles(ctx: Ctx) -> Any:
    page = paging.parse_page(ctx.request)
    async with ctx.db.read() as conn:
        row = await _m2m(conn, ctx)
        search = parse_search(ctx.query, tuple(store.ROLE_SEARCH_COLUMNS))
        cond = search_condition(search, store.ROLE_SEARCH_COLUMNS, ctx.db.dialect)
        found, total = await store.list_roles(conn, ctx.tenant_id, row.id, cond, page)
    return paging.paged(ctx.request, [role_out(r) for r in found], total, page)


@route(router.post("/applications/{applicationId}/roles"))
async def assign_roles(ctx: Ctx) -> Any:
    body = await _body(ctx, rules.RoleIds)
    async with ctx.db.write() as conn:
        row = await _m2m(conn, ctx, lock=True)
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


@route(router.put("/applications/{applicationId}/roles"))
async def replace_roles(ctx: Ctx) -> Any:
    body = await _body(ctx, rules.RoleIds)
    wanted = rules.dedupe(body.roleIds)
    async with ctx.db.write() as conn:
        row = await _m2m(conn, ctx, lock=True)
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


@route(router.delete("/applications/{applicationId}/roles/{roleId}"))
async def remove_role(ctx: Ctx) -> None:
    async with ctx.db.write() as conn:
        row = await _m2m(conn, ctx)
        if not await store.unlink_roles(conn, ctx.tenant_id, row.id, [ctx.param("roleId")]):
            raise not_found()


# --- organizations -----------------------------------------------------------------------------


@route(router.get("/applications/{id}/organizations"))
async def list_organizations(ctx: Ctx) -> Any:
    page = paging.parse_page(ctx.request, optional=True)
    async with ctx.db.read() as conn:
        row = await _app(conn, ctx)
        items, total = await store.organizations(conn, ctx.tenant_id, row.id, page)
    return paging.paged(ctx.request, items, total, page)


# --- access control ----------------------------------------------------------------------------


@route(router.get("/applications/{applicationId}/access-control"))
async def get_access_control(ctx: Ctx) -> Any:
    async with ctx.db.read() as conn:
        row = await _app(conn, ctx, "applicationId")
        return await store.access_rules(conn, ctx.tenant_id, row.id)


@route(router.put("/applications/{applicationId}/access-control"))
async def replace_access_control(ctx: Ctx) -> Any:
    wanted = rules.canonical_rules(await _body(ctx, rules.AccessControl))
    async with ctx.db.write() as conn:
        row = await _app(conn, ctx, "applicationId", lock=True)
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


@route(router.post("/applications/{applicationId}/user-consent-scopes"))
async def add_consent_scopes(ctx: Ctx) -> Any:
    body = await _body(ctx, rules.ConsentScopes)
    org_scopes = body.organizationScopes or []
    resource_scopes = body.resourceScopes or []
    org_resource_scopes = body.organizationResourceScopes or []
    async with ctx.db.write() as conn:
        row = await _third_party(conn, ctx, "applicationId")
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


@route(router.get("/applications/{applicationId}/user-consent-scopes"))
async def get_consent_scopes(ctx: Ctx) -> Any:
    async with ctx.db.read() as conn:
        row = await _app(conn, ctx, "applicationId")
        return await store.consent_scopes(conn, ctx.tenant_id, row.id)


@route(router.delete("/applications/{applicationId}/user-consent-scopes/{scopeType}/{scopeId}"))
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
        row = await _app(conn, ctx, "applicationId")
        if not await store.delete_consent_scope(conn, ctx.tenant_id, row.id, scope_type, ctx.param("scopeId")):
            raise not_found()


# --- per-application sign-in experience --------------------------------------------------------


@route(router.put("/applications/{applicationId}/sign-in-experience"))
async def put_sign_in_experience(ctx: Ctx) -> Any:
    sent = rules.given(await _body(ctx, rules.SignInExperience))
    columns = {
        "color": "color",
        "branding": "branding",
        "customCss": "custom_css",
        "displayName": "display_name",
        "termsOfUseUrl": "terms_of_use_url",
        "privacyPolicyUrl": "privacy_policy_url",
    }
    values = {column: sent[key] for key, column in columns.items() if key in sent}
    async with ctx.db.write() as conn:
        row = await _app(conn, ctx, "applicationId", lock=True)
        existed = await store.sign_in_experience(conn, ctx.tenant_id, row.id) is not None
        saved = await store.save_sign_in_experience(conn, ctx.tenant_id, row.id, values, existed)
    return web.json_response(store.sign_in_experience_out(saved), 200 if existed else 201)


@route(router.get("/applications/{applicationId}/sign-in-experience"))
async def get_sign_in_experience(ctx: Ctx) -> Any:
    async with ctx.db.read() as conn:
        row = await _app(conn, ctx, "applicationId")
        found = await store.sign_in_experience(conn, ctx.tenant_id, row.id)
    if found is None:
        raise not_exists_with_id("application_sign_in_experiences", row.id)
    return store.sign_in_experience_out(found)


# --- organizations a user consented to (third-party apps) --------------------------------------

_CONSENT_ORGS = "/applications/{id}/users/{userId}/consent-organizations"


async def _consent_user(conn: AsyncConnection, ctx: Ctx) -> tuple[str, str]:
    row = await _third_party(conn, ctx, "id")
    if not await store.user_exists(conn, ctx.tenant_id, ctx.param("userId")):
        raise not_found()
    return row.id, ctx.param("userId")


async def _require_membership(conn: AsyncConnection, ctx: Ctx, user_id: str, org_ids: list[str]) -> None:
    member = await store.member_of(conn, ctx.tenant_id, user_id, org_ids)
    if any(o not in member for o in org_ids):
        raise LogtoError("organization.require_membership", 422)


@route(router.get(_CONSENT_ORGS))
async def list_consent_organizations(ctx: Ctx) -> Any:
    async with ctx.db.read() as conn:
        app_id, user_id = await _consent_user(conn, ctx)
        page = paging.parse_page(ctx.request)
        items, total = await store.consent_organizations(conn, ctx.tenant_id, app_id, user_id, page)
    return paging.paged(ctx.request, {"organizations": items}, total, page)


@route(router.put(_CONSENT_ORGS, status=204))
async def replace_consent_organizations(ctx: Ctx) -> Any:
    async with ctx.db.write() as conn:
        app_id, user_id = await _consent_user(conn, ctx)
        org_ids = rules.dedupe((await _body(ctx, rules.OrganizationIds)).organizationIds)
        await _require_membership(conn, ctx, user_id, org_ids)
        await store.clear_consent_organizations(conn, ctx.tenant_id, app_id, user_id)
        await store.add_consent_organizations(conn, ctx.tenant_id, app_id, user_id, org_ids)
    return web.empty(204)


@route(router.post(_CONSENT_ORGS))
async def add_consent_organizations(ctx: Ctx) -> Any:
    async with ctx.db.write() as conn:
        app_id, user_id = await _consent_user(conn, ctx)
        org_ids = rules.dedupe((await _body(ctx, rules.SomeOrganizationIds)).organizationIds)
        await _require_membership(conn, ctx, user_id, org_ids)
        await store.add_consent_organizations(conn, ctx.tenant_id, app_id, user_id, org_ids)
    return web.empty(201)


@route(router.delete(_CONSENT_ORGS + "/{organizationId}"))
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
        row = await _app(conn, ctx)
    if row.type != "Protected":
        raise LogtoError("application.protected_application_only", 422)
    return row.protected_app_metadata


@route(router.get(_DOMAINS))
async def list_custom_domains(ctx: Ctx) -> Any:
    if await _protected(ctx) is None:
        raise rules.not_configured()
    raise LogtoError("domain.not_configured", 501)


@route(router.post(_DOMAINS))
async def add_custom_domain(ctx: Ctx) -> Any:
    metadata = await _protected(ctx)
    await _body(ctx, rules.Domain)
    if metadata is None:
        raise rules.not_configured()
    if metadata.get("customDomains"):
        raise LogtoError("domain.limit_to_one_domain", 422)
    raise rules.not_configured()


@route(router.delete(_DOMAINS + "/{domain}"))
async def delete_custom_domain(ctx: Ctx) -> Any:
    metadata = await _protected(ctx) or {}
    if not any(d.get("domain") == ctx.param("domain") for d in metadata.get("customDomains") or []):
        raise LogtoError("application.custom_domain_not_found", 404)
    raise rules.not_configured()
