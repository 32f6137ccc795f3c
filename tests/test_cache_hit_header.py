"""Answers served from the response cache say so (`X-Authkeep-Cache: hit`); bench/mixed.py
counts the hit rate with it."""

from __future__ import annotations

import httpx

from tests.conftest import unique


def test_hit_header_only_on_cached_answers(api: httpx.Client) -> None:
    params = {"page_size": 7, "search": unique("hit")}  # a query no other test has cached
    first = api.get("/api/roles", params=params)
    again = api.get("/api/roles", params=params)
    assert first.status_code == again.status_code == 200
    assert "x-authkeep-cache" not in first.headers
    assert again.headers["x-authkeep-cache"] == "hit"
    assert again.content == first.content
    assert api.post("/api/roles", json={"name": unique("hit"), "description": "d"}).status_code == 200
    after_write = api.get("/api/roles", params=params)
    assert "x-authkeep-cache" not in after_write.headers
