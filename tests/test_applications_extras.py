"""Organizations of an app, access control, user consent (scopes and organizations), the per-app
sign-in experience and protected-app custom domains."""

from __future__ import annotations

import json

import httpx

from authkeep import ids
from tests.server import Server
from tests.test_applications import (
    db,
    error,
    new_app,
    now_ms,
    relate,
    seed_org,
    seed_org_role,
    seed_org_scope,
    seed_resource_scope,
    seed_role,
    seed_user,
)

ORG_KEYS = ["tenantId", "id", "name", "description", "customData", "isMfaRequired", "color", "branding",
            "customCss", "createdAt"]


def test_organizations_of_app(api: httpx.Client, server: Server) -> None:
    app = new_app(api)
    url = f"/api/applications/{app['id']}/organizations"
    assert api.get(url).json() == []
    orgs = [seed_org(server, f"o{i}") for i in range(3)]
    role_b, role_a = seed_org_role(server, "MachineToMachine", "b-role"), seed_org_role(server, "MachineToMachine", "a-role")
    for org in orgs:
        relate(server, "organization_application_relations", organization_id=org, application_id=app["id"])
    for role in (role_b, role_a):
        relate(server, "organization_role_application_relations", organization_id=orgs[0],
               organization_role_id=role, application_id=app["id"])
    res = api.get(url)
    body = res.json()
    assert res.status_code == 200 and "total-number" not in res.headers
    assert [o["id"] for o in body] == orgs and list(body[0]) == [*ORG_KEYS, "organizationRoles"]
    assert body[0]["organizationRoles"] == [{"id": role_a, "name": "a-role"}, {"id": role_b, "name": "b-role"}]
    assert body[1]["organizationRoles"] == [] and body[0]["customData"] == {"k": 1}
    paged = api.get(url, params={"page": "2", "page_size": "2"})
    assert paged.headers["total-number"] == "3" and [o["id"] for o in paged.json()] == orgs[2:]
    error(api.get("/api/applications/nope/organizations"), 404, "entity.not_exists_with_id")


def test_access_control(api: httpx.Client, server: Server) -> None:
    app = new_app(api, "SPA")
    url = f"/api/applications/{app['id']}/access-control"
    empty = {"userIds": [], "userRoleIds": [], "organizationIds": [], "organizationRoleRules": []}
    assert api.get(url).json() == empty
    user, role, org, org_role = seed_user(server), seed_role(api, server, "User"), seed_org(server), seed_org_role(server)
    body = {
        "userIds": [user, user],
        "userRoleIds": [role],
        "organizationIds": [org],
        "organizationRoleRules": [{"organizationId": org, "organizationRoleIds": [org_role]},
                                  {"organizationId": org, "organizationRoleIds": [org_role]}],
    }
    res = api.put(url, json=body)
    wanted = {**body, "userIds": [user], "organizationRoleRules": [{"organizationId": org, "organizationRoleIds": [org_role]}]}
    assert res.status_code == 200 and res.json() == wanted
    assert api.get(url).json() == wanted
    patched = api.patch(f"/api/applications/{app['id']}", json={"appLevelAccessControlEnabled": True}).json()
    assert patched["appLevelAccessControlEnabled"] is True
    err = error(api.put(url, json=empty), 422, "request.invalid_input")  # enabled: needs a rule
    assert "at least one rule" in err["message"]
    db(server, "DELETE FROM users WHERE id = ?", user)  # rules of deleted targets disappear
    assert api.get(url).json()["userIds"] == []


