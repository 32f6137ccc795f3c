"""Property tests: `GET /api/users` advanced search returns exactly what a reference filter in
Python selects, for every mode, case sensitivity and both joints.

Every generated pattern contains this module's random token, and so does every field of the
users it creates, so users made by other tests can never match and results compare exactly.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.server import Server

TOKEN = "q" + secrets.token_hex(4)
WORDS = ["Ab", "ab", "AB", "x_", "Zed", "zed", "_"]
NAMES = ["Ann", "ANN", "bob", "Bo b", "Cé"]
DOMAINS = ["Mail.com", "mail.com", "corp.io"]
FIELDS = {"username": "username", "primary_email": "primaryEmail", "name": "name"}


@dataclass(frozen=True)
class Person:
    id: str
    values: dict[str, str | None]


def _people_specs() -> list[dict[str, str]]:
    specs = []
    for i in range(14):
        w1, w2 = WORDS[i % len(WORDS)], WORDS[(i * 3 + 1) % len(WORDS)]
        specs.append(
            {
                "username": f"{w1}{TOKEN}{w2}{i}",
                "primaryEmail": f"{w2.strip('_') or 'u'}{i}.{TOKEN}@{DOMAINS[i % 3]}",
                "name": f"{NAMES[i % len(NAMES)]} {TOKEN} {WORDS[(i + 2) % len(WORDS)]}",
            }
        )
    return specs


@pytest.fixture(scope="module")
def people(server: Server, token: str) -> Iterator[tuple[httpx.Client, list[Person]]]:
    client = httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    made = []
    for spec in _people_specs():
        res = client.post("/api/users", json=spec)
        assert res.status_code == 200, res.text
        u = res.json()
        made.append(Person(u["id"], {"username": u["username"], "primary_email": u["primaryEmail"], "name": u["name"], "primary_phone": None, "id": u["id"]}))
    try:
        yield client, made
    finally:
        client.close()


# --- pattern strategies: each returns (pattern sent, reference regex) -------------------------


def _flip(s: str, draw: Any) -> str:
    return "".join(c.upper() if draw(st.booleans()) else c.lower() for c in s)


@st.composite
def like_pattern(draw: Any) -> tuple[str, str]:
    parts = draw(st.lists(st.sampled_from(["%", "_", "%", "Ab", "zed", "x", "ann", "@", ".", " "]), max_size=3))
    tail = draw(st.lists(st.sampled_from(["%", "_", "b", "Zed", "%", "mail%", "1"]), max_size=3))
    pattern = "".join(parts) + _flip(TOKEN, draw) + "".join(tail)
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return pattern, f"^{regex}$"


@st.composite
def similar_pattern(draw: Any) -> tuple[str, str]:
    atoms = st.sampled_from(["%", "_", "Ab", "ab", "x", "(Ab|ab)", "(Zed|zed|_)", "%@%", "."])
    parts = draw(st.lists(atoms, max_size=3))
    tail = draw(st.lists(atoms, max_size=3))
    pattern = "".join(parts) + TOKEN + "".join(tail)
    out = []
    for c in pattern:
        out.append(".*" if c == "%" else "." if c == "_" else c if c in "()|" else re.escape(c))
    return pattern, "^(?:" + "".join(out) + ")$"


@st.composite
def posix_pattern(draw: Any) -> tuple[str, str]:
    atoms = st.sampled_from(["^", "Ab", "ab", ".", ".*", "[a-z]", "(Ab|zed)", "[0-9]+", "x_", "@", "\\."])
    before = draw(st.lists(atoms, max_size=3))
    after = draw(st.lists(st.sampled_from(["b", ".*", "[0-9]", "$", "Zed", "(1|2)", "m"]), max_size=3))
    body = "".join(before) + _flip(TOKEN, draw) + "".join(after)
    return body, body


@st.composite
def exact_values(draw: Any, values: list[str]) -> list[str]:
    picks = draw(st.lists(st.sampled_from(values + [f"none{TOKEN}"]), min_size=1, max_size=3))
    return [_flip(v, draw) if draw(st.booleans()) else v for v in picks]


@dataclass(frozen=True)
class Item:
    field: str | None
    mode: str
    values: tuple[str, ...]
    regex: str | None


@st.composite
def item(draw: Any, people: list[Person], case_sensitive: bool, field: str | None) -> Item:
    modes = ["exact", "like", "posix"] + (["similar_to"] if case_sensitive else [])
    mode = draw(st.sampled_from(modes))
    if mode == "exact":
        source = [str(p.values[field or "username"]) for p in people]
        return Item(field, mode, tuple(draw(exact_values(source))), None)
    pattern, regex = draw({"like": like_pattern(), "posix": posix_pattern(), "similar_to": similar_pattern()}[mode])
    return Item(field, mode, (pattern,), regex)


def _matches(value: str | None, it: Item, case_sensitive: bool) -> bool:
    if value is None:
        return False
    if it.mode == "exact":
        return value in it.values if case_sensitive else value.lower() in {v.lower() for v in it.values}
    flags = 0 if case_sensitive else re.IGNORECASE
    assert it.regex is not None
    if it.mode == "posix":
        return re.search(it.regex, value, flags) is not None
    return re.match(it.regex, value, flags | re.DOTALL) is not None


def reference(people: list[Person], items: list[Item], joint: str, case_sensitive: bool) -> set[str]:
    out = set()
    for p in people:
        hits = []
        for it in items:
            fields = [it.field] if it.field else ["id", "primary_email", "primary_phone", "username", "name"]
            hits.append(any(_matches(p.values[f], it, case_sensitive) for f in fields))
        if (all if joint == "and" else any)(hits):
            out.add(p.id)
    return out


def query(items: list[Item], joint: str | None, case_sensitive: bool, camel: bool) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = []
    for it in items:
        name = None if it.field is None else (FIELDS[it.field] if camel else it.field)
        key = "search" if name is None else f"search.{name}"
        params += [(key, v) for v in it.values]
        params.append(("mode" if name is None else f"mode.{name}", it.mode))
    if joint is not None:
        params.append(("joint", joint))
    if case_sensitive:
        params.append(("isCaseSensitive", "true"))
    params.append(("page_size", "100"))
    return params


def check(client: httpx.Client, people: list[Person], items: list[Item], joint: str | None, cs: bool, camel: bool) -> None:
    res = client.get("/api/users", params=query(items, joint, cs, camel))
    assert res.status_code == 200, (res.text, items)
    got = [u["id"] for u in res.json()]
    expected = reference(people, items, joint or "or", cs)
    assert set(got) == expected, (items, joint, cs)
    assert res.headers["total-number"] == str(len(expected))
    created = {p.id: i for i, p in enumerate(people)}
    assert got == sorted(got, key=lambda i: -created[i])  # newest first


SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@SETTINGS
@given(data=st.data(), cs=st.booleans(), camel=st.booleans(), field=st.sampled_from(["username", "primary_email", "name"]))
def test_single_field_each_mode(people: tuple[httpx.Client, list[Person]], data: Any, cs: bool, camel: bool, field: str) -> None:
    client, made = people
    it = data.draw(item(made, cs, field))
    check(client, made, [it], None, cs, camel)


@SETTINGS
@given(data=st.data(), cs=st.booleans())
def test_general_search_covers_all_fields(people: tuple[httpx.Client, list[Person]], data: Any, cs: bool) -> None:
    client, made = people
    it = data.draw(item(made, cs, None))
    if it.mode == "exact":
        it = Item(None, "exact", tuple(data.draw(exact_values([str(p.values["name"]) for p in made] + [str(p.values["primary_email"]) for p in made]))), None)
    check(client, made, [it], None, cs, False)


@SETTINGS
@given(
    data=st.data(),
    cs=st.booleans(),
    joint=st.sampled_from(["and", "or", None]),
    fields=st.lists(st.sampled_from(["username", "primary_email", "name"]), min_size=2, max_size=3, unique=True),
)
def test_joint_and_or(people: tuple[httpx.Client, list[Person]], data: Any, cs: bool, joint: str | None, fields: list[str]) -> None:
    client, made = people
    items = [data.draw(item(made, cs, f)) for f in fields]
    check(client, made, items, joint, cs, data.draw(st.booleans()))


def test_known_queries(people: tuple[httpx.Client, list[Person]]) -> None:
    """Anchors for the properties above: the generated sets are not trivially empty."""
    client, made = people
    cases = [
        ([Item(None, "like", (f"%{TOKEN}%",), f"^.*{TOKEN}.*$")], None, False, 14),
        ([Item("username", "like", (f"AB{TOKEN.upper()}%",), f"^AB{TOKEN.upper()}.*$")], None, False, 13),
        ([Item("username", "like", (f"AB{TOKEN}%",), f"^AB{TOKEN}.*$")], None, True, 13),
        ([Item("name", "posix", (f"^ann {TOKEN}",), f"^ann {TOKEN}")], None, False, 13),
        ([Item("primary_email", "similar_to", (f"%.{TOKEN}@(corp|mail).%",), f"^.*\\.{TOKEN}@(corp|mail)\\..*$")], None, True, 13),
    ]
    for items, joint, cs, count in cases:
        expected = reference(made, items, joint or "or", cs)
        assert 0 < len(expected) <= count, (items, expected)
        check(client, made, items, joint, cs, True)
