"""Shared mechanisms checked in isolation: paging headers, search parsing, LIKE translation."""

from __future__ import annotations

import re
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.datastructures import QueryParams
from starlette.requests import Request

from authkeep.errors import LogtoError
from authkeep.paging import Page, paged, parse_page
from authkeep.search import like_regex, parse_search, similar_to_regex


def _request(query: str) -> Request:
    scope = {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "server": ("localhost", 3001),
        "path": "/api/users",
        "query_string": query.encode(),
        "headers": [(b"host", b"localhost:3001")],
    }
    return Request(scope)


@given(page=st.integers(1, 10_000), size=st.integers(1, 100))
def test_valid_paging_is_accepted(page: int, size: int) -> None:
    assert parse_page(_request(f"page={page}&page_size={size}")) == Page(page, size)


@pytest.mark.parametrize(
    "query", ["page=0", "page=-1", "page=abc", "page_size=0", "page_size=101", "page=1.5", "page=NaN", "page=1e400"]
)
def test_invalid_paging_is_guard_error(query: str) -> None:
    with pytest.raises(LogtoError) as info:
        parse_page(_request(query))
    assert info.value.code == "guard.invalid_pagination" and info.value.status == 400


def test_optional_paging() -> None:
    assert parse_page(_request(""), optional=True) is None
    assert parse_page(_request("page_size=5"), optional=True) == Page(1, 5)
    assert parse_page(_request("")) == Page(1, 20)


def _links(response_headers: list[tuple[bytes, bytes]]) -> dict[str, int]:
    out = {}
    for key, value in response_headers:
        if key == b"link":
            match = re.match(r'<([^>]+)>; rel="(\w+)"', value.decode())
            assert match
            url, rel = match.groups()
            assert url.startswith("http://localhost:3001/api/users?")
            out[rel] = int(re.search(r"[?&]page=(\d+)", url).group(1))  # type: ignore[union-attr]
    return out


@given(total=st.integers(0, 5000), size=st.integers(1, 100), page=st.integers(1, 200))
@settings(max_examples=200)
def test_link_relations(total: int, size: int, page: int) -> None:
    response = paged(_request(f"page={page}&page_size={size}&search=a+b"), [], total, Page(page, size))
    assert response.headers["total-number"] == str(total)
    links = _links(response.raw_headers)
    last = max(1, -(-total // size))
    assert links["first"] == 1 and links["last"] == last
    assert links.get("prev") == (page - 1 if page > 1 else None)
    assert links.get("next") == (page + 1 if page < last else None)
    assert list(links) == [r for r in ("first", "prev", "last", "next") if r in links]


def test_search_parsing_rules() -> None:
    fields = ("id", "name", "primary_email")
    spec = parse_search(QueryParams("search=%25a%25&search.primaryEmail=b&mode.primaryEmail=exact&joint=and"), fields)
    assert spec.joint == "and"
    assert [(i.field, i.mode, i.values) for i in spec.items] == [(None, "like", ("%a%",)), ("primary_email", "exact", ("b",))]
    for bad in [
        "search.nope=x",
        "mode=fuzzy&search=x",
        "joint=xor&search=x",
        "search=",
        "search.name=a&search.name=b",
        "mode=similar_to&search=a",
        "search.a.b=x",
    ]:
        with pytest.raises(LogtoError) as info:
            parse_search(QueryParams(bad), fields)
        assert info.value.code == "request.invalid_input", bad
    spec = parse_search(QueryParams("search.name=a&search.name=b&mode.name=exact&isCaseSensitive=yes"), fields)
    assert spec.case_sensitive and spec.items[0].values == ("a", "b")


_LIKE = st.text(alphabet="ab%_", max_size=6)
_TEXT = st.text(alphabet="abAB", max_size=6)


@given(pattern=_LIKE, value=_TEXT)
@settings(max_examples=300)
def test_like_regex_matches_sqlite_case_sensitive_like(pattern: str, value: str) -> None:
    db = sqlite3.connect(":memory:")
    db.execute("PRAGMA case_sensitive_like = ON")
    expected = db.execute("SELECT ? LIKE ?", (value, pattern)).fetchone()[0] == 1
    assert (re.search(like_regex(pattern), value, re.DOTALL) is not None) == expected


@given(value=_TEXT)
def test_similar_to_basics(value: str) -> None:
    assert (re.search(similar_to_regex("(a|b)%"), value) is not None) == (value[:1] in {"a", "b"})


def test_link_keeps_query_order_and_encoding() -> None:
    response = paged(_request("page_size=5&page=2&search.name=a%25+b&x="), [], 30, Page(2, 5))
    links = [v.decode() for k, v in response.raw_headers if k == b"link"]
    assert links[0] == '<http://localhost:3001/api/users?page_size=5&page=1&search.name=a%25+b&x=>; rel="first"'
    response = paged(_request("page_size=5"), [], 30, Page(1, 5))
    links = [v.decode() for k, v in response.raw_headers if k == b"link"]
    assert links[-1] == '<http://localhost:3001/api/users?page_size=5&page=2>; rel="next"'
