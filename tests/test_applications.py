"""Applications: create, read, list (filters, search, paging), update, custom data, delete.

Also holds the helpers the other test_applications_* files share (seeding rows that belong to
other tags goes straight to the database, so these tests do not depend on those APIs)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from typing import Any

import httpx

from authkeep import ids
from tests.conftest import unique
from tests.server import Server

APP_KEYS = [
    "tenantId",
    "id",
    "name",
    "description",
    "type",
    "oidcClientMetadata",
    "customClientMetadata",
    "protectedAppMetadata",
    "customData",
    "isThirdParty",
    "appLevelAccessControlEnabled",
    "createdAt",
]
ACCESS_ROLE = "Logto Management API access"

# --- shared helpers ----------------------------------------------------------------------------


def new_app(api: httpx.Client, type: str = "MachineToMachine", **body: Any) -> dict[str, Any]:
    res = api.post("/api/applications", json={"name": unique("app"), "type": type, **body})
    assert res.status_code == 200, res.text
    return dict(res.json())


def error(res: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert res.status_code == status, res.text
    body = res.json()
    assert body["code"] == code, body
    return dict(body)


def db(server: Server, sql: str, *params: Any) -> list[Any]:
    """Run one statement on the server's database (`?` placeholders) and return the rows."""
    url = server.database_url
    if url.startswith("sqlite"):
        con = sqlite3.connect(url.split("///", 1)[1], timeout=30)
        try:
            rows = con.execute(sql, params).fetchall()
            con.commit()
            return rows
        finally:
            con.close()
    parts = sql.split("?")
    numbered = parts[0] + "".join(f"${i}{p}" for i, p in enumerate(parts[1:], 1))

    async def run() -> list[Any]:
        import asyncpg

        conn = await asyncpg.connect(url)
        try:
            return list(await conn.fetch(numbered, *params))
        finally:
            await conn.close()

    return asyncio.run(run())


def now_ms() -> int:
    return int(time.time() * 1000)


def seed_role(api: httpx.Client, server: Server, type: str = "MachineToMachine", name: str | None = None) -> str:
    """Through the Roles API when it is there, else straight into the table."""
    name = name or unique("role")
    res = api.post("/api/roles", json={"name": name, "description": "test role", "type": type})
    if res.status_code == 200:
        return str(res.json()["id"])
    role_id = ids.standard_id()
    db(
        server,
        "INSERT INTO roles (tenant_id, id, name, description, type, is_default, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        "default", role_id, name, "test role", type, False, now_ms(),
    )
    return role_id


def access_role_id(api: httpx.Client, server: Server) -> str:
    res = api.get("/api/roles", params={"search.name": ACCESS_ROLE, "mode.name": "exact"})
    if res.status_code == 200 and res.json():
        return str(res.json()[0]["id"])
    return str(db(server, "SELECT id FROM roles WHERE tenant_id = ? AND name = ?", "default", ACCESS_ROLE)[0][0])


def seed_user(server: Server) -> str:
    user_id = ids.short_id()
    db(
        server,
        "INSERT INTO users (tenant_id, id, username, profile, identities, custom_data, logto_config,"
        " mfa_verifications, is_suspended, is_password_expired, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "default", user_id, "u" + user_id, "{}", "{}", "{}", "{}", "[]", False, False, now_ms(), now_ms(),
    )
    return user_id


def seed_org(server: Server, name: str | None = None) -> str:
    org_id = ids.short_id()
    db(
        server,
        "INSERT INTO organizations (tenant_id, id, name, description, custom_data, is_mfa_required, color,"
        " branding, custom_css, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "default", org_id, name or unique("org"), None, '{"k": 1}', False, "{}", "{}", None, now_ms(),
    )
    return org_id


def seed_org_role(server: Server, type: str = "User", name: str | None = None) -> str:
    role_id = ids.standard_id()
    db(
        server,
        "INSERT INTO organization_roles (tenant_id, id, name, description, type) VALUES (?, ?, ?, ?, ?)",
        "default", role_id, name or unique("orgrole"), None, type,
    )
    return role_id


def seed_org_scope(server: Server) -> str:
    scope_id = ids.standard_id()
    db(
        server,
        "INSERT INTO organization_scopes (tenant_id, id, name, description) VALUES (?, ?, ?, ?)",
        "default", scope_id, unique("orgscope"), "an org scope",
    )
    return scope_id


