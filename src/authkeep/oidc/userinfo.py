"""`/oidc/me` (userinfo, GET and POST): the claims of the opaque access token's scopes
(logto-user-flows-facts §3). A missing, unknown, expired or revoked token, or a suspended or
deleted user, is `401 invalid_token` with a Bearer challenge."""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response

from authkeep.oidc import claims, user_tokens
from authkeep.oidc.errors import OAuthError
from authkeep.state import AppState
from authkeep.store import oidc_users

_HEADERS = {"Cache-Control": "no-store", "Access-Control-Allow-Origin": "*"}


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is not None:
        if header[:7].lower() != "bearer ":
            return None
        return header[7:].strip()
    return request.query_params.get("access_token")


def _failure(issuer: str, description: str = "invalid token provided") -> Response:
    exc = OAuthError("invalid_token", description, 401)
    challenge = f'Bearer realm="{issuer}", error="invalid_token", error_description="{description}"'
    return Response(
        orjson.dumps(exc.body()), status_code=401, media_type="application/json; charset=utf-8",
        headers={**_HEADERS, "WWW-Authenticate": challenge},
    )  # fmt: skip


async def userinfo(request: Request) -> Response:
    state: AppState = request.app.state.authkeep
    tenant = state.tenant_for(request)
    token = _bearer(request)
    if not token:
        return _failure(tenant.issuer, "no access token provided")
    async with state.db.read() as conn:
        found = await user_tokens.find(conn, tenant.id, token)
        if found is None or not found.account_id:
            return _failure(tenant.issuer)
        scopes = set(str(found.payload.get("scope") or "").split())
        if "openid" not in scopes:
            exc = OAuthError("insufficient_scope", "access token missing openid scope", 403)
            return Response(orjson.dumps(exc.body()), status_code=403, media_type="application/json; charset=utf-8", headers=_HEADERS)
        user = await oidc_users.find_user(conn, tenant.id, found.account_id)
        if user is None or user["is_suspended"]:
            return _failure(tenant.issuer)
        body = await claims.userinfo(conn, tenant.id, user, scopes)
    return Response(orjson.dumps(body), media_type="application/json; charset=utf-8", headers=_HEADERS)
