"""`/oidc/token/revocation` (RFC 7009) and `/oidc/token/introspection` (RFC 7662) for the user
tokens: opaque access tokens and refresh tokens, with the token endpoint's client
authentication. Revoking a refresh token revokes its whole grant, as Logto does."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from authkeep import clock
from authkeep.oidc import opaque, token, user_tokens
from authkeep.oidc.client_auth import read_credentials, verify_secret
from authkeep.oidc.errors import OAuthError
from authkeep.oidc.user_grants import REFRESH
from authkeep.state import AppState, TenantState
from authkeep.store import oidc_models
from authkeep.store.logs import entry

_HEADERS = {"Cache-Control": "no-store", "Access-Control-Allow-Origin": "*"}
_KINDS = {"access_token": user_tokens.MODEL, "refresh_token": REFRESH}


async def _client_and_token(request: Request, state: AppState, tenant: TenantState) -> tuple[str, dict[str, str]]:
    pairs = await token._read_form(request)
    form: dict[str, str] = {}
    for key, value in pairs:
        if "\x00" in key or "\x00" in value:
            raise OAuthError("invalid_request", "null bytes are not allowed in the request body")
        if key in form:
            raise OAuthError("invalid_request", f"'{key}' parameter must only be provided once")
        form[key] = value
    creds = read_credentials(request.headers.get("authorization"), form)
    client = await token._client(state, tenant, creds.client_id)
    verify_secret(client, creds, state.box, tenant.issuer)
    if not form.get("token"):
        raise OAuthError("invalid_request", "missing required parameter 'token'")
    return client.id, form


async def _find(conn: Any, tenant_id: str, form: dict[str, str]) -> oidc_models.Instance | None:
    hint = _KINDS.get(form.get("token_type_hint", ""))
    models = [hint] + [m for m in _KINDS.values() if m != hint] if hint else list(_KINDS.values())
    key = opaque.digest(form["token"]) if len(form["token"]) <= 512 else ""
    for model in models:
        found = await oidc_models.find(conn, tenant_id, model, key, clock.now_ms())
        if found is not None:
            return found
    return None


def _error(exc: OAuthError) -> Response:
    headers = dict(_HEADERS)
    if exc.www_authenticate:
        headers["WWW-Authenticate"] = exc.www_authenticate
    return Response(orjson.dumps(exc.body()), status_code=exc.status, media_type="application/json; charset=utf-8", headers=headers)


async def revocation(request: Request) -> Response:
    state: AppState = request.app.state.authkeep
    tenant = state.tenant_for(request)
    try:
        client_id, form = await _client_and_token(request, state, tenant)
    except OAuthError as exc:
        return _error(exc)
    async with state.db.write() as conn:
        found = await _find(conn, tenant.id, form)
        if found is not None and found.client_id == client_id:
            if found.model == REFRESH and found.grant_id:
                await oidc_models.revoke_grant(conn, tenant.id, found.grant_id)
            else:
                await oidc_models.remove(conn, tenant.id, found.model, found.id)
    if found is not None and found.client_id == client_id:
        writer = getattr(request.app.state, "audit_logs", None)
        if writer is not None:
            params = {k: ("******" if k in ("token", "client_secret") else v) for k, v in form.items()}
            payload = {
                "result": "Success", "applicationId": client_id, "userId": found.account_id, "grantId": found.grant_id,
                "tokenTypes": [found.model], "params": params,
            }  # fmt: skip
            writer.add(entry(tenant.id, "RevokeToken", payload))
    return Response(b"", status_code=200, headers=_HEADERS)


async def introspection(request: Request) -> Response:
    state: AppState = request.app.state.authkeep
    tenant = state.tenant_for(request)
    try:
        client_id, form = await _client_and_token(request, state, tenant)
    except OAuthError as exc:
        return _error(exc)
    async with state.db.read() as conn:
        found = await _find(conn, tenant.id, form)
    if found is None or found.client_id != client_id or (found.model == REFRESH and found.consumed_at is not None):
        return Response(orjson.dumps({"active": False}), media_type="application/json; charset=utf-8", headers=_HEADERS)
    body: dict[str, Any] = {
        "active": True, "client_id": found.client_id, "exp": found.expires_at // 1000,
        "iat": found.payload.get("iat"), "iss": tenant.issuer, "scope": found.payload.get("scope") or "",
        "sub": found.account_id, "token_type": "Bearer" if found.model == user_tokens.MODEL else "refresh_token",
    }  # fmt: skip
    if found.payload.get("sid"):
        body["sid"] = found.payload["sid"]
    return Response(orjson.dumps(body), media_type="application/json; charset=utf-8", headers=_HEADERS)