def seed_resource_scope(server: Server, resource_id: str | None = None) -> tuple[str, str]:
    """(resource id, scope id); a new resource unless one is given."""
    if resource_id is None:
        resource_id = ids.standard_id()
        db(
            server,
            "INSERT INTO resources (tenant_id, id, name, indicator, is_default, access_token_ttl, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            "default", resource_id, unique("res"), "https://" + unique("api") + ".example", False, 3600, now_ms(),
        )
    scope_id = ids.standard_id()
    db(
        server,
        "INSERT INTO scopes (tenant_id, id, resource_id, name, description, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        "default", scope_id, resource_id, unique("scope"), "a scope", now_ms(),
    )
    return resource_id, scope_id


def relate(server: Server, table: str, **values: str) -> None:
    """Insert a relation row (tenant `default`)."""
    columns = ["tenant_id", *values]
    db(
        server,
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
        "default", *values.values(),
    )


# --- create ------------------------------------------------------------------------------------


def test_create_returns_200_and_logto_shape(api: httpx.Client) -> None:
    app = new_app(api, description="d", customData={"a": [1, {"b": None}]}, id="mine", tenantId="x")
    assert list(app) == APP_KEYS  # no `secret`, no `isAdmin`
    assert len(app["id"]) == 21 and app["id"] != "mine" and app["tenantId"] == "default"
    assert app["oidcClientMetadata"] == {"redirectUris": [], "postLogoutRedirectUris": []}
    assert app["customClientMetadata"] == {} and app["protectedAppMetadata"] is None
    assert app["customData"] == {"a": [1, {"b": None}]} and app["description"] == "d"
    assert app["isThirdParty"] is False and app["appLevelAccessControlEnabled"] is False
    assert abs(app["createdAt"] - now_ms()) < 60_000


def test_create_every_type(api: httpx.Client) -> None:
    for kind in ("Native", "SPA", "Traditional", "MachineToMachine"):
        app = new_app(api, kind)
        assert app["type"] == kind
        secrets = api.get(f"/api/applications/{app['id']}/secrets").json()
        if kind in ("Traditional", "MachineToMachine"):
            assert [s["name"] for s in secrets] == ["Default secret"]
            assert len(secrets[0]["value"]) == 32 and secrets[0]["expiresAt"] is None
        else:
            assert secrets == []


def test_create_metadata(api: httpx.Client) -> None:
    oidc = {
        "redirectUris": ["https://a.example/cb", "io.logto.app://callback", "https://*.example.com/cb"],
        "postLogoutRedirectUris": ["http://localhost:3000"],
        "backchannelLogoutUri": "https://a.example/logout",
        "backchannelLogoutSessionRequired": True,
        "logoUri": "anything",
        "unknown": 1,
    }
    ccm = {"corsAllowedOrigins": ["https://a.example"], "idTokenTtl": 600, "refreshTokenTtlInDays": 30,
           "rotateRefreshToken": False, "alwaysIssueRefreshToken": True, "maxAllowedGrants": 3, "nope": True}
    app = new_app(api, "Traditional", oidcClientMetadata=oidc, customClientMetadata=ccm)
    assert app["oidcClientMetadata"] == {k: v for k, v in oidc.items() if k != "unknown"}
    assert app["customClientMetadata"] == {k: v for k, v in ccm.items() if k != "nope"}
    native = new_app(api, "Native", customClientMetadata={"isDeviceFlow": True})
    assert native["customClientMetadata"] == {"isDeviceFlow": True}


def test_create_rules(api: httpx.Client) -> None:
    def post(body: dict[str, Any]) -> httpx.Response:
        return api.post("/api/applications", json={"name": "x", **body})

    error(post({"type": "SAML"}), 400, "application.saml.use_saml_app_api")
    error(post({"type": "SPA", "customClientMetadata": {"isDeviceFlow": True}}), 422,
          "application.device_flow_native_only")
    error(post({"type": "Protected"}), 400, "application.protected_app_metadata_is_required")
    for kind in ("MachineToMachine", "Protected"):
        error(post({"type": kind, "isThirdParty": True, "protectedAppMetadata": {"subDomain": "a", "origin": "o"}}),
              400, "application.invalid_third_party_application_type")
    error(post({"type": "SPA", "isThirdParty": True, "customClientMetadata": {"allowTokenExchange": True}}), 422,
          "application.third_party_application_cannot_enable_token_exchange")
    bad = {"subDomain": "-bad-", "origin": "https://o.example"}
    error(post({"type": "Protected", "protectedAppMetadata": bad}), 422, "application.invalid_subdomain")
    # Logto OSS has no protected-app (Cloudflare) provider.
    good = {"subDomain": "my-app", "origin": "https://o.example"}
    body = error(post({"type": "Protected", "protectedAppMetadata": good}), 501,
                 "application.protected_app_not_configured")
    assert "open source" in body["message"]
    third = new_app(api, "SPA", isThirdParty=True)
    assert third["isThirdParty"] is True


