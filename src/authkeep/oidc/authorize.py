"""`/oidc/auth` (GET and POST): the authorization request (code flow with PKCE) as Logto answers
it (logto-user-flows-facts §1.2). A request is checked in oidc-provider's order: client, then
redirect_uri (errors before this point are shown, never redirected), then everything else
(errors go back to the registered redirect_uri). A valid request starts an Interaction and sends
the browser to the sign-in page; a live session for the account skips the login."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import Response

from authkeep.oidc import flow, interactions, sessions
from authkeep.oidc.errors import OAuthError
from authkeep.state import AppState
from authkeep.store import oidc_users

_MULTI = ("resource",)
_PROMPTS = {"none", "login", "consent", "select_account"}
_PKCE_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# first_screen -> hosted page (Logto's buildLoginPromptUrl)
_SCREENS = {
    "sign_in": "/sign-in", "register": "/register", "reset_password": "/forgot-password",
    "identifier:sign_in": "/identifier", "identifier:register": "/identifier", "single_sign_on": "/single-sign-on",
}  # fmt: skip


async def read_params(request: Request) -> dict[str, Any]:
    if request.method == "POST":
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/x-www-form-urlencoded":
            raise OAuthError("invalid_request", "only application/x-www-form-urlencoded content-type bodies are supported")
        raw = await request.body()
        if len(raw) > 64 * 1024:
            raise OAuthError("invalid_request", "request body too large")
        try:
            pairs = parse_qsl(raw.decode(), keep_blank_values=True)
        except UnicodeDecodeError:
            raise OAuthError("invalid_request", "request body is not valid UTF-8") from None
    else:
        pairs = list(request.query_params.multi_items())
    params: dict[str, Any] = {"resource": []}
    for key, value in pairs:
        if "\x00" in key or "\x00" in value or len(key) > 256 or len(value) > 4096:
            raise OAuthError("invalid_request", "invalid request parameters")
        if key in _MULTI:
            params[key].append(value)
        elif key in params:
            raise OAuthError("invalid_request", f"'{key}' parameter must only be provided once")
        elif value != "":
            params[key] = value
    return params


def _redirect_uris(app: dict[str, Any], key: str) -> list[str]:
    meta = app.get("oidc_client_metadata") or {}
    value = meta.get(key) if isinstance(meta, dict) else None
    return [u for u in value if isinstance(u, str)] if isinstance(value, list) else []


def check_client(app: dict[str, Any] | None, params: dict[str, Any]) -> dict[str, Any]:
    """Errors here are shown to the browser, never sent to a redirect_uri."""
    if app is None:
        raise OAuthError("invalid_client", "client is invalid")
    if app["type"] not in flow.USER_APP_TYPES:
        raise OAuthError("unauthorized_client", "client is not allowed to use the authorization endpoint")
    registered = _redirect_uris(app, "redirectUris")
    if "redirect_uri" not in params and len(registered) == 1:
        params["redirect_uri"] = registered[0]
    if "redirect_uri" not in params:
        raise OAuthError("invalid_request", "missing required parameter 'redirect_uri'")
    if params["redirect_uri"] not in registered:
        raise OAuthError("invalid_redirect_uri", "redirect_uri did not match any of the client's registered redirect_uris")
    return app


async def check_request(conn: Any, tenant_id: str, app: dict[str, Any], params: dict[str, Any]) -> list[str]:
    """Errors here go back to the client. Returns the prompt names."""
    response_type = params.get("response_type")
    if not response_type:
        raise OAuthError("invalid_request", "missing required parameter 'response_type'")
    if response_type != "code":
        raise OAuthError("unsupported_response_type", "unsupported response_type requested")
    if params.get("response_mode") not in (None, "query"):
        raise OAuthError("invalid_request", "unsupported response_mode requested")
    if "openid" not in flow.split_scope(params.get("scope")):
        raise OAuthError("invalid_request", "openid scope must be requested")
    prompts = flow.split_scope(params.get("prompt"))
    if any(p not in _PROMPTS for p in prompts):
        raise OAuthError("invalid_request", "unsupported prompt value requested")
    if "none" in prompts and len(prompts) > 1:
        raise OAuthError("invalid_request", "prompt none must only be used alone")
    challenge, method = params.get("code_challenge"), params.get("code_challenge_method")
    if method is not None and method != "S256":
        raise OAuthError("invalid_request", "not supported value of code_challenge_method")
    if challenge is None:
        if method is not None:
            raise OAuthError("invalid_request", "code_challenge_method provided without code_challenge")
        if app["type"] not in flow.CONFIDENTIAL_USER_APPS:
            raise OAuthError("invalid_request", "Authorization Server policy requires PKCE to be used for this request")
    else:
        if method is None:
            raise OAuthError("invalid_request", "plain code_challenge_method fallback disabled, code_challenge_method must be provided")
        if not 43 <= len(challenge) <= 128 or not set(challenge) <= _PKCE_CHARS:
            raise OAuthError("invalid_request", "code_challenge must be a string of 43 to 128 unreserved characters")
    for ind in params["resource"]:
        parts = urlsplit(ind)
        if not parts.scheme or parts.fragment or "#" in ind:
            raise OAuthError("invalid_target", "resource indicator must be an absolute URI")
        if ind != flow.ORG_RESOURCE and await oidc_users.resource_scopes(conn, tenant_id, "", ind) is None:
            raise OAuthError("invalid_target", "resource indicator is missing, or unknown")
    return prompts


def login_url(params: dict[str, Any]) -> str:
    screen = params.get("first_screen")
    if screen is None and params.get("interaction_mode") == "signUp":
        screen = "register"
    path = _SCREENS.get(screen or "sign_in", "/sign-in")
    query = {"app_id": params["client_id"]}
    if path == "/identifier" and params.get("identifier"):
        query["identifier"] = params["identifier"]
    return f"{path}?{urlencode(query)}"


def consent_url(client_id: str) -> str:
    return f"/consent?{urlencode({'app_id': client_id})}"


async def live_session(conn: Any, tenant_id: str, cookie: str | None) -> Any:
    """The browser's session, unless it ended or its account is gone or suspended."""
    found = await sessions.find_session(conn, tenant_id, cookie)
    if found is None or not found.account_id:
        return None
    user = await oidc_users.find_user(conn, tenant_id, found.account_id)
    if user is None or user["is_suspended"]:
        return None
    return found


