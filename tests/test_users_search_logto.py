"""Logto's own user-search scenarios (integration-tests `admin-user.search.test.ts`, same data and
expected counts), on a fresh server per backend so no other user interferes."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import IN_CI
from tests.server import create_pg_database, drop_pg_database, pg_available, start_server

RAW = [
    "tom scott", "tom scott 2", "tom scott 3", "tom scott 4", "tom scott 5",
    "jerry swift", "jerry swift 1", "jerry swift jr", "jerry swift jr 2", "jerry swift jr jr",
]
SUFFIX = ["@gmail.com", "@foo.bar", "@geek.best"]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def fresh(request: pytest.FixtureRequest) -> Iterator[tuple[httpx.Client, list[dict[str, object]]]]:
    name = None
    if request.param == "postgres":
        if not pg_available():
            if IN_CI:
                pytest.fail("PostgreSQL at 127.0.0.1:5432 is required in CI")
            pytest.skip("PostgreSQL is not running")
        name = create_pg_database()
        srv = start_server("postgres", f"postgresql://postgres@127.0.0.1:5432/{name}")
    else:
        srv = start_server("sqlite", f"sqlite:///{tempfile.mkdtemp(prefix='authkeep-search-')}/a.db")
    try:
        with httpx.Client(base_url=srv.base_url, headers={"Authorization": f"Bearer {srv.token()}"}, timeout=30) as api:
            users = []
            for i, raw in enumerate(RAW):
                username = "_".join(raw.split(" "))
                display = " ".join(s[0].upper() + s[1:] for s in raw.split(" ") if not s.isdigit())
                body = {
                    "username": "search_" + username,
                    "primaryEmail": username + SUFFIX[i % 3],
                    "primaryPhone": "1310805" + f"{i:04d}",
                    "name": display,
                }
                res = api.post("/api/users", json=body)
                assert res.status_code == 200, res.text
                users.append(res.json())
            yield api, users
    finally:
        srv.stop()
        if name:
            drop_pg_database(name)


def total(api: httpx.Client, params: list[tuple[str, str]]) -> int:
    res = api.get("/api/users", params=params)
    assert res.status_code == 200, res.text
    return int(res.headers["total-number"])


def test_logto_search_scenarios(fresh: tuple[httpx.Client, list[dict[str, object]]]) -> None:
    api, users = fresh
    assert total(api, []) == 10
    assert total(api, [("search", "%search_tom%")]) == 5
    assert total(api, [("search", "%1310805000%")]) == 10
    assert total(api, [("search.name", "jerry swift"), ("mode.name", "exact"), ("isCaseSensitive", "true")]) == 0
    assert total(api, [("search.name", "jerry swift"), ("mode.name", "exact")]) == 2
    hybrid = [
        ("search.name", "^Jerry((?!Jr).)*Jr{1}((?!Jr).)*$"),
        ("mode.name", "posix"),
        ("search.username", "search_%"),
        ("search.primaryPhone", "%0{3,}%"),
        ("mode.primaryPhone", "similar_to"),
        ("joint", "and"),
        ("isCaseSensitive", "true"),
    ]
    assert total(api, hybrid) == 2
    hybrid2 = [
        ("search.name", "^T.?m Scot+$"),
        ("mode.name", "posix"),
        ("search.username", "search_tom%"),
        ("mode.username", "similar_to"),
        ("isCaseSensitive", "true"),
    ]
    assert total(api, hybrid2) == 5
    emails = [
        ("search.primaryEmail", "jerry_swiFt_jr@foo.bar"),
        ("search.primaryEmail", "jerry_swift_Jr_2@geek.best"),
        ("search.primaryEmail", "jerry_swift_jr_jR@gmail.com"),
        ("mode.primaryEmail", "exact"),
    ]
    assert total(api, emails) == 3
    ids = [("search.id", str(users[i]["id"])) for i in (0, 1, 2, 2)]
    assert total(api, [*ids, ("search.id", "not_possible"), ("mode.id", "exact"), ("isCaseSensitive", "true")]) == 3


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ([("search.primaryEmail", "a@foo.bar"), ("search.primaryEmail", "b@geek.best")], "`exact`"),
        ([("search.primaryEmail", ""), ("search", "tom")], "empty"),
        ([("search.primaryEmail", "%gmail%"), ("mode.primaryEmail", "similar_to")], "similar to"),
        ([("search.primaryEmail", "%gmail%"), ("mode.primaryEmail", "similar to")], "not valid"),
        ([("search.email", "%gmail%")], "not valid"),
        ([("search.primaryEmail", "%gmail%"), ("joint", "and1")], "not valid"),
    ],
)
def test_logto_search_errors(fresh: tuple[httpx.Client, list[dict[str, object]]], params: list[tuple[str, str]], needle: str) -> None:
    api, _ = fresh
    res = api.get("/api/users", params=params)
    assert res.status_code == 400 and res.json()["code"] == "request.invalid_input", res.text
    assert needle in res.json()["message"]