def test_access_control_errors(api: httpx.Client, server: Server) -> None:
    app = new_app(api, "SPA")
    url = f"/api/applications/{app['id']}/access-control"
    base = {"userIds": [], "userRoleIds": [], "organizationIds": [], "organizationRoleRules": []}
    for field in ("userIds", "userRoleIds", "organizationIds"):
        error(api.put(url, json={**base, field: ["missing"]}), 404, "entity.relation_foreign_key_not_found")
    org = seed_org(server)
    rule = {"organizationId": org, "organizationRoleIds": ["missing"]}
    error(api.put(url, json={**base, "organizationRoleRules": [rule]}), 404, "entity.relation_foreign_key_not_found")
    error(api.put(url, json={**base, "userRoleIds": [seed_role(api, server, "MachineToMachine")]}), 422,
          "entity.db_constraint_violated")
    m2m_org_role = seed_org_role(server, "MachineToMachine")
    error(api.put(url, json={**base, "organizationRoleRules": [{**rule, "organizationRoleIds": [m2m_org_role]}]}),
          422, "entity.db_constraint_violated")
    err = error(api.put(url, json={**base, "organizationRoleRules": [{**rule, "organizationRoleIds": []}]}), 422,
                "request.invalid_input")
    assert "at least one organization role" in err["message"]
    for bad in ({}, {**base, "userIds": "x"}, {**base, "userIds": [1]}, {**base, "organizationRoleRules": [{}]},
                {**base, "userIds": ["x"] * 2001}):
        error(api.put(url, json=bad), 400, "guard.invalid_input")
    assert api.get(url).json() == base  # nothing stored by failed attempts
    error(api.get("/api/applications/nope/access-control"), 404, "entity.not_exists_with_id")
    error(api.put("/api/applications/nope/access-control", json=base), 404, "entity.not_exists_with_id")


def test_user_consent_scopes(api: httpx.Client, server: Server) -> None:
    app = new_app(api, "Traditional", isThirdParty=True)
    url = f"/api/applications/{app['id']}/user-consent-scopes"
    empty = {"organizationScopes": [], "resourceScopes": [], "organizationResourceScopes": [], "userScopes": []}
    assert api.get(url).json() == empty
    org_scope = seed_org_scope(server)
    resource, scope = seed_resource_scope(server)
    _, scope2 = seed_resource_scope(server, resource)
    body = {"organizationScopes": [org_scope], "resourceScopes": [scope, scope2], "organizationResourceScopes": [scope],
            "userScopes": ["email", "profile", "email"]}
    res = api.post(url, json=body)
    assert res.status_code == 201 and res.content == b""
    assert api.post(url, json=body).status_code == 201  # repeats are ignored
    got = api.get(url).json()
    assert [s["id"] for s in got["organizationScopes"]] == [org_scope]
    assert list(got["organizationScopes"][0]) == ["id", "name", "description"]
    assert len(got["resourceScopes"]) == 1 and got["resourceScopes"][0]["resource"]["id"] == resource
    assert list(got["resourceScopes"][0]["resource"]) == ["id", "name", "indicator"]
    assert sorted(s["id"] for s in got["resourceScopes"][0]["scopes"]) == sorted([scope, scope2])
    assert [s["id"] for s in got["organizationResourceScopes"][0]["scopes"]] == [scope]
    assert got["userScopes"] == ["profile", "email"]
    assert api.delete(f"{url}/user-scopes/email").status_code == 204
    assert api.delete(f"{url}/resource-scopes/{scope2}").status_code == 204
    assert api.delete(f"{url}/organization-scopes/{org_scope}").status_code == 204
    assert api.delete(f"{url}/organization-resource-scopes/{scope}").status_code == 204
    error(api.delete(f"{url}/user-scopes/email"), 404, "entity.not_found")
    error(api.delete(f"{url}/bogus/x"), 400, "guard.invalid_input")
    got = api.get(url).json()
    assert got["userScopes"] == ["profile"] and got["organizationScopes"] == []
    assert [s["id"] for s in got["resourceScopes"][0]["scopes"]] == [scope]


def test_user_consent_scope_errors(api: httpx.Client, server: Server) -> None:
    first_party = new_app(api, "SPA")
    error(api.post(f"/api/applications/{first_party['id']}/user-consent-scopes", json={}), 422,
          "application.third_party_application_only")
    assert api.get(f"/api/applications/{first_party['id']}/user-consent-scopes").status_code == 200
    error(api.post("/api/applications/nope/user-consent-scopes", json={}), 404, "entity.not_exists_with_id")
    app = new_app(api, "SPA", isThirdParty=True)
    url = f"/api/applications/{app['id']}/user-consent-scopes"
    err = error(api.post(url, json={"resourceScopes": ["nope"], "organizationScopes": ["gone"]}), 422,
                "application.user_consent_scopes_not_found")
    assert err["data"] == {"invalidOrganizationScopes": ["gone"], "invalidResourceScopes": ["nope"],
                           "invalidOrganizationResourceScopes": []}
    error(api.post(url, json={"organizationResourceScopes": ["management-api-all"]}), 422,
          "application.consent_management_api_scopes_not_allowed")
    for bad in ({"userScopes": ["bogus"]}, {"resourceScopes": "x"}, {"organizationScopes": [1]}):
        error(api.post(url, json=bad), 400, "guard.invalid_input")
    assert api.get(url).json()["resourceScopes"] == []


