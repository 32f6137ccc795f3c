"""`POST /api/subject-tokens` and the token exchange grant at `/oidc/token` (RFC 8693, Logto's
RFC 0005), black-box over HTTP on both backends."""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Any

import httpx
import pytest

from authkeep.config import normalize_database_url
from authkeep.oidc import sweeper
from authkeep.oidc.opaque import digest
from authkeep.sdk import LogtoError
from authkeep.store import subject_tokens as subject_store
from authkeep.store.db import Database
from tests.oidc_helpers import jwt_parts, make_app, make_user, token_call, userinfo, wait_logs
from tests.sdk_flavors import FLAVORS, call, close, make, run
from tests.server import Server
from tests.test_applications import db

EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
IMPERSONATION = "urn:logto:token-type:impersonation_token"
ACCESS = "urn:ietf:params:oauth:token-type:access_token"
PAT = "urn:logto:token-type:personal_access_token"


def _ok(res: httpx.Response, status: int = 200) -> Any:
    assert res.status_code == status, res.text
    return res.json()


def _oauth_error(res: httpx.Response, status: int, error: str, description: str | None = None) -> None:
    assert res.status_code == status, res.text
    body = res.json()
    assert body["error"] == error and body["code"] == f"oidc.{error}", body
    if description is not None:
        assert body["error_description"] == description, body


def subject_token(api: httpx.Client, user_id: str, **body: Any) -> str:
    found = _ok(api.post("/api/subject-tokens", json={"userId": user_id, **body}), 201)
    assert set(found) == {"subjectToken", "expiresIn"} and found["expiresIn"] == 600
    return str(found["subjectToken"])


def exchange(srv: Server, app: tuple[str, str | None], token: str, kind: str = IMPERSONATION, **extra: str) -> httpx.Response:
    data = {"grant_type": EXCHANGE, "subject_token": token, "subject_token_type": kind, **extra}
    return token_call(srv, app[0], app[1], data)


@pytest.fixture
def app(api: httpx.Client) -> tuple[str, str | None]:
    return make_app(api, "Traditional", allowTokenExchange=True)


@pytest.fixture
def resource(api: httpx.Client) -> dict[str, Any]:
    """A resource with two scopes; `user` holds `read` through a role."""
    indicator = f"https://api-{secrets.token_hex(4)}.example"
    found = _ok(api.post("/api/resources", json={"name": "te", "indicator": indicator}), 201)
    read = _ok(api.post(f"/api/resources/{found['id']}/scopes", json={"name": "read"}), 201)
    write = _ok(api.post(f"/api/resources/{found['id']}/scopes", json={"name": "write"}), 201)
    return {**found, "read": read, "write": write}


@pytest.fixture
def user(api: httpx.Client, resource: dict[str, Any]) -> str:
    user_id = make_user(api)
    role = _ok(api.post("/api/roles", json={"name": f"r-{secrets.token_hex(4)}", "description": "d",
                                            "scopeIds": [resource["read"]["id"]]}), 200)  # fmt: skip
    assert api.post(f"/api/users/{user_id}/roles", json={"roleIds": [role["id"]]}).status_code == 201
    return user_id


# --- POST /api/subject-tokens ----------------------------------------------------------------


def test_create_subject_token(server: Server, api: httpx.Client, anon: httpx.Client) -> None:
    user_id = make_user(api)
    token = subject_token(api, user_id, context={"foo": "bar", "n": [1, {"x": None}]})
    assert token.startswith("sub_") and len(token) == 25
    assert subject_token(api, user_id) != token
    rows = db(server, "SELECT user_id, context, expires_at - created_at, consumed_at FROM subject_tokens WHERE id = ?",
              digest(token))  # fmt: skip
    assert len(rows) == 1 and rows[0][0] == user_id and rows[0][2] == 600_000 and rows[0][3] is None
    assert not db(server, "SELECT id FROM subject_tokens WHERE id = ?", token)  # only the digest is kept
    assert anon.post("/api/subject-tokens", json={"userId": user_id}).status_code == 401


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, "guard.invalid_input"),
        ({"userId": 1}, 400, "guard.invalid_input"),
        ({"userId": None}, 400, "guard.invalid_input"),
        ({"userId": "u", "context": []}, 400, "guard.invalid_input"),
        ({"userId": "u", "context": "x"}, 400, "guard.invalid_input"),
        ({"userId": "nosuchuser"}, 404, "entity.relation_foreign_key_not_found"),
        ({"userId": ""}, 404, "entity.relation_foreign_key_not_found"),
        ({"userId": "x" * 22}, 422, "entity.value_too_long"),
        ({"userId": "a\u0000b"}, 400, "guard.invalid_input"),
    ],
)
def test_create_subject_token_bad_input(api: httpx.Client, body: dict[str, Any], status: int, code: str) -> None:
    res = api.post("/api/subject-tokens", json=body)
    assert res.status_code == status and res.json()["code"] == code, res.text


