"""POST /oidc/token: client_credentials with both client auth styles and Logto's error shapes."""

from __future__ import annotations

import base64
import json

import httpx

from tests.server import MGMT, Server


def _claims(token: str) -> tuple[dict[str, object], dict[str, object]]:
    def part(seg: str) -> dict[str, object]:
        return json.loads(base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4)))

    header, payload, _ = token.split(".")
    return part(header), part(payload)


def _post(server: Server, data: dict[str, str], **kw: object) -> httpx.Response:
    return httpx.post(f"{server.base_url}/oidc/token", data=data, **kw)  # type: ignore[arg-type]


def test_basic_auth_token_matches_logto_shape(server: Server) -> None:
    res = _post(
        server,
        {"grant_type": "client_credentials", "resource": MGMT, "scope": "all"},
        auth=(server.client_id, server.client_secret),
    )
    assert res.status_code == 200
    assert res.headers["cache-control"] == "no-store"
    body = res.json()
    assert list(body) == ["access_token", "expires_in", "token_type", "scope"]
    assert body["expires_in"] == 3600 and body["token_type"] == "Bearer" and body["scope"] == "all"
    header, claims = _claims(body["access_token"])
    assert header["alg"] == "ES384" and header["typ"] == "at+jwt" and header["kid"]
    assert claims["sub"] == server.client_id == claims["client_id"]
    assert claims["aud"] == MGMT
    assert claims["iss"] == f"{server.base_url}/oidc"
    assert claims["exp"] == claims["iat"] + 3600  # type: ignore[operator]
    jwks = httpx.get(f"{server.base_url}/oidc/jwks").json()
    assert header["kid"] in [k["kid"] for k in jwks["keys"]]


def test_body_credentials(server: Server) -> None:
    res = _post(
        server,
        {
            "grant_type": "client_credentials",
            "resource": MGMT,
            "scope": "all",
            "client_id": server.client_id,
            "client_secret": server.client_secret,
        },
    )
    assert res.status_code == 200, res.text
    assert res.json()["scope"] == "all"


def test_wrong_secret_is_401_with_challenge(server: Server) -> None:
    res = _post(server, {"grant_type": "client_credentials", "resource": MGMT}, auth=(server.client_id, "wrong"))
    assert res.status_code == 401
    assert res.json() == {
        "code": "oidc.invalid_client",
        "message": "An OIDC error occurred: oidc.invalid_client.",
        "error": "invalid_client",
        "error_description": "client authentication failed",
    }
    assert res.headers["www-authenticate"].startswith('Basic realm="')


def test_unknown_client_is_400(server: Server) -> None:
    res = _post(server, {"grant_type": "client_credentials", "client_id": "nope", "client_secret": "x"})
    assert res.status_code == 400
    assert res.json()["error_description"] == "invalid client nope"


def test_unknown_resource_and_grant_errors(server: Server) -> None:
    auth = (server.client_id, server.client_secret)
    res = _post(server, {"grant_type": "client_credentials", "resource": "https://nope.example/api"}, auth=auth)
    assert res.status_code == 400 and res.json()["error"] == "invalid_target"
    res = _post(server, {"grant_type": "client_credentials"}, auth=auth)
    assert res.json()["error_description"] == "both `resource` and `organization_id` are not provided"
    res = _post(server, {"grant_type": "password"}, auth=auth)
    assert res.status_code == 400 and res.json()["error"] == "unsupported_grant_type"
    res = _post(server, {"resource": MGMT}, auth=auth)
    assert res.json()["error_description"] == "missing required parameter 'grant_type'"
    res = _post(server, {"grant_type": "client_credentials"})
    assert res.json()["error_description"] == "no client authentication mechanism provided"
    res = httpx.post(f"{server.base_url}/oidc/token", content=b"x", headers={"content-type": "text/plain"})
    assert res.status_code == 400 and res.json()["error"] == "invalid_request"


def test_ungranted_scopes_are_dropped_not_refused(server: Server) -> None:
    auth = (server.client_id, server.client_secret)
    res = _post(server, {"grant_type": "client_credentials", "resource": MGMT, "scope": "nope all"}, auth=auth)
    assert res.json()["scope"] == "all"
    res = _post(server, {"grant_type": "client_credentials", "resource": MGMT}, auth=auth)
    body = res.json()
    assert res.status_code == 200 and "scope" not in body
    assert "scope" not in _claims(body["access_token"])[1]


def test_json_body_is_accepted(server: Server) -> None:
    res = httpx.post(
        f"{server.base_url}/oidc/token",
        json={"grant_type": "client_credentials", "resource": MGMT, "scope": "all"},
        auth=(server.client_id, server.client_secret),
    )
    assert res.status_code == 200 and res.json()["scope"] == "all"


def test_discovery(server: Server) -> None:
    doc = httpx.get(f"{server.base_url}/oidc/.well-known/openid-configuration").json()
    assert doc["issuer"] == f"{server.base_url}/oidc"
    assert doc["token_endpoint"] == f"{server.base_url}/oidc/token"
    assert "client_credentials" in doc["grant_types_supported"]


def test_encoded_nul_bytes_are_refused(server: Server) -> None:
    for body in ("grant_type=client_credentials&client_id=a%00b&client_secret=x",
                 "grant_type=client_credentials&resource=%00&scope=all"):
        res = httpx.post(f"{server.base_url}/oidc/token", content=body,
                         headers={"content-type": "application/x-www-form-urlencoded"},
                         auth=(server.client_id, server.client_secret) if "resource" in body else None)
        assert res.status_code == 400 and res.json()["error"] == "invalid_request"
