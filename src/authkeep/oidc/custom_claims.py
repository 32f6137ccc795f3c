"""The JWT customizer at /oidc/token (Logto's `getExtraTokenClaimsForJwtCustomization`), applied
to a token response after the grant built it: a JWT access token (user or client credentials) is
given the script's claims and signed again. Tenants without a customizer pay one cached lookup.

Failures: `api.denyAccess(message)` refuses the token (`access_denied`); any other failure issues
the token without custom claims, unless the customizer sets `blockIssuanceOnError` (then
`invalid_request`, "Custom claims script error: ..."). docs/jwt-customizer.md.
"""

from __future__ import annotations

import base64
from typing import Any

import orjson
from joserfc import jws

from authkeep.cache import WriteAwareCache
from authkeep.domain import custom_jwt
from authkeep.domain import script_configs as cfg
from authkeep.oidc import sessions
from authkeep.oidc.errors import OAuthError
from authkeep.state import AppState, TenantState
from authkeep.store import logto_configs

# What oidc-provider writes over the extra claims (formats/jwt.js), present or not.
RESERVED = ("jti", "sub", "iat", "exp", "authorization_details", "scope", "client_id", "iss", "aud", "cnf")
_FAILED = "Failed to customize token claims"
_CACHE = "_custom_claims_configs"  # an attribute of the AppState: one cache per app


async def _configs(state: AppState, tenant: TenantState) -> dict[str, Any]:
    cache: WriteAwareCache[str, dict[str, Any]] | None = getattr(state, _CACHE, None)
    if cache is None:
        cache = WriteAwareCache(state.db, state.settings.client_cache_seconds, ("configs",))
        setattr(state, _CACHE, cache)

    async def load() -> dict[str, Any]:
        async with state.db.read() as conn:
            return await logto_configs.get_many(conn, tenant.id, cfg.JWT_KEYS)

    return await cache.load(tenant.id, load) or {}


def _payload(token: str) -> dict[str, Any] | None:
    parts = token.split(".")
    if len(parts) != 3:
        return None  # an opaque token: nothing to customize
    data = orjson.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    return data if isinstance(data, dict) else None


def _sign(tenant: TenantState, claims: dict[str, Any]) -> str:
    key = tenant.keys.current
    header = {"alg": key.alg, "typ": "at+jwt", "kid": key.kid}
    return jws.serialize_compact(header, orjson.dumps(claims), key.key, algorithms=[key.alg])


async def apply(state: AppState, tenant: TenantState, body: bytes, note: dict[str, Any]) -> bytes:
    """The token response, with its access token customized when the tenant has a script for it."""
    configs = await _configs(state, tenant)
    if not configs:
        return body
    form: dict[str, str] = note.get("params") or {}
    machine = form.get("grant_type") == "client_credentials"
    key = "jwt.clientCredentials" if machine else "jwt.accessToken"
    stored = configs.get(key)
    if not isinstance(stored, dict) or not stored.get("script"):
        return body
    response = orjson.loads(body)
    claims = _payload(str(response.get("access_token") or ""))
    if claims is None:
        return body
    block = stored.get("blockIssuanceOnError") is True
    try:
        config = cfg.open_value(state.box, tenant.id, key, stored)
        async with state.db.read() as conn:
            token, context = await _inputs(conn, tenant.id, claims, form, machine, note)
        custom = await custom_jwt.run_jwt(str(config["script"]), token, context, config.get("environmentVariables"))
    except custom_jwt.ScriptFailure as exc:
        if exc.denied:
            raise OAuthError("access_denied", str(exc.body.get("message"))) from None
        if block:
            message = exc.body.get("message") or _FAILED
            raise OAuthError("invalid_request", f"Custom claims script error: {message}") from None
        return body
    except Exception:  # noqa: BLE001 - context unreadable: a failed customization, as in Logto (no details out)
        if block:
            raise OAuthError("invalid_request", f"Custom claims script error: {_FAILED}") from None
        return body
    merged = {k: v for k, v in claims.items() if k not in RESERVED}
    merged.update((k, v) for k, v in custom.items() if k not in RESERVED)
    merged.update((k, claims[k]) for k in RESERVED if k in claims)
    response["access_token"] = _sign(tenant, merged)
    return orjson.dumps(response)


async def _inputs(
    conn: Any, tenant_id: str, claims: dict[str, Any], form: dict[str, str], machine: bool, note: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Logto's raw token payload and context for the script."""
    token: dict[str, Any] = {"jti": claims.get("jti"), "aud": claims.get("aud")}
    if claims.get("scope") is not None:
        token["scope"] = claims["scope"]
    client_id = claims.get("client_id")
    token["clientId"] = client_id
    context: dict[str, Any] = {}
    if not machine:
        user = await logto_configs.user_context(conn, tenant_id, str(claims.get("sub")))
        if user is None:
            raise custom_jwt.ScriptFailure(500, {"message": "The user does not exist."})
        token.update(accountId=user["id"], gty=form.get("grant_type"), kind="AccessToken")
        token.update(note.get("tokenPayload") or {})
        context["user"] = user
        subject_token_context = note.get("subjectTokenContext")
        if subject_token_context is not None:  # a token exchange of an impersonation token
            context["grant"] = {"type": form.get("grant_type"), "subjectTokenContext": subject_token_context}
        interaction = await _last_submission(conn, tenant_id, user["id"], token.get("sessionUid"))
        if interaction is not None:
            context["interaction"] = interaction
    else:
        token["kind"] = "ClientCredentials"
    app = await logto_configs.application(conn, tenant_id, str(client_id)) if client_id else None
    if app is not None:
        context["application"] = app
    org_id = form.get("organization_id")
    if not machine and org_id:
        org = await logto_configs.organization(conn, tenant_id, org_id)
        if org is not None:
            context["organization"] = org
    return token, context


async def _last_submission(conn: Any, tenant_id: str, account_id: str, session_uid: Any) -> dict[str, Any] | None:
    """Logto's getInteractionLastSubmission: the token's session's last Experience API submission,
    when the session is the account's and the stored value has Logto's shape."""
    if not isinstance(session_uid, str) or not session_uid:
        return None
    found = await sessions.session_by_uid(conn, tenant_id, account_id, session_uid)
    value = found.payload.get("lastSubmission") if found is not None else None
    if not isinstance(value, dict) or not isinstance(value.get("interactionEvent"), str):
        return None
    if not isinstance(value.get("userId"), str) or not isinstance(value.get("verificationRecords"), list):
        return None
    keys = ("interactionEvent", "userId", "verificationRecords", "signInContext")
    return {k: value[k] for k in keys if k in value}
