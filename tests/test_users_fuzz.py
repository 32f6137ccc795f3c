"""No input produces a 500: random bodies and query strings against the Users routes."""

from __future__ import annotations

from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FIELDS = [
    "username", "primaryEmail", "primaryPhone", "name", "avatar", "customData", "profile", "password",
    "passwordDigest", "passwordAlgorithm", "roleIds", "isSuspended", "isExpired", "userId", "details",
    "type", "secret", "codes", "expiresAt", "currentName", "mfa", "passkeySignIn", "connectorId",
    "connectorData",
]
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False), TEXT,
    st.sampled_from(["", "a", "1abc", "x@y.z", "610412345678", "MD5", "Legacy", "Totp", "BackupCode", "%", "\\"]),
)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3), max_leaves=8)
BODIES = st.dictionaries(st.sampled_from(FIELDS) | TEXT, JSON, max_size=5) | JSON

ROUTES = [
    ("POST", "/api/users"),
    ("PATCH", "/api/users/{id}"),
    ("PATCH", "/api/users/{id}/custom-data"),
    ("PATCH", "/api/users/{id}/profile"),
    ("PATCH", "/api/users/{id}/logto-configs"),
    ("PATCH", "/api/users/{id}/password"),
    ("POST", "/api/users/{id}/password/verify"),
    ("PATCH", "/api/users/{id}/password/expiration"),
    ("PATCH", "/api/users/{id}/is-suspended"),
    ("POST", "/api/users/{id}/roles"),
    ("PUT", "/api/users/{id}/roles"),
    ("PUT", "/api/users/{id}/identities/{target}"),
    ("POST", "/api/users/{id}/identities"),
    ("POST", "/api/users/{id}/mfa-verifications"),
    ("POST", "/api/users/{id}/personal-access-tokens"),
    ("PATCH", "/api/users/{id}/personal-access-tokens"),
    ("POST", "/api/users/{id}/personal-access-tokens/delete"),
]
QUERY_KEYS = st.sampled_from(
    ["search", "search.username", "search.primaryEmail", "search.name", "search.id", "search.x", "mode",
     "mode.username", "joint", "jointMode", "isCaseSensitive", "page", "page_size", "excludeRoleId",
     "excludeOrganizationId", "includePasswordHash", "searchX", "search.a.b"]
)
QUERY_VALUES = st.one_of(
    TEXT, st.sampled_from(["like", "exact", "posix", "similar_to", "and", "or", "true", "1", "0", "-1", "101", "%a%", "(", "[", "\\", "a|b", "%_"])
)

SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@SLOW
@given(route=st.sampled_from(ROUTES), body=BODIES, target=st.sampled_from(["github", "a b", "%", "\u00e9"]))
def test_random_bodies_never_500(api: httpx.Client, route: tuple[str, str], body: Any, target: str) -> None:
    user = api.post("/api/users", json={}).json()
    method, path = route
    res = api.request(method, path.format(id=user["id"], target=target), json=body)
    assert res.status_code < 500, (method, path, body, res.text)


@SLOW
@given(params=st.lists(st.tuples(QUERY_KEYS, QUERY_VALUES), max_size=5))
def test_random_list_queries_never_500(api: httpx.Client, params: list[tuple[str, str]]) -> None:
    res = api.get("/api/users", params=params)
    assert res.status_code < 500, (params, res.text)
    res = api.get("/api/users/x/roles", params=params)
    assert res.status_code < 500, (params, res.text)
