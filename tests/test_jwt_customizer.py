"""JWT customizer and action configs over HTTP (Logto's logto-config.test.ts), their test
endpoints, the sandbox's limits, and custom claims in tokens from /oidc/token."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import fresh_server
from tests.oidc_flow import (
    authorize,
    browser,
    create_app,
    exchange,
    follow_to_callback,
    location,
    password_sign_in,
    refresh,
    sign_in,
)
from tests.oidc_helpers import jwt_parts
from tests.server import Server

TOKEN = {"jti": "f1d3d2d1", "aud": "http://localhost:3000/api/test", "scope": "read write", "clientId": "my_app"}
CC_PAYLOAD: dict[str, Any] = {
    "script": "",
    "blockIssuanceOnError": False,
    "environmentVariables": {"foo": "bar", "API_KEY": "12345"},
    "contextSample": {"application": {"id": "my-app", "name": "My M2M App"}},
    "tokenSample": {**TOKEN, "kind": "ClientCredentials"},
}
AT_PAYLOAD: dict[str, Any] = {
    **CC_PAYLOAD,
    "tokenSample": {**TOKEN, "accountId": "uid_123", "grantId": "grant_123", "gty": "authorization_code", "kind": "AccessToken"},
    "contextSample": {"user": {"id": "123", "username": "foo", "roles": [], "organizations": []}},
}
DENY = "const getCustomJwtClaims = async ({ api }) => api.denyAccess('You are not allowed to access this resource');"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def srv(request: pytest.FixtureRequest) -> Iterator[Server]:
    with fresh_server(request.param, {"AUTHKEEP_SCRIPT_TIMEOUT_MS": "1500", "AUTHKEEP_SCRIPT_MEMORY_MB": "64"}) as s:
        yield s


@pytest.fixture(scope="module")
def api(srv: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=srv.base_url, headers={"Authorization": f"Bearer {srv.token()}"}, timeout=30) as c:
        yield c


def _test(api: httpx.Client, script: str, kind: str = "client-credentials", **extra: Any) -> httpx.Response:
    payload = AT_PAYLOAD if kind == "access-token" else CC_PAYLOAD
    body = {"tokenType": kind, "script": script, "token": payload["tokenSample"], "context": payload["contextSample"]}
    return api.post("/api/configs/jwt-customizer/test", json={**body, **extra})


@pytest.mark.parametrize("path, payload", [("access-token", AT_PAYLOAD), ("client-credentials", CC_PAYLOAD)])
def test_put_get_patch_delete(api: httpx.Client, path: str, payload: dict[str, Any]) -> None:
    url = f"/api/configs/jwt-customizer/{path}"
    missing = api.get(url)
    assert missing.status_code == 404 and missing.json()["code"] == "entity.not_exists_with_id"
    gone = api.delete(url)
    assert gone.status_code == 404 and gone.json()["code"] == "entity.not_found"
    assert api.patch(url, json={"script": "x"}).status_code == 404
    created = api.put(url, json=payload)
    assert created.status_code == 201 and created.json() == payload
    again = api.put(url, json={**payload, "script": "new script"})
    assert again.status_code == 200 and again.json() == {**payload, "script": "new script"}
    patched = api.patch(url, json={"script": "abc"})
    assert patched.status_code == 200 and patched.json() == {**payload, "script": "abc"}
    assert api.get(url).json() == {**payload, "script": "abc"}
    key = "jwt.accessToken" if path == "access-token" else "jwt.clientCredentials"
    assert {"key": key, "value": {**payload, "script": "abc"}} in api.get("/api/configs/jwt-customizer").json()
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404
    assert all(item["key"] != key for item in api.get("/api/configs/jwt-customizer").json())


def test_list_in_logto_order(api: httpx.Client) -> None:
    assert api.put("/api/configs/jwt-customizer/client-credentials", json=CC_PAYLOAD).status_code == 201
    assert api.put("/api/configs/jwt-customizer/access-token", json=AT_PAYLOAD).status_code == 201
    listed = api.get("/api/configs/jwt-customizer").json()
    assert listed == [{"key": "jwt.accessToken", "value": AT_PAYLOAD}, {"key": "jwt.clientCredentials", "value": CC_PAYLOAD}]
    for path in ("access-token", "client-credentials"):
        assert api.delete(f"/api/configs/jwt-customizer/{path}").status_code == 204
    assert api.get("/api/configs/jwt-customizer").json() == []


@pytest.mark.parametrize(
    "body, where",
    [
        ([], ""),
        ({}, "script"),
        ({"script": 1}, "script"),
        ({"script": "", "nope": 1}, ""),
        ({"script": "", "environmentVariables": {"a": 1}}, "environmentVariables.a"),
        ({"script": "", "blockIssuanceOnError": "yes"}, "blockIssuanceOnError"),
        ({"script": "", "tokenSample": {"kind": "AccessToken"}}, "tokenSample.kind"),
        ({"script": "", "tokenSample": {"accountId": "u"}}, "tokenSample"),
        ({"script": "", "contextSample": "x"}, "contextSample"),
    ],
)
def test_put_refuses_bad_bodies(api: httpx.Client, body: Any, where: str) -> None:
    r = api.put("/api/configs/jwt-customizer/client-credentials", json=body)
    assert r.status_code == 400 and r.json()["code"] == "guard.invalid_input", r.text
    assert f'key path "{where}"' in r.json()["details"]
    assert api.get("/api/configs/jwt-customizer/client-credentials").status_code == 404


def test_bad_paths_and_access_token_context(api: httpx.Client) -> None:
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        r = api.request(method, "/api/configs/jwt-customizer/id-token", json={"script": ""})
        assert r.status_code == 400 and r.json()["code"] == "guard.invalid_input", (method, r.text)
        r = api.request(method, "/api/configs/actions/action.nope", json={"script": ""})
        assert r.status_code == 400 and r.json()["code"] == "guard.invalid_input", (method, r.text)
    no_user = api.put("/api/configs/jwt-customizer/access-token", json={"script": "", "contextSample": {}})
    assert no_user.status_code == 400 and 'key path "contextSample.user"' in no_user.json()["details"]
    assert api.post("/api/configs/jwt-customizer/access-token").status_code == 405
    assert httpx.get(f"{api.base_url}/api/configs/jwt-customizer").status_code == 401


def test_test_endpoint(api: httpx.Client) -> None:
    script = "const getCustomJwtClaims = async ({ token, context, environmentVariables }) => ({ user_id: context?.user?.id, kind: token.kind, ...environmentVariables })"
    ok = _test(api, script, "access-token", environmentVariables={"foo": "bar"})
    assert ok.status_code == 200 and ok.json() == {"user_id": "123", "kind": "AccessToken", "foo": "bar"}
    cc = _test(api, "function getCustomJwtClaims({ context }) { return { app: context.application.name } }")
    assert cc.status_code == 200 and cc.json() == {"app": "My M2M App"}
    for kind in ("access-token", "client-credentials"):
        denied = _test(api, DENY, kind)
        assert denied.status_code == 403, denied.text
        assert denied.json()["code"] == "jwt_customizer.general"
        message = "You are not allowed to access this resource"
        assert denied.json()["data"] == {"message": message, "error": {"code": "AccessDenied", "message": message}}
    syntax = _test(api, "const getCustomJwtClaims = (")
    assert syntax.status_code == 422 and syntax.json()["code"] == "jwt_customizer.general"
    missing = _test(api, "const other = 1")
    assert missing.status_code == 422 and "getCustomJwtClaims" in missing.json()["data"]["message"]
    thrown = _test(api, "async function getCustomJwtClaims() { throw new Error('boom') }")
    assert thrown.status_code == 422 and thrown.json()["data"]["message"] == "boom"
    not_object = _test(api, "const getCustomJwtClaims = () => [1]")
    assert not_object.status_code == 422 and not_object.json()["data"]["message"] == "Invalid input"


@pytest.mark.parametrize(
    "body",
    [
        {"tokenType": "id-token", "script": "", "token": {}, "context": {}},
        {"tokenType": "client-credentials", "token": {}, "context": {}},
        {"tokenType": "client-credentials", "script": "", "context": {}},
        {"tokenType": "access-token", "script": "", "token": {}, "context": {}},
        {"tokenType": "access-token", "script": "", "token": {"bad": 1}, "context": {"user": {}}},
        "script",
    ],
)
def test_test_endpoint_refuses_bad_bodies(api: httpx.Client, body: Any) -> None:
    r = api.post("/api/configs/jwt-customizer/test", json=body)
    assert r.status_code == 400 and r.json()["code"] == "guard.invalid_input", r.text


def test_runaway_scripts_are_stopped_and_the_server_keeps_serving(api: httpx.Client) -> None:
    for script in (
        "while (true) {}",
        "function getCustomJwtClaims() { while (true) {} }",
        "async function getCustomJwtClaims() { await null; for (;;) {} }",
        "async function getCustomJwtClaims() { const a = []; for (;;) a.push(new Array(1e5).fill(7)) }",
        "async function getCustomJwtClaims() { const a = []; for (;;) a.push(new ArrayBuffer(64 * 1024 * 1024)) }",
        "async function getCustomJwtClaims() { let s = 'x'; for (;;) s += s }",
    ):
        r = _test(api, script)
        assert r.status_code == 422, (script, r.text)
        assert api.get("/api/configs/jwt-customizer").status_code == 200
    timed_out = _test(api, "function getCustomJwtClaims() { while (true) {} }")
    assert timed_out.json()["data"]["message"] == "Script execution timed out after 1500ms."
    assert _test(api, "const getCustomJwtClaims = () => ({ fine: true })").json() == {"fine": True}


@pytest.mark.parametrize(
    "script",
    [
        "const getCustomJwtClaims = () => require('fs').readFileSync('/etc/passwd', 'utf8')",
        "const getCustomJwtClaims = () => ({ env: process.env })",
        "const getCustomJwtClaims = () => this.constructor.constructor('return process')().env",
        "const getCustomJwtClaims = () => fetch.constructor.constructor('return process')()",
        "const getCustomJwtClaims = async () => { const m = await import('node:fs'); return { x: m.readFileSync('/etc/passwd', 'utf8') } }",
        "const getCustomJwtClaims = () => ({ x: eval('1') })",
    ],
)
def test_scripts_cannot_reach_files_or_environment(api: httpx.Client, script: str) -> None:
    r = _test(api, script)
    assert r.status_code == 422, r.text
    assert "root:" not in r.text and "PATH" not in r.text


def test_scripts_see_only_builtins(api: httpx.Client) -> None:
    script = (
        "const getCustomJwtClaims = () => ({ require: typeof require, process: typeof process, "
        "buffer: typeof Buffer, fetch: typeof fetch, timers: typeof setTimeout })"
    )
    r = _test(api, script)
    assert r.json() == {"require": "undefined", "process": "undefined", "buffer": "undefined", "fetch": "function", "timers": "undefined"}


def _m2m(api: httpx.Client, name: str) -> tuple[str, str, str]:
    """A machine-to-machine app with a role on a new resource: (app id, secret, indicator)."""
    indicator = f"https://api.{secrets.token_hex(4)}.example"
    res = api.post("/api/resources", json={"name": "r", "indicator": indicator}).json()
    scope = api.post(f"/api/resources/{res['id']}/scopes", json={"name": "read"}).json()
    role = api.post("/api/roles", json={"name": f"m{secrets.token_hex(4)}", "description": "d", "type": "MachineToMachine", "scopeIds": [scope["id"]]}).json()
    app = api.post("/api/applications", json={"name": name, "type": "MachineToMachine"}).json()
    assert api.post(f"/api/applications/{app['id']}/roles", json={"roleIds": [role["id"]]}).status_code == 201
    secret = api.get(f"/api/applications/{app['id']}/secrets").json()[0]["value"]
    return app["id"], secret, indicator


def _cc(srv: Server, app_id: str, secret: str, indicator: str) -> httpx.Response:
    data = {"grant_type": "client_credentials", "resource": indicator, "scope": "read"}
    return httpx.post(f"{srv.base_url}/oidc/token", data=data, auth=(app_id, secret))


CC_SCRIPT = """
const getCustomJwtClaims = async ({ token, context, environmentVariables, api }) => {
  const name = context.application && context.application.name;
  if (name === 'deny-me') api.denyAccess('no tokens for ' + name);
  if (name === 'throw-me') throw new Error('script broke');
  return { app_name: name, kind: token.kind, plan: environmentVariables.PLAN, sub: 'forged', iss: 'forged', scope: 'all', aud: 'x' };
};
"""


def test_client_credentials_tokens_carry_custom_claims(srv: Server, api: httpx.Client) -> None:
    app_id, secret, indicator = _m2m(api, "m2m-custom")
    plain = _cc(srv, app_id, secret, indicator)
    assert plain.status_code == 200 and "app_name" not in jwt_parts(plain.json()["access_token"])[1]
    body = {"script": CC_SCRIPT, "environmentVariables": {"PLAN": "gold"}}
    assert api.put("/api/configs/jwt-customizer/client-credentials", json=body).status_code == 201
    try:
        r = _cc(srv, app_id, secret, indicator)
        assert r.status_code == 200, r.text
        header, claims = jwt_parts(r.json()["access_token"])
        assert header["typ"] == "at+jwt"
        assert claims["app_name"] == "m2m-custom" and claims["kind"] == "ClientCredentials" and claims["plan"] == "gold"
        assert claims["sub"] == app_id and claims["iss"] == f"{srv.base_url}/oidc"
        assert claims["scope"] == "read" and claims["aud"] == indicator and claims["client_id"] == app_id
        # the signature still verifies: the customized token is a working Management API token too
        mgmt = httpx.get(f"{srv.base_url}/api/applications", headers={"Authorization": f"Bearer {srv.token()}"})
        assert mgmt.status_code == 200

        deny_id, deny_secret, deny_ind = _m2m(api, "deny-me")
        denied = _cc(srv, deny_id, deny_secret, deny_ind)
        assert denied.status_code == 400, denied.text
        assert denied.json()["error"] == "access_denied" and denied.json()["error_description"] == "no tokens for deny-me"

        throw_id, throw_secret, throw_ind = _m2m(api, "throw-me")
        open_ = _cc(srv, throw_id, throw_secret, throw_ind)
        assert open_.status_code == 200 and "app_name" not in jwt_parts(open_.json()["access_token"])[1]
        assert api.patch("/api/configs/jwt-customizer/client-credentials", json={**body, "blockIssuanceOnError": True}).status_code == 200
        closed = _cc(srv, throw_id, throw_secret, throw_ind)
        assert closed.status_code == 400 and closed.json()["error"] == "invalid_request"
        assert closed.json()["error_description"] == "Custom claims script error: script broke"
    finally:
        api.delete("/api/configs/jwt-customizer/client-credentials")
    after = _cc(srv, app_id, secret, indicator)
    assert after.status_code == 200 and "app_name" not in jwt_parts(after.json()["access_token"])[1]


AT_SCRIPT = """
async function getCustomJwtClaims({ token, context, api }) {
  if (context.user.username.startsWith('blocked')) api.denyAccess('blocked user');
  return {
    user_name: context.user.name, roles: context.user.roles.map((r) => r.name),
    scopes: context.user.roles.flatMap((r) => r.scopes.map((s) => s.resource.indicator + ' ' + s.name)),
    gty: token.gty, account: token.accountId, app: context.application.id, jti: 'forged',
  };
}
"""


def _user(api: httpx.Client, indicator: str, prefix: str) -> tuple[str, str]:
    username, password = f"{prefix}{secrets.token_hex(4)}", "Pa55-word-" + secrets.token_hex(4)
    user = api.post("/api/users", json={"username": username, "password": password, "name": "Ann"}).json()
    res = api.get("/api/resources").json()
    res_id = next(r["id"] for r in res if r["indicator"] == indicator)
    scope = api.post(f"/api/resources/{res_id}/scopes", json={"name": f"read:{prefix}"}).json()
    role = api.post("/api/roles", json={"name": f"u{secrets.token_hex(4)}", "description": "d", "scopeIds": [scope["id"]]}).json()
    assert api.post(f"/api/users/{user['id']}/roles", json={"roleIds": [role["id"]]}).status_code == 201
    return username, password


def test_user_access_tokens_carry_custom_claims(srv: Server, api: httpx.Client) -> None:
    indicator = f"https://user.{secrets.token_hex(4)}.example"
    api.post("/api/resources", json={"name": "u", "indicator": indicator})
    app = create_app(api, "Traditional")
    username, password = _user(api, indicator, "ann")
    assert api.put("/api/configs/jwt-customizer/access-token", json={"script": AT_SCRIPT}).status_code == 201
    try:
        scope = "openid profile offline_access read:ann"
        browser, tokens = sign_in(srv, app, username, password, scope, resource=indicator)
        with contextlib.closing(browser):
            r = refresh(browser, app, tokens["refresh_token"], resource=indicator)
            assert r.status_code == 200, r.text
            claims = jwt_parts(r.json()["access_token"])[1]
            assert claims["user_name"] == "Ann" and len(claims["roles"]) == 1
            assert claims["scopes"] == [f"{indicator} read:ann"]
            assert claims["gty"] == "refresh_token" and claims["account"] == claims["sub"] and claims["app"] == app.id
            assert claims["jti"] != "forged" and claims["aud"] == indicator
            # an opaque token (no resource) is left alone
            assert "." not in tokens["access_token"]

        blocked, blocked_password = _user(api, indicator, "blocked")
        scope = "openid profile offline_access read:blocked"
        browser, tokens = sign_in(srv, app, blocked, blocked_password, scope, resource=indicator)
        with contextlib.closing(browser):
            denied = refresh(browser, app, tokens["refresh_token"], resource=indicator)
            assert denied.status_code == 400, denied.text
            assert denied.json()["error"] == "access_denied" and denied.json()["error_description"] == "blocked user"
    finally:
        api.delete("/api/configs/jwt-customizer/access-token")


ACTION = {"script": "async function runAction({ event }) { return { action: 'updateUser' } }", "enabled": True, "onExecutionError": "allow"}


@pytest.mark.parametrize("key", ["action.postFirstFactorVerification", "action.postSignIn"])
def test_actions_crud(api: httpx.Client, key: str) -> None:
    url = f"/api/configs/actions/{key}"
    assert api.get(url).json()["code"] == "entity.not_exists_with_id"
    assert api.delete(url).json()["code"] == "entity.not_found"
    assert api.patch(url, json={"enabled": False}).status_code == 404
    created = api.put(url, json={**ACTION, "environmentVariables": {"K": "v"}, "contextSample": [1, "a"]})
    assert created.status_code == 201, created.text
    assert created.json() == {**ACTION, "environmentVariables": {"K": "v"}, "contextSample": [1, "a"]}
    assert api.put(url, json=ACTION).status_code == 200
    patched = api.patch(url, json={"enabled": False})
    assert patched.status_code == 200 and patched.json() == {**ACTION, "enabled": False}
    assert {"key": key, "value": {**ACTION, "enabled": False}} in api.get("/api/configs/actions").json()
    assert api.get(url).json() == {**ACTION, "enabled": False}
    for bad in ({}, {"script": 1}, {"script": "", "onExecutionError": "maybe"}, {"script": "", "x": 1}, {"script": "", "enabled": "y"}):
        r = api.put(url, json=bad)
        assert r.status_code == 400 and r.json()["code"] == "guard.invalid_input", (bad, r.text)
    assert api.patch(url, json={"extra": True}).status_code == 400
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404


def test_actions_test_endpoint(api: httpx.Client) -> None:
    def run(script: str, **extra: Any) -> httpx.Response:
        body = {"script": script, "actionType": "action.postSignIn", "event": {"user": {"id": "u1"}}, **extra}
        return api.post("/api/configs/actions/test", json=body)

    ok = run("async function runAction({ event, environmentVariables }) { return { action: 'updateUser', id: event.user.id, k: environmentVariables.K } }", environmentVariables={"K": "v"})
    assert ok.status_code == 200 and ok.json() == {"action": "updateUser", "id": "u1", "k": "v"}
    nothing = run("async function runAction() {}")
    assert nothing.status_code == 204 and nothing.content == b""
    null = run("async function runAction() { return null }")
    assert null.status_code == 200 and null.content == b"null"
    text = run("async function runAction() { return 'hi' }")
    assert text.status_code == 200 and text.json() == "hi"
    boom = run("async function runAction() { throw new Error('nope') }")
    assert boom.status_code == 422 and boom.json()["code"] == "action.general" and boom.json()["data"]["message"] == "nope"
    no_api = run("async function runAction(input) { return { api: typeof input.api } }")
    assert no_api.json() == {"api": "undefined"}
    assert run("while (true) {}").status_code == 422
    for bad in ({"script": "", "actionType": "action.nope", "event": {}}, {"script": "", "actionType": "action.postSignIn"},
                {"script": "", "actionType": "action.postSignIn", "event": 1, "x": 1}):  # fmt: skip
        r = api.post("/api/configs/actions/test", json=bad)
        assert r.status_code == 400 and r.json()["code"] == "guard.invalid_input", (bad, r.text)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def no_node(request: pytest.FixtureRequest) -> Iterator[Server]:
    with fresh_server(request.param, {"AUTHKEEP_NODE": "/nonexistent/node"}) as s:
        yield s


def test_without_a_sandbox_scripts_fail_as_logto_fails_them(no_node: Server) -> None:
    with httpx.Client(base_url=no_node.base_url, headers={"Authorization": f"Bearer {no_node.token()}"}, timeout=30) as api:
        r = _test(api, "const getCustomJwtClaims = () => ({})")
        assert r.status_code == 422 and r.json()["data"] == {"message": "The script runner is unavailable."}
        app_id, secret, indicator = _m2m(api, "no-node")
        assert api.put("/api/configs/jwt-customizer/client-credentials", json={"script": CC_SCRIPT}).status_code == 201
        issued = _cc(no_node, app_id, secret, indicator)  # fail-open
        assert issued.status_code == 200 and "app_name" not in jwt_parts(issued.json()["access_token"])[1]
        assert api.patch("/api/configs/jwt-customizer/client-credentials", json={"script": CC_SCRIPT, "blockIssuanceOnError": True}).status_code == 200
        refused = _cc(no_node, app_id, secret, indicator)
        assert refused.status_code == 400
        assert refused.json()["error_description"] == "Custom claims script error: The script runner is unavailable."


POST_SIGN_IN = """
async function runAction({ event, environmentVariables }) {
  const u = event.user;
  if (u.username.startsWith('fail')) throw new Error('action broke');
  if (u.username.startsWith('odd')) return { action: 'deleteUser' };
  return { action: 'updateUser', user: { name: environmentVariables.NAME + ' ' + u.roles.length, customData: { tier: 'gold' } } };
}
"""


def test_post_sign_in_action_runs_at_submit(srv: Server, api: httpx.Client) -> None:
    def user(prefix: str) -> tuple[str, str, str]:
        username, password = f"{prefix}{secrets.token_hex(4)}", "Pa55-word-" + secrets.token_hex(4)
        body = {"username": username, "password": password, "customData": {"keep": 1}}
        return api.post("/api/users", json=body).json()["id"], username, password

    def submit(username: str, password: str) -> httpx.Response:
        with contextlib.closing(browser(srv)) as c:
            _, r = authorize(c, create_app(api, "Traditional"))
            location(r)
            return password_sign_in(c, username, password)

    url = "/api/configs/actions/action.postSignIn"
    action = {"script": POST_SIGN_IN, "environmentVariables": {"NAME": "Agent"}, "enabled": False}
    assert api.put(url, json=action).status_code == 201
    try:
        user_id, username, password = user("ann")
        assert submit(username, password).status_code == 200
        assert api.get(f"/api/users/{user_id}").json()["name"] is None  # disabled: not run
        assert api.patch(url, json={"enabled": True}).status_code == 200
        assert submit(username, password).status_code == 200
        found = api.get(f"/api/users/{user_id}").json()
        assert found["name"] == "Agent 0" and found["customData"] == {"keep": 1, "tier": "gold"}
        for prefix in ("fail", "odd"):
            _, name, pw = user(prefix)
            refused = submit(name, pw)
            assert refused.status_code == 400 and refused.json()["code"] == "session.verification_failed", refused.text
        assert api.patch(url, json={"onExecutionError": "allow"}).status_code == 200
        _, name, pw = user("fail")
        assert submit(name, pw).status_code == 200
    finally:
        api.delete(url)


ORG_SCRIPT = """
const getCustomJwtClaims = ({ context }) => ({
  org_name: context.organization && context.organization.name,
  org_data: context.organization && context.organization.customData,
  member_of: context.user.organizations.map((o) => o.id),
  org_roles: context.user.organizationRoles.map((r) => r.roleName),
  organization_id: 'forged-but-allowed',
});
"""


def test_user_organization_tokens_carry_the_organization(srv: Server, api: httpx.Client) -> None:
    tag = secrets.token_hex(4)
    read = api.post("/api/organization-scopes", json={"name": f"read:{tag}"}).json()["id"]
    role = api.post("/api/organization-roles", json={"name": f"viewer-{tag}", "organizationScopeIds": [read]}).json()
    org = api.post("/api/organizations", json={"name": f"org-{tag}", "customData": {"plan": "pro"}}).json()["id"]
    username, password = f"o{tag}", "Pa55-word-" + tag
    user_id = api.post("/api/users", json={"username": username, "password": password}).json()["id"]
    assert api.post(f"/api/organizations/{org}/users", json={"userIds": [user_id]}).status_code == 201
    assert api.post(f"/api/organizations/{org}/users/{user_id}/roles", json={"organizationRoleIds": [role["id"]]}).status_code == 201
    app = create_app(api, "Traditional")
    assert api.put("/api/configs/jwt-customizer/access-token", json={"script": ORG_SCRIPT}).status_code == 201
    try:
        scope = f"openid offline_access urn:logto:scope:organizations read:{tag}"
        browser, tokens = sign_in(srv, app, username, password, scope, resource="urn:logto:resource:organizations")
        with contextlib.closing(browser):
            r = refresh(browser, app, tokens["refresh_token"], organization_id=org)
            assert r.status_code == 200, r.text
            claims = jwt_parts(r.json()["access_token"])[1]
        assert claims["aud"] == f"urn:logto:organization:{org}" and claims["scope"] == f"read:{tag}"
        assert claims["org_name"] == f"org-{tag}" and claims["org_data"] == {"plan": "pro"}
        assert claims["member_of"] == [org] and claims["org_roles"] == [f"viewer-{tag}"]
        assert claims["organization_id"] == "forged-but-allowed"  # not one of oidc-provider's claims
    finally:
        api.delete("/api/configs/jwt-customizer/access-token")


CONTEXT_SCRIPT = """
const getCustomJwtClaims = ({ token, context }) => ({
  t: { grantId: token.grantId, sessionUid: token.sessionUid, sid: token.sid, ews: token.expiresWithSession },
  interaction: context.interaction === undefined ? 'none' : context.interaction,
  grant: context.grant === undefined ? 'none' : context.grant,
});
"""


def test_user_tokens_see_the_sign_in_interaction(srv: Server, api: httpx.Client) -> None:
    indicator = f"https://ctx.{secrets.token_hex(4)}.example"
    api.post("/api/resources", json={"name": "c", "indicator": indicator})
    app = create_app(api, "Traditional")
    username, password = _user(api, indicator, "ctx")
    user_id = api.get("/api/users", params={"search.username": username}).json()[0]["id"]
    assert api.put("/api/configs/jwt-customizer/access-token", json={"script": CONTEXT_SCRIPT}).status_code == 201
    try:
        for scope in ("openid read:ctx", "openid offline_access read:ctx"):
            with contextlib.closing(browser(srv)) as c:
                auth, r = authorize(c, app, scope, resource=indicator)
                location(r)
                r = password_sign_in(c, username, password)
                assert r.status_code == 200, r.text
                code = follow_to_callback(c, r.json()["redirectTo"])["code"]
                r = exchange(c, app, code, auth, resource=indicator)
                assert r.status_code == 200, r.text
                claims = jwt_parts(r.json()["access_token"])[1]
                sessions = api.get(f"/api/users/{user_id}/sessions").json()["sessions"]
                if "offline_access" in scope:
                    again = refresh(c, app, r.json()["refresh_token"], resource=indicator)
                    assert again.status_code == 200, again.text
                    refreshed = jwt_parts(again.json()["access_token"])[1]
                    assert refreshed["interaction"] == claims["interaction"] and refreshed["t"] == claims["t"]
            session = next(s for s in sessions if s["payload"]["uid"] == claims["t"]["sessionUid"])
            assert claims["t"]["grantId"] == session["payload"]["authorizations"][app.id]["grantId"]
            assert claims["t"]["sid"] == session["payload"]["authorizations"][app.id]["sid"]
            # oidc-provider's default: a token expires with the session unless offline_access is granted
            assert claims["t"].get("ews") is (True if "offline_access" not in scope else None)
            interaction = claims["interaction"]
            assert interaction["interactionEvent"] == "SignIn" and interaction["userId"] == user_id
            [record] = interaction["verificationRecords"]
            assert record["type"] == "Password" and record["verified"] is True
            assert record["identifier"] == {"type": "username", "value": username}
            assert set(record) == {"id", "type", "identifier", "verified"}  # no password, as Logto
            assert claims["grant"] == "none"  # Logto sets `grant` for token exchange only
    finally:
        api.delete("/api/configs/jwt-customizer/access-token")


FIRST_FACTOR = """
async function runAction({ event, environmentVariables: env }) {
  const u = event.identifier.value;
  if (event.password !== env.PASS) return { action: 'createUser', user: {}, passwordVerified: false };
  if (u.startsWith('boom')) throw new Error('boom');
  if (u.startsWith('rename')) return { action: 'updateUser', user: { username: u + 'x' }, passwordVerified: true };
  if (u.startsWith('clash')) return { action: 'createUser', user: { primaryEmail: env.TAKEN }, passwordVerified: true };
  if (u.startsWith('wrongkind')) return { action: 'createUser', user: {}, passwordVerified: true };
  if (u.startsWith('extra')) return { action: 'createUser', user: { passwordEncrypted: 'x' }, passwordVerified: true };
  const seen = [event.key, event.interactionEvent, event.verificationType, event.identifier.type];
  return {
    action: event.user ? 'updateUser' : 'createUser', passwordVerified: true,
    user: { name: seen.join(':') + ':' + (event.user ? event.user.name + '/' + event.user.customData.keep : 'new'),
            customData: { legacy: true }, profile: { nickname: 'nick' } },
  };
}
"""


def test_post_first_factor_verification_action(srv: Server, api: httpx.Client) -> None:
    app = create_app(api, "Traditional")
    legacy = "Legacy-pass-" + secrets.token_hex(4)
    taken = f"taken{secrets.token_hex(4)}@example.com"
    api.post("/api/users", json={"username": f"t{secrets.token_hex(4)}", "primaryEmail": taken})

    def attempt(username: str, password: str) -> httpx.Response:
        with contextlib.closing(browser(srv)) as c:
            _, r = authorize(c, app)
            location(r)
            return password_sign_in(c, username, password)

    def users(username: str) -> list[dict[str, Any]]:
        return [u for u in api.get("/api/users", params={"search.username": username}).json() if u["username"] == username]

    def refused(r: httpx.Response, status: int = 422, code: str = "session.invalid_credentials") -> None:
        assert r.status_code == status and r.json()["code"] == code, r.text

    url = "/api/configs/actions/action.postFirstFactorVerification"
    action = {"script": FIRST_FACTOR, "environmentVariables": {"PASS": legacy, "TAKEN": taken}, "enabled": False}
    assert api.put(url, json=action).status_code == 201
    try:
        newcomer = f"new{secrets.token_hex(4)}"
        refused(attempt(newcomer, legacy))  # disabled: not run
        assert api.patch(url, json={"enabled": True}).status_code == 200
        refused(attempt(newcomer, "wrong-" + legacy))  # the action does not vouch
        assert users(newcomer) == []
        # an unknown user the action vouches for is created with the password given, and signs in
        assert attempt(newcomer, legacy).status_code == 200
        [created] = users(newcomer)
        assert created["name"] == "action.postFirstFactorVerification:SignIn:Password:username:new"
        assert created["customData"] == {"legacy": True} and created["profile"] == {"nickname": "nick"}
        assert created["hasPassword"] is True
        assert api.patch(url, json={"enabled": False}).status_code == 200
        assert attempt(newcomer, legacy).status_code == 200  # now the stored password
        assert api.patch(url, json={"enabled": True}).status_code == 200
        # a known user with another password is updated (custom data merged) and given this one
        known, old = f"known{secrets.token_hex(4)}", "Old-pass-" + secrets.token_hex(4)
        body = {"username": known, "password": old, "name": "Kim", "customData": {"keep": 1}}
        known_id = api.post("/api/users", json=body).json()["id"]
        assert attempt(known, legacy).status_code == 200
        found = api.get(f"/api/users/{known_id}").json()
        assert found["name"] == "action.postFirstFactorVerification:SignIn:Password:username:Kim/1"
        assert found["customData"] == {"keep": 1, "legacy": True}
        refused(attempt(known, old))  # the password was replaced, and the action does not vouch
        # refusals write nothing
        refused(attempt(f"boom{secrets.token_hex(4)}", legacy))  # a failing script: `block`
        assert api.patch(url, json={"onExecutionError": "allow"}).status_code == 200
        boom = f"boom{secrets.token_hex(4)}"
        refused(attempt(boom, legacy))  # `allow` rejects the credentials too, as in Logto
        assert users(boom) == []
        rename = f"rename{secrets.token_hex(4)}"
        api.post("/api/users", json={"username": rename, "password": old})
        r = attempt(rename, legacy)
        refused(r, 422, "action.sign_in_identifier_changed")
        assert r.json()["data"] == {"identifierType": "username"}
        assert users(rename)[0]["name"] is None and users(rename + "x") == []
        wrongkind = f"wrongkind{secrets.token_hex(4)}"
        api.post("/api/users", json={"username": wrongkind, "password": old})
        refused(attempt(wrongkind, legacy), 409, "session.identity_conflict")
        clash = f"clash{secrets.token_hex(4)}"
        refused(attempt(clash, legacy), 422, "user.email_already_in_use")
        extra = f"extra{secrets.token_hex(4)}"
        refused(attempt(extra, legacy))  # a field Logto's provisioning guard refuses
        assert users(clash) == [] and users(extra) == []
        # not for a suspended user
        suspended = api.post("/api/users", json={"username": f"s{secrets.token_hex(4)}", "password": old}).json()
        assert api.patch(f"/api/users/{suspended['id']}/is-suspended", json={"isSuspended": True}).status_code == 200
        refused(attempt(suspended["username"], legacy))
        assert api.get(f"/api/users/{suspended['id']}").json()["name"] is None
    finally:
        api.delete(url)
