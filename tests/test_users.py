"""Users API over HTTP: CRUD, validation, data endpoints, roles, organizations, identities, MFA,
personal access tokens, grants and sessions (both backends)."""

from __future__ import annotations

import base64
import re
from typing import Any

import httpx
import pytest

from tests.conftest import unique
from tests.server import Server
from tests.test_users_db import (
    create_organization,
    create_role,
    create_sso_identity,
    set_role_default,
)

USER_KEYS = [
    "id",
    "username",
    "primaryEmail",
    "primaryPhone",
    "name",
    "avatar",
    "customData",
    "identities",
    "lastSignInAt",
    "createdAt",
    "updatedAt",
    "profile",
    "applicationId",
    "cimdClientId",
    "isSuspended",
    "hasPassword",
]


def err(res: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert res.status_code == status, res.text
    body = res.json()
    assert body["code"] == code, body
    return body


def new_user(api: httpx.Client, **body: Any) -> dict[str, Any]:
    body.setdefault("username", unique("u").replace("-", "_"))
    res = api.post("/api/users", json=body)
    assert res.status_code == 200, res.text
    return res.json()


def uname() -> str:
    return unique("u").replace("-", "_")


# --- create ------------------------------------------------------------------------------------


def test_create_returns_200_with_logto_shape(api: httpx.Client) -> None:
    name = uname()
    res = api.post(
        "/api/users",
        json={
            "username": name,
            "primaryEmail": f"{name}@Example.com",
            "name": "Ann",
            "avatar": "https://example.com/a.png",
            "customData": {"plan": "pro", "n": [1, 2]},
            "profile": {"givenName": "Ann", "address": {"country": "FR", "nope": 1}, "nope": True},
            "unknown": "dropped",
        },
    )
    assert res.status_code == 200, res.text
    user = res.json()
    assert list(user) == USER_KEYS
    assert re.fullmatch(r"[0-9a-z]{12}", user["id"])
    assert user["username"] == name and user["primaryEmail"] == f"{name}@Example.com"
    assert user["customData"] == {"plan": "pro", "n": [1, 2]}
    assert user["profile"] == {"givenName": "Ann", "address": {"country": "FR"}}
    assert user["identities"] == {} and user["lastSignInAt"] is None and user["applicationId"] is None
    assert user["cimdClientId"] is None and user["isSuspended"] is False and user["hasPassword"] is False
    assert user["createdAt"] == user["updatedAt"] and isinstance(user["createdAt"], int)
    assert api.get(f"/api/users/{user['id']}").json() == user


def test_create_empty_body_makes_identifierless_user(api: httpx.Client) -> None:
    res = api.post("/api/users", json={})
    assert res.status_code == 200
    assert res.json()["username"] is None and res.json()["hasPassword"] is False


@pytest.mark.parametrize(
    ("body", "path", "code"),
    [
        ({"username": "1abc"}, "username", "invalid_string"),
        ({"username": "a-b"}, "username", "invalid_string"),
        ({"username": "abc\n"}, "username", "invalid_string"),
        ({"username": 123}, "username", "invalid_type"),
        ({"primaryEmail": "not-an-email"}, "primaryEmail", "invalid_string"),
        ({"primaryPhone": "+123456"}, "primaryPhone", "invalid_string"),
        ({"primaryPhone": "12 34"}, "primaryPhone", "invalid_string"),
        ({"avatar": "not a url"}, "avatar", "invalid_string"),
        ({"name": None}, "name", "invalid_type"),
        ({"password": ""}, "password", "too_small"),
        ({"passwordDigest": "x" * 257, "passwordAlgorithm": "MD5"}, "passwordDigest", "too_big"),
        ({"passwordDigest": "x", "passwordAlgorithm": "Plain"}, "passwordAlgorithm", "invalid_enum_value"),
        ({"customData": []}, "customData", "invalid_type"),
        ({"profile": {"givenName": 1}}, "profile.givenName", "invalid_type"),
        ({"profile": {"address": {"country": None}}}, "profile.address.country", "invalid_type"),
    ],
)
def test_create_field_validation(api: httpx.Client, body: dict[str, Any], path: str, code: str) -> None:
    res = api.post("/api/users", json=body)
    data = err(res, 400, "guard.invalid_input")
    assert data["message"] == "The request body is invalid."
    issue = data["data"]["issues"][0]
    assert ".".join(str(p) for p in issue["path"]) == path and issue["code"] == code
    assert f'Error in key path "{path}"' in data["details"]


def test_create_accepts_empty_avatar_and_null_avatar(api: httpx.Client) -> None:
    assert new_user(api, avatar="")["avatar"] == ""
    assert new_user(api, avatar=None)["avatar"] is None


def test_create_uniqueness(api: httpx.Client) -> None:
    name = uname()
    first = new_user(api, username=name, primaryEmail=f"{name}@example.com", primaryPhone="610412345678")
    assert first["primaryPhone"] == "61412345678"  # normalised: country code + national number
    err(api.post("/api/users", json={"username": name}), 422, "user.username_already_in_use")
    # Usernames are case-sensitive (Logto default); e-mails are not.
    assert api.post("/api/users", json={"username": name.upper()}).status_code == 200
    err(api.post("/api/users", json={"primaryEmail": f"{name.upper()}@EXAMPLE.com"}), 422, "user.email_already_in_use")
    err(api.post("/api/users", json={"primaryPhone": "61412345678"}), 422, "user.phone_already_in_use")
    err(api.post("/api/users", json={"primaryPhone": "610412345678"}), 422, "user.phone_already_in_use")
    # Logto checks username, then e-mail, then phone.
    res = api.post("/api/users", json={"username": name, "primaryEmail": f"{name}@example.com"})
    err(res, 422, "user.username_already_in_use")


def test_create_invalid_phone_is_422(api: httpx.Client) -> None:
    err(api.post("/api/users", json={"primaryPhone": "999123"}), 422, "user.invalid_phone")
    # Logto checks identifiers before it parses the phone.
    taken = new_user(api)["username"]
    err(api.post("/api/users", json={"username": taken, "primaryPhone": "999123"}), 422, "user.username_already_in_use")


def test_create_password_rules(api: httpx.Client) -> None:
    err(api.post("/api/users", json={"password": "a", "passwordDigest": "b", "passwordAlgorithm": "MD5"}), 400, "user.password_and_digest")
    err(api.post("/api/users", json={"passwordDigest": "b"}), 400, "user.password_algorithm_required")
    err(api.post("/api/users", json={"passwordDigest": "nope", "passwordAlgorithm": "Legacy"}), 400, "password.invalid_legacy_password_format")
    err(api.post("/api/users", json={"passwordDigest": '["sha256", ["x"], "ab"]', "passwordAlgorithm": "Legacy"}), 400, "password.invalid_legacy_password_format")
    body = err(api.post("/api/users", json={"passwordDigest": '["nohash", ["@"], "ab"]', "passwordAlgorithm": "Legacy"}), 400, "password.unsupported_legacy_hash_algorithm")
    assert body["message"] == "Unsupported legacy hash algorithm: nohash."
    err(api.post("/api/users", json={"passwordDigest": '["pbkdf2", ["hex:zz", "1", "32", "sha256", "@"], "ab"]', "passwordAlgorithm": "Legacy"}), 400, "password.invalid_legacy_password_format")
    user = new_user(api, password="s3cret")
    assert user["hasPassword"] is True
    full = api.get(f"/api/users/{user['id']}", params={"includePasswordHash": "true"}).json()
    assert full["passwordAlgorithm"] == "Argon2i"
    assert full["passwordDigest"].startswith("$argon2i$v=19$m=8192,t=8,p=1$")


def test_value_too_long_is_422(api: httpx.Client) -> None:
    err(api.post("/api/users", json={"username": "a" * 129}), 422, "entity.value_too_long")
    err(api.post("/api/users", json={"name": "n" * 129}), 422, "entity.value_too_long")


def test_malformed_and_non_object_bodies(api: httpx.Client) -> None:
    res = api.post("/api/users", content=b'{"username":', headers={"content-type": "application/json"})
    assert res.status_code == 400
    err(api.post("/api/users", json=[1]), 400, "guard.invalid_input")


# --- read, update, delete ----------------------------------------------------------------------


def test_missing_user_is_404_entity_not_found(api: httpx.Client) -> None:
    for method, path, body in [
        ("GET", "/api/users/nope", None),
        ("PATCH", "/api/users/nope", {"name": "x"}),
        ("DELETE", "/api/users/nope", None),
        ("GET", "/api/users/nope/custom-data", None),
        ("PATCH", "/api/users/nope/custom-data", {"customData": {}}),
        ("PATCH", "/api/users/nope/profile", {"profile": {}}),
        ("GET", "/api/users/nope/logto-configs", None),
        ("PATCH", "/api/users/nope/logto-configs", {}),
        ("PATCH", "/api/users/nope/password", {"password": "x"}),
        ("PATCH", "/api/users/nope/password/expiration", {"isExpired": False}),
        ("POST", "/api/users/nope/password/verify", {"password": "x"}),
        ("GET", "/api/users/nope/has-password", None),
        ("PATCH", "/api/users/nope/is-suspended", {"isSuspended": True}),
        ("GET", "/api/users/nope/roles", None),
        ("POST", "/api/users/nope/roles", {"roleIds": []}),
        ("PUT", "/api/users/nope/roles", {"roleIds": []}),
        ("GET", "/api/users/nope/organizations", None),
        ("PUT", "/api/users/nope/identities/github", {"userId": "1"}),
        ("GET", "/api/users/nope/identities/github", None),
        ("DELETE", "/api/users/nope/identities/github", None),
        ("POST", "/api/users/nope/identities", {"connectorId": "c", "connectorData": {}}),
        ("GET", "/api/users/nope/all-identities", None),
        ("GET", "/api/users/nope/sso-identities/c", None),
        ("GET", "/api/users/nope/mfa-verifications", None),
        ("POST", "/api/users/nope/mfa-verifications", {"type": "Totp"}),
        ("DELETE", "/api/users/nope/mfa-verifications/x", None),
        ("GET", "/api/users/nope/personal-access-tokens", None),
    ]:
        res = api.request(method, path, json=body)
        err(res, 404, "entity.not_found")


def test_patch_replaces_and_clears(api: httpx.Client) -> None:
    user = new_user(api, name="Old", customData={"a": 1, "b": 2}, profile={"givenName": "G", "familyName": "F"})
    res = api.patch(f"/api/users/{user['id']}", json={"name": None, "customData": {"c": 3}, "profile": {"nickname": "N"}, "x": 1})
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["name"] is None and body["customData"] == {"c": 3} and body["profile"] == {"nickname": "N"}
    assert body["updatedAt"] >= user["updatedAt"]
    res = api.patch(f"/api/users/{user['id']}", json={"username": "", "avatar": ""})
    assert res.json()["username"] == "" and res.json()["avatar"] == ""
    res = api.patch(f"/api/users/{user['id']}", json={"primaryPhone": "4407911123456"})
    assert res.json()["primaryPhone"] == "447911123456"


def test_patch_empty_is_422(api: httpx.Client) -> None:
    user = new_user(api)
    err(api.patch(f"/api/users/{user['id']}", json={}), 422, "entity.invalid_input")
    err(api.patch(f"/api/users/{user['id']}", json={"unknown": 1}), 422, "entity.invalid_input")
    err(api.patch(f"/api/users/{user['id']}", json={"username": "9x"}), 400, "guard.invalid_input")
    err(api.patch(f"/api/users/{user['id']}", json={"primaryPhone": "999123"}), 422, "user.invalid_phone")


def test_patch_collisions_exclude_self(api: httpx.Client) -> None:
    a = new_user(api, primaryEmail=f"{uname()}@ex.com")
    b = new_user(api, primaryPhone="16502530001")
    assert api.patch(f"/api/users/{a['id']}", json={"primaryEmail": a["primaryEmail"].upper()}).status_code == 200
    err(api.patch(f"/api/users/{b['id']}", json={"primaryEmail": a["primaryEmail"]}), 422, "user.email_already_in_use")
    err(api.patch(f"/api/users/{a['id']}", json={"username": b["username"]}), 422, "user.username_already_in_use")
    err(api.patch(f"/api/users/{a['id']}", json={"primaryPhone": "16502530001"}), 422, "user.phone_already_in_use")


def test_delete_user_cascades(api: httpx.Client, server: Server) -> None:
    name = uname()
    user = new_user(api, username=name)
    role = create_role(server, unique("role"))
    assert api.post(f"/api/users/{user['id']}/roles", json={"roleIds": [role]}).status_code == 201
    assert api.post(f"/api/users/{user['id']}/personal-access-tokens", json={"name": "t"}).status_code == 201
    create_organization(server, "Org", user["id"], [unique("member")])
    res = api.delete(f"/api/users/{user['id']}")
    assert res.status_code == 204 and res.content == b""
    err(api.get(f"/api/users/{user['id']}"), 404, "entity.not_found")
    err(api.delete(f"/api/users/{user['id']}"), 404, "entity.not_found")
    assert new_user(api, username=name)["username"] == name
    # The role itself stays; only the membership went.
    other = new_user(api)
    assert api.post(f"/api/users/{other['id']}/roles", json={"roleIds": [role]}).json()["addedRoleIds"] == [role]


# --- custom data, profile, logto-configs, suspension ------------------------------------------


def test_custom_data_merge(api: httpx.Client) -> None:
    user = new_user(api, customData={"a": {"x": 1}, "b": 1})
    assert api.get(f"/api/users/{user['id']}/custom-data").json() == {"a": {"x": 1}, "b": 1}
    res = api.patch(f"/api/users/{user['id']}/custom-data", json={"customData": {"a": {"y": 2}, "c": 3}})
    assert res.status_code == 200 and res.json() == {"a": {"y": 2}, "b": 1, "c": 3}
    err(api.patch(f"/api/users/{user['id']}/custom-data", json={"a": 1}), 400, "guard.invalid_input")
    err(api.patch(f"/api/users/{user['id']}/custom-data", json={"customData": "x"}), 400, "guard.invalid_input")


def test_profile_merge(api: httpx.Client) -> None:
    user = new_user(api, profile={"givenName": "G", "address": {"country": "FR"}})
    res = api.patch(f"/api/users/{user['id']}/profile", json={"profile": {"familyName": "F", "address": {"locality": "Paris"}}})
    assert res.status_code == 200
    assert res.json() == {"givenName": "G", "familyName": "F", "address": {"locality": "Paris"}}
    err(api.patch(f"/api/users/{user['id']}/profile", json={"profile": {"website": 1}}), 400, "guard.invalid_input")


def test_logto_configs(api: httpx.Client) -> None:
    user = new_user(api)
    url = f"/api/users/{user['id']}/logto-configs"
    assert api.get(url).json() == {"mfa": {"skipped": False, "skipMfaOnSignIn": False}, "passkeySignIn": {"skipped": False}}
    res = api.patch(url, json={"mfa": {"enabled": True, "skipMfaOnSignIn": True}})
    assert res.json() == {"mfa": {"enabled": True, "skipped": False, "skipMfaOnSignIn": True}, "passkeySignIn": {"skipped": False}}
    res = api.patch(url, json={"passkeySignIn": {"skipped": True}, "mfa": {"skipped": True}})
    assert res.json() == {"mfa": {"enabled": True, "skipped": True, "skipMfaOnSignIn": True}, "passkeySignIn": {"skipped": True}}
    assert api.get(url).json() == res.json()
    err(api.patch(url, json={"mfa": {"enabled": "yes"}}), 400, "guard.invalid_input")


def test_is_suspended(api: httpx.Client) -> None:
    user = new_user(api)
    res = api.patch(f"/api/users/{user['id']}/is-suspended", json={"isSuspended": True})
    assert res.status_code == 200 and res.json()["isSuspended"] is True
    assert api.get(f"/api/users/{user['id']}").json()["isSuspended"] is True
    assert api.patch(f"/api/users/{user['id']}/is-suspended", json={"isSuspended": False}).json()["isSuspended"] is False
    err(api.patch(f"/api/users/{user['id']}/is-suspended", json={}), 400, "guard.invalid_input")


# --- password endpoints -----------------------------------------------------------------------


def test_password_endpoints(api: httpx.Client) -> None:
    user = new_user(api)
    base = f"/api/users/{user['id']}"
    assert api.get(f"{base}/has-password").json() == {"hasPassword": False}
    err(api.post(f"{base}/password/verify", json={"password": "x"}), 422, "session.invalid_credentials")
    res = api.patch(f"{base}/password", json={"password": "n3w"})
    assert res.status_code == 200 and res.json()["hasPassword"] is True and list(res.json()) == USER_KEYS
    assert api.get(f"{base}/has-password").json() == {"hasPassword": True}
    res = api.post(f"{base}/password/verify", json={"password": "n3w"})
    assert res.status_code == 204 and res.content == b""
    body = err(api.post(f"{base}/password/verify", json={"password": "bad"}), 422, "session.invalid_credentials")
    assert body["message"] == "Incorrect account or password. Please check your input."
    err(api.post(f"{base}/password/verify", json={"password": ""}), 400, "guard.invalid_input")
    err(api.patch(f"{base}/password", json={}), 400, "guard.invalid_input")


def test_password_expiration(api: httpx.Client) -> None:
    user = new_user(api, password="p")
    base = f"/api/users/{user['id']}/password/expiration"
    err(api.patch(base, json={"isExpired": True}), 400, "sign_in_experiences.password_expiration_not_enabled")
    res = api.patch(base, json={"isExpired": False})
    assert res.status_code == 200 and res.json()["id"] == user["id"]
    err(api.patch(base, json={"isExpired": "no"}), 400, "guard.invalid_input")


# --- roles -------------------------------------------------------------------------------------


def test_user_roles(api: httpx.Client, server: Server) -> None:
    user = new_user(api)
    base = f"/api/users/{user['id']}/roles"
    tag = unique("r")
    r1 = create_role(server, f"{tag}-one", description="first role")
    r2 = create_role(server, f"{tag}-two", description="second role")
    m2m = create_role(server, f"{tag}-m2m", role_type="MachineToMachine")
    res = api.get(base)
    assert res.status_code == 200 and res.json() == [] and res.headers["total-number"] == "0"
    res = api.post(base, json={"roleIds": [r1]})
    assert res.status_code == 201 and res.json() == {"roleIds": [r1], "addedRoleIds": [r1]}
    res = api.post(base, json={"roleIds": [r1, r2]})
    assert res.json() == {"roleIds": [r1, r2], "addedRoleIds": [r2]}
    body = err(api.post(base, json={"roleIds": [m2m]}), 422, "user.invalid_role_type")
    assert body["message"] == "Invalid role type, can not assign machine-to-machine role to user."
    body = err(api.post(base, json={"roleIds": ["missing-role"]}), 404, "entity.not_exists_with_id")
    assert body["message"] == "The roles with ID `missing-role` does not exist."
    err(api.post(base, json={"roleIds": [""]}), 400, "guard.invalid_input")
    err(api.post(base, json={}), 400, "guard.invalid_input")
    res = api.get(base, params={"page_size": 1})
    assert res.headers["total-number"] == "2" and len(res.json()) == 1
    assert set(res.json()[0]) == {"tenantId", "id", "name", "description", "type", "isDefault"}
    res = api.get(base, params={"search.description": "%SECOND%"})
    assert [r["id"] for r in res.json()] == [r2] and res.headers["total-number"] == "1"
    err(api.get(base, params={"search.type": "User"}), 400, "request.invalid_input")
    # PUT replaces the set (duplicates collapse); an M2M role hits Logto's DB check.
    res = api.put(base, json={"roleIds": [r2, r2]})
    assert res.status_code == 200 and res.json() == {"roleIds": [r2]}
    assert [r["id"] for r in api.get(base).json()] == [r2]
    err(api.put(base, json={"roleIds": [m2m]}), 422, "entity.db_constraint_violated")
    err(api.put(base, json={"roleIds": ["missing-role"]}), 404, "entity.not_exists_with_id")
    assert api.delete(f"{base}/{r2}").status_code == 204
    err(api.delete(f"{base}/{r2}"), 404, "entity.not_found")
    assert api.get(base).json() == []
    assert api.put(base, json={"roleIds": []}).json() == {"roleIds": []}


def test_default_roles_are_assigned_on_create(api: httpx.Client, server: Server) -> None:
    role = create_role(server, unique("default"), is_default=True)
    try:
        user = new_user(api)
    finally:
        set_role_default(server, role, False)
    assert [r["id"] for r in api.get(f"/api/users/{user['id']}/roles").json()] == [role]


def test_exclude_role_and_organization_filters(api: httpx.Client, server: Server) -> None:
    tag = unique("ex").replace("-", "_")
    a, b = new_user(api, username=f"{tag}_a"), new_user(api, username=f"{tag}_b")
    role = create_role(server, unique("exr"))
    api.post(f"/api/users/{a['id']}/roles", json={"roleIds": [role]})
    org = create_organization(server, "Excl", b["id"], [])
    search = {"search.username": f"{tag}%"}
    assert [u["id"] for u in api.get("/api/users", params={**search, "excludeRoleId": role}).json()] == [b["id"]]
    assert [u["id"] for u in api.get("/api/users", params={**search, "excludeOrganizationId": org}).json()] == [a["id"]]
    body = err(api.get("/api/users", params={"excludeRoleId": role, "excludeOrganizationId": org}), 400, "request.invalid_input")
    assert "cannot be used at the same time" in body["message"]


def test_user_organizations(api: httpx.Client, server: Server) -> None:
    user = new_user(api)
    assert api.get(f"/api/users/{user['id']}/organizations").json() == []
    tag = unique("o")
    org = create_organization(server, "Acme", user["id"], [f"{tag}-member", f"{tag}-admin"])
    res = api.get(f"/api/users/{user['id']}/organizations")
    assert res.status_code == 200 and "total-number" not in res.headers
    [item] = res.json()
    assert item["id"] == org and item["name"] == "Acme" and item["tenantId"] == "default"
    assert [r["name"] for r in item["organizationRoles"]] == [f"{tag}-admin", f"{tag}-member"]
    assert set(item) == {
        "tenantId", "id", "name", "description", "customData", "isMfaRequired", "color", "branding",
        "customCss", "createdAt", "organizationRoles",
    }


# --- identities --------------------------------------------------------------------------------


def test_social_identities(api: httpx.Client) -> None:
    user, other = new_user(api), new_user(api)
    base = f"/api/users/{user['id']}/identities"
    social_id = unique("gh")
    res = api.put(f"{base}/github", json={"userId": social_id, "details": {"email": "a@b.c"}, "x": 1})
    assert res.status_code == 201 and res.json() == {"github": {"userId": social_id, "details": {"email": "a@b.c"}}}
    res = api.put(f"{base}/github", json={"userId": social_id})
    assert res.status_code == 200 and res.json() == {"github": {"userId": social_id}}
    assert api.put(f"{base}/google", json={"userId": "g"}).status_code == 201
    assert api.get(f"{base}/github").json() == {"identity": {"userId": social_id}}
    assert api.get(f"{base}/github", params={"includeTokenSecret": "true"}).json() == {"identity": {"userId": social_id}}
    err(api.get(f"{base}/facebook"), 404, "user.identity_not_exist")
    err(api.put(f"/api/users/{other['id']}/identities/github", json={"userId": social_id}), 422, "user.identity_already_in_use")
    err(api.put(f"{base}/github", json={}), 400, "guard.invalid_input")
    res = api.get(f"/api/users/{user['id']}/all-identities")
    assert res.json() == {
        "socialIdentities": [
            {"target": "github", "identity": {"userId": social_id}},
            {"target": "google", "identity": {"userId": "g"}},
        ],
        "ssoIdentities": [],
    }
    res = api.delete(f"{base}/github")
    assert res.status_code == 200 and list(res.json()) == USER_KEYS
    assert res.json()["identities"] == {"google": {"userId": "g"}}
    err(api.delete(f"{base}/github"), 404, "user.identity_not_exist")
    # The freed identity can be linked elsewhere.
    assert api.put(f"/api/users/{other['id']}/identities/github", json={"userId": social_id}).status_code == 201


def test_link_identity_needs_a_connector(api: httpx.Client) -> None:
    user = new_user(api)
    base = f"/api/users/{user['id']}/identities"
    err(api.post(base, json={"connectorId": "github-universal", "connectorData": {"code": "x"}}), 404, "entity.not_found")
    err(api.post(base, json={"connectorId": "c"}), 400, "guard.invalid_input")


def test_sso_identities(api: httpx.Client, server: Server) -> None:
    user = new_user(api)
    body = err(api.get(f"/api/users/{user['id']}/sso-identities/conn1"), 404, "user.enterprise_sso_identity_not_exists")
    assert "conn1" in body["message"]
    sid = create_sso_identity(server, user["id"], "conn1")
    res = api.get(f"/api/users/{user['id']}/sso-identities/conn1")
    identity = res.json()["ssoIdentity"]
    assert identity["id"] == sid and identity["userId"] == user["id"] and identity["ssoConnectorId"] == "conn1"
    assert list(identity) == ["tenantId", "id", "userId", "issuer", "identityId", "detail", "createdAt", "updatedAt", "ssoConnectorId"]
    res = api.get(f"/api/users/{user['id']}/all-identities")
    assert res.json()["ssoIdentities"] == [{"ssoConnectorId": "conn1", "ssoIdentity": identity}]
    full = api.get(f"/api/users/{user['id']}", params={"includeSsoIdentities": "1"}).json()
    assert full["ssoIdentities"] == [identity]


# --- MFA ---------------------------------------------------------------------------------------


def test_mfa_verifications(api: httpx.Client) -> None:
    user = new_user(api, name="Mfa Person")
    base = f"/api/users/{user['id']}/mfa-verifications"
    assert api.get(base).json() == []
    err(api.post(base, json={"type": "BackupCode"}), 422, "session.mfa.backup_code_can_not_be_alone")
    err(api.post(base, json={"type": "Totp", "secret": "short"}), 422, "user.totp_secret_invalid")
    err(api.post(base, json={"type": "Sms"}), 400, "guard.invalid_input")
    err(api.post(base, json={"secret": "x"}), 400, "guard.invalid_input")
    res = api.post(base, json={"type": "Totp"})
    assert res.status_code == 200
    totp = res.json()
    assert list(totp) == ["type", "secret", "secretQrCode"] and totp["type"] == "Totp"
    assert len(base64.b32decode(totp["secret"])) == 20
    assert totp["secretQrCode"].startswith("data:image/png;base64,")
    assert base64.b64decode(totp["secretQrCode"].split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    err(api.post(base, json={"type": "Totp"}), 422, "user.totp_already_in_use")
    err(api.post(base, json={"type": "BackupCode", "codes": ["abc"]}), 422, "user.wrong_backup_code_format")
    res = api.post(base, json={"type": "BackupCode"})
    codes = res.json()
    assert list(codes) == ["type", "codes"] and len(codes["codes"]) == 10
    assert all(re.fullmatch(r"[0-9a-f]{10}", c) for c in codes["codes"])
    err(api.post(base, json={"type": "BackupCode"}), 422, "user.backup_code_already_in_use")
    listed = api.get(base).json()
    assert [v["type"] for v in listed] == ["Totp", "BackupCode"]
    assert listed[1]["remainCodes"] == 10 and "codes" not in listed[1] and "key" not in listed[0]
    assert set(listed[0]) == {"id", "createdAt", "type"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", listed[0]["createdAt"])
    assert api.delete(f"{base}/{listed[1]['id']}").status_code == 204
    err(api.delete(f"{base}/{listed[1]['id']}"), 404, "entity.not_found")
    res = api.post(base, json={"type": "BackupCode", "codes": [f"{i:010x}" for i in range(10)]})
    assert res.json()["codes"][0] == "0000000000"


def test_mfa_totp_with_given_secret(api: httpx.Client) -> None:
    user = new_user(api)
    secret = "JBSWY3DPEHPK3PXP"
    res = api.post(f"/api/users/{user['id']}/mfa-verifications", json={"type": "Totp", "secret": secret})
    assert res.status_code == 200 and res.json()["secret"] == secret


# --- personal access tokens --------------------------------------------------------------------


def test_personal_access_tokens(api: httpx.Client) -> None:
    user = new_user(api)
    base = f"/api/users/{user['id']}/personal-access-tokens"
    assert api.get(base).json() == []
    res = api.post(base, json={"name": "ci"})
    assert res.status_code == 201
    token = res.json()
    assert list(token) == ["tenantId", "userId", "name", "value", "createdAt", "expiresAt"]
    assert re.fullmatch(r"pat_[0-9A-Za-z]{32}", token["value"]) and token["expiresAt"] is None
    assert api.get(base).json() == [token]
    err(api.post(base, json={"name": "ci"}), 422, "user.personal_access_token_name_exists")
    body = err(api.post(base, json={"name": "old", "expiresAt": 1000}), 400, "request.invalid_input")
    assert body["message"] == "Input is invalid. The value of `expiresAt` must be in the future."
    err(api.post(base, json={"name": ""}), 400, "guard.invalid_input")
    err(api.post(base, json={"name": "x" * 257}), 400, "guard.invalid_input")
    later = token["createdAt"] + 86_400_000
    res = api.post(base, json={"name": "exp", "expiresAt": later})
    assert res.json()["expiresAt"] == later
    # Rename through the body (currentName) and through the legacy path.
    res = api.patch(base, json={"currentName": "ci", "name": "ci2"})
    assert res.status_code == 200 and res.json()["name"] == "ci2" and res.json()["value"] == token["value"]
    res = api.patch(f"{base}/ci2", json={"name": "ci3"})
    assert res.status_code == 200 and res.json()["name"] == "ci3"
    body = err(api.patch(f"{base}/nope", json={"name": "z"}), 404, "entity.not_exists")
    assert body["message"] == "The personal_access_token does not exist."
    err(api.patch(base, json={"currentName": "ci3", "name": "exp"}), 422, "user.personal_access_token_name_exists")
    assert api.delete(f"{base}/ci3").status_code == 204
    err(api.delete(f"{base}/ci3"), 404, "entity.not_found")
    res = api.post(f"{base}/delete", json={"name": "exp"})
    assert res.status_code == 204
    err(api.post(f"{base}/delete", json={"name": "exp"}), 404, "entity.not_found")
    assert api.get(base).json() == []
    # A name may hold a slash; percent-encoded in the path it is still one name.
    assert api.post(base, json={"name": "ci/deploy"}).status_code == 201
    assert api.patch(f"{base}/ci%2Fdeploy", json={"name": "ci/deploy 2"}).json()["name"] == "ci/deploy 2"
    assert api.delete(f"{base}/ci%2Fdeploy%202").status_code == 204
    err(api.post("/api/users/nope/personal-access-tokens", json={"name": "x"}), 404, "entity.relation_foreign_key_not_found")


def test_pat_names_with_slashes_use_post_delete(api: httpx.Client) -> None:
    user = new_user(api)
    base = f"/api/users/{user['id']}/personal-access-tokens"
    assert api.post(base, json={"name": "a/b c"}).status_code == 201
    assert api.post(f"{base}/delete", json={"name": "a/b c"}).status_code == 204


# --- grants and sessions -----------------------------------------------------------------------


def test_grants_and_sessions_are_empty(api: httpx.Client) -> None:
    user = new_user(api)
    base = f"/api/users/{user['id']}"
    assert api.get(f"{base}/grants").json() == {"grants": []}
    assert api.get(f"{base}/grants", params={"appType": "thirdParty"}).json() == {"grants": []}
    err(api.get(f"{base}/grants", params={"appType": "nope"}), 400, "guard.invalid_input")
    err(api.delete(f"{base}/grants/g1"), 404, "oidc.invalid_grant")
    assert api.get(f"{base}/sessions").json() == {"sessions": []}
    err(api.get(f"{base}/sessions/s1"), 404, "oidc.session_not_found")
    err(api.delete(f"{base}/sessions/s1"), 404, "oidc.session_not_found")
    err(api.delete(f"{base}/sessions/s1", params={"revokeGrantsTarget": "x"}), 400, "guard.invalid_input")


# --- list, paging, search errors ----------------------------------------------------------------


def test_list_paging_and_order(api: httpx.Client) -> None:
    tag = unique("pg").replace("-", "_")
    made = [new_user(api, username=f"{tag}_{i}", **({"password": "p"} if i == 0 else {})) for i in range(3)]
    params = {"search.username": f"{tag}%", "page_size": "2"}
    res = api.get("/api/users", params=params)
    assert res.status_code == 200 and res.headers["total-number"] == "3"
    assert [u["id"] for u in res.json()] == [made[2]["id"], made[1]["id"]]
    links = res.headers.get_list("link")
    assert [link.split('rel="')[1][:-1] for link in links] == ["first", "last", "next"]
    assert "/api/users?" in links[0]
    res = api.get("/api/users", params={**params, "page": "2"})
    assert [u["id"] for u in res.json()] == [made[0]["id"]]
    res = api.get("/api/users", params={**params, "page": "9"})
    assert res.json() == [] and res.headers["total-number"] == "3"
    res = api.get("/api/users", params={**params, "includePasswordHash": "yes", "page": "2"})
    [row] = res.json()
    assert row["passwordAlgorithm"] == "Argon2i" and row["passwordDigest"].startswith("$argon2i$")
    res = api.get("/api/users", params={"search.username": f"{tag}%", "includePasswordHash": "1"})
    assert res.json()[0]["passwordDigest"] is None and res.json()[0]["passwordAlgorithm"] is None
    assert all(list(u) == USER_KEYS for u in api.get("/api/users", params=params).json())


def test_unfiltered_total_tracks_creates_and_deletes(api: httpx.Client) -> None:
    before = int(api.get("/api/users", params={"page_size": "1"}).headers["total-number"])
    user = new_user(api)
    assert int(api.get("/api/users", params={"page_size": "1"}).headers["total-number"]) == before + 1
    first = api.get("/api/users", params={"page_size": "1"}).json()
    assert first[0]["id"] == user["id"]
    api.delete(f"/api/users/{user['id']}")
    assert int(api.get("/api/users", params={"page_size": "1"}).headers["total-number"]) == before


def test_deep_pages_match_shallow_pages(api: httpx.Client) -> None:
    for _ in range(3):
        new_user(api)
    total = int(api.get("/api/users", params={"page_size": "1"}).headers["total-number"])
    # The last page is read from the oldest end; it must equal the tail of a full walk.
    size = 5
    last = (total + size - 1) // size
    walked: list[str] = []
    for page in range(1, last + 1):
        walked += [u["id"] for u in api.get("/api/users", params={"page": str(page), "page_size": str(size)}).json()]
    assert len(walked) == total and len(set(walked)) == total


@pytest.mark.parametrize(
    "params",
    [
        {"mode": "fuzzy", "search": "x"},
        {"search.username": "x", "mode.username": "nope"},
        {"search.password": "x"},
        {"search.a.b": "x"},
        {"search": ""},
        {"search": ["a", "b"], "mode": "like"},
        {"joint": "xor", "search": "x"},
        {"search": "x", "mode": "similar_to"},
        {"search": "(", "mode": "posix"},
        {"search": "[", "mode": "posix", "isCaseSensitive": "true"},
        {"search": "a(b", "mode": "similar_to", "isCaseSensitive": "true"},
        {"search": "abc\\", "isCaseSensitive": "true"},
        {"search": "abc\\"},
        {"search": "\\", "mode": "similar_to", "isCaseSensitive": "true"},
    ],
)
def test_bad_search_is_400_never_500(api: httpx.Client, params: dict[str, Any]) -> None:
    res = api.get("/api/users", params=params)
    assert res.status_code in (200, 400), res.text
    if res.status_code == 400:
        assert res.json()["code"] == "request.invalid_input"


@pytest.mark.parametrize("query", ["page=0", "page_size=101", "page=abc", "page_size=-1"])
def test_bad_paging(api: httpx.Client, query: str) -> None:
    err(api.get(f"/api/users?{query}"), 400, "guard.invalid_pagination")


def test_nul_and_odd_input_never_500(api: httpx.Client) -> None:
    for body in ({"name": "a\u0000b"}, {"customData": {"k": "\u0000"}}, {"username": "é"}, {"primaryPhone": "9" * 40}):
        res = api.post("/api/users", json=body)
        assert res.status_code < 500, (body, res.text)
    res = api.get("/api/users", params={"search": "%\u0000%"})
    assert res.status_code < 500
    res = api.get("/api/users/" + "x" * 300)
    assert res.status_code == 404


def test_delete_self_is_refused_for_a_user_token_subject(api: httpx.Client, server: Server) -> None:
    # M2M tokens have the app id as subject, so deleting "itself" means a user id equal to it.
    err(api.delete(f"/api/users/{server.client_id}"), 400, "user.cannot_delete_self")


def test_concurrent_creates_and_deletes_keep_exact_counts(api: httpx.Client) -> None:
    """Counter rows are locked in one order: parallel writers never deadlock (no 500)."""
    from concurrent.futures import ThreadPoolExecutor

    before = int(api.get("/api/users", params={"page_size": "1"}).headers["total-number"])

    def create(_: int) -> httpx.Response:
        return api.post("/api/users", json={"username": uname()})

    with ThreadPoolExecutor(16) as pool:
        made = list(pool.map(create, range(48)))
    assert [r.status_code for r in made] == [200] * 48
    assert int(api.get("/api/users", params={"page_size": "1"}).headers["total-number"]) == before + 48
    with ThreadPoolExecutor(16) as pool:
        gone = list(pool.map(lambda r: api.delete(f"/api/users/{r.json()['id']}"), made))
    assert [r.status_code for r in gone] == [204] * 48
    assert int(api.get("/api/users", params={"page_size": "1"}).headers["total-number"]) == before