def test_bad_json_body(api: httpx.Client) -> None:
    for raw in (b"[", b"[]", b'"x"'):
        res = api.post("/api/subject-tokens", content=raw, headers={"Content-Type": "application/json"})
        assert res.status_code == 400 and res.json()["code"] == "guard.invalid_input", res.text


# --- the token exchange ------------------------------------------------------------------------


def test_full_exchange(server: Server, api: httpx.Client, app: tuple[str, str | None], user: str,
                       resource: dict[str, Any]) -> None:  # fmt: skip
    """Subject token -> exchange -> an access token a resource check accepts; reuse and expiry refused."""
    indicator = resource["indicator"]
    token = subject_token(api, user)
    body = _ok(exchange(server, app, token, resource=indicator, scope="read write"))
    assert list(body) == ["access_token", "expires_in", "scope", "token_type"]
    assert body["token_type"] == "Bearer" and body["scope"] == "read" and body["expires_in"] == 3600
    header, claims = jwt_parts(body["access_token"])
    assert header["typ"] == "at+jwt" and header["alg"] == "ES384"
    assert claims["sub"] == user and claims["aud"] == indicator and claims["scope"] == "read"
    assert claims["client_id"] == app[0] and claims["iss"] == f"{server.base_url}/oidc"
    assert claims["exp"] - claims["iat"] == 3600 and "act" not in claims and "organization_id" not in claims
    # A resource server's check (Logto's Hasura webhook verifies signature, issuer and audience).
    bearer = {"Authorization": f"Bearer {body['access_token']}"}
    check = httpx.get(f"{server.base_url}/api/authn/hasura", params={"resource": indicator}, headers=bearer)
    assert check.status_code == 200 and check.json() == {"X-Hasura-User-Id": user}
    # Single use.
    _oauth_error(exchange(server, app, token, resource=indicator), 400, "invalid_grant", "subject token is already consumed")
    # Expired.
    late = subject_token(api, user)
    db(server, "UPDATE subject_tokens SET expires_at = 1 WHERE id = ?", digest(late))
    _oauth_error(exchange(server, app, late), 400, "invalid_grant", "subject token is expired")
    _oauth_error(exchange(server, app, "sub_nosuchtoken"), 400, "invalid_grant", "subject token not found")
    # The audit log names the grant and the user, and masks the subject token.
    logs = wait_logs(api, logKey="ExchangeTokenBy.TokenExchange", userId=user)
    assert logs and all(log["payload"]["params"]["subject_token"] == "******" for log in logs)
    assert token not in str(logs) and {log["payload"]["applicationId"] for log in logs} == {app[0]}


def test_apps_that_may_not_exchange(server: Server, api: httpx.Client, user: str) -> None:
    token = subject_token(api, user)
    for app in (make_app(api, "Traditional"), make_app(api, "Traditional", allowTokenExchange=False),
                make_app(api, "SPA"), make_app(api, "Traditional", third_party=True)):  # fmt: skip
        res = exchange(server, app, token)
        _oauth_error(res, 400, "unauthorized_client", "requested grant type is not allowed for this client")
    # The refused attempts did not use the token up; a wrong secret is refused before anything.
    allowed = make_app(api, "Traditional", allowTokenExchange=True)
    _oauth_error(exchange(server, (allowed[0], "wrong"), token), 401, "invalid_client")
    _ok(exchange(server, allowed, token))


def test_every_app_type_with_the_setting(server: Server, api: httpx.Client, user: str) -> None:
    for kind in ("SPA", "Native", "MachineToMachine", "Traditional"):
        app_id, secret = make_app(api, kind, allowTokenExchange=True)
        if kind == "MachineToMachine":
            secret = api.get(f"/api/applications/{app_id}/secrets").json()[0]["value"]
        body = _ok(exchange(server, (app_id, secret), subject_token(api, user)))
        assert body["scope"] == "" and body["expires_in"] == 3600, kind


def test_opaque_token_without_resource(server: Server, api: httpx.Client, app: tuple[str, str | None], user: str) -> None:
    body = _ok(exchange(server, app, subject_token(api, user), scope="openid profile non-oidc-scope read"))
    assert body["scope"] == "openid profile"
    assert body["access_token"].count(".") == 0  # opaque
    me = userinfo(server, body["access_token"])
    assert me.status_code == 200 and me.json()["sub"] == user
    # The user's grants list the exchange's grant, as Logto saves one.
    grants = _ok(api.get(f"/api/users/{user}/grants"))["grants"]
    assert [g["application"]["id"] for g in grants] == [app[0]]
    assert grants[0]["payload"]["openid"] == {"scope": "openid profile"}


