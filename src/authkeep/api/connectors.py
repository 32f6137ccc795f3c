"""Connectors and connector factories (Logto tags "Connectors", "Connector factories")."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import Field, field_validator

from authkeep import web
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.connectors import EMAIL, FACTORIES, SMS, SOCIAL
from authkeep.domain import connectors as domain
from authkeep.errors import LogtoError
from authkeep.store import connectors as store

router = ApiRouter(policy="management", family="connectors")

Id = Annotated[str, Field(min_length=1, max_length=128)]
EMAIL_RE = re.compile(r"^\S+@\S+\.\S+$")
PHONE_RE = re.compile(r"^\d+$")


class Metadata(web.Body):
    target: str = None  # type: ignore[assignment]
    name: dict[str, Any] = None  # type: ignore[assignment]
    logo: str = None  # type: ignore[assignment]
    logo_dark: str | None = Field(None, alias="logoDark")


class ConnectorPatch(web.Body):
    config: dict[str, Any] = None  # type: ignore[assignment]
    metadata: Metadata = None  # type: ignore[assignment]
    sync_profile: bool = Field(None, alias="syncProfile")  # type: ignore[assignment]
    enable_token_storage: bool = Field(None, alias="enableTokenStorage")  # type: ignore[assignment]


class ConnectorCreate(ConnectorPatch):
    connector_id: Id = Field(alias="connectorId")
    id: Id = None  # type: ignore[assignment]


class TestBody(web.Body):
    phone: str = None  # type: ignore[assignment]
    email: str = None  # type: ignore[assignment]
    config: dict[str, Any]
    locale: str = None  # type: ignore[assignment]

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        if not PHONE_RE.match(value):
            raise ValueError("Invalid")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not EMAIL_RE.match(value):
            raise ValueError("Invalid")
        return value


class ConnectorQuery(web.Query):
    target: str | None = None


class AuthorizationUriBody(web.Body):
    state: str
    redirect_uri: str = Field(alias="redirectUri")


def _sent(body: web.Body) -> dict[str, Any]:
    """The body as Logto's camelCase keys, only the fields the client sent."""
    return body.model_dump(by_alias=True, exclude_unset=True)


@router.get("/connector-factories")
async def list_factories(ctx: Ctx) -> Any:
    return [f.public() for f in FACTORIES.values()]


@router.get("/connector-factories/{id}")
async def get_factory(ctx: Ctx) -> Any:
    factory = FACTORIES.get(ctx.param("id"))
    if factory is None:
        raise LogtoError("entity.not_found", 404)
    return factory.public()


@router.get("/connectors", query=ConnectorQuery)
async def list_connectors(ctx: Ctx) -> Any:
    target = ctx.q.target
    async with ctx.db.read() as conn:
        found = await store.list_connectors(conn, ctx.tenant_id)
    out = [domain.connector_out(ctx.state.box, row) for row in found if row.connector_id in FACTORIES]
    return [c for c in out if not target or c["target"] == target]


@router.get("/connectors/{id}")
async def get_connector(ctx: Ctx) -> Any:
    async with ctx.db.read() as conn:
        row = await store.find_connector(conn, ctx.tenant_id, ctx.param("id"))
    if row is None or row.connector_id not in FACTORIES:
        raise LogtoError("entity.not_found", 404)
    return domain.connector_out(ctx.state.box, row)


@router.post("/connectors", body=ConnectorCreate, status=200)
async def create_connector(ctx: Ctx) -> Any:
    body = _sent(ctx.body)
    async with ctx.db.write() as conn:
        connector_id = await domain.create(conn, ctx.state.box, ctx.tenant_id, body)
        row = await store.find_connector(conn, ctx.tenant_id, connector_id)
    return domain.connector_out(ctx.state.box, row)


@router.patch("/connectors/{id}", body=ConnectorPatch)
async def patch_connector(ctx: Ctx) -> Any:
    body = _sent(ctx.body)
    connector_id = ctx.param("id")
    async with ctx.db.write() as conn:
        await domain.patch(conn, ctx.state.box, ctx.tenant_id, connector_id, body)
        row = await store.find_connector(conn, ctx.tenant_id, connector_id)
    return domain.connector_out(ctx.state.box, row)


@router.delete("/connectors/{id}")
async def delete_connector(ctx: Ctx) -> Any:
    connector_id = ctx.param("id")
    async with ctx.db.write() as conn:
        await domain.delete(conn, ctx.tenant_id, connector_id)
    return None


@router.post("/connectors/{factoryId}/test", body=TestBody, status=204)
async def test_connector(ctx: Ctx) -> Any:
    """Sends a Generic message with code 000000 through an unsaved config (Logto's config testing)."""
    body: TestBody = ctx.body
    subject = body.phone or body.email
    if not subject:
        raise LogtoError("guard.invalid_input", 400, type="body")
    kind = SMS if body.phone else EMAIL
    factory = FACTORIES.get(ctx.param("factoryId"))
    if factory is None or factory.type == SOCIAL:
        raise LogtoError("connector.not_found", 400, type=kind)
    if factory.type != kind:
        raise LogtoError("connector.unexpected_type", 400)
    domain.validate_config(factory, body.config)
    payload: dict[str, Any] = {"code": "000000"}
    if body.locale:
        payload["locale"] = body.locale
    async with ctx.db.read() as conn:
        template = await domain.email_template(conn, ctx.tenant_id, "Generic", body.locale)
    ip = ctx.request.client.host if ctx.request.client else None
    await domain.deliver(factory, body.config, subject, "Generic", payload, template, ip)
    return None


@router.post("/connectors/{connectorId}/authorization-uri", body=AuthorizationUriBody, status=200)
async def authorization_uri(ctx: Ctx) -> Any:
    body: AuthorizationUriBody = ctx.body
    if not body.state or not body.redirect_uri:
        raise LogtoError("session.insufficient_info", 400)
    async with ctx.db.read() as conn:
        row = await store.find_connector(conn, ctx.tenant_id, ctx.param("connectorId"))
    factory = FACTORIES.get(row.connector_id) if row is not None else None
    if row is None or factory is None:
        raise LogtoError("entity.not_found", 404)
    if factory.type != SOCIAL:
        raise LogtoError("connector.unexpected_type", 400)
    # As in Logto: the OIDC and OAuth 2 connectors keep state in the sign-in session, which this
    # session-less API cannot give them.
    raise LogtoError("connector.not_implemented", 501, method="setSession")
