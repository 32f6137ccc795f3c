"""Logto's advanced search query syntax (`search`, `search.<field>`, `mode`, `joint`,
`isCaseSensitive`) parsed into a backend-neutral spec; store/search_sql.py turns it into SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from starlette.datastructures import QueryParams

from authkeep.errors import invalid_input
from authkeep.web import yes

MODES = ("exact", "like", "similar_to", "posix")
JOINTS = ("or", "and")


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


def _field_of(key: str, prefix: str) -> str | None:
    rest = key[len(prefix):]
    if not rest:
        return None
    if not rest.startswith("."):
        return None  # e.g. `searchFoo` is a general search, as in Logto
    name = rest[1:]
    if "." in name:
        raise invalid_input("Only one level of search field is allowed.")
    return _snake(name)


def parse_search(query: QueryParams, fields: tuple[str, ...]) -> Search:
    """`fields` are the snake_case searchable columns of the endpoint."""
    values: dict[str | None, list[str]] = {}
    modes: dict[str | None, str] = {}
    for key, value in query.multi_items():
        if key.startswith("search"):
            values.setdefault(_field_of(key, "search"), []).append(value)
        elif key.startswith("mode"):
            modes[_field_of(key, "mode")] = value
    joint = (query.get("joint") or query.get("jointMode") or "or").lower()
    if joint not in JOINTS:
        raise invalid_input(f"Search joint mode `{joint}` is not valid, expect one of {', '.join(JOINTS)}.")
    case_sensitive = yes(query.get("isCaseSensitive"))
    default_mode = modes.get(None, "like")
    items: list[SearchItem] = []
    for name, vals in values.items():
        if name is not None and name not in fields:
            raise invalid_input(f"Search field `{name}` is not valid, expect one of {', '.join(fields)}.")
        mode = modes.get(name, default_mode)
        if mode not in MODES:
            raise invalid_input(f"Search mode `{mode}` is not valid, expect one of {', '.join(MODES)}.")
        if any(v == "" for v in vals):
            raise invalid_input("Search value cannot be empty.")
        if mode != "exact" and len(vals) > 1:
            raise invalid_input("Only one search value is allowed when search mode is not `exact`.")
        if mode == "similar_to" and not case_sensitive:
            raise invalid_input("Cannot use case-insensitive match for `similar to`.")
        items.append(SearchItem(name, mode, tuple(vals)))
    for name, mode in modes.items():
        if name is not None and name not in fields:
            raise invalid_input(f"Search field `{name}` is not valid, expect one of {', '.join(fields)}.")
        if mode not in MODES:
            raise invalid_input(f"Search mode `{mode}` is not valid, expect one of {', '.join(MODES)}.")
    return Search(tuple(items), joint, case_sensitive, fields)


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
