"""Organizations: CRUD, list with `q` and `showFeatured`, user members and their organization
roles and scopes, M2M application members, JIT rules — with Logto's statuses and error codes."""

from __future__ import annotations

import httpx

from tests.conftest import unique
from tests.server import Server
from tests.test_organization_helpers import (
    MEMBER_KEYS,
    ORG_KEYS,
    ROLE_KEYS,
    SCOPE_KEYS,
    error,
    ids_of,
    new_app,
    new_org,
    new_role,
    new_scope,
    new_sso_connector,
    new_user,
    ok,
)


def test_create_get_patch_delete(api: httpx.Client) -> None:
    org = new_org(
        api,
        description="d",
        customData={"plan": "pro", "n": 1},
        isMfaRequired=True,
        color={"primaryColor": "#ABCDEF", "isDarkModeEnabled": True, "unknown": 1},
        branding={"logoUrl": "https://img.example/logo.png"},
        customCss="body{}",
        isTrustedDeviceAllowed=False,
        unknownKey=1,
    )
    assert list(org) == ORG_KEYS
    assert len(org["id"]) == 12 and org["tenantId"] == "default"
    assert org["color"] == {"primaryColor": "#ABCDEF", "isDarkModeEnabled": True}
    assert org["customData"] == {"plan": "pro", "n": 1} and org["isMfaRequired"] is True
    assert ok(api.get(f"/api/organizations/{org['id']}")) == org

    patched = ok(api.patch(f"/api/organizations/{org['id']}", json={"customData": {"x": 1}, "description": None}))
    assert patched["customData"] == {"x": 1}  # replaced, not merged
    assert patched["description"] is None and patched["name"] == org["name"]
    assert ok(api.patch(f"/api/organizations/{org['id']}", json={})) == patched

    bare = new_org(api)
    assert bare["customData"] == {} and bare["color"] == {} and bare["branding"] == {}
    assert bare["isMfaRequired"] is False and bare["description"] is None

    assert api.delete(f"/api/organizations/{org['id']}").status_code == 204
    body = error(api.get(f"/api/organizations/{org['id']}"), 404, "entity.not_exists_with_id")
    assert body["message"] == f"The organizations with ID `{org['id']}` does not exist."
    error(api.delete(f"/api/organizations/{org['id']}"), 404, "entity.not_found")
    body = error(api.patch(f"/api/organizations/{org['id']}", json={"name": "x"}), 404, "entity.not_exists")
    assert body["message"] == "The organization does not exist."


def test_create_validation(api: httpx.Client) -> None:
    error(api.post("/api/organizations", json={}), 400, "guard.invalid_input")
    error(api.post("/api/organizations", json={"name": ""}), 400, "guard.invalid_input")
    error(api.post("/api/organizations", json={"name": "x" * 129}), 400, "guard.invalid_input")
    error(api.post("/api/organizations", json={"name": "a", "description": "x" * 257}), 400, "guard.invalid_input")
    error(api.post("/api/organizations", json={"name": "a", "customData": []}), 400, "guard.invalid_input")
    error(api.post("/api/organizations", json={"name": "a", "color": {"primaryColor": "red"}}), 400, "guard.invalid_input")
    error(api.post("/api/organizations", json={"name": "a", "branding": {"logoUrl": "nope"}}), 400, "guard.invalid_input")
    error(api.post("/api/organizations", json={"name": "a", "isMfaRequired": "yes"}), 400, "guard.invalid_input")
    error(api.post("/api/organizations", json={"name": "a\u0000"}), 400, "guard.invalid_input")
    error(api.post("/api/organizations", content=b"[1]", headers={"content-type": "application/json"}), 400, "guard.invalid_input")
    org = new_org(api, createdAt=1_000)
    assert org["createdAt"] == 1_000
    error(api.patch(f"/api/organizations/{org['id']}", json={"name": ""}), 400, "guard.invalid_input")
    error(api.get("/api/organizations/%00"), 400, "guard.invalid_input")


