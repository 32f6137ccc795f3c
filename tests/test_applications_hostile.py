"""No input makes an Applications route answer 500: every operation gets hostile bodies, ids and
queries, and must answer with a Logto error code."""

from __future__ import annotations

from typing import Any

import httpx

from tests.server import Server
from tests.test_applications import new_app, seed_user

BODIES: list[Any] = [
    None,
    [],
    "text",
    42,
    1e308,
    True,
    {"name": None, "type": None, "roleIds": None, "organizationIds": None},
    {"name": "\u0000", "domain": "\u0000", "roleIds": ["\u0000"], "organizationIds": ["\u0000"]},
    {"name": "x" * 100_000, "type": "SPA", "expiresAt": 10**30, "userIds": ["x" * 5000]},
    {"expiresAt": -(10**30), "name": "n", "customData": {"k": [[[[[[[[[[]]]]]]]]]]}},
    {"roleIds": [str(i) for i in range(40_000)], "organizationIds": [str(i) for i in range(40_000)]},
    {"resourceScopes": [str(i) for i in range(40_000)], "organizationScopes": ["a"] * 40_000},
    {"color": [], "branding": "x", "termsOfUseUrl": 5, "displayName": {"a": 1}},
    {"customClientMetadata": {"idTokenTtl": 10**400 // 10**399, "maxAllowedGrants": 10**25}},
    {"oidcClientMetadata": {"redirectUris": ["http://[::1"], "postLogoutRedirectUris": ["h\u0000ttp://x"]}},
]
RAW = [b"", b"{", b"\xff\xfe", b'{"a":1e999}', b"[" * 5000, b'{"name":"\\ud800","type":"SPA"}']


def _routes(app_id: str, user_id: str) -> list[tuple[str, str]]:
    base = f"/api/applications/{app_id}"
    return [
        ("POST", "/api/applications"),
        ("PATCH", base),
        ("PATCH", f"{base}/custom-data"),
        ("POST", f"{base}/secrets"),
        ("PATCH", f"{base}/secrets/Default%20secret"),
        ("POST", f"{base}/roles"),
        ("PUT", f"{base}/roles"),
        ("PUT", f"{base}/access-control"),
        ("POST", f"{base}/user-consent-scopes"),
        ("PUT", f"{base}/sign-in-experience"),
        ("PUT", f"{base}/users/{user_id}/consent-organizations"),
        ("POST", f"{base}/users/{user_id}/consent-organizations"),
        ("POST", f"{base}/protected-app-metadata/custom-domains"),
    ]


def _ok(res: httpx.Response) -> None:
    assert res.status_code < 500 or res.status_code == 501, (res.request.method, res.request.url, res.text[:300])
    if res.status_code >= 400 and not res.headers["content-type"].startswith("text/plain"):
        assert "code" in res.json(), res.text[:300]  # plain text: the router's own 404/405, as Logto


def test_hostile_bodies(api: httpx.Client, server: Server) -> None:
    m2m = new_app(api)
    third = new_app(api, "SPA", isThirdParty=True)
    user = seed_user(server)
    for app in (m2m, third):
        for method, path in _routes(app["id"], user):
            for body in BODIES:
                _ok(api.request(method, path, json=body))
            for raw in RAW:
                _ok(api.request(method, path, content=raw, headers={"content-type": "application/json"}))
    assert api.get(f"/api/applications/{m2m['id']}").status_code == 200


def test_hostile_ids_and_queries(api: httpx.Client) -> None:
    app = new_app(api)
    weird = ["%00", "x" * 3000, "%FF%FE", "..%2F..", "%25", "' or 1=1 --", "\u202e"]
    paths = [
        "/api/applications/{}",
        "/api/applications/{}/secrets",
        "/api/applications/{}/roles",
        "/api/applications/{}/organizations",
        "/api/applications/{}/access-control",
        "/api/applications/{}/user-consent-scopes",
        "/api/applications/{}/sign-in-experience",
        "/api/applications/{}/users/{}/consent-organizations",
        "/api/applications/{}/protected-app-metadata/custom-domains",
    ]
    for w in weird:
        for path in paths:
            _ok(api.get(path.replace("{}", w)))
        for path in ("/api/applications/{}", "/api/applications/{}/secrets/{}", "/api/applications/{}/roles/{}",
                     "/api/applications/{}/legacy-secret", "/api/applications/{}/user-consent-scopes/user-scopes/{}",
                     "/api/applications/{}/users/{}/consent-organizations/{}"):
            _ok(api.delete(path.replace("{}", w)))
        _ok(api.delete(f"/api/applications/{app['id']}/secrets/{w}"))
        _ok(api.delete(f"/api/applications/{app['id']}/roles/{w}"))
    for params in (
        {"types": ["SPA"] * 3000},
        {"search.id": [str(i) for i in range(1500)], "mode.id": "exact"},
        {"page": "99999999999999999999"},
        {"page": "2147483648", "page_size": "100"},
        {"page": "2147483647", "page_size": "100"},
        {"search": "%\u0000%"},
        {"search.name": "[", "mode": "posix"},
        {"search.name": "a", "mode.name": "similar_to", "isCaseSensitive": "true"},
        {"excludeRoleId": "\u0000"},
        {"isThirdParty": "\u0000"},
    ):
        _ok(api.get("/api/applications", params=params))
        _ok(api.get(f"/api/applications/{app['id']}/roles", params=params))
