"""SAML applications auth flow (Logto tag "SAML applications auth flow", plus the app's metadata
and OIDC callback; no authentication). An SP's AuthnRequest (`/saml/{id}/authn`, HTTP-Redirect
or HTTP-POST) is checked and kept in a session (cookie `_logto_sp_saml_sso_session_id`), then the
browser signs in through authkeep's own authorization code flow with the SAML app as the client;
its callback exchanges the code in process (oidc/user_grants.py), reads the user's claims
(oidc/claims.py) and answers an auto-submitting form POSTing the signed SAMLResponse to the ACS."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import hashlib
import html
import re
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import orjson
from pydantic import Field, StringConstraints
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.responses import RedirectResponse, Response

from authkeep import clock, ids, web
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.api.saml_applications import secret_aad
from authkeep.domain import saml_apps as rules
from authkeep.domain import saml_idp as idp
from authkeep.errors import LogtoError
from authkeep.oidc import claims, user_grants, user_tokens
from authkeep.oidc.errors import OAuthError
from authkeep.store import applications as apps
from authkeep.store import clients, oidc_users
from authkeep.store import saml_apps as store

router = ApiRouter(policy="public", family="applications")
COOKIE = "_logto_sp_saml_sso_session_id"
SESSION_TTL_MS = 60 * 60 * 1000  # Logto: 60 minutes
MAX_BODY = 256 * 1024  # an AuthnRequest is a few KiB
_SCRIPT = 'document.getElementById("samlForm").submit();'
_SCRIPT_HASH = base64.b64encode(hashlib.sha256(_SCRIPT.encode()).digest()).decode()
_HOST = re.compile(r"[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\]")

Relay = Annotated[str, StringConstraints(max_length=512)]


class AuthnQuery(web.Query):
    SAMLRequest: str
    Signature: str = None  # type: ignore[assignment]
    SigAlg: str = None  # type: ignore[assignment]
    RelayState: Relay | None = None


class AuthnBody(web.Body):
    SAMLRequest: Annotated[str, Field(min_length=1)]
    RelayState: Relay | None = None


class CallbackQuery(web.Query):
    code: str = None  # type: ignore[assignment]
    state: str = None  # type: ignore[assignment]
    redirectUri: str = None  # type: ignore[assignment]
    error: str = None  # type: ignore[assignment]
    error_description: str = None  # type: ignore[assignment]


async def _details(conn: AsyncConnection, ctx: Ctx) -> tuple[Any, Any, Any, idp.SamlApp]:
    """The SAML app with its config and active certificate (Logto's getSamlApplicationDetailsById)."""
    app_id = ctx.param("id")
    row = await apps.find(conn, ctx.tenant_id, app_id)
    config = (
        await store.find_config(conn, ctx.tenant_id, app_id)
        if row is not None and row.type == "SAML"
        else None
    )
    secret = await store.active_secret(conn, ctx.tenant_id, app_id) if config is not None else None
    if row is None or config is None or secret is None:
        message = f"Can not find SAML application by ID ({app_id}) with active certificate."
        raise LogtoError("entity.not_found", 404, data={"message": message})
    acs = config.acs_url if isinstance(config.acs_url, dict) else None
    saml_app = idp.SamlApp(
        id=app_id, endpoint=ctx.state.settings.endpoint, certificate=secret.certificate,
        name_id_format=config.name_id_format, sp_entity_id=config.entity_id,
        acs_url=acs.get("url") if acs else None, encryption=config.encryption,
    )  # fmt: skip
    return row, config, secret, saml_app


def _sp_ready(config: Any, saml_app: idp.SamlApp) -> None:
    """Logto builds the SP from the config: entity ID first, then the ACS URL."""
    if not saml_app.sp_entity_id:
        raise LogtoError("application.saml.entity_id_required", 400)
    if not saml_app.acs_url:
        raise LogtoError("application.saml.acs_url_required", 400)
    rules.check_acs_url(config.acs_url)


@router.get("/saml-applications/{id}/metadata", cache=False)
async def metadata(ctx: Ctx) -> Response:
    async with ctx.db.read() as conn:
        _, _, _, saml_app = await _details(conn, ctx)
    xml = await asyncio.to_thread(idp.metadata, saml_app)
    return Response(xml, media_type="text/xml;charset=utf-8")


# --- SP-initiated sign-in ------------------------------------------------------------------------


async def _start(ctx: Ctx, saml_request: str, relay_state: str | None, redirect: bool) -> Response:
    async with ctx.db.read() as conn:
        _, config, _, saml_app = await _details(conn, ctx)
    _sp_ready(config, saml_app)
    request = await asyncio.to_thread(idp.parse_request, saml_app, saml_request, redirect)
    if request.issuer != saml_app.sp_entity_id:
        raise LogtoError("application.saml.auth_request_issuer_not_match", 400)
    if len(request.id) > 128:  # Logto's saml_request_id column
        raise LogtoError("application.saml.invalid_saml_request", 400)
    state, now = ids.standard_id(32), clock.now_ms()
    session = {
        "tenant_id": ctx.tenant_id, "id": ids.standard_id(32), "application_id": saml_app.id,
        "saml_request_id": request.id, "oidc_state": state, "relay_state": relay_state,
        "raw_auth_request": saml_request, "created_at": now, "expires_at": now + SESSION_TTL_MS,
    }  # fmt: skip
    async with ctx.db.write() as conn:
        await store.insert_session(conn, session)
    u = idp.urls(saml_app.endpoint, saml_app.id)
    query = {
        "client_id": saml_app.id, "redirect_uri": u.callback, "response_type": "code", "prompt": "login",
        "scope": " ".join(rules.scopes_for(config.name_id_format, config.attribute_mapping or {})), "state": state,
    }  # fmt: skip
    response = RedirectResponse(f"{ctx.tenant.issuer}/auth?{urlencode(query)}", status_code=302)
    response.set_cookie(
        COOKIE, session["id"], max_age=SESSION_TTL_MS // 1000, path="/", httponly=True, samesite="strict",
        secure=ctx.state.settings.endpoint.startswith("https://"),
    )  # fmt: skip
    return response


@router.get("/saml/{id}/authn", query=AuthnQuery, cache=False)
async def authn_redirect(ctx: Ctx) -> Response:
    q: AuthnQuery = ctx.q
    return await _start(ctx, q.SAMLRequest, q.RelayState, redirect=True)


async def _form_or_json(ctx: Ctx) -> AuthnBody:
    ctype = ctx.request.headers.get("content-type", "").split(";")[0].strip().lower()
    if len(await ctx.request.body()) > MAX_BODY:
        raise LogtoError("guard.invalid_input", 400, type="body")
    if ctype == "application/x-www-form-urlencoded":
        raw = await ctx.request.body()
        try:
            data: Any = dict(parse_qsl(raw.decode(), keep_blank_values=True))
        except UnicodeDecodeError:
            data = {}
        if any("\x00" in k or "\x00" in v for k, v in data.items()):
            raise LogtoError(
                "guard.invalid_input",
                400,
                type="body",
                details="Strings must not contain NUL characters.",
            )
    elif ctype == "application/json":
        data = await web.read_json(ctx.request)
    else:
        data = {}
    return web.validate(AuthnBody, data)


@router.post("/saml/{id}/authn", status=302)
async def authn_post(ctx: Ctx) -> Response:
    body = await _form_or_json(ctx)
    return await _start(ctx, body.SAMLRequest, body.RelayState, redirect=False)


# --- the OIDC callback: the signed SAML response -------------------------------------------------


def _query_error() -> LogtoError:
    return LogtoError("guard.invalid_input", 400, type="query")


def _check_callback_query(q: CallbackQuery) -> str:
    if not q.code and not q.error:
        raise _query_error()
    if q.code and (q.error or q.error_description):
        raise _query_error()
    if q.error:
        if q.code or q.state or q.redirectUri:
            raise _query_error()
        raise LogtoError("oidc.invalid_request", 400)
    return q.code


async def _session(ctx: Ctx, state: str | None) -> tuple[str | None, str | None, str | None]:
    """(relay state, request ID, session id) of the SP-initiated session; none without `state`."""
    if not state:
        return None, None, None
    session_id = ctx.request.cookies.get(COOKIE)
    if not session_id:
        raise LogtoError("application.saml.sp_initiated_saml_sso_session_not_found_in_cookies", 400)
    async with ctx.db.read() as conn:
        found = await store.find_session(conn, ctx.tenant_id, session_id, clock.now_ms())
    if found is None or found.application_id != ctx.param("id"):
        raise LogtoError("application.saml.sp_initiated_saml_sso_session_not_found", 400)
    if found.oidc_state is None or found.oidc_state != state:
        raise LogtoError("application.saml.state_mismatch", 400)
    return found.relay_state, found.saml_request_id, found.id


async def _user_info(ctx: Ctx, app_id: str, code: str, callback: str) -> dict[str, Any]:
    """The code exchanged as the token endpoint would, then userinfo's claims for its scopes."""
    state = ctx.state
    client = await clients.find_client(state.db, ctx.tenant_id, app_id)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": callback}
    try:
        assert client is not None
        tokens = orjson.loads(await user_grants.exchange(state, ctx.tenant, client, form, [], {}))
    except OAuthError:
        raise LogtoError("oidc.invalid_grant", 400) from None
    async with state.db.read() as conn:
        found = await user_tokens.find(conn, ctx.tenant_id, str(tokens.get("access_token")))
        user = (
            await oidc_users.find_user(conn, ctx.tenant_id, found.account_id)
            if found and found.account_id
            else None
        )
        if found is None or user is None:
            raise LogtoError("oidc.access_denied", 403)
        scopes = set(str(found.payload.get("scope") or "").split())
        return await claims.userinfo(conn, ctx.tenant_id, user, scopes)


def _name_id(info: dict[str, Any], name_id_format: str) -> str:
    """Logto's buildSamlAssertionNameId."""
    if name_id_format == rules.EMAIL:
        if not info.get("email"):
            raise LogtoError("application.saml.missing_email_address", 400)
        if not info.get("email_verified"):
            raise LogtoError("application.saml.email_address_unverified", 400)
        return str(info["email"])
    if name_id_format == rules.TRANSIENT:
        return ids.standard_id()
    return str(info["sub"])


def _attributes(info: dict[str, Any], mapping: dict[str, str]) -> dict[str, list[str]]:
    """Mapped claims under their SAML names (objects as JSON, a missing claim as `null`, as
    Logto); without a mapping, `sub`, `email` and `name` when the user has them."""
    if mapping:
        out = {}
        for claim, name in mapping.items():
            value = info.get(claim)
            text = (
                orjson.dumps(value).decode()
                if value is None or isinstance(value, (dict, list))
                else str(value)
            )
            if isinstance(value, bool):
                text = "true" if value else "false"
            out[name] = [text]
        return out
    return {k: [str(info[k])] for k in rules.FALLBACK_ATTRIBUTES if info.get(k) is not None}


def _form_action(acs_url: str) -> str:
    """The ACS origin for `form-action` (only a well-formed host; else its scheme alone)."""
    parts = urlsplit(acs_url)
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = None
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    if port is None or not _HOST.fullmatch(host):
        return f"{parts.scheme.lower()}:"
    return f"{parts.scheme.lower()}://{host}{port}"


def _auto_submit(acs_url: str, saml_response: str, relay_state: str | None) -> Response:
    if urlsplit(acs_url).scheme.lower() not in ("http", "https"):
        raise LogtoError("application.saml.acs_url_scheme_not_supported", 400)
    relay = (
        f'<input type="hidden" name="RelayState" value="{html.escape(relay_state)}">'
        if relay_state
        else ""
    )
    page = (
        '<!doctype html><html><head><meta charset="utf-8"><title>Signing in</title></head><body>'
        f'<form id="samlForm" action="{html.escape(acs_url)}" method="POST">'
        f'<input type="hidden" name="SAMLResponse" value="{html.escape(saml_response)}">{relay}'
        '<noscript><button type="submit">Continue</button></noscript></form>'
        f"<script>{_SCRIPT}</script></body></html>"
    )
    csp = (
        f"default-src 'none'; script-src 'sha256-{_SCRIPT_HASH}'; form-action {_form_action(acs_url)}; "
        "base-uri 'none'; frame-ancestors 'none'"
    )
    headers = {
        "Content-Security-Policy": csp, "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
    }  # fmt: skip
    return Response(page, media_type="text/html; charset=utf-8", headers=headers)


@router.get("/saml-applications/{id}/callback", query=CallbackQuery, cache=False)
async def callback(ctx: Ctx) -> Response:
    q: CallbackQuery = ctx.q
    code = _check_callback_query(q)
    async with ctx.db.read() as conn:
        row, config, secret, saml_app = await _details(conn, ctx)
    u = idp.urls(saml_app.endpoint, saml_app.id)
    registered = (row.oidc_client_metadata or {}).get("redirectUris") or []
    if (
        not registered
        or registered[0] != u.callback
        or (q.redirectUri and q.redirectUri != u.callback)
    ):
        raise LogtoError("oidc.invalid_redirect_uri", 400)
    relay_state, request_id, session_id = await _session(ctx, q.state)
    info = await _user_info(ctx, saml_app.id, code, u.callback)
    _sp_ready(config, saml_app)
    name_id = _name_id(info, config.name_id_format)
    key = ctx.state.box.open(
        secret.sealed_private_key, secret_aad(ctx.tenant_id, saml_app.id, secret.id)
    )
    signer = dataclasses.replace(saml_app, private_key=key)
    attributes = _attributes(info, config.attribute_mapping or {})
    assert saml_app.acs_url is not None
    saml_response = await asyncio.to_thread(idp.response, signer, name_id, attributes, request_id)
    response = _auto_submit(saml_app.acs_url, saml_response, relay_state)
    if session_id is not None:
        async with ctx.db.write() as conn:
            await store.clear_state(conn, ctx.tenant_id, session_id)
            await store.delete_expired_sessions(conn, ctx.tenant_id, clock.now_ms())
        response.delete_cookie(COOKIE, path="/", httponly=True)
    return response