def test_list_q_paging_and_featured(api: httpx.Client) -> None:
    tag = unique("zq")
    orgs = [new_org(api, name=f"{tag} {i}") for i in range(3)]
    res = api.get("/api/organizations", params={"q": tag, "page_size": 2})
    assert res.status_code == 200 and res.headers["total-number"] == "3"
    assert ids_of(res.json()) == ids_of(orgs[:2]) and 'rel="next"' in res.headers["link"]
    assert ids_of(ok(api.get("/api/organizations", params={"q": tag, "page": 2, "page_size": 2}))) == [orgs[2]["id"]]
    assert ids_of(ok(api.get("/api/organizations", params={"q": tag.upper()}))) == ids_of(orgs)  # ILIKE
    assert ids_of(ok(api.get("/api/organizations", params={"q": orgs[1]["id"]}))) == [orgs[1]["id"]]
    assert "usersCount" not in ok(api.get("/api/organizations", params={"q": tag}))[0]
    error(api.get("/api/organizations", params={"page_size": 101}), 400, "guard.invalid_pagination")

    users = [new_user(api) for _ in range(4)]
    ok(api.post(f"/api/organizations/{orgs[0]['id']}/users", json={"userIds": ids_of(users)}), 201)
    listed = ok(api.get("/api/organizations", params={"q": tag, "showFeatured": "yes"}))
    assert listed[0]["usersCount"] == 4 and len(listed[0]["featuredUsers"]) == 3
    assert set(listed[0]["featuredUsers"][0]) == {"id", "avatar", "name"}
    assert {u["id"] for u in listed[0]["featuredUsers"]} <= set(ids_of(users))
    assert listed[1]["usersCount"] == 0 and listed[1]["featuredUsers"] == []


def test_members(api: httpx.Client) -> None:
    org = new_org(api)
    base = f"/api/organizations/{org['id']}/users"
    users = [new_user(api, name=f"Member {i}") for i in range(3)]
    body = ok(api.post(base, json={"userIds": [users[0]["id"], users[0]["id"], users[1]["id"]]}), 201)
    assert body == {"userIds": [users[0]["id"], users[0]["id"], users[1]["id"]]}
    ok(api.post(base, json={"userIds": [users[0]["id"]]}), 201)  # idempotent
    res = api.get(base)
    assert res.headers["total-number"] == "2"
    members = res.json()
    assert list(members[0]) == MEMBER_KEYS
    assert ids_of(members) == sorted([users[0]["id"], users[1]["id"]])
    assert all(m["organizationRoles"] == [] for m in members)

    error(api.post(base, json={"userIds": []}), 400, "guard.invalid_input")
    error(api.post(base, json={"userIds": [""]}), 400, "guard.invalid_input")
    error(api.post(base, json={"userIds": ["nope"]}), 422, "entity.relation_foreign_key_not_found")
    error(api.post("/api/organizations/nope/users", json={"userIds": [users[0]["id"]]}), 422,
          "entity.relation_foreign_key_not_found")  # fmt: skip

    ok_put = api.put(base, json={"userIds": [users[1]["id"], users[2]["id"]]})
    assert ok_put.status_code == 204 and ok_put.content == b""
    assert ids_of(ok(api.get(base))) == sorted([users[1]["id"], users[2]["id"]])
    error(api.put(base, json={"userIds": ["nope"]}), 422, "entity.relation_foreign_key_not_found")
    assert api.put("/api/organizations/nope/users", json={"userIds": []}).status_code == 204

    assert api.delete(f"{base}/{users[1]['id']}").status_code == 204
    error(api.delete(f"{base}/{users[1]['id']}"), 404, "entity.not_found")
    assert ids_of(ok(api.get(base))) == [users[2]["id"]]
    assert api.put(base, json={"userIds": []}).status_code == 204
    assert ok(api.get(base)) == []
    assert ok(api.get("/api/organizations/nope/users")) == []  # no 404, as Logto


def test_member_search_and_role_filter(api: httpx.Client) -> None:
    org = new_org(api)
    base = f"/api/organizations/{org['id']}/users"
    tag = unique("Findme")
    alice = new_user(api, name=f"{tag} Alice")
    bob = new_user(api, name="Bob")
    ok(api.post(base, json={"userIds": [alice["id"], bob["id"]]}), 201)
    role = new_role(api)
    ok(api.post(f"{base}/roles", json={"userIds": [bob["id"]], "organizationRoleIds": [role["id"]]}), 201)
    assert ids_of(ok(api.get(base, params={"q": tag.lower()}))) == [alice["id"]]
    assert ids_of(ok(api.get(base, params={"q": bob["primaryEmail"][:6]}))) == [bob["id"]]
    res = api.get(base, params={"organizationRoleId": role["id"]})
    assert ids_of(res.json()) == [bob["id"]] and res.headers["total-number"] == "1"
    assert res.json()[0]["organizationRoles"] == [{"id": role["id"], "name": role["name"]}]
    error(api.get(base, params={"organizationRoleId": ""}), 400, "guard.invalid_input")