def test_create_validation(api: httpx.Client) -> None:
    bad: list[Any] = [
        {"type": "SPA"},
        {"name": "x"},
        {"name": "", "type": "SPA"},
        {"name": "x" * 257, "type": "SPA"},
        {"name": 1, "type": "SPA"},
        {"name": "x", "type": "Nope"},
        {"name": "x", "type": "SPA", "description": 5},
        {"name": "x", "type": "SPA", "customData": []},
        {"name": "x", "type": "SPA", "customData": None},
        {"name": "x", "type": "SPA", "isThirdParty": "yes"},
        {"name": "x", "type": "SPA", "oidcClientMetadata": {"redirectUris": []}},
        {"name": "x", "type": "SPA", "oidcClientMetadata": {"redirectUris": ["not a url"], "postLogoutRedirectUris": []}},
        {"name": "x", "type": "SPA", "oidcClientMetadata": {"redirectUris": ["https://a.b/../c"], "postLogoutRedirectUris": []}},
        {"name": "x", "type": "SPA", "oidcClientMetadata": {"redirectUris": ["https://*/cb"], "postLogoutRedirectUris": []}},
        {"name": "x", "type": "SPA", "oidcClientMetadata": {"redirectUris": ["https://a.b/?q=*"], "postLogoutRedirectUris": []}},
        {"name": "x", "type": "SPA", "oidcClientMetadata": {"redirectUris": [], "postLogoutRedirectUris": [],
                                                           "backchannelLogoutUri": "nope"}},
        {"name": "x", "type": "SPA", "customClientMetadata": {"refreshTokenTtlInDays": 181}},
        {"name": "x", "type": "SPA", "customClientMetadata": {"maxAllowedGrants": 0}},
        {"name": "x", "type": "SPA", "customClientMetadata": {"corsAllowedOrigins": [""]}},
        {"name": "x", "type": "SPA", "customClientMetadata": {"idTokenTtl": "1"}},
        {"name": "x", "type": "SPA", "customClientMetadata": None},
        {"name": "x", "type": "Protected", "protectedAppMetadata": {"subDomain": "a"}},
        {"name": "x\u0000", "type": "SPA"},
        {"name": "x", "type": "SPA", "customData": {"k": "a\u0000b"}},
    ]
    for body in bad:
        res = api.post("/api/applications", json=body)
        err = error(res, 400, "guard.invalid_input")
        assert err["message"] == "The request body is invalid.", body
    for raw in (b"[1]", b'"x"', b"42", b"{bad json"):
        res = api.post("/api/applications", content=raw, headers={"content-type": "application/json"})
        error(res, 400, "guard.invalid_input")
    err = api.post("/api/applications", json={"name": 1, "type": "SPA"}).json()
    assert err["data"]["issues"][0]["path"] == ["name"]
    assert err["details"] == 'Error in key path "name": (invalid_type) Expected string but received number.'


# --- read --------------------------------------------------------------------------------------


def test_get_and_missing(api: httpx.Client) -> None:
    app = new_app(api, "SPA")
    got = api.get(f"/api/applications/{app['id']}").json()
    assert got == {**app, "isAdmin": False} and list(got)[-1] == "isAdmin"
    err = error(api.get("/api/applications/does-not-exist"), 404, "entity.not_exists_with_id")
    assert err["message"] == "The applications with ID `does-not-exist` does not exist."
    error(api.get("/api/applications/a%00b"), 400, "guard.invalid_input")
    error(api.get("/api/applications/" + "x" * 300), 404, "entity.not_exists_with_id")


def test_built_in_apps(api: httpx.Client) -> None:
    demo = api.get("/api/applications/demo-app").json()
    assert demo["type"] == "SPA" and demo["name"] == "Live Preview" and demo["createdAt"] == 0
    assert demo["isAdmin"] is False and demo["secret"] == "N/A"  # Logto's placeholder shows through
    device = api.get("/api/applications/device-demo-app").json()
    assert device["type"] == "Native" and device["customClientMetadata"] == {"isDeviceFlow": True}
    assert api.get("/api/applications/account-center").json()["name"] == "Account Center"
    error(api.patch("/api/applications/demo-app", json={"name": "x"}), 404, "entity.not_exists_with_id")


