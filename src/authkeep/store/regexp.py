"""SQLite's REGEXP, run in Python for `posix`, `similar_to` and case-sensitive `like` searches,
within a time bound: a pattern like `(a|a)*$` backtracks exponentially, and one request must not
hold a worker. Each value gets at most `PER_VALUE` seconds and each statement `PER_STATEMENT` in
all (`Budget.reset` before every statement); past that the statement fails, which the route
contract answers as Logto's 400 for an invalid regular expression (dberrors.map_db_error).
PostgreSQL runs its own regular expression engine and is not concerned.
"""

from __future__ import annotations

import time
from typing import Any

import regex

PER_VALUE = 0.1
PER_STATEMENT = 1.0
INFO_KEY = "authkeep_regexp_budget"  # the budget's slot in the pooled connection's `info`


class Budget:
    """Matching time left to the statement running on one SQLite connection."""

    __slots__ = ("deadline",)

    def __init__(self) -> None:
        self.deadline = time.monotonic() + PER_STATEMENT

    def reset(self) -> None:
        self.deadline = time.monotonic() + PER_STATEMENT


def search(budget: Budget, pattern: str, value: Any, ignore_case: bool = False) -> bool:
    if value is None:
        return False
    left = budget.deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("regular expression time budget spent")
    flags = regex.IGNORECASE if ignore_case else 0
    try:
        return regex.search(pattern, str(value), flags, timeout=min(left, PER_VALUE)) is not None
    except regex.error as exc:
        raise ValueError(f"invalid regular expression: {exc}") from exc
