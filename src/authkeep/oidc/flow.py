"""Pieces shared by the authorization endpoint, its resume and consent: the request's scopes, the
redirects back to the client, the cookies and the authorization code."""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import Response

from authkeep import clock
from authkeep.domain.logs import masked
from authkeep.oidc import interactions, opaque, sessions
from authkeep.oidc.claims import OIDC_SCOPES
from authkeep.oidc.errors import OAuthError
from authkeep.store import oidc_models, oidc_users
from authkeep.store.logs import entry
from authkeep.web import json_response

CODE = "AuthorizationCode"
CODE_TTL_S = 60  # oidc-provider's default
USER_APP_TYPES = ("Traditional", "SPA", "Native", "SAML")  # SAML: its callback signs in (api/saml_flow.py)
CONFIDENTIAL_USER_APPS = ("Traditional", "SAML")  # authenticate with a secret: PKCE optional
ORG_RESOURCE = "urn:logto:resource:organizations"  # reserved: organization scopes (RFC 0001)
_NO_STORE = {"Cache-Control": "no-store"}


def split_scope(value: str | None) -> list[str]:
    return list(dict.fromkeys(s for s in (value or "").split(" ") if s))


def requested(params: dict[str, Any]) -> tuple[set[str], list[str]]:
    """(OIDC scopes, resource scope names) of the request. `offline_access` counts only with
    `prompt=consent` (oidc-provider's rule)."""
    names = split_scope(params.get("scope"))
    oidc = {s for s in names if s in OIDC_SCOPES}
    if "consent" not in split_scope(params.get("prompt")):
        oidc.discard("offline_access")
    return oidc, [s for s in names if s not in OIDC_SCOPES]


async def wanted(
    conn: AsyncConnection, tenant_id: str, account_id: str, app: dict[str, Any], params: dict[str, Any]
) -> tuple[set[str], dict[str, set[str]]]:
    """What this request needs granted: OIDC scopes, and per resource the requested scopes the
    user's roles hold. Third-party apps only get what their consent settings allow."""
    oidc, names = requested(params)
    resources: dict[str, set[str]] = {}
    for ind in params.get("resource") or []:
        if ind == ORG_RESOURCE:
            held = (await oidc_users.organization_scopes(conn, tenant_id, account_id, None))[1]
        else:
            found = await oidc_users.resource_scopes(conn, tenant_id, account_id, ind)
            held = found[1] if found is not None else set()
        resources[ind] = {n for n in names if n in held}
    if app.get("is_third_party"):
        allowed_user, allowed_res = await oidc_users.consent_scopes(conn, tenant_id, app["id"])
        oidc = {s for s in oidc if s in ("openid", "offline_access") or s in allowed_user}
        resources = {ind: names & allowed_res.get(ind, set()) for ind, names in resources.items()}
    return oidc, resources


def missing(
    need: tuple[set[str], dict[str, set[str]]], grant: oidc_models.Instance | None
) -> tuple[list[str], dict[str, list[str]]]:
    have_oidc, have_res = sessions.grant_scopes(grant) if grant is not None else (set(), {})
    oidc = sorted(need[0] - have_oidc)
    res = {ind: sorted(names - have_res.get(ind, set())) for ind, names in need[1].items()}
    return oidc, {ind: names for ind, names in res.items() if names}


def with_query(uri: str, values: dict[str, str]) -> str:
    parts = urlsplit(uri)
    query = "&".join(q for q in (parts.query, urlencode(values)) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def see_other(location: str, status: int = 303) -> Response:
    body = f"Redirecting to {html.escape(location)}."
    return Response(body, status_code=status, headers={**_NO_STORE, "Location": location}, media_type="text/html")


def error_redirect(params: dict[str, Any], issuer: str, error: str, description: str) -> Response:
    values = {"error": error, "error_description": description}
    if params.get("state"):
        values["state"] = params["state"]
    values["iss"] = issuer
    return see_other(with_query(params["redirect_uri"], values))


def secure(issuer: str) -> bool:
    return issuer.startswith("https://")


def set_interaction_cookies(response: Response, uid: str, issuer: str) -> None:
    for name, path in ((interactions.COOKIE, "/"), (interactions.RESUME_COOKIE, f"/oidc/auth/{uid}")):
        response.set_cookie(
            name, uid, max_age=interactions.TTL_S, path=path, httponly=True, samesite="lax", secure=secure(issuer)
        )


def clear_interaction_cookies(response: Response, uid: str, issuer: str) -> None:
    response.delete_cookie(interactions.RESUME_COOKIE, path=f"/oidc/auth/{uid}", httponly=True, samesite="lax", secure=secure(issuer))
    response.delete_cookie(interactions.COOKIE, path="/", httponly=True, samesite="lax", secure=secure(issuer))


def set_session_cookie(response: Response, secret: str, issuer: str) -> None:
    response.set_cookie(
        sessions.COOKIE, secret, max_age=sessions.SESSION_TTL_S, path="/", httponly=True, samesite="lax",
        secure=secure(issuer),
    )  # fmt: skip


async def issue_code(
    conn: AsyncConnection,
    tenant_id: str,
    params: dict[str, Any],
    session: oidc_models.Instance,
    grant_id: str,
) -> str:
    """Records the authorization in the session and stores a new code (under its digest)."""
    account_id = str(session.account_id or session.payload.get("accountId"))
    client_id = str(params["client_id"])
    sid = await sessions.authorize(conn, tenant_id, session, client_id, grant_id)
    code = opaque.new_secret()
    now = clock.now_ms()
    payload = {
        "accountId": account_id, "clientId": client_id, "grantId": grant_id, "redirectUri": params["redirect_uri"],
        "scope": params.get("scope") or "", "resource": list(params.get("resource") or []),
        "codeChallenge": params.get("code_challenge"), "codeChallengeMethod": params.get("code_challenge_method"),
        "nonce": params.get("nonce"), "sessionUid": session.payload.get("uid"), "sid": sid,
        "authTime": session.payload.get("loginTs"), "prompt": params.get("prompt"),
        "organizationId": params.get("organization_id"), "iat": now // 1000,
    }  # fmt: skip
    await oidc_models.insert(
        conn, tenant_id, CODE, opaque.digest(code), payload, now + CODE_TTL_S * 1000,
        grant_id=grant_id, account_id=account_id, client_id=client_id,
    )  # fmt: skip
    return code


def code_redirect(params: dict[str, Any], issuer: str, code: str) -> Response:
    values = {"code": code}
    if params.get("state"):
        values["state"] = params["state"]
    values["iss"] = issuer
    return see_other(with_query(params["redirect_uri"], values))


def json_error(exc: OAuthError) -> Response:
    return json_response(exc.body(), exc.status, _NO_STORE)


def audit(request: Request, tenant_id: str, key: str, interaction: interactions.Interaction, user_id: str | None = None) -> None:
    """`Interaction.Create` / `Interaction.End`, written after the response like the token logs."""
    writer = getattr(request.app.state, "audit_logs", None)
    if writer is None:
        return
    payload: dict[str, Any] = {
        "result": "Success", "interactionId": interaction.uid, "applicationId": interaction.client_id,
        "params": masked(interaction.params), "prompt": interaction.prompt,
    }  # fmt: skip
    if request.client:
        payload["ip"] = request.client.host
    if request.headers.get("user-agent"):
        payload["userAgent"] = request.headers["user-agent"]
    if interaction.session:
        payload["sessionId"] = interaction.session.get("uid")
    if user_id:
        payload["userId"] = user_id
    writer.add(entry(tenant_id, key, payload))
