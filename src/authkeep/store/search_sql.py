"""Turn a parsed Search into a SQLAlchemy condition, with the same results on both backends."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, literal, or_, true

from authkeep.errors import invalid_input
from authkeep.search import Search, SearchItem, like_regex, similar_to_regex


def _check_regex(pattern: str) -> None:
    try:
        re.compile(pattern)
    except re.error:
        raise invalid_input("Invalid regular expression.") from None


def _one(col: Any, item: SearchItem, value: str, cs: bool, dialect: str) -> ColumnElement[bool]:
    sqlite = dialect == "sqlite"
    if item.mode == "like":
        if cs:
            if sqlite:  # SQLite's LIKE ignores ASCII case; match through a regex instead
                return func.regexp(like_regex(value), col).is_(True)
            return col.like(value, escape="\\")
        return col.ilike(value, escape="\\")
    if item.mode == "posix":
        _check_regex(value)
        if sqlite:
            return func.regexp_i(value, col) if not cs else func.regexp(value, col)
        return col.regexp_match(value, flags=None if cs else "i")
    if item.mode == "similar_to":
        regex = similar_to_regex(value)
        _check_regex(regex)
        if sqlite:
            return func.regexp(regex, col).is_(True)
        return col.op("SIMILAR TO")(literal(value))
    raise AssertionError(item.mode)


def _item(columns: Mapping[str, Any], item: SearchItem, cs: bool, dialect: str) -> ColumnElement[bool]:
    cols = [columns[item.field]] if item.field else [columns[f] for f in columns]
    parts: list[ColumnElement[bool]] = []
    for col in cols:
        if item.mode == "exact":
            if cs:
                parts.append(col.in_(item.values))
            else:
                parts.append(func.lower(col).in_([v.lower() for v in item.values]))
        else:
            parts.append(_one(col, item, item.values[0], cs, dialect))
    return or_(*parts) if parts else false()


def search_condition(search: Search, columns: Mapping[str, Any], dialect: str) -> ColumnElement[bool]:
    """`columns` maps each searchable snake_case field to its column."""
    if not search:
        return true()
    parts = [_item(columns, item, search.case_sensitive, dialect) for item in search.items]
    return and_(*parts) if search.joint == "and" else or_(*parts)