async def authorization(request: Request) -> Response:
    state: AppState = request.app.state.authkeep
    tenant = state.tenant_for(request)
    try:
        params = await read_params(request)
        if not params.get("client_id"):
            raise OAuthError("invalid_request", "missing required parameter 'client_id'")
        async with state.db.read() as conn:
            app = check_client(await oidc_users.find_app(conn, tenant.id, params["client_id"]), params)
    except OAuthError as exc:
        return flow.json_error(exc)
    try:
        async with state.db.write() as conn:
            return await _start(conn, request, tenant.id, tenant.issuer, app, params)
    except OAuthError as exc:
        return flow.error_redirect(params, tenant.issuer, exc.error, exc.description)


async def _start(conn: Any, request: Request, tenant_id: str, issuer: str, app: dict[str, Any], params: dict[str, Any]) -> Response:
    prompts = await check_request(conn, tenant_id, app, params)
    session = await live_session(conn, tenant_id, request.cookies.get(sessions.COOKIE))
    if session is None or "login" in prompts:
        if "none" in prompts:
            raise OAuthError("login_required", "End-User authentication is required")
        reasons = ["login_prompt"] if "login" in prompts else ["no_session"]
        prompt = {"name": "login", "reasons": reasons, "details": {}}
        ref = None if session is None else {"id": session.id, "uid": session.payload.get("uid"), "accountId": session.account_id}
        interaction = await interactions.create(conn, tenant_id, app["id"], params, prompt, session=ref)
        flow.audit(request, tenant_id, "Interaction.Create", interaction)
        response = flow.see_other(login_url(params))
        flow.set_interaction_cookies(response, interaction.uid, issuer)
        return response
    account = str(session.account_id)
    need = await flow.wanted(conn, tenant_id, account, app, params)
    grant = await sessions.grant_for(conn, tenant_id, account, app["id"])
    oidc_missing, res_missing = flow.missing(need, grant)
    if grant is not None and not oidc_missing and not res_missing and "consent" not in prompts:
        code = await flow.issue_code(conn, tenant_id, params, session, grant.id)
        return flow.code_redirect(params, issuer, code)
    if "none" in prompts:
        raise OAuthError("consent_required", "prompt consent is required")
    interaction = await new_consent(conn, tenant_id, app["id"], params, session, oidc_missing, res_missing, prompts)
    flow.audit(request, tenant_id, "Interaction.Create", interaction)
    response = flow.see_other(consent_url(app["id"]))
    flow.set_interaction_cookies(response, interaction.uid, issuer)
    return response


async def new_consent(
    conn: Any,
    tenant_id: str,
    client_id: str,
    params: dict[str, Any],
    session: Any,
    oidc_missing: list[str],
    res_missing: dict[str, list[str]],
    prompts: list[str],
) -> interactions.Interaction:
    reasons = ["consent_prompt"] if "consent" in prompts else []
    if oidc_missing:
        reasons.append("op_scopes_missing")
    if res_missing:
        reasons.append("rs_scopes_missing")
    details: dict[str, Any] = {"missingOIDCScope": oidc_missing, "missingResourceScopes": res_missing}
    prompt = {"name": "consent", "reasons": reasons, "details": details}
    ref = {"id": session.id, "uid": session.payload.get("uid"), "accountId": session.account_id}
    return await interactions.create(conn, tenant_id, client_id, params, prompt, session=ref)
