"""`GET /oidc/auth/<uid>` (the end of an interaction) and the `/consent` route.

After a login the browser gets a NEW session (no fixation); a client whose grant lacks what the
request asks for then goes through a consent interaction: `/consent` grants first-party apps
everything at once (Logto's koaAutoConsent, 302) and shows third-party apps the consent page
(`/api/interaction/consent` finishes it). The last resume answers the client with the code.
"""

from __future__ import annotations

import hmac
import inspect
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from authkeep.oidc import authorize, flow, interactions, sessions
from authkeep.oidc.errors import OAuthError
from authkeep.state import AppState
from authkeep.store import oidc_models, oidc_users

_NO_COOKIE = "interaction session id cookie not found"


async def resume(request: Request) -> Response:
    state: AppState = request.app.state.authkeep
    tenant = state.tenant_for(request)
    uid = request.path_params["uid"]
    cookie = request.cookies.get(interactions.RESUME_COOKIE) or ""
    if not cookie or not hmac.compare_digest(cookie.encode(), uid.encode()):
        return flow.json_error(OAuthError("invalid_request", _NO_COOKIE))
    async with state.db.write() as conn:
        interaction = await interactions.find(conn, tenant.id, uid)
        if interaction is None:
            return flow.json_error(OAuthError("invalid_request", "interaction session not found"))
        app = await oidc_users.find_app(conn, tenant.id, interaction.client_id)
        if app is None:
            await interactions.remove(conn, tenant.id, uid)
            return flow.json_error(OAuthError("invalid_client", "client is invalid"))
        try:
            return await _finish(conn, request, tenant.id, tenant.issuer, app, interaction)
        except OAuthError as exc:
            await interactions.remove(conn, tenant.id, uid)
            response = flow.error_redirect(interaction.params, tenant.issuer, exc.error, exc.description)
            flow.clear_interaction_cookies(response, uid, tenant.issuer)
            return response


async def _finish(
    conn: Any, request: Request, tenant_id: str, issuer: str, app: dict[str, Any], interaction: interactions.Interaction
) -> Response:
    result = interaction.result or {}
    params = interaction.params
    if result.get("error"):
        raise OAuthError(str(result["error"]), str(result.get("error_description") or "interaction aborted"))
    new_cookie: str | None = None
    grant_id: str | None = None
    login = result.get("login")
    if isinstance(login, dict) and login.get("accountId"):
        account = str(login["accountId"])
        user = await oidc_users.find_user(conn, tenant_id, account)
        if user is None or user["is_suspended"]:
            raise OAuthError("access_denied", "user is suspended or does not exist")
        old = await sessions.find_session(conn, tenant_id, request.cookies.get(sessions.COOKIE))
        if old is not None:  # the browser's previous session ends: a sign-in always gets a new id
            await oidc_models.remove(conn, tenant_id, sessions.SESSION, old.id)
        login_ts = int(login.get("ts") or 0)
        new_cookie, session = await sessions.create_session(
            conn, tenant_id, account, app["id"], login_ts, interaction.extra.get("lastSubmission")
        )
    elif isinstance(result.get("consent"), dict) and interaction.session:
        found = await sessions.find_session(conn, tenant_id, request.cookies.get(sessions.COOKIE))
        if found is None or found.id != interaction.session.get("id"):
            raise OAuthError("invalid_request", "session not found")
        session = found
        grant_id = str(result["consent"].get("grantId") or "") or None
    else:
        raise OAuthError("invalid_request", "interaction is not finished")

    if grant_id is None:
        need = await flow.wanted(conn, tenant_id, str(session.account_id), app, params)
        grant = await sessions.grant_for(conn, tenant_id, str(session.account_id), app["id"])
        oidc_missing, res_missing = flow.missing(need, grant)
        prompts = flow.split_scope(params.get("prompt"))
        if grant is None or oidc_missing or res_missing or "consent" in prompts:
            await interactions.remove(conn, tenant_id, interaction.uid)
            flow.audit(request, tenant_id, "Interaction.End", interaction, str(session.account_id))
            nxt = await authorize.new_consent(
                conn, tenant_id, app["id"], params, session, oidc_missing, res_missing, prompts
            )
            flow.audit(request, tenant_id, "Interaction.Create", nxt)
            response = flow.see_other(authorize.consent_url(app["id"]))
            flow.clear_interaction_cookies(response, interaction.uid, issuer)
            flow.set_interaction_cookies(response, nxt.uid, issuer)
            if new_cookie:
                flow.set_session_cookie(response, new_cookie, issuer)
            return response
        grant_id = grant.id
    elif await sessions.find_grant(conn, tenant_id, grant_id) is None:
        raise OAuthError("invalid_request", "grant not found")

    code = await flow.issue_code(conn, tenant_id, params, session, grant_id)
    await interactions.remove(conn, tenant_id, interaction.uid)
    flow.audit(request, tenant_id, "Interaction.End", interaction, str(session.account_id))
    response = flow.code_redirect(params, issuer, code)
    flow.clear_interaction_cookies(response, interaction.uid, issuer)
    if new_cookie:
        flow.set_session_cookie(response, new_cookie, issuer)
    return response


async def grant_consent(
    conn: Any, tenant_id: str, app: dict[str, Any], interaction: interactions.Interaction
) -> str:
    """Grants what the consent prompt found missing (third-party apps: only what they may ask
    for), records the result and returns the grant id."""
    account = str((interaction.session or {}).get("accountId"))
    oidc, resources = await flow.wanted(conn, tenant_id, account, app, interaction.params)
    details = interaction.prompt.get("details") or {}
    want_oidc = {s for s in details.get("missingOIDCScope") or [] if s in oidc}
    want_res = {
        ind: {s for s in names if s in resources.get(ind, set())}
        for ind, names in (details.get("missingResourceScopes") or {}).items()
    }
    grant_id = await sessions.save_grant(conn, tenant_id, account, app["id"], want_oidc, want_res)
    await oidc_users.remember_first_app(conn, tenant_id, account, app["id"])
    interaction.result = {**(interaction.result or {}), "consent": {"grantId": grant_id}}
    await interactions.save(conn, tenant_id, interaction)
    return grant_id


async def consent_route(request: Request) -> Response:
    """`/consent`: first-party apps are consented at once; third-party apps see the page."""
    state: AppState = request.app.state.authkeep
    tenant = state.tenant_for(request)
    cookie = request.cookies.get(interactions.COOKIE)
    async with state.db.write() as conn:
        interaction = await interactions.find(conn, tenant.id, cookie) if cookie and len(cookie) <= 128 else None
        app = await oidc_users.find_app(conn, tenant.id, interaction.client_id) if interaction else None
        if interaction is None or app is None or interaction.prompt.get("name") != "consent" or not interaction.session:
            return flow.json_error(OAuthError("invalid_request", "interaction session not found", 404))
        if not app.get("is_third_party"):
            await grant_consent(conn, tenant.id, app, interaction)
            return flow.see_other(interaction.resume_url(tenant.issuer), 302)
    from authkeep.signin.consent import consent_page

    page = consent_page(request)
    return await page if inspect.isawaitable(page) else page
