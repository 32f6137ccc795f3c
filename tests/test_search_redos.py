"""SQLite runs regular-expression searches in Python (store/regexp.py): a catastrophically
backtracking pattern is answered at once with Logto's 400 for an invalid regular expression,
and the worker stays free for other requests."""

from __future__ import annotations

import time

import httpx
import pytest

from authkeep.store import regexp
from tests.conftest import fresh_server, unique

EVIL = "^(a|a)*$"  # 2^n ways to fail on n "a"s followed by anything else
VICTIM = "a" * 40 + "!"


def _refused(r: httpx.Response) -> None:
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["code"] == "request.invalid_input"
    assert body["message"] == "Input is invalid. Invalid regular expression."


def test_catastrophic_patterns_are_refused_quickly_on_sqlite() -> None:
    with fresh_server("sqlite") as server:
        headers = {"Authorization": f"Bearer {server.token()}"}
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=20) as api:
            for _ in range(3):
                assert api.post("/api/roles", json={"name": unique("redos"), "description": VICTIM}).status_code == 200
            assert api.post("/api/users", json={"name": VICTIM}).status_code == 200
            attacks = [
                ("/api/roles", {"search.description": EVIL, "mode.description": "posix"}),
                ("/api/roles", {"search": EVIL, "mode": "posix", "isCaseSensitive": "true"}),
                ("/api/roles", {"search.description": "(a|a)*", "mode": "similar_to", "isCaseSensitive": "true"}),
                ("/api/users", {"search.name": EVIL, "mode.name": "posix"}),
            ]
            for path, params in attacks:
                started = time.monotonic()
                _refused(api.get(path, params=params))
                assert time.monotonic() - started < 5, (path, params)

            started = time.monotonic()
            assert api.get("/api/status").status_code == 204
            assert time.monotonic() - started < 1
            fine = api.get("/api/roles", params={"search.description": "^a+!$", "mode.description": "posix"})
            assert fine.status_code == 200 and len(fine.json()) == 3


def test_a_statement_has_one_matching_budget() -> None:
    budget = regexp.Budget()
    assert regexp.search(budget, "^a+!$", VICTIM) and not regexp.search(budget, "^b", VICTIM)
    assert regexp.search(budget, "^A", VICTIM, ignore_case=True) and not regexp.search(budget, "^A", VICTIM)
    assert regexp.search(budget, "x", None) is False
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        regexp.search(budget, EVIL, VICTIM)
    assert time.monotonic() - started < 1
    budget.deadline = time.monotonic() - 0.001  # spent by earlier rows of the same statement
    with pytest.raises(TimeoutError):
        regexp.search(budget, "^a", VICTIM)
    budget.reset()
    assert regexp.search(budget, "^a", VICTIM)
