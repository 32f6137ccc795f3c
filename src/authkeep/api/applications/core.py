"""Applications and their secrets."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep import clock, ids, web
from authkeep.api.applications.common import TABLE, app_out, app_row, router, secret_row
from authkeep.api.contract import Ctx
from authkeep.domain import applications as rules
from authkeep.domain import management_api as mapi
from authkeep.errors import LogtoError, invalid_input, not_exists_with_id, not_found
from authkeep.store import applications as store

# --- applications ------------------------------------------------------------------------------


class ListQuery(web.Query):
    model_config = web.Body.model_config  # strict: "types" must be a list of the known names
    types: list[rules.AppType] = None  # type: ignore[assignment]
    isThirdParty: Literal["true", "false"] = None  # type: ignore[assignment]
    excludeRoleId: str = None  # type: ignore[assignment]
    excludeOrganizationId: str = None  # type: ignore[assignment]


@router.get(
    "/applications", query=ListQuery, paged="optional", search=store.SEARCH, reads=("applications", "roles", "organizations")
)
async def list_applications(ctx: Ctx) -> Any:
    query: ListQuery = ctx.q
    if query.excludeRoleId and query.excludeOrganizationId:
        raise invalid_input("Parameter `excludeRoleId` and `excludeOrganizationId` cannot be used at the same time.")
    cond = store.list_condition(
        ctx.tenant_id,
        types=rules.dedupe(query.types) if query.types else None,
        is_third_party=None if query.isThirdParty is None else query.isThirdParty == "true",
        exclude_role=query.excludeRoleId,
        exclude_org=query.excludeOrganizationId,
        search=ctx.search,
        dialect=ctx.db.dialect,
    )
    if cond is None and ctx.page is not None:
        found, total = await store.page_all(ctx.db, ctx.tenant_id, ctx.page)
    else:
        async with ctx.db.read() as conn:
            found, total = await store.list_apps(conn, ctx.tenant_id, cond, ctx.page)
    box = ctx.state.box
    return ctx.paged([store.listed_app_out(r, box) for r in found], total)


@router.post("/applications", body=rules.AppCreate, status=200)
async def create_application(ctx: Ctx) -> Any:
    body: rules.AppCreate = ctx.body
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
            await store.insert_secret(conn, secret_row(ctx, app_id, rules.DEFAULT_SECRET_NAME, None))
    return app_out(ctx, row)


@router.get("/applications/{id}")
async def get_application(ctx: Ctx) -> Any:
    built_in = rules.built_in_app(ctx.tenant_id, ctx.param("id"))
    if built_in is not None:
        return built_in
    async with ctx.db.read() as conn:
        row = await store.find_with_admin(conn, ctx.tenant_id, ctx.param("id"))
    if row is None:
        raise not_exists_with_id(TABLE, ctx.param("id"))
    return app_out(ctx, row) | {"isAdmin": bool(row.is_admin)}


_PATCH_COLUMNS = {
    "name": "name",
    "description": "description",
    "oidcClientMetadata": "oidc_client_metadata",
    "customClientMetadata": "custom_client_metadata",
    "customData": "custom_data",
    "appLevelAccessControlEnabled": "app_level_access_control_enabled",
}


@router.patch("/applications/{id}", body=rules.AppPatch)
async def update_application(ctx: Ctx) -> Any:
    body: rules.AppPatch = ctx.body
    sent = rules.given(body)
    async with ctx.db.write() as conn:
        row = await app_row(conn, ctx, lock=True)
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
    return app_out(ctx, row)


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


@router.delete("/applications/{id}")
async def delete_application(ctx: Ctx) -> None:
    async with ctx.db.write() as conn:
        row = await app_row(conn, ctx, lock=True)
        if row.type == "SAML":
            raise LogtoError("application.saml.use_saml_app_api", 400)
        if row.type == "Protected" and (row.protected_app_metadata or {}).get("customDomains"):
            raise LogtoError("application.should_delete_custom_domains_first", 422)
        await store.delete_app(conn, ctx.tenant_id, row.id)


@router.patch("/applications/{applicationId}/custom-data", body=dict)
async def update_custom_data(ctx: Ctx) -> Any:
    data = ctx.body  # any JSON object
    async with ctx.db.write() as conn:
        row = await store.find(conn, ctx.tenant_id, ctx.param("applicationId"), lock=True)
        if row is None:  # Logto answers from its failed UPDATE here
            raise LogtoError("entity.not_exists", 404, name="application")
        merged = dict(row.custom_data or {}) | data
        await store.update_app(conn, ctx.tenant_id, row.id, {"custom_data": merged})
    return store.json_safe(merged)


# --- secrets -----------------------------------------------------------------------------------


def _name_taken() -> LogtoError:
    return LogtoError("application.secret_name_exists", 422)


@router.get("/applications/{id}/secrets")
async def list_secrets(ctx: Ctx) -> Any:
    async with ctx.db.read() as conn:
        row = await app_row(conn, ctx)
        found = await store.secrets(conn, ctx.tenant_id, row.id)
    return [store.secret_out(s, ctx.state.box) for s in found]


@router.post("/applications/{id}/secrets", body=rules.SecretCreate)
async def create_secret(ctx: Ctx) -> Any:
    body: rules.SecretCreate = ctx.body
    if body.expiresAt is not None and body.expiresAt <= clock.now_ms():
        raise invalid_input("The value of `expiresAt` must be in the future.")
    expires_at = None if body.expiresAt is None else int(body.expiresAt)
    async with ctx.db.write() as conn:
        row = await app_row(conn, ctx, lock=True)
        if row.type not in rules.WITH_SECRETS:  # Logto's CHECK on application_secrets
            raise LogtoError("entity.db_constraint_violated", 422)
        if await store.find_secret(conn, ctx.tenant_id, row.id, body.name):
            raise _name_taken()
        try:
            await store.insert_secret(conn, secret_row(ctx, row.id, body.name, expires_at))
        except IntegrityError:
            raise _name_taken() from None
        created = await store.find_secret(conn, ctx.tenant_id, row.id, body.name)
    return store.secret_out(created, ctx.state.box)


@router.patch("/applications/{id}/secrets/{name:path}", body=rules.SecretRename)
async def rename_secret(ctx: Ctx) -> Any:
    body: rules.SecretRename = ctx.body
    name = ctx.param("name")
    async with ctx.db.write() as conn:
        row = await app_row(conn, ctx, lock=True)
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


@router.delete("/applications/{id}/secrets/{name:path}")
async def delete_secret(ctx: Ctx) -> None:
    async with ctx.db.write() as conn:
        row = await app_row(conn, ctx)
        if not await store.delete_secret(conn, ctx.tenant_id, row.id, ctx.param("name")):
            raise not_found()


@router.delete("/applications/{id}/legacy-secret", status=200)
async def delete_legacy_secret(ctx: Ctx) -> Any:
    box = ctx.state.box
    async with ctx.db.write() as conn:
        row = await app_row(conn, ctx, lock=True)
        if store.legacy_secret(row, box) is None:
            raise LogtoError("application.no_legacy_secret_found", 400)
        internal = box.seal(rules.INTERNAL_PREFIX + ids.standard_secret(), aad=row.id)
        row = await store.update_app(conn, ctx.tenant_id, row.id, {"secret": internal})
    return app_out(ctx, row)


