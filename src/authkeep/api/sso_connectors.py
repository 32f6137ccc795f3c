"""Enterprise SSO connectors (Logto tags "SSO connectors" and "SSO connector providers") and the
SAML connectors' SP signing keys. Rules: domain/sso_connectors.py; the IdP side: domain/sso_idp.py.
Reads are not cached: they ask the IdP (`providerConfig`) and depend on Accept-Language."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from pydantic import Field

from authkeep import clock, web
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.domain import sso_connectors as rules
from authkeep.domain import sso_idp as idp
from authkeep.errors import LogtoError, not_exists_with_id
from authkeep.ids import short_id, standard_id
from authkeep.store import sso_connectors as store

router = ApiRouter(policy="management", family="configs")
Name = Annotated[str, Field(min_length=1, max_length=128)]


class Branding(web.Body):
    display_name: str = Field(None, alias="displayName")  # type: ignore[assignment]
    logo: str = None  # type: ignore[assignment]
    dark_logo: str = Field(None, alias="darkLogo")  # type: ignore[assignment]


class _Common(web.Body):
    config: dict[str, Any] = None  # type: ignore[assignment]
    domains: list[str] = None  # type: ignore[assignment]
    branding: Branding = None  # type: ignore[assignment]
    sync_profile: bool = Field(None, alias="syncProfile")  # type: ignore[assignment]
    enable_token_storage: bool = Field(None, alias="enableTokenStorage")  # type: ignore[assignment]


class ConnectorCreate(_Common):
    provider_name: Name = Field(alias="providerName")
    connector_name: Name = Field(alias="connectorName")


class ConnectorPatch(_Common):
    connector_name: Name = Field(None, alias="connectorName")  # type: ignore[assignment]


class KeyCreate(web.Body):
    active: bool = False


class KeyPatch(web.Body):
    active: bool


def _locale(ctx: Ctx) -> str:
    ranked = []
    for index, part in enumerate(ctx.request.headers.get("accept-language", "").split(",")):
        tag, _, params = part.strip().partition(";")
        try:
            quality = float(params.strip()[2:]) if params.strip().startswith("q=") else 1.0
        except ValueError:
            quality = 0.0
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, index, tag))
    return rules.pick_locale([tag for _, _, tag in sorted(ranked)])


def _token_storage() -> None:
    # authkeep has no secret vault (Logto's SECRET_VAULT_KEK unset): Logto's answer then.
    raise LogtoError("request.feature_not_supported", 422)


async def _detailed(ctx: Ctx, rows: list[Any]) -> list[dict[str, Any]]:
    locale = _locale(ctx)
    connectors = [store.out(r) for r in rows]
    configs = await asyncio.gather(*(idp.provider_config(ctx.state.settings.endpoint, c) for c in connectors))
    return [rules.with_provider(c, locale, pc) for c, pc in zip(connectors, configs, strict=True)]


async def _connector(ctx: Ctx, conn: Any, connector_id: str) -> Any:
    row = await store.find(conn, ctx.tenant_id, connector_id)
    if row is None:
        raise not_exists_with_id("sso_connectors", connector_id)
    if rules.provider(row.provider_name) is None:
        raise LogtoError("connector.not_found", 404, message="Cannot find any available connector for type: {{type}}.")
    return row


@router.get("/sso-connector-providers", cache=False)
async def list_providers(ctx: Ctx) -> Any:
    locale = _locale(ctx)
    return [rules.provider_detail(p, locale) for p in rules.providers().values()]


@router.post("/sso-connectors", body=ConnectorCreate, status=200)
async def create_connector(ctx: Ctx) -> Any:
    body: ConnectorCreate = ctx.body
    if rules.provider(body.provider_name) is None:
        raise LogtoError("connector.not_found", 422, type=body.provider_name)
    domains = rules.normalize_domains(body.domains)
    config = rules.parse_config(body.provider_name, body.config) if body.config is not None else None
    if rules.sign_authn_request(config):  # a new connector has no signing key yet
        raise LogtoError("single_sign_on.active_signing_key_required", 400)
    async with ctx.db.read() as conn:
        if await store.find_by_name(conn, ctx.tenant_id, body.connector_name):
            raise LogtoError("single_sign_on.duplicate_connector_name", 409)
    if config is not None:
        await idp.validate_connection(body.provider_name, config)
    if body.enable_token_storage:
        _token_storage()
    values = {
        "tenant_id": ctx.tenant_id,
        "id": short_id(),
        "provider_name": body.provider_name,
        "connector_name": body.connector_name,
        "config": config if config is not None else {},
        "domains": domains if domains is not None else [],
        "branding": body.branding.model_dump(by_alias=True, exclude_unset=True) if body.branding else {},
        "sync_profile": bool(body.sync_profile),
        "enable_token_storage": bool(body.enable_token_storage),
        "created_at": clock.now_ms(),
    }
    async with ctx.db.write() as conn:
        row = await store.insert(conn, values)
    return store.out(row)


@router.get("/sso-connectors", paged="optional", cache=False)
async def list_connectors(ctx: Ctx) -> Any:
    async with ctx.db.read() as conn:
        rows, total = await store.list_connectors(conn, ctx.tenant_id, ctx.page)
    return ctx.paged(await _detailed(ctx, rows), total)


@router.get("/sso-connectors/{id}", cache=False)
async def get_connector(ctx: Ctx) -> Any:
    async with ctx.db.read() as conn:
        row = await _connector(ctx, conn, ctx.param("id"))
    return (await _detailed(ctx, [row]))[0]


@router.delete("/sso-connectors/{id}")
async def delete_connector(ctx: Ctx) -> None:
    async with ctx.db.write() as conn:
        await _connector(ctx, conn, ctx.param("id"))
        await store.delete_connector(conn, ctx.tenant_id, ctx.param("id"))


@router.patch("/sso-connectors/{id}", body=ConnectorPatch)
async def update_connector(ctx: Ctx) -> Any:
    body: ConnectorPatch = ctx.body
    connector_id = ctx.param("id")
    async with ctx.db.read() as conn:
        original = await _connector(ctx, conn, connector_id)
        domains = rules.normalize_domains(body.domains)
        if body.connector_name is not None:
            same = await store.find_by_name(conn, ctx.tenant_id, body.connector_name)
            if same is not None and same.id != connector_id:
                raise LogtoError("single_sign_on.duplicate_connector_name", 409)
    config = rules.parse_config(original.provider_name, body.config) if body.config is not None else None
    if config is not None:
        await idp.validate_connection(original.provider_name, config)
    if body.enable_token_storage:
        _token_storage()
    changes = body.model_dump(by_alias=True, exclude_unset=True, exclude={"config", "domains"})
    if config is not None:
        changes["config"] = config
    if domains is not None:
        changes["domains"] = domains
    async with ctx.db.write() as conn:
        if rules.sign_authn_request(config) and await store.active_key(conn, ctx.tenant_id, connector_id) is None:
            raise LogtoError("single_sign_on.active_signing_key_required", 400)
        row = await store.update_connector(conn, ctx.tenant_id, connector_id, store.columns(changes)) if changes else None
        if row is None:
            row = await _connector(ctx, conn, connector_id)
    return (await _detailed(ctx, [row]))[0]


# --- SP signing keys (SAML connectors only) -------------------------------------------------


def signing_key_aad(tenant_id: str, connector_id: str, key_id: str) -> str:
    return f"sso-signing-key:{tenant_id}:{connector_id}:{key_id}"


def _key_out(row: Any) -> dict[str, Any]:
    """Never the private key (Logto's samlSsoConnectorSigningKeyResponseGuard)."""
    return {
        "id": row.id,
        "certificate": row.certificate,
        "createdAt": row.created_at,
        "expiresAt": row.expires_at,
        "active": row.active,
        "fingerprints": idp.fingerprints(row.certificate),
    }


async def _saml_connector(ctx: Ctx, conn: Any) -> Any:
    row = await _connector(ctx, conn, ctx.param("id"))
    if rules.providers()[row.provider_name]["providerType"] != rules.SAML:
        raise LogtoError("connector.not_found", 404, message="Cannot find any available connector for type: {{type}}.")
    return row


async def _key(ctx: Ctx, conn: Any) -> Any:
    row = await store.find_key(conn, ctx.tenant_id, ctx.param("id"), ctx.param("keyId"))
    if row is None:
        raise LogtoError("entity.not_found", 404)
    return row


@router.get("/sso-connectors/{id}/signing-keys", cache=False)
async def list_keys(ctx: Ctx) -> Any:
    async with ctx.db.read() as conn:
        await _saml_connector(ctx, conn)
        found = await store.keys(conn, ctx.tenant_id, ctx.param("id"))
    return [_key_out(r) for r in found]


@router.post("/sso-connectors/{id}/signing-keys", body=KeyCreate, status=201)
async def create_key(ctx: Ctx) -> Any:
    body: KeyCreate = ctx.body
    async with ctx.db.read() as conn:
        await _saml_connector(ctx, conn)
    private_pem, certificate, expires_at = await asyncio.to_thread(idp.generate_signing_key)
    connector_id, key_id = ctx.param("id"), standard_id()
    values = {
        "tenant_id": ctx.tenant_id,
        "id": key_id,
        "sso_connector_id": connector_id,
        "sealed_private_key": ctx.state.box.seal(private_pem, signing_key_aad(ctx.tenant_id, connector_id, key_id)),
        "certificate": certificate,
        "created_at": clock.now_ms(),
        "expires_at": expires_at,
        "active": False,
    }
    async with ctx.db.write() as conn:
        await _saml_connector(ctx, conn)
        row = await store.insert_key(conn, values)
        if body.active:  # the new key replaces the active one in the same transaction
            await store.deactivate_all(conn, ctx.tenant_id, connector_id)
            row = await store.set_key_active(conn, ctx.tenant_id, connector_id, key_id, True)
    return _key_out(row)


@router.patch("/sso-connectors/{id}/signing-keys/{keyId}", body=KeyPatch)
async def update_key(ctx: Ctx) -> Any:
    active = ctx.body.active
    connector_id = ctx.param("id")
    async with ctx.db.write() as conn:
        connector = await _saml_connector(ctx, conn)
        key = await _key(ctx, conn)
        if key.active and not active and connector.config.get("signAuthnRequest") is True:
            raise LogtoError("single_sign_on.can_not_deactivate_signing_key_in_use", 400)
        if key.active == active:
            return _key_out(key)
        if active:
            await store.deactivate_all(conn, ctx.tenant_id, connector_id)
        row = await store.set_key_active(conn, ctx.tenant_id, connector_id, key.id, active)
    return _key_out(row)


@router.delete("/sso-connectors/{id}/signing-keys/{keyId}")
async def delete_key(ctx: Ctx) -> None:
    async with ctx.db.write() as conn:
        await _saml_connector(ctx, conn)
        key = await _key(ctx, conn)
        if key.active:
            raise LogtoError("single_sign_on.can_not_delete_active_signing_key", 400)
        if not await store.delete_inactive_key(conn, ctx.tenant_id, ctx.param("id"), key.id):
            raise LogtoError("entity.not_exists", 404, name="saml_sso_connector_signing_keys")
