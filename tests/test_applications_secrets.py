"""Application secrets, the legacy secret, and an app created over the API calling the API."""

from __future__ import annotations

import time

import httpx

from authkeep.secretbox import SecretBox
from tests.server import MGMT, Server
from tests.test_applications import access_role_id, db, error, new_app, now_ms

SECRET_KEYS = ["tenantId", "applicationId", "name", "value", "createdAt", "expiresAt"]


def _token(server: Server, client_id: str, secret: str, basic: bool = True) -> httpx.Response:
    form = {"grant_type": "client_credentials", "resource": MGMT, "scope": "all"}
    if basic:
        return httpx.post(f"{server.base_url}/oidc/token", data=form, auth=(client_id, secret))
    return httpx.post(f"{server.base_url}/oidc/token", data={**form, "client_id": client_id, "client_secret": secret})


def test_secret_crud(api: httpx.Client) -> None:
    app = new_app(api, "Traditional")
    url = f"/api/applications/{app['id']}/secrets"
    res = api.post(url, json={"name": "ci", "expiresAt": None, "value": "mine"})
    created = res.json()
    assert res.status_code == 201 and list(created) == SECRET_KEYS
    assert created["applicationId"] == app["id"] and created["expiresAt"] is None
    assert len(created["value"]) == 32 and created["value"].isalnum() and created["value"] != "mine"
    later = now_ms() + 86_400_000
    dated = api.post(url, json={"name": "dated", "expiresAt": later}).json()
    assert dated["expiresAt"] == later
    listed = api.get(url).json()
    assert {s["name"] for s in listed} == {"Default secret", "ci", "dated"}
    assert next(s for s in listed if s["name"] == "ci") == created  # plaintext value, as Logto
    error(api.post(url, json={"name": "ci"}), 422, "application.secret_name_exists")
    renamed = api.patch(f"{url}/ci", json={"name": "ci 2%"})
    assert renamed.status_code == 200 and renamed.json() == {**created, "name": "ci 2%"}
    assert api.patch(f"{url}/ci%202%25", json={"name": "ci 2%"}).status_code == 200  # same name: no-op
    error(api.patch(f"{url}/ci%202%25", json={"name": "dated"}), 422, "application.secret_name_exists")
    err = error(api.patch(f"{url}/nope", json={"name": "x"}), 404, "entity.not_exists")
    assert err["message"] == "The application_secret does not exist."
    for bad in ({}, {"name": ""}, {"name": "x" * 257}, {"name": 3}):
        error(api.patch(f"{url}/dated", json=bad), 400, "guard.invalid_input")
    assert api.delete(f"{url}/ci%202%25").status_code == 204
    error(api.delete(f"{url}/ci%202%25"), 404, "entity.not_found")
    assert api.delete(f"{url}/Default%20secret").status_code == 204
    assert [s["name"] for s in api.get(url).json()] == ["dated"]
    # Names may hold a slash; it arrives percent-encoded and is still one name.
    api.post(url, json={"name": "ci/cd"}).raise_for_status()
    assert api.patch(f"{url}/ci%2Fcd", json={"name": "ci/cd 2"}).json()["name"] == "ci/cd 2"
    assert api.delete(f"{url}/ci%2Fcd%202").status_code == 204


def test_secret_rules(api: httpx.Client) -> None:
    app = new_app(api, "MachineToMachine")
    url = f"/api/applications/{app['id']}/secrets"
    for past in (now_ms() - 1000, 0, -5):
        err = error(api.post(url, json={"name": "old", "expiresAt": past}), 400, "request.invalid_input")
        assert err["message"] == "Input is invalid. The value of `expiresAt` must be in the future."
    for bad in ({"name": "x", "expiresAt": "tomorrow"}, {"name": "x", "expiresAt": 1e300}, {"expiresAt": None},
                {"name": ""}, {"name": "x" * 257}, {"name": "a\u0000"}):
        error(api.post(url, json=bad), 400, "guard.invalid_input")
    error(api.post(url, content=b"[]", headers={"content-type": "application/json"}), 400, "guard.invalid_input")
    for kind in ("SPA", "Native"):
        public = new_app(api, kind)
        error(api.post(f"/api/applications/{public['id']}/secrets", json={"name": "s"}), 422,
              "entity.db_constraint_violated")
    for method, path in (("GET", "secrets"), ("POST", "secrets"), ("PATCH", "secrets/x"), ("DELETE", "secrets/x"),
                         ("DELETE", "legacy-secret")):
        body = {"name": "n"} if method in ("POST", "PATCH") else None
        error(api.request(method, f"/api/applications/nope/{path}", json=body), 404, "entity.not_exists_with_id")