def test_sign_in_experience(api: httpx.Client) -> None:
    app = new_app(api, "SPA")
    url = f"/api/applications/{app['id']}/sign-in-experience"
    err = error(api.get(url), 404, "entity.not_exists_with_id")
    assert err["message"] == f"The application_sign_in_experiences with ID `{app['id']}` does not exist."
    body = {"displayName": "Acme", "termsOfUseUrl": "https://acme.example/terms", "privacyPolicyUrl": "",
            "color": {"primaryColor": "#aabbcc", "isDarkModeEnabled": True},
            "branding": {"logoUrl": "https://acme.example/logo.png"}, "customCss": "a{}"}
    res = api.put(url, json=body)
    expected = {"tenantId": "default", "applicationId": app["id"], "color": body["color"], "branding": body["branding"],
                "customCss": "a{}", "termsOfUseUrl": body["termsOfUseUrl"], "privacyPolicyUrl": None,
                "displayName": "Acme"}
    assert res.status_code == 201 and res.json() == expected and list(res.json()) == list(expected)
    assert api.get(url).json() == expected
    res = api.put(url, json={"displayName": None, "color": {}})
    assert res.status_code == 200 and res.json() == {**expected, "displayName": None, "color": {}}
    assert api.put(url, json={}).json() == {**expected, "displayName": None, "color": {}}
    for bad in ({"termsOfUseUrl": "not a url"}, {"color": {"primaryColor": "red"}}, {"branding": {"logoUrl": "x"}},
                {"displayName": "x" * 257}, {"customCss": 1}, {"termsOfUseUrl": "https://a.b/" + "x" * 2048}):
        error(api.put(url, json=bad), 400, "guard.invalid_input")
    error(api.put("/api/applications/nope/sign-in-experience", json={}), 404, "entity.not_exists_with_id")
    error(api.get("/api/applications/nope/sign-in-experience"), 404, "entity.not_exists_with_id")
    assert api.delete(f"/api/applications/{app['id']}").status_code == 204


def test_consent_organizations(api: httpx.Client, server: Server) -> None:
    app = new_app(api, "SPA", isThirdParty=True)
    user = seed_user(server)
    url = f"/api/applications/{app['id']}/users/{user}/consent-organizations"
    orgs = [seed_org(server) for _ in range(3)]
    for org in orgs[:2]:
        relate(server, "organization_user_relations", organization_id=org, user_id=user)
    res = api.get(url)
    assert res.status_code == 200 and res.json() == {"organizations": []} and res.headers["total-number"] == "0"
    error(api.post(url, json={"organizationIds": [orgs[2]]}), 422, "organization.require_membership")
    error(api.put(url, json={"organizationIds": orgs}), 422, "organization.require_membership")
    res = api.post(url, json={"organizationIds": [orgs[0]]})
    assert res.status_code == 201 and res.content == b""
    assert api.post(url, json={"organizationIds": [orgs[0]]}).status_code == 201
    body = api.get(url).json()
    assert [o["id"] for o in body["organizations"]] == [orgs[0]] and list(body["organizations"][0]) == ORG_KEYS
    assert api.put(url, json={"organizationIds": orgs[:2]}).status_code == 204
    assert sorted(o["id"] for o in api.get(url).json()["organizations"]) == sorted(orgs[:2])
    paged = api.get(url, params={"page_size": "1"})
    assert paged.headers["total-number"] == "2" and len(paged.json()["organizations"]) == 1
    assert api.delete(f"{url}/{orgs[0]}").status_code == 204
    error(api.delete(f"{url}/{orgs[0]}"), 404, "entity.not_found")
    db(server, "DELETE FROM organization_user_relations WHERE organization_id = ?", orgs[1])
    assert api.get(url).json() == {"organizations": []}  # consent follows membership
    assert api.put(url, json={"organizationIds": []}).status_code == 204
    for bad in ({}, {"organizationIds": [""]}, {"organizationIds": "x"}):
        error(api.put(url, json=bad), 400, "guard.invalid_input")
    error(api.post(url, json={"organizationIds": []}), 400, "guard.invalid_input")


