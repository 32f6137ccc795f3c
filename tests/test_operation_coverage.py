"""Every operation in Logto's management.openapi.json is either served or listed, with the issue
that brings it, in docs/compatibility.md ("Operations not served yet"); listed ones really are not."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx

from scripts.build_openapi import DEFAULT_SOURCE, implemented

ROOT = Path(__file__).resolve().parent.parent
METHODS = {"get", "post", "put", "patch", "delete"}
ROW = re.compile(r"^\| (GET|POST|PUT|PATCH|DELETE) \| `(/api/[^`]+)` \| ([^|]+) \| (\d+) \|$")


def logto_operations() -> dict[tuple[str, str], str]:
    source = json.loads(DEFAULT_SOURCE.read_text())
    return {
        (m, p): op["tags"][0]
        for p, ops in source["paths"].items()
        for m, op in ops.items()
        if m in METHODS
    }


def listed_rows() -> list[tuple[str, str, str, int]]:
    text = (ROOT / "docs" / "compatibility.md").read_text()
    _, found, rest = text.partition("\n## Operations not served yet\n")
    assert found, "docs/compatibility.md has no 'Operations not served yet' section"
    section = rest.split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if line.startswith("| ") and not line.startswith(("| method ", "|---")):
            match = ROW.match(line)
            assert match, f"malformed row: {line!r}"
            method, path, tag, issue = match.groups()
            rows.append((method.lower(), path, tag.strip(), int(issue)))
    return rows


def test_every_operation_is_served_or_listed() -> None:
    ops = logto_operations()
    assert len(ops) == 284
    served = implemented()
    rows = listed_rows()
    listed = [(m, p) for m, p, _, _ in rows]
    assert len(listed) == len(set(listed)), "an operation is listed twice"
    unknown, now_served = set(listed) - set(ops), set(listed) & served
    missing = set(ops) - served - set(listed)
    assert not unknown, f"listed but not in Logto's document: {sorted(unknown)}"
    assert not now_served, (
        f"served, so remove their rows from docs/compatibility.md: {sorted(now_served)}"
    )
    assert not missing, f"neither served nor listed in docs/compatibility.md: {sorted(missing)}"
    for method, path, tag, issue in rows:
        assert tag == ops[(method, path)], f"{method} {path}: Logto's tag is {ops[(method, path)]}"
        assert issue in {16, 17, 18, 19}, f"{method} {path}: issue {issue}"


def test_coverage_count_is_true() -> None:
    served = len(set(logto_operations()) & implemented())
    text = (ROOT / "docs" / "compatibility.md").read_text()
    assert f"authkeep serves {served} of them" in text


def test_listed_operations_answer_as_unknown_paths(api: httpx.Client) -> None:
    for method, path, _, _ in listed_rows():
        url = re.sub(r"\{\w+\}", "x1", path)
        res = api.request(
            method.upper(), url, json={} if method in {"post", "put", "patch"} else None
        )
        assert res.status_code in {404, 405}, (
            f"{method.upper()} {url}: {res.status_code} {res.text[:200]}"
        )
        assert res.headers["content-type"].startswith("text/plain"), f"{method.upper()} {url}"
