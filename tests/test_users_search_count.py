"""The user list's search and Total-Number against a plain reference query (issue 14).

The list answers a search from one statement per search shape, a single pass for the count and
the page, and (PostgreSQL) a shortcut through the all-fields trigram index for `%text%`. Here a
plain `SELECT ... WHERE <per-field condition>` and `SELECT count(*)` on the server's own database
must give exactly the same ids, order and total, for every mode, case sensitivity, joint and
per-field search. Every value contains this module's token, so users of other tests never match.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import sqlite3
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.server import Server

TOKEN = "k" + secrets.token_hex(3)
COLUMNS = {"username": "username", "primary_email": "primary_email", "name": "name", "id": "id", "primary_phone": "primary_phone"}
WIRE = {"username": "username", "primary_email": "primaryEmail", "name": "name"}
PIECES = ["%", "_", "Ab", "é", "É", "ß", " ", "\\%", "\\_", "x", "@", ".", "-", "1"]
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _people() -> list[dict[str, str]]:
    out = []
    for i in range(12):
        sep = ["", " ", "_", "%", "\\"][i % 5]
        out.append(
            {
                "username": f"{['ab', 'AB', 'Ea', 'x_'][i % 4]}{TOKEN}{'_' if i % 2 else ''}{i}",
                "primaryEmail": f"{['s', 'e', 'E'][i % 3]}{i}.{TOKEN.upper() if i % 2 else TOKEN}@mail{i % 3}.io",
                "name": f"{['Ann', 'ÉVE', 'bob ß'][i % 3]} {TOKEN}{sep}Ab {i}é",
            }
        )
    return out


@pytest.fixture(scope="module")
def people(server: Server, token: str) -> Iterator[httpx.Client]:
    client = httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    for spec in _people():
        assert client.post("/api/users", json=spec).status_code == 200
    try:
        yield client
    finally:
        client.close()


# --- the reference: plain SQL, one condition per field ------------------------------------------


def _item_sql(field: str | None, mode: str, values: list[str], cs: bool, pg: bool, args: list[Any]) -> str:
    def arg(value: str) -> str:
        args.append(value)
        return f"${len(args)}" if pg else "?"

    parts = []
    for col in [COLUMNS[field]] if field else list(COLUMNS.values()):
        if mode == "exact":
            held = ", ".join(arg(v if cs else v.lower()) for v in values)
            parts.append(f"{col} IN ({held})" if cs else f"lower({col}) IN ({held})")
        elif mode == "like":
            op = "LIKE" if cs else "ILIKE"
            if pg:
                parts.append(f"{col} {op} {arg(values[0])} ESCAPE '\\'")
            else:  # SQLite's LIKE ignores ASCII case only; a case-sensitive LIKE is a function here
                parts.append(f"likecs({col}, {arg(values[0])})" if cs else f"lower({col}) LIKE lower({arg(values[0])}) ESCAPE '\\'")
        elif mode == "posix":
            parts.append(f"{col} {'~' if cs else '~*'} {arg(values[0])}")
        else:
            parts.append(f"{col} SIMILAR TO {arg(values[0])}")
    return "(" + " OR ".join(parts) + ")"


def _like_re(pattern: str) -> str:
    out, chars = [], iter(pattern)
    for c in chars:
        if c == "\\":
            out.append(re.escape(next(chars, "")))
        else:
            out.append(".*" if c == "%" else "." if c == "_" else re.escape(c))
    return "".join(out)


async def _pg_rows(url: str, sql: str, args: list[Any]) -> list[Any]:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


def reference(server: Server, items: list[tuple[str | None, str, list[str]]], joint: str, cs: bool) -> tuple[list[str], int]:
    pg = server.backend != "sqlite"
    args: list[Any] = []
    where = f" {joint.upper()} ".join(_item_sql(f, m, v, cs, pg, args) for f, m, v in items)
    tenant = "$" + str(len(args) + 1) if pg else "?"
    ids_sql = f"SELECT id FROM users WHERE ({where}) AND tenant_id = {tenant} ORDER BY created_at DESC, id DESC"
    count_sql = f"SELECT count(*) FROM users WHERE ({where}) AND tenant_id = {tenant}"
    if pg:
        ids = [r[0] for r in asyncio.run(_pg_rows(server.database_url, ids_sql, [*args, "default"]))]
        total = asyncio.run(_pg_rows(server.database_url, count_sql, [*args, "default"]))[0][0]
        return ids, int(total)
    conn = sqlite3.connect(server.database_url.split("///", 1)[1], timeout=30)
    conn.create_function("likecs", 2, lambda v, p: v is not None and re.fullmatch(_like_re(p), v, re.DOTALL) is not None)
    try:
        ids = [r[0] for r in conn.execute(ids_sql, [*args, "default"])]
        total = conn.execute(count_sql, [*args, "default"]).fetchone()[0]
    finally:
        conn.close()
    return ids, int(total)


def _query(items: list[tuple[str | None, str, list[str]]], joint: str, cs: bool) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = [("joint", joint), ("isCaseSensitive", "true" if cs else "false")]
    for field, mode, values in items:
        key = f"search.{WIRE[field]}" if field else "search"
        params += [(key, v) for v in values]
        params.append((f"mode.{WIRE[field]}" if field else "mode", mode))
    return params


def check(server: Server, client: httpx.Client, items: list[tuple[str | None, str, list[str]]], joint: str, cs: bool) -> None:
    ids, total = reference(server, items, joint, cs)
    params = _query(items, joint, cs)
    res = client.get("/api/users", params=[*params, ("page_size", "100")])
    assert res.status_code == 200, res.text
    assert int(res.headers["Total-Number"]) == total
    assert [u["id"] for u in res.json()] == ids
    # A middle page and a page past the end keep the exact total.
    res = client.get("/api/users", params=[*params, ("page_size", "3"), ("page", "2")])
    assert [u["id"] for u in res.json()] == ids[3:6]
    assert int(res.headers["Total-Number"]) == total
    res = client.get("/api/users", params=[*params, ("page_size", "50"), ("page", "9")])
    assert res.json() == [] and int(res.headers["Total-Number"]) == total


# --- strategies ---------------------------------------------------------------------------------


def _flip(s: str, draw: Any) -> str:
    return "".join(c.upper() if draw(st.booleans()) else c for c in s)


@st.composite
def like_value(draw: Any) -> str:
    head = "".join(draw(st.lists(st.sampled_from(PIECES), max_size=2)))
    tail = "".join(draw(st.lists(st.sampled_from(PIECES), max_size=2)))
    value = head + _flip(TOKEN, draw) + tail
    return f"%{value}%" if draw(st.booleans()) else value


@st.composite
def item(draw: Any, cs: bool, backend: str, general: bool | None = None) -> tuple[str | None, str, list[str]]:
    field = None if (general if general is not None else draw(st.booleans())) else draw(st.sampled_from(list(WIRE)))
    modes = ["like", "exact"] if backend == "sqlite" else ["like", "exact", "posix", *(["similar_to"] if cs else [])]
    mode = draw(st.sampled_from(modes))
    if mode == "exact":
        people = _people()
        picks = draw(st.lists(st.integers(0, len(people) - 1), min_size=1, max_size=3))
        key = WIRE[field] if field else draw(st.sampled_from(list(WIRE.values())))
        return field, mode, [_flip(people[i][key], draw) for i in picks]
    if mode == "posix":
        return field, mode, [draw(st.sampled_from([f"^ab{TOKEN}", f"{TOKEN}[ _]", f"{TOKEN.upper()}.*ab", f"é.*{TOKEN}", f"{TOKEN}$"]))]
    if mode == "similar_to":
        return field, mode, [draw(st.sampled_from([f"%{TOKEN}%", f"(ab|AB){TOKEN}%", f"%{TOKEN}_Ab%"]))]
    return field, mode, [draw(like_value())]


@SETTINGS
@given(data=st.data(), cs=st.booleans())
def test_one_item_matches_plain_count(server: Server, people: httpx.Client, data: Any, cs: bool) -> None:
    check(server, people, [data.draw(item(cs, server.backend))], "or", cs)


@SETTINGS
@given(data=st.data(), cs=st.booleans(), joint=st.sampled_from(["and", "or"]))
def test_joint_items_match_plain_count(server: Server, people: httpx.Client, data: Any, cs: bool, joint: str) -> None:
    first = data.draw(item(cs, server.backend, general=True))
    second = data.draw(item(cs, server.backend, general=False))
    check(server, people, [first, second], joint, cs)


@pytest.mark.parametrize("cs", [False, True])
def test_whole_value_shortcut_cases(server: Server, people: httpx.Client, cs: bool) -> None:
    """`%text%` values: the joined-fields test must neither miss nor add a user, including
    matches across a field boundary (a space), escapes, wildcards and non-ASCII case."""
    for value in [f"%{TOKEN}%", f"%{TOKEN.upper()}%", f"%{TOKEN}Ab%", f"%{TOKEN} Ab%", f"%{TOKEN}@%", "%É%", "%é%",
                  f"%s0.{TOKEN}%", f"%{TOKEN}\\_%", f"%{TOKEN}_%", f"%{TOKEN}%Ab%", f"%{TOKEN}\\%%", f"%{TOKEN}0 {TOKEN}%", f"%{TOKEN}0 Ann%", f"%io  ab{TOKEN}%"]:
        if TOKEN.lower() not in value.lower():
            value = f"%{TOKEN}%{value}"
        check(server, people, [(None, "like", [value])], "or", cs)