def test_member_roles(api: httpx.Client) -> None:
    org = new_org(api)
    base = f"/api/organizations/{org['id']}/users"
    user, outsider = new_user(api), new_user(api)
    ok(api.post(base, json={"userIds": [user["id"]]}), 201)
    r1, r2 = new_role(api, name=unique("a-role")), new_role(api, name=unique("b-role"))
    m2m = new_role(api, "MachineToMachine")
    roles_url = f"{base}/{user['id']}/roles"

    body = ok(api.post(roles_url, json={"organizationRoleIds": [r1["id"], r1["id"]], "organizationRoleNames": [r2["name"]]}), 201)
    assert body == {"organizationRoleIds": [r1["id"], r2["id"]]}
    listed = ok(api.get(roles_url))
    assert [list(r) for r in listed] == [ROLE_KEYS, ROLE_KEYS] and ids_of(listed) == [r1["id"], r2["id"]]
    assert "total-number" not in api.get(roles_url).headers
    assert api.get(roles_url, params={"page_size": 1}).headers["total-number"] == "2"
    assert ok(api.post(roles_url, json={}), 201) == {"organizationRoleIds": []}

    body = error(api.post(roles_url, json={"organizationRoleNames": ["nope1", "nope2"]}), 422,
                 "organization.role_names_not_found")  # fmt: skip
    assert body["message"] == (
        "Invalid role names detected: nope1 and nope2. Please create these roles first before proceeding."
    )
    error(api.post(roles_url, json={"organizationRoleIds": [m2m["id"]]}), 422, "entity.db_constraint_violated")
    error(api.post(roles_url, json={"organizationRoleIds": ["nope"]}), 422, "entity.relation_foreign_key_not_found")

    assert api.put(roles_url, json={"organizationRoleIds": [r2["id"]]}).status_code == 204
    assert ids_of(ok(api.get(roles_url))) == [r2["id"]]
    assert api.delete(f"{roles_url}/{r2['id']}").status_code == 204
    error(api.delete(f"{roles_url}/{r2['id']}"), 404, "entity.not_found")
    assert api.put(roles_url, json={"organizationRoleNames": [r1["name"]]}).status_code == 204
    assert ids_of(ok(api.get(roles_url))) == [r1["id"]]

    outsider_url = f"{base}/{outsider['id']}/roles"
    for res in (
        api.get(outsider_url),
        api.post(outsider_url, json={"organizationRoleIds": [r1["id"]]}),
        api.post(outsider_url, json="not an object"),  # membership is checked before the body
        api.put(outsider_url, json={"organizationRoleIds": []}),
        api.delete(f"{outsider_url}/{r1['id']}"),
    ):
        body = error(res, 422, "organization.require_membership")
        assert body["message"] == "The user must be a member of the organization to proceed."

    # bulk: roles for several members at once; non-members are Logto's FK violation
    other = new_user(api)
    ok(api.post(base, json={"userIds": [other["id"]]}), 201)
    assert api.post(f"{base}/roles", json={"userIds": [user["id"], other["id"]], "organizationRoleIds": [r2["id"]]}).status_code == 201
    assert r2["id"] in ids_of(ok(api.get(f"{base}/{other['id']}/roles")))
    error(api.post(f"{base}/roles", json={"userIds": [outsider["id"]], "organizationRoleIds": [r2["id"]]}), 422,
          "entity.relation_foreign_key_not_found")  # fmt: skip
    error(api.post(f"{base}/roles", json={"userIds": [user["id"]], "organizationRoleIds": [m2m["id"]]}), 422,
          "entity.db_constraint_violated")  # fmt: skip
    error(api.post(f"{base}/roles", json={"userIds": [user["id"]], "organizationRoleIds": []}), 400, "guard.invalid_input")

    # leaving the organization takes the member's roles with it
    assert api.delete(f"{base}/{other['id']}").status_code == 204
    ok(api.post(base, json={"userIds": [other["id"]]}), 201)
    assert ok(api.get(f"{base}/{other['id']}/roles")) == []