def test_exchange_an_access_token(server: Server, api: httpx.Client, app: tuple[str, str | None], user: str,
                                  resource: dict[str, Any]) -> None:  # fmt: skip
    """Access tokens (JWT or opaque) may be exchanged again and again; a forged one is refused."""
    jwt = _ok(exchange(server, app, subject_token(api, user), resource=resource["indicator"]))["access_token"]
    for _ in range(2):
        again = _ok(exchange(server, app, jwt, ACCESS, resource=resource["indicator"]))
        assert jwt_parts(again["access_token"])[1]["sub"] == user
    opaque = _ok(exchange(server, app, subject_token(api, user), scope="openid"))["access_token"]
    assert _ok(exchange(server, app, opaque, ACCESS))["scope"] == ""
    # A legacy `sub_` value under the access token type is an impersonation token.
    assert _ok(exchange(server, app, subject_token(api, user), ACCESS))
    head, body, _ = jwt.split(".")
    for forged in (f"{head}.{body}.invalid_signature", "invalid.access.token", "x" * 43):
        _oauth_error(exchange(server, app, forged, ACCESS), 400, "invalid_grant", "invalid subject token")
    # The Management API token is a JWT of this issuer, but its subject is an app, not a user.
    _oauth_error(exchange(server, app, server.token(), ACCESS), 400, "invalid_grant", "user not found")


def test_exchange_a_personal_access_token(server: Server, api: httpx.Client, app: tuple[str, str | None], user: str) -> None:
    pat = _ok(api.post(f"/api/users/{user}/personal-access-tokens", json={"name": "cli"}), 201)["value"]
    for _ in range(2):
        assert _ok(exchange(server, app, pat, PAT))["access_token"]
    _oauth_error(exchange(server, app, "pat_nope", PAT), 400, "invalid_grant", "subject token not found")
    db(server, "UPDATE personal_access_tokens SET expires_at = 1 WHERE user_id = ?", user)
    _oauth_error(exchange(server, app, pat, PAT), 400, "invalid_grant", "subject token is expired")


def test_actor_token(server: Server, api: httpx.Client, app: tuple[str, str | None], user: str,
                     resource: dict[str, Any]) -> None:  # fmt: skip
    actor = make_user(api)
    actor_token = _ok(exchange(server, app, subject_token(api, actor), scope="openid"))["access_token"]
    body = _ok(exchange(server, app, subject_token(api, user), resource=resource["indicator"],
                        actor_token=actor_token, actor_token_type=ACCESS))  # fmt: skip
    assert jwt_parts(body["access_token"])[1]["act"] == {"sub": actor}
    token = subject_token(api, user)
    _oauth_error(exchange(server, app, token, actor_token=actor_token, actor_token_type="bad"),
                 400, "invalid_grant", "unsupported actor token type")  # fmt: skip
    _oauth_error(exchange(server, app, token, actor_token=actor_token), 400, "invalid_grant", "unsupported actor token type")
    _oauth_error(exchange(server, app, token, actor_token="nope", actor_token_type=ACCESS),
                 400, "invalid_grant", "invalid actor token")  # fmt: skip
    no_openid = _ok(exchange(server, app, subject_token(api, actor), scope="profile"))["access_token"]
    _oauth_error(exchange(server, app, token, actor_token=no_openid, actor_token_type=ACCESS),
                 400, "invalid_grant", "actor token must have openid scope")  # fmt: skip
    _oauth_error(exchange(server, app, token, actor_token=body["access_token"], actor_token_type=ACCESS),
                 400, "invalid_grant", "invalid actor token")  # fmt: skip
    # None of the refusals used the subject token up.
    assert _ok(exchange(server, app, token))


