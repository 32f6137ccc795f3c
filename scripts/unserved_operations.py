"""Print the rows of docs/compatibility.md's "Operations not served yet" table: every operation in
Logto's management.openapi.json that authkeep does not serve, with the issue that will bring it.

    .venv/bin/python scripts/unserved_operations.py [path/to/logto/management.openapi.json]

tests/test_operation_coverage.py checks the table against the served routes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.build_openapi import DEFAULT_SOURCE, implemented

METHODS = ("get", "post", "put", "patch", "delete")
ISSUE_BY_TAG = {"Hooks": 17, "Audit logs": 17, "Dashboard": 17}
ISSUE_BY_PATH = {  # the Experience and Account APIs' own documents come with those APIs
    "/api/.well-known/experience.openapi.json": 16,
    "/api/.well-known/user.openapi.json": 16,
}
DEFAULT_ISSUE = 18  # SSO, SAML, JWT customizer, domains, subject tokens, secrets, assets, the rest


def unserved(source: dict) -> list[tuple[str, str, str, int]]:  # type: ignore[type-arg]
    served = implemented()
    rows = []
    for path, ops in source["paths"].items():
        for method in METHODS:
            if method in ops and (method, path) not in served:
                tag = ops[method]["tags"][0]
                issue = ISSUE_BY_PATH.get(path, ISSUE_BY_TAG.get(tag, DEFAULT_ISSUE))
                rows.append((method.upper(), path, tag, issue))
    return sorted(rows, key=lambda r: (r[3], r[2], r[1], METHODS.index(r[0].lower())))


def main() -> None:
    source = json.loads(Path(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_SOURCE).read_text())
    print("| method | path | tag | issue |")
    print("|---|---|---|---|")
    for method, path, tag, issue in unserved(source):
        print(f"| {method} | `{path}` | {tag} | {issue} |")


if __name__ == "__main__":
    main()
