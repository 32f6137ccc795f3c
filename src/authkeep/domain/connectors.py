"""Connector rules (Logto `routes/connector/*`, `libraries/connector.ts`): factory lookup, config
validation, one e-mail and one SMS connector at a time, secrets sealed at rest, and sending a
message through the tenant's connector with its e-mail templates."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep import clock, guard, ids
from authkeep.connectors import EMAIL, FACTORIES, SOCIAL, ConnectorError, Factory, Message
from authkeep.connectors.base import clean_deep, join_secrets, split_secrets
from authkeep.domain import sign_in_exp as sie
from authkeep.errors import LogtoError
from authkeep.secretbox import SecretBox
from authkeep.store import connectors as store
from authkeep.store import email_templates as templates_store
from authkeep.store import sign_in_exp as sie_store
from authkeep.store.tables_sign_in import sign_in_experiences

# Logto's koa-connector-error-handler: ConnectorErrorCodes -> HTTP status.
_STATUS = {"not_implemented": 501, "rate_limit_exceeded": 429, "usage_limit_exceeded": 429}
_UNAUTHORIZED = {"social_auth_code_invalid", "social_invalid_access_token", "social_invalid_id_token", "authorization_failed"}


def as_logto(exc: ConnectorError) -> LogtoError:
    code = f"connector.{exc.code}"
    status = 401 if exc.code in _UNAUTHORIZED else _STATUS.get(exc.code, 400)
    if isinstance(exc.data, ValidationError):
        zod = guard.invalid_input("body", exc.data)
        return LogtoError(code, status, data=zod.data, details=zod.details)
    data = {"message": exc.data} if isinstance(exc.data, str) else exc.data
    return LogtoError(code, status, data=data, errorDescription=exc.data if isinstance(exc.data, str) else "")


def factory_of(factory_id: str) -> Factory | None:
    return FACTORIES.get(factory_id)


def validate_config(factory: Factory, config: dict[str, Any]) -> None:
    try:
        factory.validate(config)
    except ConnectorError as exc:
        raise as_logto(exc) from None


def _aad(tenant_id: str, connector_id: str) -> str:
    return f"connector:{tenant_id}:{connector_id}"


def seal_config(box: SecretBox, tenant_id: str, connector_id: str, factory: Factory, config: dict[str, Any]) -> dict[str, Any]:
    """Column values for a config: the public part and the sealed secret values."""
    public, secrets = split_secrets(config, factory.secret_keys)
    sealed = box.seal(json.dumps(secrets), aad=_aad(tenant_id, connector_id)) if secrets else None
    return {"config": public, "sealed_secrets": sealed}


def open_config(box: SecretBox, row: Row[Any]) -> dict[str, Any]:
    if not row.sealed_secrets:
        return dict(row.config or {})
    secrets = json.loads(box.open(row.sealed_secrets, aad=_aad(row.tenant_id, row.id)))
    return join_secrets(row.config or {}, secrets)


def _merged_metadata(factory: Factory | None, overrides: dict[str, Any]) -> dict[str, Any]:
    base = factory.public() if factory else {}
    for key in ("id", "type", "isDemo"):
        base.pop(key, None)
    if factory is not None and factory.is_standard:
        for key in ("target", "name", "logo", "logoDark"):
            if key in overrides:
                base[key] = overrides[key]
    return base


def connector_out(box: SecretBox, row: Row[Any]) -> dict[str, Any]:
    """Logto's `connectorResponseGuard`: the stored entry merged with its factory's metadata."""
    factory = FACTORIES.get(row.connector_id)
    meta = _merged_metadata(factory, row.metadata or {})
    return {
        "id": row.id,
        "syncProfile": bool(row.sync_profile),
        "enableTokenStorage": bool(row.enable_token_storage),
        "config": open_config(box, row),
        "metadata": row.metadata or {},
        "connectorId": row.connector_id,
        **meta,
        "type": factory.type if factory else None,
    }


def target_of(row: Row[Any]) -> str | None:
    factory = FACTORIES.get(row.connector_id)
    if factory is None:
        return None
    return (row.metadata or {}).get("target") if factory.is_standard and (row.metadata or {}).get("target") else factory.target


async def create(conn: AsyncConnection, box: SecretBox, tenant_id: str, body: dict[str, Any]) -> str:
    factory = FACTORIES.get(body["connectorId"])
    if factory is None:
        raise LogtoError("connector.not_found_with_connector_id", 422)
    metadata = body.get("metadata")
    existing = await store.list_connectors(conn, tenant_id)
    if factory.type == SOCIAL:
        if factory.is_standard and not (metadata or {}).get("target"):
            raise LogtoError("connector.should_specify_target", 400)
        if not factory.is_standard and metadata is not None:
            raise LogtoError("connector.cannot_overwrite_metadata_for_non_standard_connector", 400)
        if not factory.is_standard and any(r.connector_id == factory.id for r in existing):
            raise LogtoError("connector.multiple_instances_not_supported", 422)
        target = (metadata or {}).get("target") or factory.target
        for row in existing:
            other = FACTORIES.get(row.connector_id)
            if other and other.type == SOCIAL and other.platform == factory.platform and target_of(row) == target:
                raise LogtoError(
                    "connector.multiple_target_with_same_platform",
                    422,
                    data={"connectorId": row.connector_id, "connectorName": {"en": other.name}},
                )
    config = body.get("config")
    if config is not None:
        validate_config(factory, config)
    if body.get("enableTokenStorage"):
        raise LogtoError("request.feature_not_supported", 422)
    connector_id = body.get("id") or ids.short_id()
    if any(r.id == connector_id for r in existing):
        raise LogtoError("entity.unique_integrity_violation", 422)
    if factory.type != SOCIAL:  # one working e-mail / SMS connector: a new one replaces the old
        same = [r.id for r in existing if (f := FACTORIES.get(r.connector_id)) and f.type == factory.type]
        if same:
            await store.delete_connectors(conn, tenant_id, same)
    cleaned = clean_deep(config or {})
    await store.insert_connector(
        conn,
        {
            "tenant_id": tenant_id,
            "id": connector_id,
            "connector_id": factory.id,
            **seal_config(box, tenant_id, connector_id, factory, cleaned),
            "metadata": clean_deep(metadata or {}),
            "sync_profile": bool(body.get("syncProfile")),
            "enable_token_storage": False,
            "created_at": clock.now_ms(),
        },
    )
    return connector_id


async def patch(conn: AsyncConnection, box: SecretBox, tenant_id: str, connector_id: str, body: dict[str, Any]) -> None:
    row = await store.find_connector(conn, tenant_id, connector_id)
    factory = FACTORIES.get(row.connector_id) if row is not None else None
    if row is None or factory is None:
        raise LogtoError("entity.not_found", 404, id=connector_id)
    metadata = body.get("metadata")
    if factory.is_standard and metadata and metadata.get("target") != target_of(row):
        raise LogtoError("connector.can_not_modify_target", 400)
    if not factory.is_standard and metadata:
        raise LogtoError("connector.cannot_overwrite_metadata_for_non_standard_connector", 400)
    if body.get("syncProfile") and factory.type != SOCIAL:
        raise LogtoError("connector.invalid_type_for_syncing_profile", 422)
    if body.get("enableTokenStorage"):
        raise LogtoError("request.feature_not_supported", 422)
    values: dict[str, Any] = {}
    config = body.get("config")
    if config is not None:
        validate_config(factory, config)
        values.update(seal_config(box, tenant_id, connector_id, factory, clean_deep(config)))
    if metadata is not None:
        values["metadata"] = clean_deep(metadata)
    if body.get("syncProfile") is not None:
        values["sync_profile"] = body["syncProfile"]
    if body.get("enableTokenStorage") is not None:
        values["enable_token_storage"] = body["enableTokenStorage"]
    if values:
        await store.update_connector(conn, tenant_id, connector_id, values)


async def delete(conn: AsyncConnection, tenant_id: str, connector_id: str) -> None:
    """Logto's DELETE /connectors/:id: the last e-mail/SMS connector cannot go while password
    expiration needs it for "forgot password"; a social connector's target leaves the sign-in
    experience with it."""
    rows = await store.list_connectors(conn, tenant_id)
    row = next((r for r in rows if r.id == connector_id), None)
    if row is None:
        raise LogtoError("entity.not_exists_with_id", 404, name="connectors", id=connector_id)
    factory = FACTORIES.get(row.connector_id)
    stored = await sie_store.get_document(conn, sign_in_experiences, tenant_id, lock=True)
    document = {**sie.default(tenant_id), **(stored or {})}
    remaining = sie.connector_summaries(
        [{"id": r.id, "connectorId": r.connector_id, "metadata": r.metadata or {}} for r in rows if r.id != connector_id]
    )
    if factory is not None and factory.type != SOCIAL and (document.get("passwordExpiration") or {}).get("enabled"):
        available = sie.forgot_password_availability(remaining, document.get("forgotPasswordMethods"))
        if not (available["email"] or available["phone"]):
            raise LogtoError("sign_in_experiences.password_expiration_requires_forgot_password", 422)
    await store.delete_connectors(conn, tenant_id, [connector_id])
    if factory is not None and factory.type == SOCIAL and stored is not None:
        social = {c["target"] for c in remaining if c["type"] == SOCIAL}
        targets = stored.get("socialSignInConnectorTargets") or []
        kept = [t for t in targets if t in social]
        if kept != targets:
            await sie_store.put_document(conn, sign_in_experiences, tenant_id, {**stored, "socialSignInConnectorTargets": kept})


async def message_connector(conn: AsyncConnection, box: SecretBox, tenant_id: str, kind: str) -> tuple[Factory, dict[str, Any]]:
    """The tenant's e-mail or SMS connector and its opened config; 501 `connector.not_found`."""
    for row in await store.list_connectors(conn, tenant_id):
        factory = FACTORIES.get(row.connector_id)
        if factory is not None and factory.type == kind:
            return factory, open_config(box, row)
    raise LogtoError("connector.not_found", 501, type=kind)


