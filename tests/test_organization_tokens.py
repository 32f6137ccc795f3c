"""Organization tokens for M2M apps (Logto RFC 0006): `client_credentials` with `organization_id`."""

from __future__ import annotations

import httpx

from tests.conftest import unique
from tests.server import Server
from tests.test_organization_helpers import (
    app_secret,
    claims,
    new_app,
    new_org,
    new_resource,
    new_role,
    new_scope,
    ok,
)


def _token(server: Server, client_id: str, secret: str, **form: str) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/oidc/token",
        data={"grant_type": "client_credentials", **form},
        auth=(client_id, secret),
    )


def test_organization_token(api: httpx.Client, server: Server) -> None:
    org = new_org(api)
    app = new_app(api)
    secret = app_secret(api, app["id"])
    scopes = sorted([new_scope(api), new_scope(api), new_scope(api)], key=lambda s: s["id"])
    role = new_role(api, "MachineToMachine", organizationScopeIds=[scopes[0]["id"], scopes[1]["id"]])

    res = _token(server, app["id"], secret, organization_id=org["id"], scope=scopes[0]["name"])
    assert res.status_code == 403
    assert res.json() == {
        "code": "oidc.access_denied",
        "message": "Access denied.",
        "error": "access_denied",
        "error_description": "app has not associated with the organization",
    }
    assert api.post(f"/api/organizations/{org['id']}/applications", json={"applicationIds": [app["id"]]}).status_code == 201

    # a member without roles: an organization token with an empty scope
    res = _token(server, app["id"], secret, organization_id=org["id"])
    assert res.status_code == 200, res.text
    body = res.json()
    assert list(body) == ["access_token", "expires_in", "token_type", "scope"]
    assert body["scope"] == "" and body["expires_in"] == 3600 and body["token_type"] == "Bearer"
    jwt = claims(body["access_token"])
    assert jwt["aud"] == f"urn:logto:organization:{org['id']}" and jwt["scope"] == ""
    assert jwt["sub"] == app["id"] == jwt["client_id"] and "organization_id" not in jwt
    assert jwt["exp"] - jwt["iat"] == 3600

    assert api.post(f"/api/organizations/{org['id']}/applications/{app['id']}/roles",
                    json={"organizationRoleIds": [role["id"]]}).status_code == 201  # fmt: skip
    requested = f"{scopes[1]['name']} nope {scopes[2]['name']} {scopes[0]['name']}"
    body = ok(_token(server, app["id"], secret, organization_id=org["id"], scope=requested))
    expected = f"{scopes[0]['name']} {scopes[1]['name']}"  # the available scopes' order
    assert body["scope"] == expected
    jwt = claims(body["access_token"])
    assert jwt["scope"] == expected and jwt["aud"] == f"urn:logto:organization:{org['id']}"
    assert list(jwt) == ["jti", "sub", "iat", "exp", "scope", "client_id", "iss", "aud"]

    # JSON bodies and client_secret_post work the same way
    res = httpx.post(f"{server.base_url}/oidc/token", json={
        "grant_type": "client_credentials", "organization_id": org["id"], "scope": scopes[1]["name"],
        "client_id": app["id"], "client_secret": secret,
    })  # fmt: skip
    assert res.status_code == 200 and res.json()["scope"] == scopes[1]["name"]

    # leaving the organization revokes the right to new tokens at once
    assert api.delete(f"/api/organizations/{org['id']}/applications/{app['id']}").status_code == 204
    assert _token(server, app["id"], secret, organization_id=org["id"]).status_code == 403
    assert _token(server, app["id"], secret, organization_id="nope").status_code == 403


def test_organization_resource_token(api: httpx.Client, server: Server) -> None:
    org = new_org(api)
    app = new_app(api)
    secret = app_secret(api, app["id"])
    resource, (read, write) = new_resource(api, ["read", "write"])
    role = new_role(api, "MachineToMachine", resourceScopeIds=[read["id"]])
    assert api.post(f"/api/organizations/{org['id']}/applications", json={"applicationIds": [app["id"]]}).status_code == 201
    assert api.post(f"/api/organizations/{org['id']}/applications/roles",
                    json={"applicationIds": [app["id"]], "organizationRoleIds": [role["id"]]}).status_code == 201  # fmt: skip
    # the app's own (non-organization) role grants `write`: it must not leak into org tokens
    direct = ok(api.post("/api/roles", json={"name": unique("m2m"), "description": "d", "type": "MachineToMachine",
                                             "scopeIds": [write["id"]]}))  # fmt: skip
    assert api.post(f"/api/applications/{app['id']}/roles", json={"roleIds": [direct["id"]]}).status_code in (200, 201)

    body = ok(_token(server, app["id"], secret, organization_id=org["id"], resource=resource["indicator"], scope="write read"))
    assert body["scope"] == "read" and body["expires_in"] == resource["accessTokenTtl"]
    jwt = claims(body["access_token"])
    assert jwt["organization_id"] == org["id"] and jwt["aud"] == resource["indicator"] and jwt["scope"] == "read"
    assert next(iter(jwt)) == "organization_id"
    plain = ok(_token(server, app["id"], secret, resource=resource["indicator"], scope="write read"))
    assert plain["scope"] == "write" and "organization_id" not in claims(plain["access_token"])

    body = ok(_token(server, app["id"], secret, organization_id=org["id"], resource=resource["indicator"], scope="write"))
    assert "scope" not in body and "scope" not in claims(body["access_token"])  # nothing granted: no scope

    res = _token(server, app["id"], secret, organization_id=org["id"], resource="https://unknown.example/")
    assert res.status_code == 400 and res.json()["error"] == "invalid_target"
    res = httpx.post(
        f"{server.base_url}/oidc/token",
        content=f"grant_type=client_credentials&organization_id={org['id']}&resource=a&resource=b",
        headers={"content-type": "application/x-www-form-urlencoded"},
        auth=(app["id"], secret),
    )
    assert res.status_code == 400
    assert res.json()["error_description"] == "only a single resource indicator value is supported for this grant type"
    res = _token(server, app["id"], secret, organization_id="nope", resource=resource["indicator"])
    assert res.status_code == 403  # membership is checked before the resource


def test_non_m2m_app_cannot_ask(api: httpx.Client, server: Server) -> None:
    spa = new_app(api, "Traditional")
    secret = app_secret(api, spa["id"])
    res = _token(server, spa["id"], secret, organization_id="anything")
    assert res.status_code == 400 and res.json()["error"] == "unauthorized_client"
