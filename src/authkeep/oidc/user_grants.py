"""The token endpoint's user grants: `authorization_code` (PKCE, single use: a replay revokes the
grant) and `refresh_token` (Logto's rotation rules and 3-second reuse grace), issuing an opaque
access token (no resource) or an `at+jwt` for one granted resource, an ID token and a refresh
token (logto-user-flows-facts §1.5, §2)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import orjson
from joserfc import jws
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep import clock, ids
from authkeep.oidc import claims, flow, opaque, sessions, user_tokens
from authkeep.oidc.errors import OAuthError
from authkeep.state import AppState, TenantState
from authkeep.store import clients, oidc_models, oidc_users

REFRESH = "RefreshToken"
GRACE_MS = 3000  # Logto's refreshTokenReuseInterval
GRANT_TYPES = ("authorization_code", "refresh_token")
_PUBLIC = ("SPA", "Native")
_DAY = 86400
ORG_TTL_S = 3600


class _Replay(Exception):
    """A reused code or refresh token: its grant is revoked (committed), then invalid_grant."""


def _invalid_grant() -> OAuthError:
    return OAuthError("invalid_grant", "grant request is invalid")


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def sign_id_token(tenant: TenantState, body: dict[str, Any]) -> str:
    key = tenant.keys.current
    return jws.serialize_compact({"alg": key.alg, "kid": key.kid}, orjson.dumps(body), key.key, algorithms=[key.alg])


def _sign_at(tenant: TenantState, body: dict[str, Any]) -> str:
    key = tenant.keys.current
    header = {"alg": key.alg, "typ": "at+jwt", "kid": key.kid}
    return jws.serialize_compact(header, orjson.dumps(body), key.key, algorithms=[key.alg])


async def exchange(
    state: AppState,
    tenant: TenantState,
    client: clients.ClientRecord,
    form: dict[str, str],
    resources: list[str],
    note: dict[str, Any],
) -> bytes:
    if client.type not in flow.USER_APP_TYPES:
        raise OAuthError("unauthorized_client", "requested grant type is not allowed for this client")
    if len(resources) > 1:
        raise OAuthError("invalid_target", "only a single resource indicator value is supported for this grant type")
    name = "code" if form["grant_type"] == "authorization_code" else "refresh_token"
    if not form.get(name):
        raise OAuthError("invalid_request", f"missing required parameter '{name}'")
    await tenant.keys.ensure_fresh()
    async with state.db.write() as conn:
        try:
            if name == "code":
                return await _code(conn, tenant, client, form, resources, note)
            return await _refresh(conn, tenant, client, form, resources, note)
        except _Replay:
            pass  # leave the block normally: the revocation commits
    raise _invalid_grant()


async def _account(conn: AsyncConnection, tenant_id: str, account_id: str | None) -> dict[str, Any]:
    user = await oidc_users.find_user(conn, tenant_id, account_id) if account_id else None
    if user is None or user["is_suspended"]:
        raise _invalid_grant()
    return user


async def _code(
    conn: AsyncConnection, tenant: TenantState, client: clients.ClientRecord, form: dict[str, str],
    resources: list[str], note: dict[str, Any],
) -> bytes:  # fmt: skip
    found = await oidc_models.find(conn, tenant.id, flow.CODE, opaque.digest(form["code"]), clock.now_ms())
    if found is None or found.client_id != client.id:
        raise _invalid_grant()
    code = found.payload
    verifier = form.get("code_verifier")
    if code.get("codeChallenge"):
        if not verifier or not hmac.compare_digest(_s256(verifier).encode(), str(code["codeChallenge"]).encode()):
            raise _invalid_grant()
    elif verifier:
        raise _invalid_grant()
    if form.get("redirect_uri") != code.get("redirectUri"):
        raise _invalid_grant()
    if found.consumed_at is not None or not await oidc_models.consume(conn, tenant.id, flow.CODE, found.id, clock.now_ms()):
        if found.grant_id:
            await oidc_models.revoke_grant(conn, tenant.id, found.grant_id)
        raise _Replay()
    grant = await sessions.find_grant(conn, tenant.id, found.grant_id or "")
    if grant is None:
        raise _invalid_grant()
    user = await _account(conn, tenant.id, found.account_id)
    note["userId"] = user["id"]
    g_oidc, g_res = sessions.grant_scopes(grant)
    oidc_req, res_names = flow.requested({"scope": code.get("scope"), "prompt": code.get("prompt")})
    order = flow.split_scope(code.get("scope"))
    oidc = [s for s in order if s in oidc_req and s in g_oidc]
    granted_res = {s for ind in code.get("resource") or [] for s in g_res.get(ind, set())}
    rt_scope = oidc + [s for s in res_names if s in granted_res]
    app = await oidc_users.find_app(conn, tenant.id, client.id) or {}
    base = {
        "accountId": user["id"], "clientId": client.id, "grantId": grant.id, "nonce": code.get("nonce"),
        "resource": code.get("resource") or [], "sessionUid": code.get("sessionUid"), "sid": code.get("sid"),
        "authTime": code.get("authTime"),
    }  # fmt: skip
    if "offline_access" not in flow.split_scope(code.get("scope")):
        base["expiresWithSession"] = True  # oidc-provider's default expiresWithSession helper
    return await _tokens(conn, tenant, app, user, base, rt_scope, resources, g_res, None, note)


async def _refresh(
    conn: AsyncConnection, tenant: TenantState, client: clients.ClientRecord, form: dict[str, str],
    resources: list[str], note: dict[str, Any],
) -> bytes:  # fmt: skip
    now_ms = clock.now_ms()
    found = await oidc_models.find(conn, tenant.id, REFRESH, opaque.digest(form["refresh_token"]), now_ms)
    if found is None or found.client_id != client.id:
        raise _invalid_grant()
    if found.consumed_at is not None and now_ms - found.consumed_at > GRACE_MS:
        if found.grant_id:
            await oidc_models.revoke_grant(conn, tenant.id, found.grant_id)
        raise _Replay()
    grant = await sessions.find_grant(conn, tenant.id, found.grant_id or "")
    if grant is None:
        raise _invalid_grant()
    user = await _account(conn, tenant.id, found.account_id)
    note["userId"] = user["id"]
    held = flow.split_scope(found.payload.get("scope"))
    asked = flow.split_scope(form.get("scope")) if form.get("scope") else held
    bad = [s for s in asked if s not in held]
    if bad:
        raise OAuthError("invalid_scope", "refresh token missing requested scope", extra={"scope": " ".join(bad)})
    _, g_res = sessions.grant_scopes(grant)
    app = await oidc_users.find_app(conn, tenant.id, client.id) or {}
    base = dict(found.payload)
    org_id = form.get("organization_id")
    if org_id:
        if resources and resources != [flow.ORG_RESOURCE]:
            raise OAuthError("invalid_target", "organization tokens for an API resource are not supported yet")
        if "urn:logto:scope:organizations" not in held:
            raise OAuthError(
                "insufficient_scope", "refresh token missing required scope", 403,
                extra={"scope": "urn:logto:scope:organizations"},
            )  # fmt: skip
        member, org_scopes = await oidc_users.organization_scopes(conn, tenant.id, user["id"], org_id)
        if not member:
            raise OAuthError("access_denied", "user is not a member of the organization", 403)
        available = org_scopes & g_res.get(flow.ORG_RESOURCE, set())
        org = (org_id, " ".join(s for s in asked if s in available))
        return await _tokens(conn, tenant, app, user, base, asked, [], g_res, (found, form["refresh_token"]), note, org)
    if flow.ORG_RESOURCE in resources:
        raise OAuthError("invalid_request", "organization_id is required for the organizations resource")
    return await _tokens(conn, tenant, app, user, base, asked, resources, g_res, (found, form["refresh_token"]), note)


def _rt_ttl(app: dict[str, Any]) -> int:
    ccm = app.get("custom_client_metadata") or {}
    if isinstance(ccm.get("refreshTokenTtlInDays"), int):
        return int(ccm["refreshTokenTtlInDays"]) * _DAY
    if isinstance(ccm.get("refreshTokenTtl"), (int, float)):
        return int(ccm["refreshTokenTtl"])
    return 14 * _DAY


async def _tokens(
    conn: AsyncConnection,
    tenant: TenantState,
    app: dict[str, Any],
    user: dict[str, Any],
    base: dict[str, Any],
    scope: list[str],
    resources: list[str],
    g_res: dict[str, set[str]],
    old_rt: tuple[oidc_models.Instance, str] | None,
    note: dict[str, Any],
    org: tuple[str, str] | None = None,
) -> bytes:
    oidc = [s for s in scope if s in claims.OIDC_SCOPES]
    now = clock.now_s()
    # oidc-provider's AccessToken fields the JWT customizer sees (oidc/custom_claims.py)
    keys = ("grantId", "sessionUid", "sid", "expiresWithSession")
    note["tokenPayload"] = {k: base[k] for k in keys if base.get(k) is not None}
    response: dict[str, Any] = {}
    types: list[str] = ["AccessToken"]
    if org is not None:  # RFC 0001: an organization token, `scope` always present
        body_org: dict[str, Any] = {"jti": ids.token_id(), "sub": user["id"], "iat": now, "exp": now + ORG_TTL_S}
        body_org.update(scope=org[1], client_id=app["id"], iss=tenant.issuer, aud=f"urn:logto:organization:{org[0]}")
        response.update(access_token=_sign_at(tenant, body_org), expires_in=ORG_TTL_S)
        granted = org[1]
    elif resources:
        ind = resources[0]
        found = await oidc_users.resource_scopes(conn, tenant.id, user["id"], ind)
        if ind not in (base.get("resource") or []) or ind not in g_res or found is None:
            raise OAuthError("invalid_target", "resource indicator is missing, or unknown")
        ttl, held = found
        at_scope = " ".join(s for s in scope if s in g_res[ind] and s in held)
        body: dict[str, Any] = {"jti": ids.token_id(), "sub": user["id"], "iat": now, "exp": now + ttl}
        if at_scope:
            body["scope"] = at_scope
        body.update(client_id=app["id"], iss=tenant.issuer, aud=ind)
        response.update(access_token=_sign_at(tenant, body), expires_in=ttl)
        granted = at_scope
    else:
        extra = {"sessionUid": base.get("sessionUid"), "sid": base.get("sid")}
        token = await user_tokens.issue(conn, tenant.id, user["id"], app["id"], oidc, base.get("grantId"), extra=extra)
        response.update(access_token=token, expires_in=user_tokens.TTL_S)
        granted = " ".join(oidc)
    ccm = app.get("custom_client_metadata") or {}
    if "openid" in oidc:
        id_body: dict[str, Any] = {"iss": tenant.issuer, "sub": user["id"], "aud": app["id"]}
        ttl_id = int(ccm["idTokenTtl"]) if isinstance(ccm.get("idTokenTtl"), int) else 3600
        id_body.update(exp=now + ttl_id, iat=now)
        if base.get("nonce"):
            id_body["nonce"] = base["nonce"]
        id_body.update(await claims.id_token_claims(conn, tenant.id, user, set(oidc)))
        response["id_token"] = sign_id_token(tenant, id_body)
        types.append("IdToken")
    refresh = await _refresh_token(conn, tenant.id, app, base, scope, old_rt[0] if old_rt else None)
    if refresh == _SAME and old_rt is not None:
        refresh = old_rt[1]
    if refresh is not None:
        response["refresh_token"] = refresh
        types.append("RefreshToken")
    if granted:
        response["scope"] = note["scope"] = granted
    response["token_type"] = "Bearer"
    note["tokenTypes"] = types
    return orjson.dumps(response)


async def _refresh_token(
    conn: AsyncConnection,
    tenant_id: str,
    app: dict[str, Any],
    base: dict[str, Any],
    scope: list[str],
    old: oidc_models.Instance | None,
) -> str | None:
    """A new refresh token; on a refresh, the same one unless Logto's rule rotates it."""
    ccm = app.get("custom_client_metadata") or {}
    public = app.get("type") in _PUBLIC
    now_ms = clock.now_ms()
    if old is None:
        always = app.get("type") == "Traditional" and ccm.get("alwaysIssueRefreshToken") is True
        if "offline_access" not in scope and not always:
            return None
        expires = now_ms + _rt_ttl(app) * 1000
    else:
        iat_ms = int(old.payload.get("iat", 0)) * 1000
        life = old.expires_at - iat_ms
        rotate = ccm.get("rotateRefreshToken") is not False and life < 365.25 * _DAY * 1000
        rotate = rotate and (public or now_ms - iat_ms >= 0.7 * life)
        if not rotate:
            return None if old.consumed_at is not None else _SAME
        await oidc_models.consume(conn, tenant_id, REFRESH, old.id, now_ms)
        expires = old.expires_at if app.get("type") == "SPA" else now_ms + _rt_ttl(app) * 1000
    token = opaque.new_secret()
    payload = {**base, "scope": " ".join(scope), "iat": now_ms // 1000}
    if old is not None:
        payload["scope"] = old.payload.get("scope")  # a narrower refresh keeps the token's own scope
        payload["rotations"] = int(old.payload.get("rotations") or 0) + 1
    await oidc_models.insert(
        conn, tenant_id, REFRESH, opaque.digest(token), payload, expires,
        grant_id=base.get("grantId"), account_id=base.get("accountId"), client_id=app["id"],
    )  # fmt: skip
    return token


_SAME = "\x00same"  # marker: answer with the refresh token that was sent