def test_member_scopes(api: httpx.Client) -> None:
    org = new_org(api)
    base = f"/api/organizations/{org['id']}/users"
    user = new_user(api)
    s1, s2, s3 = new_scope(api), new_scope(api), new_scope(api)
    r1 = new_role(api, organizationScopeIds=[s1["id"], s2["id"]])
    r2 = new_role(api, organizationScopeIds=[s2["id"], s3["id"]])
    assert ok(api.get(f"{base}/{user['id']}/scopes")) == []  # no membership check
    ok(api.post(base, json={"userIds": [user["id"]]}), 201)
    ok(api.post(f"{base}/{user['id']}/roles", json={"organizationRoleIds": [r1["id"], r2["id"]]}), 201)
    scopes = ok(api.get(f"{base}/{user['id']}/scopes"))
    assert [list(s) for s in scopes] == [SCOPE_KEYS] * 3
    assert ids_of(scopes) == sorted([s1["id"], s2["id"], s3["id"]])


def test_applications(api: httpx.Client) -> None:
    org = new_org(api)
    base = f"/api/organizations/{org['id']}/applications"
    tag = unique("Robot")
    m1, m2 = new_app(api), new_app(api)
    api.patch(f"/api/applications/{m1['id']}", json={"name": f"{tag} one"})
    spa = new_app(api, "SPA")
    assert api.post(base, json={"applicationIds": [m1["id"], m2["id"]]}).status_code == 201
    assert api.post(base, json={"applicationIds": [m1["id"]]}).status_code == 201  # idempotent
    res = api.get(base)
    assert res.headers["total-number"] == "2"
    listed = res.json()
    assert ids_of(listed) == sorted([m1["id"], m2["id"]])
    assert listed[0]["organizationRoles"] == [] and "secret" not in listed[0]
    assert ids_of(ok(api.get(base, params={"q": tag.lower()}))) == [m1["id"]]

    error(api.post(base, json={"applicationIds": [spa["id"]]}), 422, "entity.db_constraint_violated")
    error(api.post(base, json={"applicationIds": ["nope"]}), 422, "entity.relation_foreign_key_not_found")
    error(api.post(base, json={"applicationIds": []}), 400, "guard.invalid_input")
    error(api.put(base, json={"applicationIds": [spa["id"]]}), 422, "entity.db_constraint_violated")

    role = new_role(api, "MachineToMachine")
    user_role = new_role(api)
    roles_url = f"{base}/{m1['id']}/roles"
    assert api.post(roles_url, json={"organizationRoleIds": [role["id"]]}).status_code == 201
    assert ids_of(ok(api.get(roles_url))) == [role["id"]]
    assert ok(api.get(base, params={"q": tag}))[0]["organizationRoles"] == [{"id": role["id"], "name": role["name"]}]
    error(api.post(roles_url, json={"organizationRoleIds": [user_role["id"]]}), 422, "entity.db_constraint_violated")
    error(api.post(roles_url, json={"organizationRoleIds": []}), 400, "guard.invalid_input")
    error(api.put(roles_url, json={"organizationRoleIds": []}), 400, "guard.invalid_input")
    role2 = new_role(api, "MachineToMachine")
    assert api.put(roles_url, json={"organizationRoleIds": [role2["id"]]}).status_code == 204
    assert ids_of(ok(api.get(roles_url))) == [role2["id"]]
    assert api.delete(f"{roles_url}/{role2['id']}").status_code == 204
    error(api.delete(f"{roles_url}/{role2['id']}"), 404, "entity.not_found")

    assert api.post(f"{base}/roles", json={"applicationIds": [m1["id"], m2["id"]], "organizationRoleIds": [role["id"]]}).status_code == 201
    assert ids_of(ok(api.get(f"{base}/{m2['id']}/roles"))) == [role["id"]]
    error(api.post(f"{base}/roles", json={"applicationIds": [m1["id"]], "organizationRoleIds": [user_role["id"]]}), 422,
          "entity.db_constraint_violated")  # fmt: skip
    error(api.post(f"{base}/roles", json={"applicationIds": [spa["id"]], "organizationRoleIds": [role["id"]]}), 422,
          "entity.relation_foreign_key_not_found")  # fmt: skip

    outsider = f"{base}/{spa['id']}/roles"
    for res in (api.get(outsider), api.post(outsider, json={"organizationRoleIds": [role["id"]]}),
                api.put(outsider, json={"organizationRoleIds": [role["id"]]}), api.delete(f"{outsider}/{role['id']}")):
        error(res, 422, "organization.require_membership")

    assert api.put(base, json={"applicationIds": [m2["id"]]}).status_code == 204
    assert ids_of(ok(api.get(base))) == [m2["id"]]
    assert ids_of(ok(api.get(f"{base}/{m2['id']}/roles"))) == [role["id"]]  # staying member keeps roles
    assert api.delete(f"{base}/{m2['id']}").status_code == 204
    error(api.delete(f"{base}/{m2['id']}"), 404, "entity.not_found")
    assert ok(api.get(base)) == []