# --- list --------------------------------------------------------------------------------------


def test_list_filters_and_search(api: httpx.Client, server: Server) -> None:
    tag = unique("flt")
    spa = new_app(api, "SPA", name=f"{tag}-spa", description="Blue")
    m2m = new_app(api, "MachineToMachine", name=f"{tag}-m2m")
    third = new_app(api, "Traditional", name=f"{tag}-third", isThirdParty=True)

    def names(**params: Any) -> list[str]:
        res = api.get("/api/applications", params={"search.name": f"{tag}%", **params})
        assert res.status_code == 200, res.text
        assert "total-number" not in res.headers and "link" not in res.headers
        return [a["name"] for a in res.json()]

    assert names() == [f"{tag}-third", f"{tag}-m2m", f"{tag}-spa"]  # newest first
    assert names(types="SPA") == [f"{tag}-spa"]
    assert sorted(names(types=["SPA", "MachineToMachine"])) == sorted([f"{tag}-spa", f"{tag}-m2m"])
    assert names(isThirdParty="true") == [f"{tag}-third"]
    assert names(isThirdParty="false") == [f"{tag}-m2m", f"{tag}-spa"]
    role = seed_role(api, server)
    assert api.post(f"/api/applications/{m2m['id']}/roles", json={"roleIds": [role]}).status_code == 201
    assert names(excludeRoleId=role) == [f"{tag}-third", f"{tag}-spa"]
    org = seed_org(server)
    relate(server, "organization_application_relations", organization_id=org, application_id=m2m["id"])
    assert names(excludeOrganizationId=org) == [f"{tag}-third", f"{tag}-spa"]
    res = api.get("/api/applications", params={"search": spa["id"]})
    assert [a["id"] for a in res.json()] == [spa["id"]]
    res = api.get("/api/applications", params={"search.description": "blue", "search.name": f"{tag}%", "joint": "and"})
    assert [a["id"] for a in res.json()] == [spa["id"]]
    res = api.get("/api/applications", params={"search.name": f"{tag}-THIRD", "isCaseSensitive": "true"})
    assert res.json() == []
    res = api.get("/api/applications", params={"search.id": [spa["id"], third["id"]], "mode.id": "exact"})
    assert sorted(a["id"] for a in res.json()) == sorted([spa["id"], third["id"]])
    assert all(list(a) == APP_KEYS for a in api.get("/api/applications").json())


def test_list_bad_queries(api: httpx.Client) -> None:
    for params in (
        {"types": "Nope"},
        {"types": ["SPA", "x"]},
        {"isThirdParty": "yes"},
        {"isThirdParty": ""},
        {"search.name": "a\u0000"},
    ):
        err = error(api.get("/api/applications", params=params), 400, "guard.invalid_input")
        assert err["message"] == "The request query is invalid.", params
    err = error(api.get("/api/applications", params={"excludeRoleId": "a", "excludeOrganizationId": "b"}), 400,
                "request.invalid_input")
    assert "cannot be used at the same time" in err["message"]
    error(api.get("/api/applications", params={"search.secret": "x"}), 400, "request.invalid_input")
    error(api.get("/api/applications", params={"search.name": "x", "mode": "similar_to"}), 400, "request.invalid_input")
    error(api.get("/api/applications", params={"search.name": "(", "mode.name": "posix"}), 400, "request.invalid_input")
    for params in ({"page": "0"}, {"page_size": "101"}, {"page": "abc"}, {"page": "1e999"}):
        error(api.get("/api/applications", params=params), 400, "guard.invalid_pagination")


