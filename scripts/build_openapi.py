"""Build authkeep's OpenAPI document: Logto's own description of every operation authkeep
implements (same paths, fields and statuses), nothing more.

    .venv/bin/python scripts/build_openapi.py [path/to/logto/management.openapi.json]

tests/test_openapi.py fails when the committed document and the routes disagree.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from authkeep import __version__
from authkeep.api import ROUTERS

DEFAULT_SOURCE = ROOT.parent / "shared" / "logto-reference" / "management.openapi.json"
OUT = ROOT / "src" / "authkeep" / "openapi" / "management.json"
ANONYMOUS = {
    ("get", "/api/status"),
    ("get", "/api/swagger.json"),
    ("get", "/api/.well-known/management.openapi.json"),
}


def openapi_path(route_path: str) -> str:
    """Starlette's `{name:path}` converters are plain `{name}` in OpenAPI."""
    return "/api" + re.sub(r"\{(\w+):\w+\}", r"{\1}", route_path)


def implemented() -> set[tuple[str, str]]:
    ops = {(spec.method.lower(), openapi_path(spec.path)) for r in ROUTERS for spec in r.routes}
    return ops | ANONYMOUS


def _refs(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            found.add(ref)
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def build(source: dict[str, Any]) -> dict[str, Any]:
    wanted = implemented()
    paths: dict[str, Any] = {}
    missing = []
    for method, path in sorted(wanted):
        op = source["paths"].get(path, {}).get(method)
        if op is None:
            missing.append(f"{method.upper()} {path}")
            continue
        paths.setdefault(path, {})[method] = op
        shared = source["paths"][path].get("parameters")
        if shared:
            paths[path]["parameters"] = shared
    if missing:
        raise SystemExit("not in Logto's document: " + ", ".join(missing))
    refs: set[str] = set()
    _refs(paths, refs)
    components: dict[str, Any] = {"securitySchemes": source["components"]["securitySchemes"]}
    pending = set(refs)
    seen: set[str] = set()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        _, _, kind, name = ref.split("/", 3)
        value = source["components"][kind][name]
        components.setdefault(kind, {})[name] = value
        more: set[str] = set()
        _refs(value, more)
        pending |= more - seen
    tags_used = {t for ops in paths.values() for op in ops.values() if isinstance(op, dict) for t in op.get("tags", [])}
    return {
        "openapi": source["openapi"],
        "info": {
            "title": "authkeep Management API",
            "description": "The Logto Management API operations implemented by authkeep, described as Logto 1.42 describes them.",
            "version": __version__,
        },
        "servers": [{"url": "http://localhost:3001", "description": "authkeep endpoint address."}],
        "paths": paths,
        "security": source["security"],
        "components": components,
        "tags": [t for t in source.get("tags", []) if t.get("name") in tags_used],
    }


def main() -> None:
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE
    doc = build(json.loads(src.read_text()))
    OUT.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    count = sum(1 for ops in doc["paths"].values() for m in ops if m != "parameters")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(doc['paths'])} paths, {count} operations")


if __name__ == "__main__":
    main()
