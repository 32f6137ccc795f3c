"""POST /oidc/token: the user grants (oidc/user_grants.py) and the client_credentials grant (RFC 6749 §4.4) with resource indicators
(RFC 8707), issuing ES384 `at+jwt` access tokens (RFC 9068) as Logto does (logto-facts §4)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import orjson
from joserfc import jws
from starlette.requests import Request
from starlette.responses import Response

from authkeep import clock, ids
from authkeep.domain.logs import token_log
from authkeep.oidc import custom_claims, user_grants
from authkeep.oidc.client_auth import read_credentials, verify_secret
from authkeep.oidc.errors import OAuthError
from authkeep.state import AppState, TenantState
from authkeep.store import clients
from authkeep.store.logs import entry

_HEADERS = {
    "Cache-Control": "no-store",
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "WWW-Authenticate",
}
_MAX_BODY = 56 * 1024
_SINGLE = (
    "grant_type", "scope", "organization_id", "client_id", "client_secret", "code", "code_verifier", "redirect_uri",
    "refresh_token",
)  # fmt: skip


def _error_response(exc: OAuthError, parse_error: bool) -> Response:
    headers = dict(_HEADERS)
    if exc.www_authenticate:
        headers["WWW-Authenticate"] = exc.www_authenticate
    return Response(
        orjson.dumps(exc.body(parse_error)),
        status_code=exc.status,
        media_type="application/json; charset=utf-8",
        headers=headers,
    )


async def _read_form(request: Request) -> list[tuple[str, str]]:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await request.body()
    if len(raw) > _MAX_BODY:
        raise OAuthError("invalid_request", "request body too large")
    if b"\x00" in raw:
        raise OAuthError("invalid_request", "null bytes are not allowed in the request body")
    if ctype == "application/x-www-form-urlencoded":
        try:
            return parse_qsl(raw.decode(), keep_blank_values=True)
        except UnicodeDecodeError:
            raise OAuthError("invalid_request", "request body is not valid UTF-8") from None
    if ctype == "application/json":
        try:
            data = orjson.loads(raw or b"{}")
        except orjson.JSONDecodeError:
            raise OAuthError("invalid_request", "failed to parse the request body") from None
        if not isinstance(data, dict):
            raise OAuthError("invalid_request", "failed to parse the request body")
        pairs: list[tuple[str, str]] = []
        for key, value in data.items():
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, (str, int, float)) and not isinstance(item, bool):
                    pairs.append((key, str(item)))
        return pairs
    raise OAuthError(
        "invalid_request",
        "only application/x-www-form-urlencoded content-type bodies are supported on POST /token",
    )


def sign_access_token(tenant: TenantState, claims: dict[str, Any]) -> str:
    """An `at+jwt` signed with the tenant's Current key (also used by the console for its own tokens)."""
    key = tenant.keys.current
    header = {"alg": key.alg, "typ": "at+jwt", "kid": key.kid}
    return jws.serialize_compact(header, orjson.dumps(claims), key.key, algorithms=[key.alg])


async def _client(state: AppState, tenant: TenantState, client_id: str) -> clients.ClientRecord:
    client = await tenant.clients.load(
        (tenant.id, client_id), lambda: clients.find_client(state.db, tenant.id, client_id)
    )
    if client is None:
        raise OAuthError("invalid_client", f"invalid client {client_id}")
    return client


async def _grant(state: AppState, tenant: TenantState, app_id: str, indicator: str | None) -> clients.ResourceGrant | None:
    return await tenant.grants.load(
        (app_id, indicator), lambda: clients.resource_grant(state.db, tenant.id, app_id, indicator)
    )


async def _organization_grant(
    state: AppState, tenant: TenantState, app_id: str, org_id: str, indicator: str | None
) -> clients.OrganizationGrant:
    """The app's grant in the organization (cached like resource grants; non-members are not)."""
    async def load() -> clients.OrganizationGrant:
        member, grant = await clients.organization_grant(state.db, tenant.id, app_id, org_id, indicator)
        if not member:
            raise OAuthError("access_denied", "app has not associated with the organization", 403)
        if grant is None:
            raise OAuthError("invalid_target", "resource indicator is missing, or unknown")
        return grant

    key = ("organization", app_id, org_id, indicator)
    return await tenant.grants.load(key, load)  # type: ignore[arg-type,return-value]


async def _organization_token(
    state: AppState, tenant: TenantState, client: clients.ClientRecord, form: dict[str, str], resources: list[str]
) -> bytes:
    """RFC 0006 (Logto `oidc/grants/client-credentials.ts`): with `organization_id` and no
    `resource`, an organization token (audience `urn:logto:organization:<id>`, the organization
    scopes of the app's roles in it, `scope` always present); with a `resource`, a resource token
    limited to the scopes those roles hold on it, carrying an `organization_id` claim."""
    org_id = form["organization_id"]
    if len(resources) > 1:
        await _organization_grant(state, tenant, client.id, org_id, None)  # membership comes first
        raise OAuthError("invalid_target", "only a single resource indicator value is supported for this grant type")
    indicator = resources[0] if resources else None
    grant = await _organization_grant(state, tenant, client.id, org_id, indicator)

    requested: list[str] = []
    for name in form.get("scope", "").split(" "):
        if name and name not in requested:
            requested.append(name)
    if grant.indicator is None:
        wanted = set(requested)
        scope: str | None = " ".join(name for name in grant.available if name in wanted)
        audience = f"urn:logto:organization:{org_id}"
        extra: dict[str, Any] = {}
    else:
        available = set(grant.available)
        scope = " ".join(name for name in requested if name in available) or None
        audience = grant.indicator
        extra = {"organization_id": org_id}

    await tenant.keys.ensure_fresh()
    now = clock.now_s()
    claims: dict[str, Any] = {**extra, "jti": ids.token_id(), "sub": client.id, "iat": now, "exp": now + grant.access_token_ttl}
    if scope is not None:
        claims["scope"] = scope
    claims.update(client_id=client.id, iss=tenant.issuer, aud=audience)
    response: dict[str, Any] = {
        "access_token": sign_access_token(tenant, claims),
        "expires_in": grant.access_token_ttl,
        "token_type": "Bearer",
    }
    if scope is not None:
        response["scope"] = scope
    return orjson.dumps(response)


