"""SAML applications (Logto tag "SAML applications"): the app, its SAML config and its signing
certificates. The app is also an `applications` row of type SAML, an OIDC client whose only
redirect URI is its callback (api/saml_flow.py). Rules: domain/saml_apps.py."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep import clock, ids
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.domain import applications as app_rules
from authkeep.domain import saml_apps as rules
from authkeep.domain.saml_idp import urls
from authkeep.errors import LogtoError, not_exists_with_id, not_found
from authkeep.store import applications as apps
from authkeep.store import saml_apps as store

router = ApiRouter(policy="management", family="applications")


def secret_aad(tenant_id: str, app_id: str, secret_id: str) -> str:
    return f"saml-app-secret:{tenant_id}:{app_id}:{secret_id}"


async def _saml_row(conn: AsyncConnection, ctx: Ctx, lock: bool = False) -> Any:
    row = await apps.find(conn, ctx.tenant_id, ctx.param("id"), lock=lock)
    if row is None:
        raise not_exists_with_id("applications", ctx.param("id"))
    rules.only_saml(row.type)
    return row


async def _response(conn: AsyncConnection, ctx: Ctx, row: Any) -> dict[str, Any]:
    config = await store.find_config(conn, ctx.tenant_id, row.id)
    if config is None:
        raise LogtoError(
            "entity.not_exists_with_id", 404, name="saml_application_configs", id=row.id
        )
    return rules.app_response(apps.app_out(row, ctx.state.box), store.config_out(config))


async def _new_secret(ctx: Ctx, app_id: str, years: int) -> dict[str, Any]:
    private_pem, certificate, created, expires = await asyncio.to_thread(
        rules.key_and_certificate, years
    )
    secret_id = ids.standard_id()
    return {
        "tenant_id": ctx.tenant_id,
        "id": secret_id,
        "application_id": app_id,
        "sealed_private_key": ctx.state.box.seal(
            private_pem, secret_aad(ctx.tenant_id, app_id, secret_id)
        ),
        "certificate": certificate,
        "created_at": created,
        "expires_at": expires,
    }


async def _within_limit(ctx: Ctx) -> None:
    async with ctx.db.read() as conn:
        rules.check_limit(await store.count_apps(conn, ctx.tenant_id))


@router.post("/saml-applications", body=rules.SamlAppCreate, before=_within_limit)
async def create_saml_application(ctx: Ctx) -> Any:
    body: rules.SamlAppCreate = ctx.body
    sent = app_rules.given(body)
    config = {
        "attributeMapping": {},
        "entityId": None,
        "acsUrl": None,
        "encryption": None,
    } | rules.config_values(sent)
    config["nameIdFormat"] = body.nameIdFormat
    rules.check_acs_url(config["acsUrl"])
    app_id = ids.standard_id()
    secret = await _new_secret(ctx, app_id, rules.DEFAULT_LIFE_YEARS)
    values = {
        "tenant_id": ctx.tenant_id,
        "id": app_id,
        "name": body.name,
        "secret": ctx.state.box.seal(app_rules.INTERNAL_PREFIX + ids.standard_secret(), aad=app_id),
        "description": body.description,
        "type": "SAML",
        "oidc_client_metadata": {
            "redirectUris": [urls(ctx.state.settings.endpoint, app_id).callback],
            "postLogoutRedirectUris": [],
        },
        "custom_client_metadata": {},
        "protected_app_metadata": None,
        "custom_data": sent.get("customData", {}),
        "is_third_party": False,
        "app_level_access_control_enabled": False,
        "created_at": clock.now_ms(),
    }
    async with ctx.db.write() as conn:
        rules.check_limit(await store.count_apps(conn, ctx.tenant_id))
        row = await apps.insert(conn, values)
        await store.insert_config(
            conn,
            {"tenant_id": ctx.tenant_id, "application_id": app_id}
            | {store.CONFIG_COLUMNS[k]: v for k, v in config.items()},
        )
        await store.insert_secret(conn, secret)
        await store.set_active(conn, ctx.tenant_id, app_id, secret["id"], True)
        return await _response(conn, ctx, row)


@router.get("/saml-applications/{id}")
async def get_saml_application(ctx: Ctx) -> Any:
    async with ctx.db.read() as conn:
        return await _response(conn, ctx, await _saml_row(conn, ctx))


_APP_COLUMNS = {
    "name": "name",
    "description": "description",
    "customData": "custom_data",
    "appLevelAccessControlEnabled": "app_level_access_control_enabled",
}


@router.patch("/saml-applications/{id}", body=rules.SamlAppPatch)
async def update_saml_application(ctx: Ctx) -> Any:
    body: rules.SamlAppPatch = ctx.body
    sent = app_rules.given(body)
    async with ctx.db.write() as conn:
        if body.appLevelAccessControlEnabled is True:  # Logto checks the rules first
            app_rules.require_rules(await apps.access_rules(conn, ctx.tenant_id, ctx.param("id")))
        row = await _saml_row(conn, ctx, lock=True)
        values = {column: sent[key] for key, column in _APP_COLUMNS.items() if key in sent}
        if values:
            row = await apps.update_app(conn, ctx.tenant_id, row.id, values)
        config = rules.config_values(sent)
        if config:
            await store.update_config(
                conn, ctx.tenant_id, row.id, {store.CONFIG_COLUMNS[k]: v for k, v in config.items()}
            )
        return await _response(conn, ctx, row)


@router.delete("/saml-applications/{id}")
async def delete_saml_application(ctx: Ctx) -> None:
    async with ctx.db.write() as conn:
        row = await _saml_row(conn, ctx, lock=True)
        await apps.delete_app(conn, ctx.tenant_id, row.id)


# --- signing certificates ----------------------------------------------------------------------


@router.post("/saml-applications/{id}/secrets", body=rules.SecretCreate)
async def create_secret(ctx: Ctx) -> Any:
    app_id = ctx.param("id")
    async with ctx.db.read() as conn:
        row = await apps.find(conn, ctx.tenant_id, app_id)
    # Logto inserts without looking: the foreign key, then the application type check, refuse it.
    if row is None:
        raise LogtoError("entity.relation_foreign_key_not_found", 404)
    if row.type != "SAML":
        raise LogtoError("entity.db_constraint_violated", 422)
    secret = await _new_secret(ctx, app_id, ctx.body.lifeSpanInYears)
    async with ctx.db.write() as conn:
        await _saml_row(conn, ctx, lock=True)  # still there
        await store.insert_secret(conn, secret)
        created = await store.find_secret(conn, ctx.tenant_id, app_id, secret["id"])
    return rules.secret_response(created)


@router.get("/saml-applications/{id}/secrets")
async def list_secrets(ctx: Ctx) -> Any:
    # An unknown or non-SAML application simply has no secrets (Logto answers 200 []).
    async with ctx.db.read() as conn:
        found = await store.secrets(conn, ctx.tenant_id, ctx.param("id"))
    return [rules.secret_response(r) for r in found]


async def _secret(conn: AsyncConnection, ctx: Ctx) -> Any:
    found = await store.find_secret(conn, ctx.tenant_id, ctx.param("id"), ctx.param("secretId"))
    if found is None:
        raise not_found()
    return found


@router.patch("/saml-applications/{id}/secrets/{secretId}", body=rules.SecretPatch)
async def update_secret(ctx: Ctx) -> Any:
    active: bool = ctx.body.active
    async with ctx.db.write() as conn:
        found = await _secret(conn, ctx)
        if found.active != active:
            found = await store.set_active(conn, ctx.tenant_id, ctx.param("id"), found.id, active)
    return rules.secret_response(found)


@router.delete("/saml-applications/{id}/secrets/{secretId}")
async def delete_secret(ctx: Ctx) -> None:
    async with ctx.db.write() as conn:
        found = await _secret(conn, ctx)
        if found.active:
            raise LogtoError("application.saml.can_not_delete_active_secret", 400)
        if not await store.delete_inactive_secret(conn, ctx.tenant_id, ctx.param("id"), found.id):
            raise not_found()
