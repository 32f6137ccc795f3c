"""Social verification through the tenant's generic OAuth 2 or OIDC connector (Logto
social-verification.ts): authorization URI, then the provider's callback data."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from authkeep import web
from authkeep.api.contract import Ctx
from authkeep.api.experience import common
from authkeep.api.experience.common import router, same_site
from authkeep.api.experience.verify import VERIFY
from authkeep.connectors import FACTORIES, SOCIAL
from authkeep.connectors.base import ConnectorError
from authkeep.domain import connectors as connectors_domain
from authkeep.domain import experience as domain
from authkeep.domain.experience import social
from authkeep.store import connectors as connectors_store


class AuthorizationBody(web.Body):
    state: str = Field(max_length=1024)
    redirect_uri: str = Field(alias="redirectUri", max_length=2048)


class CallbackBody(web.Body):
    connector_data: dict[str, Any] = Field(alias="connectorData")
    verification_id: str = Field(None, alias="verificationId", max_length=128)  # type: ignore[assignment]


async def _connector(ctx: Ctx, connector_id: str) -> tuple[str, str, dict[str, Any]]:
    """(factory id, target, opened config) of a supported social connector."""
    async with ctx.db.read() as conn:
        row = await connectors_store.find_connector(conn, ctx.tenant_id, connector_id)
    factory = FACTORIES.get(row.connector_id) if row is not None else None
    if row is None or factory is None or factory.type != SOCIAL:
        raise social.not_found(connector_id)
    if factory.id not in social.SUPPORTED:
        raise connectors_domain.as_logto(ConnectorError("not_implemented", f"{factory.id} sign-in"))
    target = (row.metadata or {}).get("target") if isinstance(row.metadata, dict) else None
    return factory.id, str(target or factory.target), connectors_domain.open_config(ctx.state.box, row)


@router.post(f"{VERIFY}/social/{{connectorId}}/authorization-uri", body=AuthorizationBody, status=200, before=same_site)
async def authorization_uri(ctx: Ctx) -> dict[str, str]:
    state = common.state_of(ctx)
    connector_id = ctx.param("connectorId")
    async with common.logged(ctx, f"Interaction.{state['interactionEvent']}.Verification.Social.Create",
                             payload={"connectorId": connector_id}):  # fmt: skip
        factory_id, target, config = await _connector(ctx, connector_id)
        uri, session = social.start(factory_id, config, ctx.body.state, ctx.body.redirect_uri)
        record = domain.new_record("Social", connectorId=connector_id, connectorTarget=target, connectorSession=session)
        domain.put_record(state, record)
        await common.save(ctx, state)
    return {"authorizationUri": uri, "verificationId": record["id"]}


@router.post(f"{VERIFY}/social/{{connectorId}}/verify", body=CallbackBody, status=200, before=same_site)
async def verify(ctx: Ctx) -> dict[str, str]:
    state = common.state_of(ctx)
    connector_id = ctx.param("connectorId")
    async with common.logged(ctx, f"Interaction.{state['interactionEvent']}.Verification.Social.Submit",
                             payload={"connectorId": connector_id, "verificationId": ctx.body.verification_id}):  # fmt: skip
        factory_id, target, config = await _connector(ctx, connector_id)
        record = domain.record_by_type_and_id(state, "Social", ctx.body.verification_id or "")
        if record.get("connectorId") != connector_id:
            from authkeep.errors import LogtoError

            raise LogtoError("session.verification_session_not_found", 404)
        session = record.get("connectorSession") or {}
        record["socialUserInfo"] = await social.finish(factory_id, config, ctx.body.connector_data, session)
        record["connectorTarget"] = target
        state.setdefault("captcha", {})["skipped"] = True
        await common.save(ctx, state)
    return {"verificationId": record["id"]}