def test_organization_token(server: Server, api: httpx.Client, app: tuple[str, str | None], user: str,
                            resource: dict[str, Any]) -> None:  # fmt: skip
    org = _ok(api.post("/api/organizations", json={"name": "acme"}), 201)
    scope = _ok(api.post("/api/organization-scopes", json={"name": f"read:{secrets.token_hex(3)}"}), 201)
    role = _ok(api.post("/api/organization-roles", json={
        "name": f"member-{secrets.token_hex(3)}", "organizationScopeIds": [scope["id"]],
        "resourceScopeIds": [resource["write"]["id"]],
    }), 201)  # fmt: skip
    token = subject_token(api, user)
    _oauth_error(exchange(server, app, token, organization_id=org["id"]), 403, "access_denied",
                 "user is not a member of the organization")  # fmt: skip
    assert api.post(f"/api/organizations/{org['id']}/users", json={"userIds": [user]}).status_code == 201
    r = api.post(f"/api/organizations/{org['id']}/users/{user}/roles", json={"organizationRoleIds": [role["id"]]})
    assert r.status_code == 201, r.text
    body = _ok(exchange(server, app, token, organization_id=org["id"], scope=f"{scope['name']} other"))
    claims = jwt_parts(body["access_token"])[1]
    assert claims["aud"] == f"urn:logto:organization:{org['id']}" and claims["scope"] == scope["name"]
    assert body["scope"] == scope["name"] and body["expires_in"] == 3600
    # The reserved organizations resource: only the organization scopes the user holds.
    reserved = _ok(exchange(server, app, subject_token(api, user), resource="urn:logto:resource:organizations",
                            scope=f"{scope['name']} other"))  # fmt: skip
    assert reserved["scope"] == scope["name"]
    assert jwt_parts(reserved["access_token"])[1]["aud"] == "urn:logto:resource:organizations"
    stranger = _ok(exchange(server, app, subject_token(api, make_user(api)), resource="urn:logto:resource:organizations",
                            scope=scope["name"]))  # fmt: skip
    assert stranger["scope"] == ""
    # With a resource: a resource token with the scopes of the user's roles and organization roles.
    body = _ok(exchange(server, app, subject_token(api, user), organization_id=org["id"],
                        resource=resource["indicator"], scope="read write"))  # fmt: skip
    claims = jwt_parts(body["access_token"])[1]
    assert claims["aud"] == resource["indicator"] and claims["organization_id"] == org["id"]
    assert claims["scope"] == "read write"
    # Organization MFA: refused until the user has a factor.
    assert api.patch(f"/api/organizations/{org['id']}", json={"isMfaRequired": True}).status_code == 200
    token = subject_token(api, user)
    _oauth_error(exchange(server, app, token, organization_id=org["id"]), 403, "access_denied",
                 "organization requires MFA but user has no MFA configured")  # fmt: skip
    r = api.post(f"/api/users/{user}/mfa-verifications", json={"type": "Totp"})
    assert r.status_code == 200, r.text
    assert _ok(exchange(server, app, token, organization_id=org["id"]))["scope"] == ""


