"""The sign-in configuration routes on the route contract: cached public documents follow the
writes they depend on, and answers that vary by header are never shared."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.server import Server


@pytest.fixture(scope="module")
def api(own_server: Server) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {own_server.token()}"}
    with httpx.Client(base_url=own_server.base_url, headers=headers, timeout=30) as client:
        yield client


def test_well_known_sign_in_exp_follows_writes(api: httpx.Client) -> None:
    url = "/api/.well-known/sign-in-exp"
    first = httpx.get(api.base_url.join(url))
    assert first.status_code == 200 and first.headers["etag"]
    again = httpx.get(api.base_url.join(url), headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    color = dict(first.json()["color"], primaryColor="#123456")
    assert api.patch("/api/sign-in-exp", json={"color": color}).status_code == 200
    after = httpx.get(api.base_url.join(url))
    assert after.json()["color"]["primaryColor"] == "#123456"
    assert after.headers["etag"] != first.headers["etag"]
    # An organization's branding is read too: a change to it shows at once.
    org = api.post("/api/organizations", json={"name": "Tinted"}).json()
    params = {"organizationId": org["id"]}
    assert httpx.get(api.base_url.join(url), params=params).json()["color"]["primaryColor"] == "#123456"
    api.patch(f"/api/organizations/{org['id']}", json={"color": {"primaryColor": "#654321"}})
    assert httpx.get(api.base_url.join(url), params=params).json()["color"]["primaryColor"] == "#654321"


def test_well_known_phrases_vary_by_accept_language(api: httpx.Client) -> None:
    assert api.put("/api/custom-phrases/de", json={"input": {"username": "Benutzername"}}).status_code == 201
    assert api.put("/api/custom-phrases/fr", json={"input": {"username": "Identifiant"}}).status_code == 201
    url = api.base_url.join("/api/.well-known/phrases")
    for lang, word in [("de", "Benutzername"), ("fr", "Identifiant"), ("de", "Benutzername")]:
        res = httpx.get(url, headers={"Accept-Language": lang})
        assert res.headers["content-language"] == lang
        assert res.json()["translation"]["input"]["username"] == word


def test_public_documents_refuse_nul(api: httpx.Client) -> None:
    res = httpx.get(api.base_url.join("/api/.well-known/sign-in-exp"), params={"organizationId": "a\x00b"})
    assert res.status_code == 400 and res.json()["code"] == "guard.invalid_input"


def test_case_conflicts_limit_is_checked(api: httpx.Client) -> None:
    path = "/api/sign-in-exp/username-policy/case-sensitivity-conflicts"
    for bad in ("0", "101", "x", ""):
        res = api.get(path, params={"limit": bad})
        assert res.status_code == 400 and res.json()["code"] == "guard.invalid_input", bad
    assert api.get(path, params={"limit": " 5 "}).status_code == 200


def _case_sensitive(api: httpx.Client, sensitive: bool) -> None:
    policy = dict(api.get("/api/sign-in-exp").json()["usernamePolicy"], caseSensitive=sensitive)
    res = api.patch("/api/sign-in-exp", json={"usernamePolicy": policy})
    assert res.status_code == 200 and res.json()["usernamePolicy"]["caseSensitive"] is sensitive, res.text


def test_users_api_honours_username_case_policy(api: httpx.Client) -> None:
    def create(username: str, **more: str) -> httpx.Response:
        return api.post("/api/users", json={"username": username, **more})

    first = create("Case_Owner")
    assert first.status_code == 200, first.text
    twin = create("case_owner")  # case-sensitive (the default): a different user
    assert twin.status_code == 200, twin.text
    assert api.delete(f"/api/users/{twin.json()['id']}").status_code == 204
    other = create("Someone_Else").json()

    _case_sensitive(api, False)
    for name in ("case_owner", "CASE_OWNER"):
        res = create(name, primaryEmail=f"{name}@example.com")
        assert res.status_code == 422 and res.json()["code"] == "user.username_already_in_use", res.text
    res = api.patch(f"/api/users/{other['id']}", json={"username": "CASE_owner"})
    assert res.status_code == 422 and res.json()["code"] == "user.username_already_in_use", res.text
    own = api.patch(f"/api/users/{first.json()['id']}", json={"username": "case_OWNER"})
    assert own.status_code == 200 and own.json()["username"] == "case_OWNER"
    assert create("Brand_New").status_code == 200

    _case_sensitive(api, True)
    again = create("CASE_OWNER")
    assert again.status_code == 200, again.text