async def token_endpoint(request: Request) -> Response:
    state: AppState = request.app.state.authkeep
    parse_error = request.query_params.get("parse_error") != "false"
    limit_headers: dict[str, str] = {}
    note: dict[str, Any] = {}  # what the audit log entry says (domain/logs.token_log)
    tenant = None
    try:
        tenant = state.tenant_for(request)
        if state.limiter and state.token_limit:
            ip = request.client.host if request.client else "unknown"
            verdict = await state.limiter.check(state.token_limit, "token", f"{tenant.id}:{ip}")
            limit_headers = verdict.headers
            if verdict.unavailable:
                raise OAuthError("temporarily_unavailable", "the rate limiter is unavailable", 503)
            if not verdict.allowed:
                raise OAuthError("rate_limited", f"too many requests, retry after {verdict.retry_after} seconds", 429)
        body = await handle(request, state, tenant, note)
        body = await custom_claims.apply(state, tenant, body, note)  # the tenant's JWT customizer
    except OAuthError as exc:
        if tenant is not None:
            _audit(request, tenant.id, note, {"error": exc.error, "error_description": exc.description})
        response = _error_response(exc, parse_error)
        response.headers.update(limit_headers)
        return response
    _audit(request, tenant.id, note, None)
    return Response(body, media_type="application/json; charset=utf-8", headers={**_HEADERS, **limit_headers})


def _audit(request: Request, tenant_id: str, note: dict[str, Any], error: Any) -> None:
    writer = getattr(request.app.state, "audit_logs", None)
    if writer is not None and "params" in note:
        ip = request.client.host if request.client else None
        key, payload = token_log(note, ip, request.headers.get("user-agent"), error)
        writer.add(entry(tenant_id, key, payload))


async def handle(request: Request, state: AppState, tenant: TenantState, note: dict[str, Any] | None = None) -> bytes:
    note = {} if note is None else note
    pairs = await _read_form(request)
    form: dict[str, str] = {}
    resources: list[str] = []
    seen: set[str] = set()
    for key, value in pairs:
        if "\x00" in key or "\x00" in value:  # also when percent-encoded
            raise OAuthError("invalid_request", "null bytes are not allowed in the request body")
        if key == "resource":
            resources.append(value)
            continue
        if key in seen and key in _SINGLE:
            raise OAuthError("invalid_request", f"'{key}' parameter must only be provided once")
        seen.add(key)
        form[key] = value
    note["params"] = form

    creds = read_credentials(request.headers.get("authorization"), form)
    client = await _client(state, tenant, creds.client_id)
    note["applicationId"] = client.id
    note["secret"] = verify_secret(client, creds, state.box, tenant.issuer)

    grant_type = form.get("grant_type")
    if not grant_type:
        raise OAuthError("invalid_request", "missing required parameter 'grant_type'")
    if grant_type != "client_credentials":
        if grant_type in user_grants.GRANT_TYPES:
            return await user_grants.exchange(state, tenant, client, form, resources, note)
        raise OAuthError("unsupported_grant_type", "unsupported grant_type requested")
    if client.type != "MachineToMachine":
        raise OAuthError("unauthorized_client", "requested grant type is not allowed for this client")
    if form.get("organization_id"):
        return await _organization_token(state, tenant, client, form, resources)
    if len(resources) > 1:
        raise OAuthError("invalid_target", "only a single resource indicator value is supported for this grant type")
    indicator = resources[0] if resources else None
    grant = await _grant(state, tenant, client.id, indicator)
    if grant is None:
        if indicator is None:
            raise OAuthError("invalid_target", "both `resource` and `organization_id` are not provided")
        raise OAuthError("invalid_target", "resource indicator is missing, or unknown")

    requested: list[str] = []
    for name in form.get("scope", "").split(" "):
        if name and name not in requested:
            requested.append(name)
    issued = [name for name in requested if name in grant.granted]

    await tenant.keys.ensure_fresh()
    now = clock.now_s()
    claims: dict[str, Any] = {"jti": ids.token_id(), "sub": client.id, "iat": now, "exp": now + grant.access_token_ttl}
    if issued:
        claims["scope"] = " ".join(issued)
    claims.update(client_id=client.id, iss=tenant.issuer, aud=grant.indicator)
    response: dict[str, Any] = {
        "access_token": sign_access_token(tenant, claims),
        "expires_in": grant.access_token_ttl,
        "token_type": "Bearer",
    }
    if issued:
        response["scope"] = note["scope"] = claims["scope"]
    return orjson.dumps(response)