def test_jit_email_domains(api: httpx.Client) -> None:
    org = new_org(api)
    base = f"/api/organizations/{org['id']}/jit/email-domains"
    row = ok(api.post(base, json={"emailDomain": "example.com"}), 201)
    assert row == {"tenantId": "default", "organizationId": org["id"], "emailDomain": "example.com"}
    error(api.post(base, json={"emailDomain": "example.com"}), 422, "entity.unique_integrity_violation")
    error(api.post(base, json={"emailDomain": ""}), 400, "guard.invalid_input")
    error(api.post(base, json={"emailDomain": "x" * 129}), 422, "entity.value_too_long")
    error(api.post("/api/organizations/nope/jit/email-domains", json={"emailDomain": "a.com"}), 422,
          "entity.relation_foreign_key_not_found")  # fmt: skip
    assert ok(api.get(base)) == [row]
    assert "total-number" not in api.get(base).headers
    assert api.put(base, json={"emailDomains": ["b.com", "a.com", "b.com"]}).status_code == 204
    res = api.get(base, params={"page": 1, "page_size": 1})
    assert res.headers["total-number"] == "2" and [r["emailDomain"] for r in res.json()] == ["a.com"]
    assert api.delete(f"{base}/a.com").status_code == 204
    error(api.delete(f"{base}/a.com"), 404, "entity.not_found")
    assert [r["emailDomain"] for r in ok(api.get(base))] == ["b.com"]
    assert api.put(base, json={"emailDomains": []}).status_code == 204
    assert ok(api.get(base)) == []


def test_jit_roles_and_sso_connectors(api: httpx.Client, server: Server) -> None:
    org = new_org(api)
    roles = f"/api/organizations/{org['id']}/jit/roles"
    r1, r2 = new_role(api), new_role(api)
    assert api.post(roles, json={"organizationRoleIds": [r1["id"], r2["id"]]}).status_code == 201
    assert sorted(ids_of(ok(api.get(roles)))) == sorted([r1["id"], r2["id"]])
    assert list(ok(api.get(roles))[0]) == ROLE_KEYS
    error(api.post(roles, json={"organizationRoleIds": ["nope"]}), 422, "entity.relation_foreign_key_not_found")
    assert api.put(roles, json={"organizationRoleIds": [r2["id"]]}).status_code == 204
    assert ids_of(ok(api.get(roles))) == [r2["id"]]
    assert api.delete(f"{roles}/{r2['id']}").status_code == 204
    error(api.delete(f"{roles}/{r2['id']}"), 404, "entity.not_found")
    error(api.get("/api/organizations/nope/jit/roles"), 404, "entity.not_exists_with_id")

    sso = f"/api/organizations/{org['id']}/jit/sso-connectors"
    connector = new_sso_connector(server)
    assert api.post(sso, json={"ssoConnectorIds": [connector["id"]]}).status_code == 201
    listed = ok(api.get(sso))
    assert list(listed[0]) == [
        "tenantId", "id", "providerName", "connectorName", "config", "domains", "branding", "syncProfile",
        "enableTokenStorage", "createdAt",
    ]  # fmt: skip
    assert listed[0]["id"] == connector["id"] and listed[0]["domains"] == ["example.com"]
    error(api.post(sso, json={"ssoConnectorIds": ["nope"]}), 422, "entity.relation_foreign_key_not_found")
    error(api.put(sso, json={"ssoConnectorIds": ["nope"]}), 422, "entity.relation_foreign_key_not_found")
    assert api.put(sso, json={"ssoConnectorIds": []}).status_code == 204
    assert ok(api.get(sso)) == []
    assert api.put(sso, json={"ssoConnectorIds": [connector["id"]]}).status_code == 204
    assert api.delete(f"{sso}/{connector['id']}").status_code == 204
    error(api.delete(f"{sso}/{connector['id']}"), 404, "entity.not_found")
    error(api.get("/api/organizations/nope/jit/sso-connectors"), 404, "entity.not_exists_with_id")


