"""`/oidc/session/end` (RP-initiated logout) and `/oidc/session/end/confirm`
(logto-user-flows-facts §1.7). The first answers a confirm page whose form carries an `xsrf`
token; the request it confirms is kept server side (model `EndSession`, under the token's digest,
10 minutes). Confirming ends the browser's session, revokes its grants that lack
`offline_access`, clears `_session` and sends the browser to the registered
post_logout_redirect_uri (with `state`)."""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import parse_qsl

import orjson
from joserfc import jws
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from authkeep import clock
from authkeep.oidc import authorize, flow, opaque, sessions
from authkeep.oidc.errors import OAuthError
from authkeep.state import AppState
from authkeep.store import oidc_models, oidc_users

MODEL = "EndSession"
TTL_S = 600
_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Sign out</title></head>
<body><form method="post" action="{action}">
<input type="hidden" name="xsrf" value="{xsrf}"/>
<p>Do you want to sign out?</p>
<button type="submit" name="logout" value="yes">Yes, sign me out</button>
<button type="submit">No, stay signed in</button>
</form></body></html>"""


def _hint_client(hint: str) -> str | None:
    """The `aud` of an ID token hint; the signature is not needed to pick the client, whose
    registered URIs are what is enforced."""
    try:
        aud = orjson.loads(jws.extract_compact(hint.encode()).payload).get("aud")
    except Exception:  # noqa: BLE001 - any malformed hint is refused the same way
        raise OAuthError("invalid_request", "could not decode id_token_hint") from None
    return aud if isinstance(aud, str) else None


async def end_session(request: Request) -> Response:
    state: AppState = request.app.state.authkeep
    tenant = state.tenant_for(request)
    try:
        params = await authorize.read_params(request)
        client_id = params.get("client_id")
        if params.get("id_token_hint"):
            hinted = _hint_client(params["id_token_hint"])
            if client_id and hinted and hinted != client_id:
                raise OAuthError("invalid_request", "client_id does not match the provided id_token_hint")
            client_id = client_id or hinted
        uri = params.get("post_logout_redirect_uri")
        async with state.db.write() as conn:
            if uri is not None:
                app = await oidc_users.find_app(conn, tenant.id, client_id) if client_id else None
                if app is None:
                    raise OAuthError("invalid_request", "post_logout_redirect_uri can only be used in combination with id_token_hint or client_id")
                if uri not in authorize._redirect_uris(app, "postLogoutRedirectUris"):
                    raise OAuthError("invalid_request", "post_logout_redirect_uri not registered")
            session = await sessions.find_session(conn, tenant.id, request.cookies.get(sessions.COOKIE))
            xsrf = opaque.new_secret()
            payload = {
                "postLogoutRedirectUri": uri, "state": params.get("state"), "clientId": client_id,
                "sessionId": session.id if session else None,
            }  # fmt: skip
            await oidc_models.insert(conn, tenant.id, MODEL, opaque.digest(xsrf), payload, clock.now_ms() + TTL_S * 1000)
    except OAuthError as exc:
        return flow.json_error(exc)
    page = _PAGE.format(action=html.escape(f"{tenant.issuer}/session/end/confirm"), xsrf=xsrf)
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


async def confirm(request: Request) -> Response:
    state: AppState = request.app.state.authkeep
    tenant = state.tenant_for(request)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await request.body()
    form = dict(parse_qsl(raw.decode(errors="replace"), keep_blank_values=True)) if ctype == "application/x-www-form-urlencoded" else {}
    xsrf = form.get("xsrf") or ""
    async with state.db.write() as conn:
        found = await oidc_models.find(conn, tenant.id, MODEL, opaque.digest(xsrf), clock.now_ms()) if 0 < len(xsrf) <= 128 else None
        if found is not None:
            await oidc_models.remove(conn, tenant.id, MODEL, found.id)
        session = await sessions.find_session(conn, tenant.id, request.cookies.get(sessions.COOKIE))
        if found is None or found.payload.get("sessionId") != (session.id if session else None):
            return flow.json_error(OAuthError("invalid_request", "xsrf token invalid"))
        logout = form.get("logout") == "yes"
        if session is not None and logout:
            await sessions.revoke_session(conn, tenant.id, session, None)
    payload: dict[str, Any] = found.payload
    uri = payload.get("postLogoutRedirectUri")
    if uri:
        response: Response = flow.see_other(flow.with_query(uri, {"state": payload["state"]}) if payload.get("state") else uri)
    else:
        response = HTMLResponse("<!doctype html><title>Signed out</title><p>You have signed out.</p>", headers={"Cache-Control": "no-store"})
    if logout:
        response.delete_cookie(sessions.COOKIE, path="/", httponly=True, samesite="lax", secure=flow.secure(tenant.issuer))
    return response
