"""Social sign-in through the generic OAuth 2 connector (Logto's connector-oauth2): the
authorization URI, then code -> access token -> user info, mapped by `profileMap`. The generic
OIDC connector is social_oidc; `start` and `finish` pick by factory."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx

from authkeep.connectors.base import ConnectorError
from authkeep.domain.connectors import as_logto
from authkeep.domain.experience import social_oidc
from authkeep.errors import LogtoError

SUPPORTED = ("oauth2", "oidc")
DEFAULT_PROFILE_MAP = {"id": "id", "email": "email", "phone": "phone", "name": "name", "avatar": "avatar"}
TIMEOUT_S = 10.0


def start(factory_id: str, config: dict[str, Any], state: str, redirect_uri: str) -> tuple[str, dict[str, Any]]:
    """(authorization URI, connector session kept in the verification record)."""
    if factory_id == "oidc":
        return social_oidc.authorization_uri(config, state, redirect_uri)
    return authorization_uri(config, state, redirect_uri), {"redirectUri": redirect_uri, "state": state}


async def finish(factory_id: str, config: dict[str, Any], connector_data: dict[str, Any], session: dict[str, Any]) -> dict[str, Any]:
    """The provider's callback data -> Logto's social user info."""
    if factory_id == "oidc":
        return await social_oidc.user_info(config, connector_data, session)
    return await user_info(config, connector_data, session.get("redirectUri", ""))


def authorization_uri(config: dict[str, Any], state: str, redirect_uri: str) -> str:
    params: dict[str, str] = {"response_type": config.get("responseType") or "code", "client_id": config["clientId"]}
    if config.get("scope"):
        params["scope"] = config["scope"]
    params.update(redirect_uri=redirect_uri, state=state)
    params.update({k: str(v) for k, v in (config.get("customConfig") or {}).items()})
    endpoint = config["authorizationEndpoint"]
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"


def _pick(data: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


async def user_info(config: dict[str, Any], connector_data: dict[str, Any], redirect_uri: str) -> dict[str, Any]:
    """Exchanges the code and reads the user info; connector failures are `connector.*` errors."""
    code = connector_data.get("code")
    if not isinstance(code, str) or not code:
        raise as_logto(ConnectorError("general", connector_data))
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    auth = None
    if config.get("tokenEndpointAuthMethod") == "client_secret_basic":
        auth = httpx.BasicAuth(config["clientId"], config["clientSecret"])
    else:
        form.update(client_id=config["clientId"], client_secret=config["clientSecret"])
    form.update({k: str(v) for k, v in (config.get("customConfig") or {}).items()})
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_S, follow_redirects=False) as client:
            token = await client.post(config["tokenEndpoint"], data=form, auth=auth or httpx.USE_CLIENT_DEFAULT)
            parsed = _token_body(token, config.get("tokenEndpointResponseType") or "json")
            access = parsed.get("access_token")
            if not access:
                raise ConnectorError("social_auth_code_invalid", {"message": "Can not find `access_token` in token response!"})
            kind = parsed.get("token_type") or "Bearer"
            info = await client.get(config["userInfoEndpoint"], headers={"authorization": f"{kind} {access}"})
            if info.status_code >= 400:
                raise ConnectorError("general", info.text[:1000])
            raw = info.json()
    except ConnectorError as exc:
        raise as_logto(exc) from None
    except (httpx.HTTPError, ValueError) as exc:
        raise as_logto(ConnectorError("general", type(exc).__name__)) from None
    if not isinstance(raw, dict):
        raise as_logto(ConnectorError("invalid_response", "user info is not an object"))
    mapping = {**DEFAULT_PROFILE_MAP, **(config.get("profileMap") or {})}
    profile = {k: _pick(raw, v) for k, v in mapping.items()}
    profile = {k: (str(v) if k == "id" else v) for k, v in profile.items() if v not in (None, "")}
    if "id" not in profile:
        raise as_logto(ConnectorError("invalid_response", "user info has no id"))
    return {**{k: v for k, v in profile.items() if isinstance(v, str)}, "rawData": raw}


def _token_body(response: httpx.Response, kind: str) -> dict[str, Any]:
    if response.status_code >= 400:
        raise ConnectorError("general", response.text[:1000])
    if kind == "json":
        data = response.json()
        if not isinstance(data, dict):
            raise ConnectorError("invalid_response", "token response is not an object")
        return data
    return dict(parse_qsl(response.text))


def identity(target: str, info: dict[str, Any]) -> dict[str, Any]:
    """users.identities entry."""
    return {target: {"userId": info["id"], "details": info}}


def not_found(connector_id: str) -> LogtoError:
    return LogtoError("entity.not_found", 404, id=connector_id)
