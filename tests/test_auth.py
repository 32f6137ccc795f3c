"""Bearer authentication on the Management API: every failure mode answers with Logto's code."""

from __future__ import annotations

import time

import httpx
import pytest

from tests import tokens
from tests.server import MGMT, Server

PATH = "/api/applications"


def _get(server: Server, authorization: str | None) -> httpx.Response:
    headers = {} if authorization is None else {"Authorization": authorization}
    return httpx.get(server.base_url + PATH, headers=headers)


def test_missing_header(server: Server) -> None:
    res = _get(server, None)
    assert res.status_code == 401
    assert res.json() == {"code": "auth.authorization_header_missing", "message": "Authorization header is missing."}


@pytest.mark.parametrize("value", ["Basic Zm9vOmJhcg==", "Token abc", "Bearerabc", "Bearer\tabc"])
def test_non_bearer_scheme(server: Server, value: str) -> None:
    res = _get(server, value)
    assert res.status_code == 401
    assert res.json() == {
        "code": "auth.authorization_token_type_not_supported",
        "message": "Authorization type is not supported.",
        "data": {"supportedTypes": ["Bearer"]},
    }


def test_scheme_is_exactly_bearer_and_a_space(server: Server) -> None:
    """Logto only checks the `Bearer` prefix and cuts 7 characters, so `BearerX<token>` got in."""
    token = server.token()
    res = _get(server, f"BearerX{token}")
    assert res.status_code == 401 and res.json()["code"] == "auth.authorization_token_type_not_supported"
    for scheme in ("Bearer", "bearer", "BEARER"):  # RFC 6750: the scheme is case-insensitive
        assert _get(server, f"{scheme} {token}").status_code == 200
    assert _get(server, f"Bearer  {token}").status_code == 200  # 1*SP


def _unauthorized(res: httpx.Response, code: str) -> None:
    assert res.status_code == 401, res.text
    body = res.json()
    assert body["code"] == "auth.unauthorized"
    assert body["message"] == "Unauthorized. Please check credentials and its scope."
    assert body["data"]["code"] == code


def test_garbage(server: Server) -> None:
    _unauthorized(_get(server, "Bearer not-a-real-token"), "ERR_JWS_INVALID")
    _unauthorized(_get(server, "Bearer a.b.c"), "ERR_JWS_INVALID")
    _unauthorized(_get(server, "Bearer"), "ERR_JWS_INVALID")


def test_tampered_signature(server: Server) -> None:
    token = server.token()
    head, body, sig = token.split(".")
    flipped = sig[:-4] + ("AAAA" if sig[-4:] != "AAAA" else "BBBB")
    _unauthorized(_get(server, f"Bearer {head}.{body}.{flipped}"), "ERR_JWS_SIGNATURE_VERIFICATION_FAILED")


def test_tampered_claims(server: Server) -> None:
    token = server.token()
    head, _, sig = token.split(".")
    forged = tokens.b64(b'{"sub":"x","scope":"all","aud":"https://default.logto.app/api"}')
    _unauthorized(_get(server, f"Bearer {head}.{forged}.{sig}"), "ERR_JWS_SIGNATURE_VERIFICATION_FAILED")


def test_alg_none_and_key_confusion(server: Server) -> None:
    _unauthorized(_get(server, f"Bearer {tokens.unsigned(server)}"), "ERR_JOSE_ALG_NOT_ALLOWED")
    _unauthorized(_get(server, f"Bearer {tokens.hs256_with_public_key(server)}"), "ERR_JOSE_ALG_NOT_ALLOWED")


def test_unknown_kid(server: Server) -> None:
    _unauthorized(_get(server, f"Bearer {tokens.mint(server, {'kid': 'nope'})}"), "ERR_JWKS_NO_MATCHING_KEY")


def test_expired(server: Server) -> None:
    now = int(time.time())
    res = _get(server, f"Bearer {tokens.mint(server, iat=now - 7200, exp=now - 3600)}")
    _unauthorized(res, "ERR_JWT_EXPIRED")
    assert res.json()["data"]["claim"] == "exp"


@pytest.mark.parametrize(
    ("claim", "value"),
    [("aud", "https://other.example/api"), ("aud", "https://tenant2.logto.app/api"), ("iss", "http://evil/oidc")],
)
def test_wrong_claims(server: Server, claim: str, value: str) -> None:
    res = _get(server, f"Bearer {tokens.mint(server, **{claim: value})}")
    _unauthorized(res, "ERR_JWT_CLAIM_VALIDATION_FAILED")
    assert res.json()["data"]["claim"] == claim


def test_missing_exp_and_sub(server: Server) -> None:
    _unauthorized(_get(server, f"Bearer {tokens.mint(server, exp=None)}"), "ERR_JWT_CLAIM_VALIDATION_FAILED")
    res = _get(server, f"Bearer {tokens.mint(server, sub=None)}")
    assert res.status_code == 401 and res.json()["code"] == "auth.jwt_sub_missing"


def test_token_without_all_scope_is_forbidden(server: Server) -> None:
    form = {"grant_type": "client_credentials", "resource": MGMT}
    res = httpx.post(f"{server.base_url}/oidc/token", data=form, auth=(server.client_id, server.client_secret))
    token = res.json()["access_token"]
    for _ in range(2):  # second call is served from the verified-token cache
        forbidden = _get(server, f"Bearer {token}")
        assert forbidden.status_code == 403
        assert forbidden.json() == {
            "code": "auth.forbidden",
            "message": "Forbidden. Please check your user roles and permissions.",
        }
    assert _get(server, f"Bearer {tokens.mint(server, scope='read write')}").status_code == 403


def test_valid_token_works_twice(server: Server) -> None:
    token = server.token()
    assert _get(server, f"Bearer {token}").status_code == 200
    assert _get(server, f"Bearer {token}").status_code == 200


def test_unknown_api_route_is_plain_404_without_auth(server: Server) -> None:
    res = _get(server, None)
    assert res.status_code == 401
    res = httpx.get(server.base_url + "/api/no-such-route")
    assert res.status_code == 404 and res.text == "Not Found"


def test_status_is_anonymous(server: Server) -> None:
    assert httpx.get(server.base_url + "/api/status").status_code == 204