def test_delete_organization_cleans_everything(api: httpx.Client, server: Server) -> None:
    org = new_org(api)
    oid = org["id"]
    user, app = new_user(api), new_app(api)
    role, m2m_role = new_role(api), new_role(api, "MachineToMachine")
    ok(api.post(f"/api/organizations/{oid}/users", json={"userIds": [user["id"]]}), 201)
    ok(api.post(f"/api/organizations/{oid}/users/{user['id']}/roles", json={"organizationRoleIds": [role["id"]]}), 201)
    assert api.post(f"/api/organizations/{oid}/applications", json={"applicationIds": [app["id"]]}).status_code == 201
    assert api.post(f"/api/organizations/{oid}/applications/{app['id']}/roles", json={"organizationRoleIds": [m2m_role["id"]]}).status_code == 201
    ok(api.post(f"/api/organizations/{oid}/jit/email-domains", json={"emailDomain": "gone.example"}), 201)
    assert api.post(f"/api/organizations/{oid}/jit/roles", json={"organizationRoleIds": [role["id"]]}).status_code == 201
    inv = ok(api.post("/api/organization-invitations", json={
        "organizationId": oid, "invitee": f"{unique('i')}@example.com", "expiresAt": 4_102_444_800_000,
    }), 201)  # fmt: skip
    assert api.delete(f"/api/organizations/{oid}").status_code == 204
    error(api.get(f"/api/organization-invitations/{inv['id']}"), 404, "entity.not_found")
    assert ok(api.get(f"/api/users/{user['id']}/organizations")) == []
    assert ok(api.get(f"/api/organizations/{oid}/users")) == []
    assert ok(api.get(f"/api/organizations/{oid}/jit/email-domains")) == []
    # the user, app and roles themselves stay
    ok(api.get(f"/api/users/{user['id']}"))
    ok(api.get(f"/api/organization-roles/{role['id']}"))


def test_deleting_user_app_role_scope_cleans_relations(api: httpx.Client) -> None:
    org = new_org(api)
    oid = org["id"]
    users = [new_user(api) for _ in range(2)]
    app = new_app(api)
    scope = new_scope(api)
    role = new_role(api, organizationScopeIds=[scope["id"]])
    m2m_role = new_role(api, "MachineToMachine", organizationScopeIds=[scope["id"]])
    ok(api.post(f"/api/organizations/{oid}/users", json={"userIds": ids_of(users)}), 201)
    ok(api.post(f"/api/organizations/{oid}/users/roles", json={"userIds": ids_of(users), "organizationRoleIds": [role["id"]]}), 201)
    assert api.post(f"/api/organizations/{oid}/applications", json={"applicationIds": [app["id"]]}).status_code == 201
    assert api.post(f"/api/organizations/{oid}/applications/roles", json={"applicationIds": [app["id"]], "organizationRoleIds": [m2m_role["id"]]}).status_code == 201

    assert api.delete(f"/api/users/{users[0]['id']}").status_code == 204
    assert ids_of(ok(api.get(f"/api/organizations/{oid}/users"))) == [users[1]["id"]]

    assert api.delete(f"/api/organization-scopes/{scope['id']}").status_code == 204
    assert ok(api.get(f"/api/organizations/{oid}/users/{users[1]['id']}/scopes")) == []
    assert ok(api.get(f"/api/organization-roles/{role['id']}/scopes")) == []

    assert api.delete(f"/api/organization-roles/{role['id']}").status_code == 204
    assert ok(api.get(f"/api/organizations/{oid}/users"))[0]["organizationRoles"] == []

    assert api.delete(f"/api/applications/{app['id']}").status_code == 204
    assert ok(api.get(f"/api/organizations/{oid}/applications")) == []
    ok(api.get(f"/api/organization-roles/{m2m_role['id']}"))


