"""Social sign-in through the generic OIDC connector (Logto's connector-oidc): an authorization
request with `openid` and a fresh `nonce` (kept in the verification record), the code exchanged at
the token endpoint, and the user read from the ID token, verified against the provider's JWKS."""

from __future__ import annotations

import hmac
import re
from typing import Any
from urllib.parse import urlencode

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from authkeep import ids
from authkeep.connectors.base import ConnectorError
from authkeep.domain.connectors import as_logto

TIMEOUT_S = 10.0
# Public-key signatures only: a JWKS never lends itself to HMAC or `none`.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
_STRING_CLAIMS = ("name", "email", "phone", "picture", "profile", "nonce")


def _snake(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


def _scope(scope: str) -> str:
    parts = [p for p in re.split(r"[ +]", scope) if p]
    return scope if "openid" in parts else " ".join([*parts, "openid"])


def authorization_uri(config: dict[str, Any], state: str, redirect_uri: str) -> tuple[str, dict[str, str]]:
    """The provider's authorization URI and the connector session (nonce, redirect URI)."""
    nonce = ids.standard_id()
    params: dict[str, str] = {"response_type": config.get("responseType") or "code", "client_id": config["clientId"],
                              "scope": _scope(config["scope"]), "redirect_uri": redirect_uri, "state": state, "nonce": nonce}  # fmt: skip
    for extra in (config.get("authRequestOptionalConfig"), config.get("customConfig")):
        params.update({_snake(k): str(v) for k, v in (extra or {}).items() if _snake(k) not in ("state", "nonce", "redirect_uri")})
    endpoint = config["authorizationEndpoint"]
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}", {"nonce": nonce, "redirectUri": redirect_uri}


async def user_info(config: dict[str, Any], connector_data: dict[str, Any], session: dict[str, Any]) -> dict[str, Any]:
    """Code -> ID token -> verified claims -> Logto's social user info; failures are `connector.*`."""
    try:
        return await _user_info(config, connector_data, session)
    except ConnectorError as exc:
        raise as_logto(exc) from None


async def _user_info(config: dict[str, Any], connector_data: dict[str, Any], session: dict[str, Any]) -> dict[str, Any]:
    code = connector_data.get("code")
    if not isinstance(code, str) or not code:
        raise ConnectorError("general", connector_data)
    redirect_uri = session.get("redirectUri")
    if not redirect_uri:
        raise ConnectorError("general", "CAN NOT find 'redirectUri' from connector session.")
    verification = config.get("idTokenVerificationConfig") or {}
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_S, follow_redirects=False) as client:
            id_token = await _id_token(client, config, code, redirect_uri)
            jwks = await client.get(verification["jwksUri"])
            if jwks.status_code >= 400:
                raise ConnectorError("general", jwks.text[:1000])
            keys = KeySet.import_key_set(jwks.json())
    except (httpx.HTTPError, ValueError, JoseError, TypeError, KeyError) as exc:
        raise ConnectorError("general", type(exc).__name__) from None
    claims, raw = _verified_claims(id_token, keys, config)
    nonce = session.get("nonce")
    if nonce and not (isinstance(claims.get("nonce"), str) and hmac.compare_digest(claims["nonce"].encode(), str(nonce).encode())):
        raise ConnectorError("social_invalid_id_token", {"message": "ID Token validation failed due to `nonce` mismatch."})
    if claims.get("nonce") and not nonce:
        raise ConnectorError("general", {"message": "Cannot find `nonce` in session storage."})
    info: dict[str, Any] = {"id": claims["sub"]}
    trust_email = claims.get("email_verified") or config.get("trustUnverifiedEmail")
    for key, value in (("name", claims.get("name")), ("avatar", claims.get("picture")),
                       ("email", trust_email and claims.get("email")),
                       ("phone", claims.get("phone_verified") and claims.get("phone"))):  # fmt: skip
        if value:
            info[key] = value
    return {**info, "rawData": raw}


async def _id_token(client: httpx.AsyncClient, config: dict[str, Any], code: str, redirect_uri: str) -> str:
    form = {"grant_type": "authorization_code", "client_id": config["clientId"], "client_secret": config["clientSecret"]}
    auth: httpx.BasicAuth | None = None
    if config.get("tokenEndpointAuthMethod") == "client_secret_basic":
        auth = httpx.BasicAuth(form.pop("client_id"), form.pop("client_secret"))
    form.update({_snake(k): str(v) for k, v in (config.get("customConfig") or {}).items()})
    form.update(code=code, redirect_uri=redirect_uri)
    response = await client.post(config["tokenEndpoint"], data=form, auth=auth or httpx.USE_CLIENT_DEFAULT)
    if response.status_code >= 400:
        raise ConnectorError("general", response.text[:1000])
    body = response.json()
    if not isinstance(body, dict):
        raise ConnectorError("invalid_response", "token response is not an object")
    id_token = body.get("id_token")
    if not isinstance(id_token, str) or not id_token:
        raise ConnectorError("social_invalid_id_token", {"message": "Cannot find ID Token in the response."})
    return id_token


def _verified_claims(id_token: str, keys: KeySet, config: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(claims, raw payload): signature (pinned algorithms), `iss` (when configured), `aud` = the
    client id, `exp`, and the standard profile claims' types."""
    verification = config.get("idTokenVerificationConfig") or {}
    wanted = verification.get("algorithms")
    algorithms = [a for a in wanted if a in ALGORITHMS] if isinstance(wanted, list) else list(ALGORITHMS)
    tolerance = verification.get("clockTolerance")
    leeway = int(tolerance) if isinstance(tolerance, (int, float)) and not isinstance(tolerance, bool) and tolerance > 0 else 0
    options: dict[str, Any] = {"aud": {"essential": True, "value": config["clientId"]}, "exp": {"essential": True},
                               "sub": {"essential": True}}  # fmt: skip
    issuer = verification.get("issuer")
    if issuer:
        options["iss"] = {"essential": True, "values": issuer if isinstance(issuer, list) else [issuer]}
    try:
        if not algorithms:
            raise ValueError("no allowed algorithm")
        token = jwt.decode(id_token, keys, algorithms=algorithms)
        raw = dict(token.claims)
        jwt.JWTClaimsRegistry(leeway=leeway, **options).validate(raw)
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        reason = str(exc).rstrip(": ") if isinstance(exc, JoseError) else type(exc).__name__
        raise ConnectorError("social_invalid_id_token", {"message": f"ID Token validation failed: {reason}"}) from None
    claims = dict(raw)
    _check_types(claims, bool(config.get("acceptStringTypedBooleanClaims")))
    return claims, raw


def _check_types(claims: dict[str, Any], string_booleans: bool) -> None:
    """Logto's idTokenProfileStandardClaimsGuard (booleans as "true"/"false" when allowed)."""
    bad = [k for k in _STRING_CLAIMS if claims.get(k) is not None and not isinstance(claims[k], str)]
    for key in ("email_verified", "phone_verified"):
        value = claims.get(key)
        if string_booleans and value in ("true", "false"):
            claims[key] = value == "true"
        elif value is not None and not isinstance(value, bool):
            bad.append(key)
    if not isinstance(claims.get("sub"), str) or bad:
        raise ConnectorError("social_invalid_id_token", {"message": f"Invalid claims: {', '.join(bad) or 'sub'}"})
