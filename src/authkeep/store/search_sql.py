"""Turn a parsed Search into a SQLAlchemy condition, with the same results on both backends.

Every search value is a bound parameter named by its place (`s<item>_<value>`), so a condition
depends only on the search's *shape* (fields, modes, number of values, joint, case): hot lists
build and compile one statement per shape (`search_shape`) and bind `search_params` per request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, false, func, or_, true

from authkeep.errors import invalid_input
from authkeep.search import Search, SearchItem, like_regex, similar_to_regex


def _check_regex(pattern: str) -> None:
    try:
        re.compile(pattern)
    except re.error:
        raise invalid_input("Invalid regular expression.") from None


def _name(i: int, j: int = 0) -> str:
    return f"s{i}_{j}"


def _value(item: SearchItem, value: str, cs: bool, sqlite: bool) -> str:
    """What is bound for one value: the pattern, or the regex SQLite matches it with."""
    if item.mode == "exact":
        return value if cs else value.lower()
    if item.mode == "like":
        return like_regex(value) if cs and sqlite else value
    if item.mode == "posix":
        _check_regex(value)
        return value
    if item.mode == "similar_to":
        regex = similar_to_regex(value)
        _check_regex(regex)
        return regex if sqlite else value
    raise AssertionError(item.mode)


def search_params(search: Search, dialect: str) -> dict[str, str]:
    """The bound values of `search` (refusing invalid regular expressions with a 400)."""
    sqlite = dialect == "sqlite"
    out: dict[str, str] = {}
    for i, item in enumerate(search.items):
        values = item.values if item.mode == "exact" else item.values[:1]
        for j, v in enumerate(values):
            out[_name(i, j)] = _value(item, v, search.case_sensitive, sqlite)
    return out


def search_shape(search: Search) -> Search:
    """`search` with its values blanked: equal shapes build the same SQL."""
    items = tuple(SearchItem(it.field, it.mode, ("",) * len(it.values)) for it in search.items)
    return Search(items, search.joint, search.case_sensitive, search.fields)


def _one(col: Any, item: SearchItem, p: Any, cs: bool, sqlite: bool) -> ColumnElement[bool]:
    if item.mode == "like":
        if cs:
            if sqlite:  # SQLite's LIKE ignores ASCII case; match through a regex instead
                return func.regexp(p, col).is_(True)
            return col.like(p, escape="\\")
        return col.ilike(p, escape="\\")
    if item.mode == "posix":
        if sqlite:
            return func.regexp_i(p, col) if not cs else func.regexp(p, col)
        return col.regexp_match(p, flags=None if cs else "i")
    if item.mode == "similar_to":
        if sqlite:
            return func.regexp(p, col).is_(True)
        return col.op("SIMILAR TO")(p)
    raise AssertionError(item.mode)


def _item(
    columns: Mapping[str, Any], i: int, item: SearchItem, cs: bool, sqlite: bool, params: Mapping[str, str] | None
) -> ColumnElement[bool]:
    def bp(j: int) -> Any:
        name = _name(i, j)
        return bindparam(name) if params is None else bindparam(name, params[name], unique=True)

    cols = [columns[item.field]] if item.field else [columns[f] for f in columns]
    parts: list[ColumnElement[bool]] = []
    for col in cols:
        if item.mode == "exact":
            values = [bp(j) for j in range(len(item.values))]
            parts.append(col.in_(values) if cs else func.lower(col).in_(values))
        else:
            parts.append(_one(col, item, bp(0), cs, sqlite))
    return or_(*parts) if parts else false()


def bound_condition(
    shape: Search, columns: Mapping[str, Any], dialect: str, params: Mapping[str, str] | None = None
) -> ColumnElement[bool]:
    """The condition of a search shape on `columns` (each searchable snake_case field -> its
    column), with bindparams `s<i>_<j>` to fill from `search_params`; with `params`, the values
    are bound into the expression itself."""
    if not shape:
        return true()
    sqlite = dialect == "sqlite"
    parts = [_item(columns, i, item, shape.case_sensitive, sqlite, params) for i, item in enumerate(shape.items)]
    return and_(*parts) if shape.joint == "and" else or_(*parts)


def search_condition(search: Search, columns: Mapping[str, Any], dialect: str) -> ColumnElement[bool]:
    """The condition with its values bound in, for statements built per request."""
    if not search:
        return true()
    return bound_condition(search, columns, dialect, search_params(search, dialect))