def test_list_paging_headers(api: httpx.Client) -> None:
    tag = unique("pg")
    for i in range(45):
        new_app(api, "SPA", name=f"{tag}-{i:02d}")
    params = {"search.name": f"{tag}%", "page": "2", "page_size": "20"}
    res = api.get("/api/applications", params=params)
    assert res.status_code == 200 and len(res.json()) == 20
    assert res.headers["total-number"] == "45"
    links = {}
    for value in res.headers.get_list("link"):
        url, rel = value.split("; ")
        links[rel.split('"')[1]] = url.strip("<>")
    assert list(links) == ["first", "prev", "last", "next"]
    assert "page=1" in links["first"] and "page=3" in links["last"] and "page=3" in links["next"]
    for url in links.values():
        assert "/api/applications?" in url
        follow = api.get(url)
        assert follow.status_code == 200 and follow.headers["total-number"] == "45"
    last = api.get(links["last"]).json()
    assert len(last) == 5
    everything = api.get("/api/applications", params={"search.name": f"{tag}%"}).json()
    assert len(everything) == 45
    pages = [a["id"] for p in (1, 2, 3) for a in api.get("/api/applications", params={**params, "page": p}).json()]
    assert pages == [a["id"] for a in everything]  # stable order across pages
    beyond = api.get("/api/applications", params={**params, "page": "9"})
    assert beyond.json() == [] and beyond.headers["total-number"] == "45"
    only_size = api.get("/api/applications", params={"search.name": f"{tag}%", "page_size": "10"})
    assert len(only_size.json()) == 10 and only_size.headers["total-number"] == "45"


# --- update ------------------------------------------------------------------------------------


def test_patch(api: httpx.Client) -> None:
    app = new_app(api, "Traditional", customData={"a": 1, "b": 2},
                  customClientMetadata={"idTokenTtl": 60, "corsAllowedOrigins": ["https://x.example"]})
    url = f"/api/applications/{app['id']}"
    assert api.patch(url, json={}).json() == app  # empty body: unchanged, no error
    res = api.patch(url, json={"name": "renamed", "description": None, "customData": {"c": 3},
                               "customClientMetadata": {"rotateRefreshToken": False},
                               "type": "SPA", "isThirdParty": True, "id": "x", "createdAt": 1})
    patched = res.json()
    assert res.status_code == 200 and list(patched) == APP_KEYS
    assert patched["name"] == "renamed" and patched["description"] is None
    assert patched["customData"] == {"c": 3}  # replaced, not merged
    assert patched["customClientMetadata"] == {"rotateRefreshToken": False}
    assert patched["type"] == "Traditional" and patched["isThirdParty"] is False  # silently ignored
    assert patched["id"] == app["id"] and patched["createdAt"] == app["createdAt"]
    oidc = {"redirectUris": ["https://r.example/cb"], "postLogoutRedirectUris": []}
    assert api.patch(url, json={"oidcClientMetadata": oidc}).json()["oidcClientMetadata"] == oidc
    assert api.get(url).json()["name"] == "renamed"
    for bad in ({"name": ""}, {"name": None}, {"customData": None}, {"oidcClientMetadata": {"redirectUris": []}},
                {"isAdmin": "yes"}, {"appLevelAccessControlEnabled": 1}, {"customClientMetadata": []}):
        error(api.patch(url, json=bad), 400, "guard.invalid_input")
    error(api.patch("/api/applications/nope", json={"name": "x"}), 404, "entity.not_exists_with_id")


def test_patch_rules(api: httpx.Client) -> None:
    native = new_app(api, "Native", customClientMetadata={"isDeviceFlow": True})
    url = f"/api/applications/{native['id']}"
    error(api.patch(url, json={"customClientMetadata": {}}), 422, "application.device_flow_not_changeable")
    assert api.patch(url, json={"customClientMetadata": {"isDeviceFlow": True, "idTokenTtl": 5}}).status_code == 200
    spa = new_app(api, "SPA")
    error(api.patch(f"/api/applications/{spa['id']}", json={"customClientMetadata": {"isDeviceFlow": True}}), 422,
          "application.device_flow_not_changeable")
    third = new_app(api, "SPA", isThirdParty=True)
    error(api.patch(f"/api/applications/{third['id']}", json={"customClientMetadata": {"allowTokenExchange": True}}),
          422, "application.third_party_application_cannot_enable_token_exchange")
    error(api.patch(f"/api/applications/{spa['id']}", json={"protectedAppMetadata": {"origin": "https://o.example"}}),
          400, "application.protected_application_only")
    assert api.patch(f"/api/applications/{spa['id']}", json={"protectedAppMetadata": None}).status_code == 200
    err = error(api.patch(f"/api/applications/{spa['id']}", json={"appLevelAccessControlEnabled": True}), 422,
                "request.invalid_input")
    assert "at least one rule" in err["message"]
    patched = api.patch(f"/api/applications/{spa['id']}", json={"appLevelAccessControlEnabled": False}).json()
    assert patched["appLevelAccessControlEnabled"] is False


