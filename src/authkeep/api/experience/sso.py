"""Enterprise SSO in the Experience API (Logto's enterprise-sso-verification.ts and
anonymous-routes): the connectors of an e-mail's domain, the IdP's authorization URI, then the
verification of what the IdP answered. The SAML response itself arrives at api/authn.py."""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field

from authkeep import web
from authkeep.api.contract import Ctx
from authkeep.api.experience import common
from authkeep.api.experience.common import PREFIX, router, same_site
from authkeep.api.experience.social import AuthorizationBody, CallbackBody
from authkeep.api.experience.verify import VERIFY
from authkeep.api.sso_connectors import signing_key_aad
from authkeep.domain import experience as domain
from authkeep.domain import sso_connectors as rules
from authkeep.domain import sso_idp as idp
from authkeep.domain import sso_oidc, sso_saml
from authkeep.domain.experience import sso
from authkeep.errors import LogtoError
from authkeep.store import sso_connectors as connectors_store

EMAIL = re.compile(r"^[^\s@]+@[^\s@]+\.[^\s@]+$")


class SsoQuery(web.Query):
    email: str = Field(max_length=256)


class VerifyBody(CallbackBody):
    verification_id: str = Field(alias="verificationId", max_length=128)


def relay_aad(tenant_id: str, connector_id: str) -> str:
    return f"sso-relay:{tenant_id}:{connector_id}"


def is_saml(row: Any) -> bool:
    return bool(rules.providers()[row.provider_name]["providerType"] == rules.SAML)


async def connector(ctx: Ctx, connector_id: str) -> Any:
    async with ctx.db.read() as conn:
        return sso.supported(await connectors_store.find(conn, ctx.tenant_id, connector_id), connector_id)


async def _signing(ctx: Ctx, row: Any) -> tuple[str, str] | None:
    """The SP key and algorithm when the connector signs its AuthnRequests (Logto's
    injectSamlSigningCredential: fail closed without an active key, never send unsigned)."""
    if not rules.sign_authn_request(row.config):
        return None
    async with ctx.db.read() as conn:
        key = await connectors_store.active_key(conn, ctx.tenant_id, row.id)
    if key is None:
        raise LogtoError("single_sign_on.sso_signing_unavailable", 500)
    private_pem = ctx.state.box.open(key.sealed_private_key, signing_key_aad(ctx.tenant_id, row.id, key.id))
    return private_pem, (row.config or {}).get("requestSignatureAlgorithm") or rules.SIGNATURE_ALGORITHMS[0]


@router.get(f"{PREFIX}/sso-connectors", query=SsoQuery, cache=False, before=same_site)
async def sso_connectors(ctx: Ctx) -> dict[str, list[str]]:
    if not EMAIL.match(ctx.q.email):
        raise LogtoError("guard.invalid_input", 400, type="query")
    sie = await common.sign_in_experience(ctx)
    async with ctx.db.read() as conn:
        found = await sso.enabled_connectors(conn, ctx.tenant_id, sie, ctx.q.email)
    return {"connectorIds": [r.id for r in found]}


@router.post(f"{VERIFY}/sso/{{connectorId}}/authorization-uri", body=AuthorizationBody, status=200, before=same_site)
async def authorization_uri(ctx: Ctx) -> dict[str, str]:
    state = common.state_of(ctx)
    connector_id = ctx.param("connectorId")
    body: AuthorizationBody = ctx.body
    async with common.logged(ctx, f"Interaction.{state['interactionEvent']}.Verification.EnterpriseSso.Create",
                             payload={"connectorId": connector_id, "state": body.state, "redirectUri": body.redirect_uri}):  # fmt: skip
        row = await connector(ctx, connector_id)
        if is_saml(row):
            sp = rules.sp_metadata(ctx.state.settings.endpoint, connector_id)
            metadata = await sso_saml.idp_metadata_xml(row.config or {})
            relay = ctx.state.box.seal(ctx.auth.uid, relay_aad(ctx.tenant_id, connector_id))
            uri, request_id = await sso_saml.sign_in_url(sp, metadata, relay, await _signing(ctx, row))
            session = {"connectorId": connector_id, "redirectUri": body.redirect_uri, "state": body.state, "requestId": request_id}
        else:
            config = await idp.oidc_provider_config(row.provider_name, row.config or {})
            uri, session = sso_oidc.authorization_uri(config, connector_id, body.state, body.redirect_uri)
        record = domain.new_record("EnterpriseSso", connectorId=connector_id)
        domain.put_record(state, record)
        state["connectorSession"] = session
        await common.save(ctx, state)
    return {"authorizationUri": uri, "verificationId": record["id"]}


@router.post(f"{VERIFY}/sso/{{connectorId}}/verify", body=VerifyBody, status=200, before=same_site)
async def verify(ctx: Ctx) -> dict[str, str]:
    state = common.state_of(ctx)
    connector_id = ctx.param("connectorId")
    body: VerifyBody = ctx.body
    async with common.logged(ctx, f"Interaction.{state['interactionEvent']}.Verification.EnterpriseSso.Submit",
                             payload={"connectorId": connector_id, "verificationId": body.verification_id}):  # fmt: skip
        record = domain.record_by_type_and_id(state, "EnterpriseSso", body.verification_id)
        if record.get("connectorId") != connector_id:
            raise LogtoError("session.verification_session_not_found", 404)
        row = await connector(ctx, connector_id)
        # The connector session is used once (Logto's getSingleSignOnSessionResult clears it).
        session = state.pop("connectorSession", None)
        if not isinstance(session, dict):
            raise LogtoError("session.connector_validation_session_not_found", 400)
        await common.save(ctx, state)
        if is_saml(row):
            info = session.get("userInfo")
            if not isinstance(info, dict) or session.get("connectorId") != connector_id:
                raise LogtoError("session.connector_session_not_found", 400)
            parsed = rules.try_parse_config("SAML", row.config or {})
            if parsed is None:
                raise sso_oidc.failure("invalid_config", config=row.config, message="invalid_connector_config")
            issuer = (await idp.saml_idp_metadata(parsed))["entityId"]
        else:
            config = await idp.oidc_provider_config(row.provider_name, row.config or {})
            info = await sso_oidc.user_info(config, session, body.connector_data)
            issuer = config["issuer"]
        record["enterpriseSsoUserInfo"] = info
        record["issuer"] = issuer
        state.setdefault("captcha", {})["skipped"] = True
        await common.save(ctx, state)
    return {"verificationId": record["id"]}