def test_resources(server: Server, api: httpx.Client, app: tuple[str, str | None], user: str,
                   resource: dict[str, Any]) -> None:  # fmt: skip
    token = subject_token(api, user)
    for bad in ({"resource": "https://unknown.example"}, {"resource": ""}):
        _oauth_error(exchange(server, app, token, **bad), 400, "invalid_target", "resource indicator is missing, or unknown")
    form = f"grant_type={EXCHANGE}&subject_token={token}&subject_token_type={IMPERSONATION}"
    two = httpx.post(f"{server.base_url}/oidc/token", auth=(app[0], app[1] or ""),
                     content=f"{form}&resource={resource['indicator']}&resource=https://b.example",
                     headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    _oauth_error(two, 400, "invalid_target")
    body = _ok(exchange(server, app, token, resource=resource["indicator"]))  # no scope asked: none given
    assert body["scope"] == "" and "scope" not in jwt_parts(body["access_token"])[1]


def test_bad_requests(server: Server, api: httpx.Client, app: tuple[str, str | None], user: str) -> None:
    base = {"grant_type": EXCHANGE}
    _oauth_error(token_call(server, app[0], app[1], base), 400, "invalid_request",
                 "missing required parameters 'subject_token' and 'subject_token_type'")  # fmt: skip
    _oauth_error(token_call(server, app[0], app[1], {**base, "subject_token": "x"}), 400, "invalid_request",
                 "missing required parameter 'subject_token_type'")  # fmt: skip
    token = subject_token(api, user)
    _oauth_error(exchange(server, app, token, "urn:example:other"), 400, "invalid_grant", "unsupported subject token type")
    twice = f"grant_type={EXCHANGE}&subject_token={token}&subject_token=x&subject_token_type={IMPERSONATION}"
    res = httpx.post(f"{server.base_url}/oidc/token", content=twice, auth=(app[0], app[1] or ""),
                     headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    _oauth_error(res, 400, "invalid_request", "'subject_token' parameter must only be provided once")
    _oauth_error(exchange(server, app, "sub_" + "x" * 5000), 400, "invalid_grant", "subject token not found")
    # Deleted and suspended users.
    gone = make_user(api)
    gone_token = subject_token(api, gone)
    assert api.delete(f"/api/users/{gone}").status_code == 204
    _oauth_error(exchange(server, app, gone_token), 400, "invalid_grant", "subject token not found")
    assert api.patch(f"/api/users/{user}/is-suspended", json={"isSuspended": True}).status_code == 200
    _oauth_error(exchange(server, app, token), 400, "invalid_grant", "user is suspended")
    assert api.patch(f"/api/users/{user}/is-suspended", json={"isSuspended": False}).status_code == 200
    assert _ok(exchange(server, app, token))


@pytest.mark.parametrize("flavor", FLAVORS)
def test_sdk(flavor: str, server: Server, api: httpx.Client, app: tuple[str, str | None], user: str,
             resource: dict[str, Any]) -> None:  # fmt: skip
    """The SDK's `subject_tokens`, `authn` and `sentinel_activities`, both twins, for real."""

    async def body() -> None:
        mgmt, _ = make(flavor, server.base_url, server.client_id, server.client_secret)
        created = await call(mgmt.api.subject_tokens.create(user, {"source": "sdk"}))
        assert created["subjectToken"].startswith("sub_") and created["expiresIn"] == 600
        jwt = _ok(exchange(server, app, created["subjectToken"], resource=resource["indicator"]))["access_token"]
        # The user's token is sent, not the SDK's own Management API token.
        found = await call(mgmt.api.authn.hasura(resource["indicator"], jwt, unauthorized_role="guest"))
        assert found == {"X-Hasura-User-Id": user, "X-Hasura-Role": "guest"}
        assert await call(mgmt.api.sentinel_activities.delete(["nobody"])) is None
        with pytest.raises(LogtoError) as caught:
            await call(mgmt.api.subject_tokens.create("nosuchuser"))
        assert caught.value.status == 404 and caught.value.code == "entity.relation_foreign_key_not_found"
        await close(mgmt)

    run(body)


def test_sweeper_keeps_a_day_of_expired_tokens(server: Server, api: httpx.Client) -> None:
    user_id = make_user(api)
    fresh, recent, old = (subject_token(api, user_id) for _ in range(3))
    now = int(time.time() * 1000)
    db(server, "UPDATE subject_tokens SET expires_at = ? WHERE id = ?", now - 1000, digest(recent))
    db(server, "UPDATE subject_tokens SET expires_at = ? WHERE id = ?", now - sweeper.SUBJECT_TOKEN_GRACE_MS - 1000,
       digest(old))  # fmt: skip

    async def sweep() -> None:
        database = Database(normalize_database_url(server.database_url))
        try:
            async with database.write() as conn:
                await subject_store.sweep(conn, now - sweeper.SUBJECT_TOKEN_GRACE_MS)
        finally:
            await database.dispose()

    asyncio.run(sweep())
    left = {r[0] for r in db(server, "SELECT id FROM subject_tokens WHERE user_id = ?", user_id)}
    assert left == {digest(fresh), digest(recent)}
    _oauth_error(exchange(server, make_app(api, "SPA", allowTokenExchange=True), recent), 400, "invalid_grant",
                 "subject token is expired")  # fmt: skip


def test_jwt_customizer_sees_the_subject_token_context(server: Server, api: httpx.Client, app: tuple[str, str | None],
                                                        user: str, resource: dict[str, Any]) -> None:  # fmt: skip
    """Logto's `context.grant = {type, subjectTokenContext}` for tokens exchanged from a subject token."""
    script = ("const getCustomJwtClaims = async ({ token, context }) => ({ foo: context.grant?.subjectTokenContext?.foo, "
              "grantType: context.grant?.type ?? 'none', gty: token.gty });")  # fmt: skip
    url = "/api/configs/jwt-customizer/access-token"
    r = api.put(url, json={"script": script})
    assert r.status_code in (200, 201), r.text
    try:
        token = subject_token(api, user, context={"foo": "bar"})
        claims = jwt_parts(_ok(exchange(server, app, token, resource=resource["indicator"]))["access_token"])[1]
        assert claims["foo"] == "bar" and claims["grantType"] == EXCHANGE and claims["gty"] == EXCHANGE
        assert claims["sub"] == user and claims["aud"] == resource["indicator"]
        pat = _ok(api.post(f"/api/users/{user}/personal-access-tokens", json={"name": "ctx"}), 201)["value"]
        claims = jwt_parts(_ok(exchange(server, app, pat, PAT, resource=resource["indicator"]))["access_token"])[1]
        assert claims["grantType"] == "none" and "foo" not in claims
    finally:
        assert api.delete(url).status_code == 204