def test_is_admin_toggle(api: httpx.Client) -> None:
    app = new_app(api)
    url = f"/api/applications/{app['id']}"
    patched = api.patch(url, json={"isAdmin": True}).json()
    assert "isAdmin" not in patched and api.get(url).json()["isAdmin"] is True
    assert api.patch(url, json={"isAdmin": True}).status_code == 200  # idempotent
    assert api.get(f"{url}/roles").json() == []  # the internal role is never listed
    api.patch(url, json={"isAdmin": False})
    assert api.get(url).json()["isAdmin"] is False
    spa = new_app(api, "SPA")
    error(api.patch(f"/api/applications/{spa['id']}", json={"isAdmin": True}), 422, "application.invalid_type")
    assert api.patch(f"/api/applications/{spa['id']}", json={"isAdmin": False}).status_code == 200


def test_custom_data_merges_shallowly(api: httpx.Client) -> None:
    app = new_app(api, "SPA", customData={"a": 1, "nested": {"x": 1}})
    url = f"/api/applications/{app['id']}/custom-data"
    res = api.patch(url, json={"b": 2, "nested": {"y": 2}})
    assert res.status_code == 200 and res.json() == {"a": 1, "nested": {"y": 2}, "b": 2}
    assert api.patch(url, json={}).json() == {"a": 1, "nested": {"y": 2}, "b": 2}
    assert api.get(f"/api/applications/{app['id']}").json()["customData"] == {"a": 1, "nested": {"y": 2}, "b": 2}
    for raw in (b"[]", b"1", b'"s"', b"null", b"{x"):
        error(api.patch(url, content=raw, headers={"content-type": "application/json"}), 400, "guard.invalid_input")
    err = error(api.patch("/api/applications/nope/custom-data", json={"a": 1}), 404, "entity.not_exists")
    assert err["message"] == "The application does not exist."
    big = {"n": 18446744073709551615, "f": 1.5e300, "deep": [[[{"k": "v"}]]], "u": "é ✓"}
    assert api.patch(url, json=big).json()["n"] == 18446744073709551615
    stored = api.get(f"/api/applications/{app['id']}").json()["customData"]
    assert stored["f"] == 1.5e300 and stored["n"] == 18446744073709551615 and stored["u"] == "é ✓"
    listed = api.get("/api/applications", params={"search.id": app["id"]}).json()[0]["customData"]
    assert listed == stored


# --- delete ------------------------------------------------------------------------------------


def test_delete_cascades(api: httpx.Client, server: Server) -> None:
    app = new_app(api)
    role = seed_role(api, server)
    api.post(f"/api/applications/{app['id']}/roles", json={"roleIds": [role]})
    org = seed_org(server)
    relate(server, "organization_application_relations", organization_id=org, application_id=app["id"])
    res = api.delete(f"/api/applications/{app['id']}")
    assert res.status_code == 204 and res.content == b""
    error(api.get(f"/api/applications/{app['id']}"), 404, "entity.not_exists_with_id")
    for table in ("application_secrets", "applications_roles", "organization_application_relations"):
        assert db(server, f"SELECT count(*) FROM {table} WHERE application_id = ?", app["id"])[0][0] == 0
    error(api.delete(f"/api/applications/{app['id']}"), 404, "entity.not_exists_with_id")


def test_saml_apps_are_read_only_here(api: httpx.Client, server: Server) -> None:
    app_id = ids.standard_id()
    db(
        server,
        "INSERT INTO applications (tenant_id, id, name, secret, description, type, oidc_client_metadata,"
        " custom_client_metadata, protected_app_metadata, custom_data, is_third_party,"
        " app_level_access_control_enabled, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "default", app_id, "saml", "x", None, "SAML", json.dumps({"redirectUris": ["https://a.b"],
                                                               "postLogoutRedirectUris": []}),
        "{}", None, "{}", False, False, now_ms(),
    )
    got = api.get(f"/api/applications/{app_id}").json()
    assert got["oidcClientMetadata"] == {"redirectUris": [], "postLogoutRedirectUris": []} and "secret" not in got
    error(api.patch(f"/api/applications/{app_id}", json={"name": "x"}), 400, "application.saml.use_saml_app_api")
    error(api.delete(f"/api/applications/{app_id}"), 400, "application.saml.use_saml_app_api")
    assert [a["id"] for a in api.get("/api/applications", params={"types": "SAML", "search.id": app_id}).json()] == [app_id]
    db(server, "DELETE FROM applications WHERE id = ?", app_id)