def test_legacy_secret(api: httpx.Client, server: Server) -> None:
    app = new_app(api, "MachineToMachine")
    app_id = app["id"]
    error(api.delete(f"/api/applications/{app_id}/legacy-secret"), 400, "application.no_legacy_secret_found")
    sealed = SecretBox(server.secret_key).seal("legacy-secret-value", aad=app_id)
    db(server, "UPDATE applications SET secret = ? WHERE id = ?", sealed, app_id)
    got = api.get(f"/api/applications/{app_id}").json()
    assert got["secret"] == "legacy-secret-value" and list(got)[:4] == ["tenantId", "id", "name", "secret"]
    listed = api.get("/api/applications", params={"search.id": app_id}).json()
    assert listed[0]["secret"] == "legacy-secret-value"
    assert _token(server, app_id, "legacy-secret-value").status_code == 200  # still accepted, as Logto
    res = api.delete(f"/api/applications/{app_id}/legacy-secret")
    assert res.status_code == 200 and "secret" not in res.json() and res.json()["id"] == app_id
    assert _token(server, app_id, "legacy-secret-value").status_code == 401
    assert "secret" not in api.get(f"/api/applications/{app_id}").json()
    error(api.delete(f"/api/applications/{app_id}/legacy-secret"), 400, "application.no_legacy_secret_found")


def test_new_m2m_app_calls_the_api(api: httpx.Client, server: Server) -> None:
    app = new_app(api, "MachineToMachine")
    role = access_role_id(api, server)
    res = api.post(f"/api/applications/{app['id']}/roles", json={"roleIds": [role]})
    assert res.status_code == 201 and res.json() == {"roleIds": [role], "addedRoleIds": [role]}
    secret = api.get(f"/api/applications/{app['id']}/secrets").json()[0]
    assert secret["name"] == "Default secret"
    for basic in (True, False):
        res = _token(server, app["id"], secret["value"], basic=basic)
        assert res.status_code == 200, res.text
        assert res.json()["scope"] == "all"
    token = res.json()["access_token"]
    with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}) as own:
        created = own.post("/api/applications", json={"name": "made-by-m2m", "type": "SPA"})
        assert created.status_code == 200
        new_id = created.json()["id"]
        assert own.get(f"/api/applications/{new_id}").json()["name"] == "made-by-m2m"
        assert own.patch(f"/api/applications/{new_id}", json={"name": "renamed"}).json()["name"] == "renamed"
        assert own.delete(f"/api/applications/{new_id}").status_code == 204
    assert _token(server, app["id"], "wrong").status_code == 401


def test_expired_secret_is_refused(api: httpx.Client, server: Server) -> None:
    app = new_app(api, "MachineToMachine")
    api.post(f"/api/applications/{app['id']}/roles", json={"roleIds": [access_role_id(api, server)]})
    short = api.post(f"/api/applications/{app['id']}/secrets", json={"name": "short", "expiresAt": now_ms() + 1500})
    assert short.status_code == 201
    value = short.json()["value"]
    assert _token(server, app["id"], value).status_code == 200
    time.sleep(2)
    res = _token(server, app["id"], value)
    assert res.status_code == 400
    assert res.json()["error"] == "invalid_request" and res.json()["error_description"] == "client secret has expired"
    default = next(s for s in api.get(f"/api/applications/{app['id']}/secrets").json() if s["name"] == "Default secret")
    assert _token(server, app["id"], default["value"]).status_code == 200
    assert api.delete(f"/api/applications/{app['id']}/secrets/Default%20secret").status_code == 204
    assert _token(server, app["id"], default["value"]).status_code == 401
