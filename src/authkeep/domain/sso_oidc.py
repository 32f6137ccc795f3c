"""Enterprise SSO sign-in through an OIDC identity provider (Logto's sso/OidcConnector): the
authorization request (state, nonce and, beyond Logto, PKCE S256), the code exchanged at the
token endpoint with HTTP Basic client authentication, the ID token verified against the IdP's
JWKS (pinned public-key algorithms, `iss`, `aud`, `exp`, `iat`, `nonce`), the user info read from
the userinfo endpoint when the IdP has one (as Logto does), else from the ID token."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from typing import Any
from urllib.parse import urlencode

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from authkeep import ids
from authkeep.errors import LogtoError

TIMEOUT_S = 10.0
IAT_TOLERANCE_S = 600  # Logto's issuedAtTimeTolerance
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
_STRING_CLAIMS = ("name", "email", "phone", "picture", "profile", "nonce")
STATUS = {"authorization_failed": 401, "invalid_request_parameters": 400, "invalid_response": 400}


def failure(code: str, **data: Any) -> LogtoError:
    """Logto's SsoConnectorError as its connector error handler answers it (`data.ssoErrorCode`)."""
    return LogtoError(f"connector.{code}", STATUS.get(code, 400), data={"ssoErrorCode": code, **data})


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def authorization_uri(config: dict[str, Any], connector_id: str, state: str, redirect_uri: str) -> tuple[str, dict[str, Any]]:
    """(the IdP's authorization URI, the connector session kept in the interaction)."""
    nonce = ids.standard_id()
    verifier = secrets.token_urlsafe(48)
    params = {
        "state": state, "nonce": nonce, "client_id": config["clientId"], "response_type": "code",
        "redirect_uri": redirect_uri, "scope": config["scope"],
        "code_challenge": _challenge(verifier), "code_challenge_method": "S256",
    }  # fmt: skip
    endpoint = config["authorizationEndpoint"]
    session = {"connectorId": connector_id, "nonce": nonce, "redirectUri": redirect_uri, "state": state, "codeVerifier": verifier}
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}", session


async def user_info(config: dict[str, Any], session: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The IdP's user as Logto's ExtendedSocialUserInfo (`id`, `name`, `avatar`, `email` when
    verified or trusted, `phone` when verified, the other claims camel-cased)."""
    code = data.get("code")
    if not isinstance(code, str) or not code:
        raise failure("invalid_request_parameters", url=config["tokenEndpoint"], params=data)
    given_state = data.get("state")
    if given_state is not None and not (
        isinstance(given_state, str) and hmac.compare_digest(given_state.encode(), str(session.get("state")).encode())
    ):
        raise failure("authorization_failed", message="state does not match")
    async with httpx.AsyncClient(timeout=TIMEOUT_S, follow_redirects=False) as client:
        tokens = await _tokens(client, config, code, session)
        claims = await _id_token_claims(client, tokens["id_token"], config, session.get("nonce"))
        if config.get("userinfoEndpoint"):
            claims = await _userinfo(client, config["userinfoEndpoint"], tokens["access_token"], claims["sub"])
    return _info(claims, bool(config.get("trustUnverifiedEmail")))


async def _tokens(client: httpx.AsyncClient, config: dict[str, Any], code: str, session: dict[str, Any]) -> dict[str, Any]:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": session.get("redirectUri") or ""}
    if session.get("codeVerifier"):
        form["code_verifier"] = session["codeVerifier"]
    try:
        response = await client.post(config["tokenEndpoint"], data=form,
                                     auth=httpx.BasicAuth(config["clientId"], config["clientSecret"]))  # fmt: skip
        body = response.json() if response.status_code < 400 else None
    except (httpx.HTTPError, ValueError):
        raise failure("authorization_failed", message="Fail to fetch token") from None
    if body is None:
        raise failure("authorization_failed", message="Fail to fetch token", error=response.text[:1000])
    if not isinstance(body, dict) or not isinstance(body.get("id_token"), str):
        raise failure("authorization_failed", message="Invalid token response")
    if not isinstance(body.get("access_token"), str) or not body["access_token"]:
        raise failure("authorization_failed", message="The access token is missing from the response.")
    return body


async def _id_token_claims(client: httpx.AsyncClient, id_token: str, config: dict[str, Any], nonce: Any) -> dict[str, Any]:
    try:
        response = await client.get(config["jwksUri"])
        keys = KeySet.import_key_set(response.json())
        token = jwt.decode(id_token, keys, algorithms=list(ALGORITHMS))
        claims = dict(token.claims)
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": config["issuer"]},
            aud={"essential": True, "value": config["clientId"]},
            exp={"essential": True},
            sub={"essential": True},
        ).validate(claims)
    except (httpx.HTTPError, JoseError, ValueError, TypeError, KeyError) as exc:
        reason = str(exc).rstrip(": ") if isinstance(exc, JoseError) else type(exc).__name__
        raise failure("authorization_failed", message="Fail to verify id_token", error=reason) from None
    iat = claims.get("iat")
    if not isinstance(iat, (int, float)) or isinstance(iat, bool) or abs(iat - time.time()) > IAT_TOLERANCE_S:
        raise failure("authorization_failed", message="id_token is expired")
    _check_types(claims, "invalid id_token")
    # Stricter than Logto (which compares only a nonce the token carries): the request sent one.
    token_nonce = claims.get("nonce")
    if not (isinstance(token_nonce, str) and isinstance(nonce, str)
            and hmac.compare_digest(token_nonce.encode(), nonce.encode())):  # fmt: skip
        raise failure("authorization_failed", message="nonce does not match")
    return claims


async def _userinfo(client: httpx.AsyncClient, endpoint: str, access_token: str, sub: str) -> dict[str, Any]:
    try:
        response = await client.get(endpoint, headers={"Authorization": f"Bearer {access_token}"})
        body = response.json() if response.status_code < 400 else None
    except (httpx.HTTPError, ValueError):
        body = None
    if not isinstance(body, dict):
        raise failure("authorization_failed", message="Fail to fetch user info")
    _check_types(body, "Invalid user info response")
    if body["sub"] != sub:  # OIDC Core 5.3.4: the userinfo must be the ID token's subject
        raise failure("authorization_failed", message="Invalid user info response")
    return body


def _check_types(claims: dict[str, Any], message: str) -> None:
    """Logto's idTokenProfileStandardClaimsGuard."""
    bad = [k for k in _STRING_CLAIMS if claims.get(k) is not None and not isinstance(claims[k], str)]
    bad += [k for k in ("email_verified", "phone_verified") if claims.get(k) is not None and not isinstance(claims[k], bool)]
    if not isinstance(claims.get("sub"), str) or bad:
        raise failure("authorization_failed", message=message)


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _info(claims: dict[str, Any], trust_unverified_email: bool) -> dict[str, Any]:
    rest = {k: v for k, v in claims.items()
            if k not in ("sub", "name", "picture", "email", "email_verified", "phone", "phone_verified")}  # fmt: skip
    info: dict[str, Any] = {"id": claims["sub"]}
    if claims.get("name"):
        info["name"] = claims["name"]
    if claims.get("picture"):
        info["avatar"] = claims["picture"]
    verified = claims.get("email_verified")
    if claims.get("email") and (verified if verified is not None else trust_unverified_email):
        info["email"] = claims["email"]
    if claims.get("phone") and claims.get("phone_verified"):
        info["phone"] = claims["phone"]
    return {**info, **{_camel(k): v for k, v in rest.items()}}
