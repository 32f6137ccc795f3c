"""Hostile search input (issue 13, D1 and D2): a dangling `\\` and over-long values are a 400 on
every searchable list and both backends; an over-large request head is a 431; `Link` stays small."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.datastructures import QueryParams

from authkeep.errors import LogtoError
from authkeep.search import parse_search
from tests.conftest import unique

DANGLING = "Input is invalid. Search value cannot end with the escape character `\\`."
TOO_LONG = "Input is invalid. Search value is too long, expect at most 1024 characters."


@pytest.fixture(scope="module")
def ids(server: Any, token: str) -> dict[str, str]:
    with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as api:
        resource = api.post("/api/resources", json={"name": unique("r"), "indicator": f"https://{unique('r')}.io"})
        role = api.post("/api/roles", json={"name": unique("r"), "description": "d"})
        app = api.post("/api/applications", json={"name": unique("a"), "type": "MachineToMachine"})
        user = api.post("/api/users", json={"username": unique("u").replace("-", "_")})
        return {"resource": resource.json()["id"], "role": role.json()["id"], "app": app.json()["id"],
                "user": user.json()["id"]}


LISTS = [
    "/api/users", "/api/roles", "/api/applications", "/api/resources/{resource}/scopes",
    "/api/roles/{role}/scopes", "/api/roles/{role}/users", "/api/roles/{role}/applications",
    "/api/users/{user}/roles", "/api/applications/{app}/roles",
]


def _invalid(res: httpx.Response, message: str) -> None:
    assert res.status_code == 400, res.text
    assert res.json() == {"code": "request.invalid_input", "message": message}


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(
    "query",
    [
        {"search": "\\"},
        {"search": "%\\"},
        {"search": "a\\\\\\"},
        {"search.id": "\\"},
        {"search": "x\\", "mode": "similar_to", "isCaseSensitive": "true"},
        {"search": "\\", "isCaseSensitive": "true"},
    ],
)
def test_dangling_escape_is_a_400_everywhere(api: httpx.Client, ids: dict[str, str], path: str, query: dict[str, str]) -> None:
    """PostgreSQL: 500 "LIKE pattern must not end with escape character" (users alone said 400);
    SQLite: 200 with nothing matched."""
    _invalid(api.get(path.format(**ids), params=query), DANGLING)


@pytest.mark.parametrize("path", LISTS)
def test_over_long_search_value_is_a_400(api: httpx.Client, ids: dict[str, str], path: str) -> None:
    """60,000 characters were a 500 on SQLite ("LIKE or GLOB pattern too complex")."""
    _invalid(api.get(path.format(**ids), params={"search": "%" + "x" * 1024}), TOO_LONG)
    _invalid(api.get(path.format(**ids), params={"search.name": "x" * 1025, "mode": "exact"}), TOO_LONG)
    assert api.get(path.format(**ids), params={"search": "%" + "x" * 1022 + "%"}).status_code == 200


def test_escaped_backslash_and_wildcards_match_literally(api: httpx.Client) -> None:
    name = unique("bs") + "\\50%_x"
    made = api.post("/api/roles", json={"name": name, "description": "d"}).json()["id"]
    for pattern in (name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_"), "%\\\\50\\%\\_x"):
        found = api.get("/api/roles", params={"search.name": pattern, "page_size": 100}).json()
        assert made in [r["id"] for r in found], pattern
    assert api.get("/api/roles", params={"search.name": name[:-6] + "\\\\50\\%\\_y"}).json() == []


@pytest.mark.parametrize("size", [16 * 1024, 60_000, 1024 * 1024])
def test_over_large_request_head_is_a_431(api: httpx.Client, anon: httpx.Client, size: int) -> None:
    """A 60 KB search reached the database; a 1 MB Authorization header reached the verifier."""
    for res in (
        api.get("/api/roles", params={"search": "x" * min(size, 60_000)}),  # httpx's URL limit is 64 KiB
        anon.get("/api/roles", headers={"Authorization": "Bearer " + "a" * size}),
        anon.get("/api/status", headers={"X-Filler": "a" * size}),
    ):
        assert res.status_code == 431, res.text[:200]
        assert res.json()["code"] == "request.header_fields_too_large"
    assert api.get("/api/roles", params={"page_size": 1}).status_code == 200  # the server is fine


def test_link_headers_stay_small(api: httpx.Client) -> None:
    """A 60 KB `q` on /api/organizations?page_size=1 answered 180 KB of Link headers."""
    res = api.get("/api/organizations", params={"page_size": 1, "q": "x" * 10_000})
    assert res.status_code == 200, res.text[:200]
    assert "link" not in res.headers and res.headers["total-number"] == "0"
    assert sum(len(k) + len(v) for k, v in res.headers.multi_items()) < 2048
    short = api.get("/api/organizations", params={"page_size": 1, "q": "x" * 100})
    assert len(short.headers.get_list("link")) == 2  # first and last


@pytest.mark.parametrize(
    ("query", "ok"),
    [
        ("search=a%5C", False), ("search=a%5C%5C", True), ("search=a%5C%5C%5C", False), ("search=%5Ca", True),
        ("search=a%5C&mode=exact", True), ("search=a%5C&mode=similar_to&isCaseSensitive=1", False),
        ("search=" + "x" * 1024, True), ("search=" + "x" * 1025, False), ("search.id=x&search.id=" + "y" * 1025 + "&mode=exact", False),
    ],
)
def test_parse_search_bounds(query: str, ok: bool) -> None:
    """The one search parser decides, so every list answers alike."""
    if ok:
        assert parse_search(QueryParams(query), ("id", "name"))
        return
    with pytest.raises(LogtoError) as info:
        parse_search(QueryParams(query), ("id", "name"))
    assert info.value.code == "request.invalid_input" and info.value.status == 400