async def sign_in_document(conn: AsyncConnection, tenant_id: str) -> dict[str, Any]:
    """The stored sign-in experience ({} until it is first changed: Logto's seed applies)."""
    return await sie_store.get_document(conn, sign_in_experiences, tenant_id) or {}


async def email_template(conn: AsyncConnection, tenant_id: str, template_type: str, locale: str | None) -> dict[str, Any] | None:
    """Logto's getI18nEmailTemplate: the locale's template, else the sign-in experience's fallback
    language's, else that language's Generic one."""
    info = (await sign_in_document(conn, tenant_id)).get("languageInfo") or {}
    fallback = info.get("fallbackLanguage") or "en"
    for kind, tag in ((template_type, locale), (template_type, fallback), ("Generic", fallback)):
        if tag:
            found = await templates_store.list_templates(conn, tenant_id, tag, kind)
            if found:
                return dict(found[0].details)
    return None


async def deliver(
    factory: Factory, config: dict[str, Any], to: str, template_type: str, payload: dict[str, Any], template: dict[str, Any] | None, ip: str | None = None
) -> None:
    """Sends through the factory; connector failures become Logto's `connector.*` errors."""
    if factory.send is None:
        raise LogtoError("connector.unexpected_type", 400)
    message = Message(to=to, type=template_type, payload=payload, template=template if factory.type == EMAIL else None, ip=ip)
    try:
        await factory.send(config, message)
    except ConnectorError as exc:
        raise as_logto(exc) from None
    except ValidationError as exc:  # a stored config that no longer fits
        raise as_logto(ConnectorError("invalid_config", exc)) from None