def test_consent_organization_guards(api: httpx.Client, server: Server) -> None:
    user = seed_user(server)
    first_party = new_app(api, "SPA")
    third = new_app(api, "SPA", isThirdParty=True)
    for method, suffix, body in (("GET", "", None), ("PUT", "", {"organizationIds": []}),
                                 ("POST", "", {"organizationIds": ["x"]}), ("DELETE", "/x", None)):
        for app_id, user_id, status, code in (
            ("nope", user, 404, "entity.not_exists_with_id"),
            (first_party["id"], user, 422, "application.third_party_application_only"),
            (third["id"], "nouser", 404, "entity.not_found"),
        ):
            path = f"/api/applications/{app_id}/users/{user_id}/consent-organizations{suffix}"
            error(api.request(method, path, json=body), status, code)


def _protected_app(server: Server, metadata: dict | None) -> str:  # type: ignore[type-arg]
    """Logto OSS cannot create protected apps; seed one as if imported."""
    app_id = ids.standard_id()
    db(
        server,
        "INSERT INTO applications (tenant_id, id, name, secret, description, type, oidc_client_metadata,"
        " custom_client_metadata, protected_app_metadata, custom_data, is_third_party,"
        " app_level_access_control_enabled, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "default", app_id, "protected", "x", None, "Protected",
        json.dumps({"redirectUris": [], "postLogoutRedirectUris": []}), "{}",
        None if metadata is None else json.dumps(metadata), "{}", False, False, now_ms(),
    )
    return app_id


def test_custom_domains(api: httpx.Client, server: Server) -> None:
    spa = new_app(api, "SPA")
    for method, suffix, body in (("GET", "", None), ("POST", "", {"domain": "a.b.c"}), ("DELETE", "/a.b.c", None)):
        path = "/protected-app-metadata/custom-domains" + suffix
        error(api.request(method, f"/api/applications/nope{path}", json=body), 404, "entity.not_exists_with_id")
        error(api.request(method, f"/api/applications/{spa['id']}{path}", json=body), 422,
              "application.protected_application_only")
    domains = [{"domain": "auth.acme.example", "status": "Active", "errorMessage": None, "dnsRecords": [],
                "cloudflareData": None}]
    meta = {"host": "x.protected.example", "origin": "https://o.example", "sessionDuration": 1, "pageRules": []}
    bare, configured, with_domain = _protected_app(server, None), _protected_app(server, meta), _protected_app(
        server, {**meta, "customDomains": domains})
    path = "/api/applications/{}/protected-app-metadata/custom-domains"
    error(api.get(path.format(bare)), 501, "application.protected_app_not_configured")
    error(api.get(path.format(configured)), 501, "domain.not_configured")
    error(api.post(path.format(configured), json={}), 400, "guard.invalid_input")
    error(api.post(path.format(bare), json={"domain": "a.b.c"}), 501, "application.protected_app_not_configured")
    error(api.post(path.format(configured), json={"domain": "a.b.c"}), 501, "application.protected_app_not_configured")
    error(api.post(path.format(with_domain), json={"domain": "a.b.c"}), 422, "domain.limit_to_one_domain")
    error(api.delete(path.format(configured) + "/a.b.c"), 404, "application.custom_domain_not_found")
    error(api.delete(path.format(with_domain) + "/auth.acme.example"), 501, "application.protected_app_not_configured")
    error(api.patch(f"/api/applications/{bare}", json={"protectedAppMetadata": {"origin": "https://n.example"}}), 422,
          "application.protected_application_misconfigured")
    error(api.patch(f"/api/applications/{configured}", json={"protectedAppMetadata": {"origin": "https://n.example"}}),
          501, "application.protected_app_not_configured")
    error(api.delete(f"/api/applications/{with_domain}"), 422, "application.should_delete_custom_domains_first")
    for app_id in (bare, configured):
        assert api.delete(f"/api/applications/{app_id}").status_code == 204
    db(server, "DELETE FROM applications WHERE id = ?", with_domain)
