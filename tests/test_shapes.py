"""Response shapes Logto's own API tests check: empty strings stored as null in an application's
sign-in experience, and organization members with exactly Logto's keys."""

from __future__ import annotations

import json

import httpx

from scripts.build_openapi import DEFAULT_SOURCE
from tests.server import Server
from tests.test_applications import db, new_app
from tests.test_organization_helpers import MEMBER_KEYS, new_org, new_user, ok

NULLABLE_TEXT = ("displayName", "customCss", "termsOfUseUrl", "privacyPolicyUrl")


def test_empty_strings_are_stored_as_null(api: httpx.Client, server: Server) -> None:
    app = new_app(api, "SPA", isThirdParty=True)
    url = f"/api/applications/{app['id']}/sign-in-experience"
    res = api.put(url, json=dict.fromkeys(NULLABLE_TEXT, ""))
    assert res.status_code == 201, res.text
    assert all(res.json()[key] is None for key in NULLABLE_TEXT), res.json()
    full = {"displayName": "Acme", "customCss": "a{}", "termsOfUseUrl": "https://a.example/t",
            "privacyPolicyUrl": "https://a.example/p"}  # fmt: skip
    assert ok(api.put(url, json=full)) | full == ok(api.get(url))
    for key in NULLABLE_TEXT:  # one at a time on an existing row (the update path)
        body = ok(api.put(url, json={key: ""}))
        assert body[key] is None and ok(api.get(url))[key] is None
    stored = db(server, "SELECT display_name, custom_css, terms_of_use_url, privacy_policy_url "
                "FROM application_sign_in_experiences WHERE application_id = ?", app["id"])  # fmt: skip
    assert [tuple(r) for r in stored] == [(None, None, None, None)]
    # a non-empty value after an empty one is kept as sent; color/branding are objects, not strings
    body = ok(api.put(url, json={"customCss": " ", "color": {}, "branding": {}}))
    assert body["customCss"] == " " and body["color"] == {} and body["branding"] == {}


def test_member_rows_have_exactly_logto_keys(api: httpx.Client) -> None:
    doc = json.loads(DEFAULT_SOURCE.read_text())
    schema = doc["paths"]["/api/organizations/{id}/users"]["get"]["responses"]["200"]["content"]
    logto_keys = list(schema["application/json"]["schema"]["items"]["properties"])
    assert MEMBER_KEYS == logto_keys and "hasPassword" not in MEMBER_KEYS
    org = new_org(api)
    with_password = new_user(api, password="Str0ng-enough-passw0rd")
    without = new_user(api)
    base = f"/api/organizations/{org['id']}/users"
    ok(api.post(base, json={"userIds": [with_password["id"], without["id"]]}), 201)
    role = ok(api.post("/api/organization-roles", json={"name": f"r-{org['id']}"}), 201)
    ok(api.post(f"{base}/{with_password['id']}/roles", json={"organizationRoleIds": [role["id"]]}), 201)
    # the plain listing and both filtered ones are built separately
    for params in ({}, {"q": with_password["username"]}, {"organizationRoleId": role["id"]}):
        members = ok(api.get(base, params=params))
        assert members and all(list(m) == logto_keys for m in members), (params, members)
    member = next(m for m in ok(api.get(base)) if m["id"] == with_password["id"])
    assert member["organizationRoles"] == [{"id": role["id"], "name": role["name"]}]
