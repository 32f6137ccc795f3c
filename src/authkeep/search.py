"""Logto's advanced search query syntax (`search`, `search.<field>`, `mode`, `joint`,
`isCaseSensitive`) parsed into a backend-neutral spec; store/search_sql.py turns it into SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from starlette.datastructures import QueryParams

from authkeep.errors import invalid_input
from authkeep.guard import yes

MODES = ("exact", "like", "similar_to", "posix")
JOINTS = ("or", "and")
# Longer than any searchable column; bounds the pattern work on both backends (SQLite refuses
# LIKE patterns over 50,000 bytes with a 500-worthy error).
MAX_VALUE_LENGTH = 1024


@dataclass(frozen=True)
class SearchItem:
    field: str | None  # None: every searchable field
    mode: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Search:
    items: tuple[SearchItem, ...] = ()
    joint: str = "or"
    case_sensitive: bool = False
    fields: tuple[str, ...] = field(default=())

    def __bool__(self) -> bool:
        return bool(self.items)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).replace("-", "_").lower()


def _field_of(key: str) -> str | None:
    """`search.name` -> `name`; `search`, `searchFoo` -> None (a general search, as in Logto)."""
    path = key.split(".")
    if len(path) > 2:
        raise invalid_input(
            f"Unsupported nested search field path `{'.'.join(path[1:])}` detected. "
            "Only the first level field is supported."
        )
    return path[1] if len(path) == 2 else None


def parse_search(query: QueryParams, fields: tuple[str, ...]) -> Search:
    """`fields` are the snake_case searchable columns of the endpoint."""
    joint = query.get("joint") or query.get("jointMode") or "or"
    if joint not in JOINTS:
        raise invalid_input(f"Search joint mode `{joint}` is not valid, expect one of {', '.join(JOINTS)}.")
    values: dict[str | None, list[str]] = {}
    modes: dict[str | None, str] = {}
    for key, value in query.multi_items():
        if key.startswith("mode"):
            field_name = _field_of(key)
            if value not in MODES:
                where = f" for field `{field_name}`" if field_name else ""
                raise invalid_input(
                    f"Search match mode `{value}`{where} is not valid, expect one of {', '.join(MODES)}."
                )
            modes[field_name] = value
        elif key.startswith("search"):
            values.setdefault(_field_of(key), []).append(value)
    case_sensitive = yes(query.get("isCaseSensitive"))
    items: list[SearchItem] = []
    for raw_name, vals in values.items():
        mode = modes.get(raw_name) or modes.get(None) or "like"
        if mode != "exact" and len(vals) > 1:
            raise invalid_input("Only one search value is allowed when search mode is not `exact`.")
        if any(v == "" for v in vals):
            raise invalid_input("Search value cannot be empty.")
        for v in vals:
            _check_value(mode, v)
        name = _snake(raw_name) if raw_name else None
        if name is not None and name not in fields:
            raise invalid_input(f"Search field `{name}` is not valid, expect one of {', '.join(fields)}.")
        if mode == "similar_to" and not case_sensitive:
            raise invalid_input("Cannot use case-insensitive match for `similar to`.")
        items.append(SearchItem(name, mode, tuple(vals)))
    return Search(tuple(items), joint, case_sensitive, fields)


def _check_value(mode: str, value: str) -> None:
    if len(value) > MAX_VALUE_LENGTH:
        raise invalid_input(f"Search value is too long, expect at most {MAX_VALUE_LENGTH} characters.")
    # A backslash escapes the next character in LIKE and SIMILAR TO; PostgreSQL refuses a pattern ending
    # in a lone one (Logto answers 500), SQLite silently matches nothing. Refuse it on both.
    if mode in ("like", "similar_to") and (len(value) - len(value.rstrip("\\"))) % 2:
        raise invalid_input("Search value cannot end with the escape character `\\`.")


def similar_to_regex(pattern: str) -> str:
    """SQL `SIMILAR TO` as an anchored Python regex, for SQLite (PostgreSQL has it natively)."""
    out = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if ch == "%":
            out.append(".*")
        elif ch == "_":
            out.append(".")
        elif ch in "|*+?{}()[]":
            out.append(ch)
        else:
            out.append(re.escape(ch))
        i += 1
    return "(?s)^(?:" + "".join(out) + ")$"


def like_regex(pattern: str) -> str:
    """SQL LIKE (backslash escape) as an anchored Python regex, for case-sensitive LIKE on SQLite."""
    out = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
        i += 1
    return "(?s)^" + "".join(out) + "$"
