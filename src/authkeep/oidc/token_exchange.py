"""The token exchange grant at `/oidc/token` (RFC 8693, Logto's RFC 0005 and
`oidc/grants/token-exchange/`), for apps whose `customClientMetadata.allowTokenExchange` is true.

Subject tokens: an impersonation token (`POST /api/subject-tokens`, single use, 600 s), an access
token (opaque or a JWT this tenant signed; `sub_…` values count as impersonation tokens) or a
personal access token. The answer is an access token for the subject user: opaque without
`resource` (OIDC scopes only), an `at+jwt` for one `resource`, or an organization token for
`organization_id`. A valid opaque `actor_token` with `openid` adds `act: {sub}` to the token.
"""

from __future__ import annotations

from typing import Any

import orjson
from joserfc import jws
from joserfc.errors import JoseError
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep import clock, ids
from authkeep.auth.bearer import verify_jwt
from authkeep.domain.subject_tokens import PREFIX
from authkeep.errors import LogtoError
from authkeep.oidc import claims, flow, opaque, sessions, user_tokens
from authkeep.oidc.errors import OAuthError
from authkeep.state import AppState, TenantState
from authkeep.store import clients, oidc_models, oidc_users
from authkeep.store import subject_tokens as store
from authkeep.store.users import pat_hash

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:token-exchange"
PARAMETERS = ("subject_token", "subject_token_type", "actor_token", "actor_token_type")
ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token"
PERSONAL_ACCESS_TOKEN = "urn:logto:token-type:personal_access_token"
IMPERSONATION_TOKEN = "urn:logto:token-type:impersonation_token"
ORG_TTL_S = 3600  # Logto's reversedResourceAccessTokenTtl


def _invalid_grant(description: str) -> OAuthError:
    return OAuthError("invalid_grant", description)


def _missing(names: list[str]) -> str:
    quoted = [f"'{n}'" for n in names]
    if len(quoted) == 1:
        return f"missing required parameter {quoted[0]}"
    return f"missing required parameters {', '.join(quoted[:-1])} and {quoted[-1]}"


def _sign_at(
    tenant: TenantState, extra: dict[str, Any], user_id: str, client_id: str, audience: str, ttl: int, scope: str | None
) -> str:
    now = clock.now_s()
    body: dict[str, Any] = {**extra, "jti": ids.token_id(), "sub": user_id, "iat": now, "exp": now + ttl}
    if scope is not None:
        body["scope"] = scope
    body.update(client_id=client_id, iss=tenant.issuer, aud=audience)
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
    if client.custom_client_metadata.get("allowTokenExchange") is not True:
        raise OAuthError("unauthorized_client", "requested grant type is not allowed for this client")
    missing = [name for name in ("subject_token", "subject_token_type") if not form.get(name)]
    if missing:
        raise OAuthError("invalid_request", _missing(missing))
    await tenant.keys.ensure_fresh()
    async with state.db.write() as conn:
        app = await oidc_users.find_app(conn, tenant.id, client.id)
        if app is None or app.get("is_third_party"):  # third-party apps cannot enable the grant
            raise OAuthError("unauthorized_client", "requested grant type is not allowed for this client")
        user_id, subject_token_id = await _subject(conn, tenant, form["subject_token"], form["subject_token_type"], note)
        user = await oidc_users.find_user(conn, tenant.id, user_id)
        if user is None:
            raise _invalid_grant("user not found")
        if user["is_suspended"]:
            raise _invalid_grant("user is suspended")
        note["userId"] = user_id
        org_id = form.get("organization_id") or None
        if org_id is not None:
            await _check_organization(conn, tenant.id, user, org_id)
        requested = flow.split_scope(form.get("scope"))
        target = await _target(conn, tenant.id, user_id, requested, resources, org_id) if resources or org_id else None
        act = await _actor(conn, tenant.id, form)
        extra: dict[str, Any] = {"act": act} if act is not None else {}
        if target is not None:
            audience, ttl, scope, claims_extra = target
            grant_id = await _save_grant(conn, tenant.id, user_id, client.id, "", {audience: scope or ""})
            token = _sign_at(tenant, {**extra, **claims_extra}, user_id, client.id, audience, ttl, scope)
            response: dict[str, Any] = {"access_token": token, "expires_in": ttl, "scope": scope or ""}
        else:
            oidc_scope = " ".join(s for s in requested if s in claims.OIDC_SCOPES)
            grant_id = await _save_grant(conn, tenant.id, user_id, client.id, oidc_scope, {})
            if subject_token_id is not None:
                extra["subjectTokenId"] = subject_token_id
            token = await user_tokens.issue(
                conn, tenant.id, user_id, client.id, oidc_scope.split(), grant_id, extra={**extra, "gty": GRANT_TYPE}
            )
            response = {"access_token": token, "expires_in": user_tokens.TTL_S, "scope": oidc_scope}
        # Logto's token exchange AccessToken: `grantId` and `extra` ({subjectTokenId?, act?})
        token_extra = {k: v for k, v in extra.items() if k in ("act", "subjectTokenId")}
        if subject_token_id is not None:
            token_extra["subjectTokenId"] = subject_token_id
        note["tokenPayload"] = {"grantId": grant_id, "extra": token_extra}
        if subject_token_id is not None and not await store.consume(conn, tenant.id, subject_token_id, clock.now_ms()):
            raise _invalid_grant("subject token is already consumed")  # a concurrent exchange won
    response["token_type"] = "Bearer"
    note["tokenTypes"] = ["AccessToken"]
    if response["scope"]:
        note["scope"] = response["scope"]
    return orjson.dumps(response)