def test_user_and_application_organizations_views(api: httpx.Client) -> None:
    """The Users and Applications tags read what these routes write."""
    org = new_org(api)
    user, app = new_user(api), new_app(api)
    role, m2m_role = new_role(api), new_role(api, "MachineToMachine")
    ok(api.post(f"/api/organizations/{org['id']}/users", json={"userIds": [user["id"]]}), 201)
    ok(api.post(f"/api/organizations/{org['id']}/users/{user['id']}/roles", json={"organizationRoleIds": [role["id"]]}), 201)
    orgs = ok(api.get(f"/api/users/{user['id']}/organizations"))
    assert ids_of(orgs) == [org["id"]] and orgs[0]["organizationRoles"] == [{"id": role["id"], "name": role["name"]}]
    assert api.post(f"/api/organizations/{org['id']}/applications", json={"applicationIds": [app["id"]]}).status_code == 201
    assert api.post(f"/api/organizations/{org['id']}/applications/{app['id']}/roles", json={"organizationRoleIds": [m2m_role["id"]]}).status_code == 201
    orgs = ok(api.get(f"/api/applications/{app['id']}/organizations"))
    assert ids_of(orgs) == [org["id"]] and orgs[0]["organizationRoles"] == [{"id": m2m_role["id"], "name": m2m_role["name"]}]


def test_member_pages_from_both_ends(api: httpx.Client) -> None:
    """Pages in the second half are read from the end of the index; both halves agree, and
    Total-Number (a maintained count) follows adds, removals and cascades."""
    org = new_org(api)
    base = f"/api/organizations/{org['id']}/users"
    users = sorted(ids_of([new_user(api) for _ in range(7)]))
    ok(api.post(base, json={"userIds": users[:5]}), 201)
    ok(api.post(base, json={"userIds": users}), 201)
    role = new_role(api)
    ok(api.post(f"{base}/roles", json={"userIds": users[5:], "organizationRoleIds": [role["id"]]}), 201)
    pages = []
    for page in range(1, 6):
        res = api.get(base, params={"page": page, "page_size": 2})
        assert res.headers["total-number"] == "7"
        pages.append(res.json())
    assert [ids_of(p) for p in pages] == [users[0:2], users[2:4], users[4:6], users[6:7], []]
    assert pages[2][1]["organizationRoles"] == [{"id": role["id"], "name": role["name"]}]
    assert pages[2][0]["organizationRoles"] == []
    assert ids_of(ok(api.get(base, params={"page": 2, "page_size": 5}))) == users[5:]
    assert api.delete(f"/api/users/{users[3]}").status_code == 204  # cascade
    assert api.delete(f"{base}/{users[0]}").status_code == 204
    res = api.get(base, params={"page": 3, "page_size": 2})
    assert res.headers["total-number"] == "5" and ids_of(res.json()) == [users[6]]
    assert api.put(base, json={"userIds": users[4:6]}).status_code == 204
    assert api.get(base).headers["total-number"] == "2"


def test_member_pages_with_unusual_user_ids(api: httpx.Client, server: Server) -> None:
    """Ids outside [0-9a-z] (imported data) take the plain offset path and still page right."""
    import asyncio
    import time

    from authkeep.store import tables as T
    from tests.test_organization_helpers import _insert

    now = int(time.time() * 1000)
    tag = unique("odd").replace("-", "")[:6]
    odd = [f"{p}{tag}" for p in ("Z", "_", "A", "0", "m", "-")]
    asyncio.run(_insert(server, T.users, [{
        "tenant_id": "default", "id": i, "profile": {}, "identities": {}, "custom_data": {}, "logto_config": {},
        "mfa_verifications": [], "created_at": now, "updated_at": now,
    } for i in odd]))  # fmt: skip
    org = new_org(api)
    base = f"/api/organizations/{org['id']}/users"
    ok(api.post(base, json={"userIds": odd}), 201)
    everything = ids_of(ok(api.get(base, params={"page_size": 100})))
    assert sorted(everything) == sorted(odd)
    paged = [u for page in range(1, 7) for u in ids_of(ok(api.get(base, params={"page": page, "page_size": 1})))]
    assert paged == everything
