"""Logto's `/api/authn` SAML assertion consumer services (routes/authn.ts, tag "Authn"). The IdP's
browser posts here cross-site (a form), so the interaction is found from RelayState: authkeep
sends the interaction id sealed (AES-GCM, bound to tenant and connector), not in clear as Logto's
`jti`, since the IdP and the browser's history see it and it is the interaction cookie's value."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import orjson
from starlette.responses import RedirectResponse

from authkeep.api.contract import ApiRouter, Ctx
from authkeep.api.experience.sso import connector, is_saml, relay_aad
from authkeep.connectors import FACTORIES, SOCIAL
from authkeep.domain import sso_connectors as rules
from authkeep.domain import sso_saml
from authkeep.errors import LogtoError
from authkeep.oidc import interactions
from authkeep.store import connectors as connectors_store

router = ApiRouter(policy="public", family="sessions")
MAX_BODY = 1 << 20


async def _body(ctx: Ctx) -> dict[str, Any]:
    """A JSON object or a form (Logto's body parser takes both; IdPs post forms)."""
    raw = await ctx.request.body()
    if len(raw) > MAX_BODY:
        raise LogtoError("guard.invalid_input", 400, type="body")
    kind = ctx.request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    try:
        if kind == "application/x-www-form-urlencoded":
            data: Any = dict(parse_qsl(raw.decode(), keep_blank_values=True))
        else:
            data = orjson.loads(raw) if raw.strip() else {}
    except (UnicodeDecodeError, orjson.JSONDecodeError):
        raise LogtoError("guard.invalid_input", 400, type="body") from None
    if not isinstance(data, dict) or any("\x00" in str(v) for v in data.values()):
        raise LogtoError("guard.invalid_input", 400, type="body")
    return data


def _session_lost() -> LogtoError:
    return LogtoError("session.connector_validation_session_not_found", 404)


def _with_state(url: str, state: str) -> str:
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), ("state", state)]
    return urlunsplit(parts._replace(query=urlencode(query)))


@router.post("/authn/single-sign-on/saml/{connectorId}", status=302)
async def sso_saml_acs(ctx: Ctx) -> RedirectResponse:
    connector_id = ctx.param("connectorId")
    body = await _body(ctx)
    saml_response, relay = body.get("SAMLResponse"), body.get("RelayState")
    if not isinstance(saml_response, str) or (relay is not None and not isinstance(relay, str)):
        raise LogtoError("guard.invalid_input", 400, type="body")
    row = await connector(ctx, connector_id)
    if not is_saml(row):
        raise LogtoError("connector.unexpected_type", 400)
    if not relay:  # IdP-initiated SSO is a dev feature in Logto 1.42
        raise _session_lost()
    try:
        uid = ctx.state.box.open(relay, relay_aad(ctx.tenant_id, connector_id))
    except Exception:  # noqa: BLE001  (any relay state we did not seal)
        raise _session_lost() from None
    async with ctx.db.read() as conn:
        interaction = await interactions.find(conn, ctx.tenant_id, uid)
    experience = interaction.experience if interaction is not None else None
    session = experience.get("connectorSession") if isinstance(experience, dict) else None
    if not isinstance(session, dict) or session.get("connectorId") != connector_id or "requestId" not in session:
        raise _session_lost()
    sp = rules.sp_metadata(ctx.state.settings.endpoint, connector_id)
    metadata = await sso_saml.idp_metadata_xml(row.config or {})
    content = await sso_saml.assertion(sp, metadata, saml_response, session["requestId"])
    parsed = rules.try_parse_config("SAML", row.config or {}) or {}
    session["userInfo"] = sso_saml.user_info(content, parsed.get("attributeMapping"))
    assert interaction is not None and isinstance(experience, dict)
    async with ctx.db.write() as conn:
        await interactions.save(conn, ctx.tenant_id, interaction)
    return RedirectResponse(_with_state(session["redirectUri"], session["state"]), status_code=302)


@router.post("/authn/saml/{connectorId}", status=302)
async def social_saml_acs(ctx: Ctx) -> None:
    """Logto's deprecated ACS of SAML *social* connectors. authkeep ships none, so this answers as
    Logto does for any connector that is not one: unknown 422, not social 400, else 501."""
    connector_id = ctx.param("connectorId")
    body = await _body(ctx)
    async with ctx.db.read() as conn:
        row = await connectors_store.find_connector(conn, ctx.tenant_id, connector_id)
    if row is None:
        raise LogtoError("session.invalid_connector_id", 422, connectorId=connector_id)
    factory = FACTORIES.get(row.connector_id)
    if factory is None or factory.type != SOCIAL:
        raise LogtoError("connector.unexpected_type", 400)
    if not isinstance(body.get("SAMLResponse"), str) or not isinstance(body.get("RelayState"), str):
        raise LogtoError("connector.invalid_response", 400)
    raise LogtoError("connector.not_implemented", 501, data={"message": "Method `validateSamlAssertion()` is not implemented."})