async def _subject(
    conn: AsyncConnection, tenant: TenantState, token: str, kind: str, note: dict[str, Any]
) -> tuple[str, str | None]:
    """(the subject user, the impersonation token's row id when it is one). An impersonation
    token's `context` goes to the JWT customizer (`note["subjectTokenContext"]`)."""
    if kind == IMPERSONATION_TOKEN or (kind == ACCESS_TOKEN and token.startswith(PREFIX)):
        user_id, token_id, context = await _impersonation(conn, tenant.id, token)
        note["subjectTokenContext"] = context
        return user_id, token_id
    if kind == ACCESS_TOKEN:
        found = await user_tokens.find(conn, tenant.id, token)
        if found is not None and found.account_id:
            return found.account_id, None
        try:
            principal = await verify_jwt(tenant.id, tenant.keys, tenant.issuer, None, token)
        except LogtoError as exc:
            if exc.code == "auth.jwt_sub_missing":
                raise _invalid_grant("subject token does not contain a valid `sub` claim") from None
            raise _invalid_grant("invalid subject token") from None
        except (JoseError, ValueError, TypeError):
            raise _invalid_grant("invalid subject token") from None
        return principal.subject, None
    if kind == PERSONAL_ACCESS_TOKEN:
        pat = await store.pat_by_hash(conn, tenant.id, pat_hash(token))
        if pat is None:
            raise _invalid_grant("subject token not found")
        if pat.expires_at is not None and pat.expires_at <= clock.now_ms():
            raise _invalid_grant("subject token is expired")
        return str(pat.user_id), None
    raise _invalid_grant("unsupported subject token type")


async def _impersonation(conn: AsyncConnection, tenant_id: str, token: str) -> tuple[str, str, dict[str, Any]]:
    token_id = opaque.digest(token)
    found = await store.find(conn, tenant_id, token_id) if len(token) <= 512 else None
    if found is None:
        raise _invalid_grant("subject token not found")
    if found.expires_at <= clock.now_ms():
        raise _invalid_grant("subject token is expired")
    if found.consumed_at is not None:
        raise _invalid_grant("subject token is already consumed")
    return str(found.user_id), token_id, dict(found.context or {})


async def _check_organization(conn: AsyncConnection, tenant_id: str, user: dict[str, Any], org_id: str) -> None:
    """Logto's checkOrganizationAccess: membership, then the organization's MFA requirement."""
    member, _ = await oidc_users.organization_scopes(conn, tenant_id, user["id"], org_id)
    if not member:
        raise OAuthError("access_denied", "user is not a member of the organization", 403)
    if await store.organization_requires_mfa(conn, tenant_id, org_id) and not user.get("mfa_verifications"):
        raise OAuthError("access_denied", "organization requires MFA but user has no MFA configured", 403)


async def _actor(conn: AsyncConnection, tenant_id: str, form: dict[str, str]) -> dict[str, str] | None:
    """`act` from an opaque access token with `openid` (Logto's handleActorToken)."""
    actor_token = form.get("actor_token")
    if not actor_token:
        return None
    if form.get("actor_token_type") != ACCESS_TOKEN:
        raise _invalid_grant("unsupported actor token type")
    found = await user_tokens.find(conn, tenant_id, actor_token)
    if found is None or not found.account_id:
        raise _invalid_grant("invalid actor token")
    if "openid" not in str(found.payload.get("scope") or "").split():
        raise _invalid_grant("actor token must have openid scope")
    return {"sub": found.account_id}


async def _target(
    conn: AsyncConnection, tenant_id: str, user_id: str, requested: list[str], resources: list[str], org_id: str | None
) -> tuple[str, int, str | None, dict[str, Any]]:
    """(audience, TTL, scope, extra claims) of an organization token (no `resource`; `scope`
    always present, RFC 0001) or of a resource token (the user's scopes on it, via organization
    roles too; `organization_id` claim with an organization)."""
    if len(resources) > 1:
        raise OAuthError("invalid_target", "only a single resource indicator value is supported for this grant type")
    if not resources:
        assert org_id is not None
        _, available = await oidc_users.organization_scopes(conn, tenant_id, user_id, org_id)
        scope = " ".join(s for s in requested if s in available)
        return f"urn:logto:organization:{org_id}", ORG_TTL_S, scope, {}
    audience = resources[0]
    if audience == flow.ORG_RESOURCE:  # the organization scopes the user holds (Logto: every one)
        ttl, held = ORG_TTL_S, (await oidc_users.organization_scopes(conn, tenant_id, user_id, org_id))[1]
    else:
        found = await store.resource_scopes(conn, tenant_id, user_id, audience, org_id)
        if found is None:
            raise OAuthError("invalid_target", "resource indicator is missing, or unknown")
        ttl, held = found
    extra = {"organization_id": org_id} if org_id is not None else {}
    return audience, ttl, " ".join(s for s in requested if s in held) or None, extra


async def _save_grant(
    conn: AsyncConnection, tenant_id: str, user_id: str, client_id: str, oidc_scope: str, resources: dict[str, str]
) -> str:
    """A new grant for the exchange, as Logto saves one (listed among the user's grants)."""
    grant_id = ids.token_id()
    now = clock.now_s()
    payload = {
        "exp": now + sessions.GRANT_TTL_S, "iat": now, "jti": grant_id, "kind": sessions.GRANT, "clientId": client_id,
        "accountId": user_id, "openid": {"scope": oidc_scope},
        "resources": resources,
    }  # fmt: skip
    await oidc_models.insert(
        conn, tenant_id, sessions.GRANT, grant_id, payload, (now + sessions.GRANT_TTL_S) * 1000,
        grant_id=grant_id, account_id=user_id, client_id=client_id,
    )  # fmt: skip
    return grant_id
