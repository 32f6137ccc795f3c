"""Build authkeep's OpenAPI document: Logto's own description of every operation authkeep
implements (same paths, fields and statuses), plus authkeep's few extensions (EXTENSIONS below,
each marked `x-authkeep-extension: true` and listed in docs/compatibility.md), nothing more.

    .venv/bin/python scripts/build_openapi.py [path/to/logto/management.openapi.json]

tests/test_openapi.py fails when the committed document and the routes disagree.

Where Logto's document is wrong about what Logto itself sends or accepts, PATCHES below correct
it (found by tests/test_fuzz.py). Each patch is small, says why, and must still apply: the build
fails when one matches nothing. Every patch is listed in docs/compatibility.md.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from authkeep import __version__
from authkeep.api import ROUTERS

DEFAULT_SOURCE = ROOT.parent / "shared" / "logto-reference" / "management.openapi.json"
# Logto's document of every API; the end-user APIs are described from it.
USER_SOURCE = ROOT.parent / "shared" / "logto-reference" / "swagger.json"
OPENAPI = ROOT / "src" / "authkeep" / "openapi"
OUT = OPENAPI / "management.json"
ANONYMOUS = {
    ("get", "/api/status"),
    ("get", "/api/swagger.json"),
    ("get", "/api/.well-known/management.openapi.json"),
    ("get", "/api/.well-known/experience.openapi.json"),
    ("get", "/api/.well-known/user.openapi.json"),
}
# The end-user APIs have their own documents, as in Logto (`/api/.well-known/<name>.openapi.json`).
END_USER_DOCS = {
    "experience": ("/api/experience",),
    "user": ("/api/my-account", "/api/verifications"),
}
# Served, as by Logto, and described by no Logto document: the consent page's interaction API.
UNDOCUMENTED = ("/api/interaction/",)


def openapi_path(route_path: str) -> str:
    """Starlette's `{name:path}` converters are plain `{name}` in OpenAPI."""
    return "/api" + re.sub(r"\{(\w+):\w+\}", r"{\1}", route_path)


def document_of(path: str) -> str | None:
    """Which served document describes an /api path: `management`, an END_USER_DOCS name, or None."""
    if path.startswith(UNDOCUMENTED):
        return None
    for name, prefixes in END_USER_DOCS.items():
        if any(path == p or path.startswith(p + "/") for p in prefixes):
            return name
    return "management"


def implemented(document: str = "management") -> set[tuple[str, str]]:
    ops = {(spec.method.lower(), openapi_path(spec.path)) for r in ROUTERS for spec in r.routes}
    ops = {op for op in ops if document_of(op[1]) == document}
    return ops | ANONYMOUS if document == "management" else ops


TITLES = {"management": "Management API", "experience": "Experience API", "user": "Account and Verification APIs"}


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


def build(source: dict[str, Any], document: str = "management") -> dict[str, Any]:
    wanted = implemented(document)
    paths: dict[str, Any] = {}
    missing = []
    for method, path in sorted(wanted):
        op = source["paths"].get(path, {}).get(method)
        if op is None and (method, path) in EXTENSIONS:
            op = EXTENSIONS[(method, path)](source)
        if op is None:
            missing.append(f"{method.upper()} {path}")
            continue
        paths.setdefault(path, {})[method] = op
        shared = source["paths"].get(path, {}).get("parameters")
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
            "title": f"authkeep {TITLES[document]}",
            "description": f"The Logto {TITLES[document]} operations implemented by authkeep, described as Logto 1.42 describes them"
            + (", and authkeep's extensions (marked `x-authkeep-extension`)." if document == "management" else "."),
            "version": __version__,
        },
        "servers": [{"url": "http://localhost:3001", "description": "authkeep endpoint address."}],
        "paths": paths,
        "security": source["security"],
        "components": {kind: dict(sorted(entries.items())) for kind, entries in sorted(components.items())},
        "tags": [t for t in source.get("tags", []) if t.get("name") in tags_used],
    }


# --- authkeep extensions: operations Logto does not have ----------------------------------------


def bulk_create_users(source: dict[str, Any]) -> dict[str, Any]:
    """POST /api/users/bulk (api/users/bulk.py, docs/bulk-users.md): items are POST /api/users
    bodies, described by Logto's own schema of that body."""
    item = source["paths"]["/api/users"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    error = {
        "type": "object",
        "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "details": {"type": "string"}},
    }
    result = {
        "type": "object",
        "required": ["index"],
        "properties": {
            "index": {"type": "integer", "description": "The item's position in `users`."},
            "id": {"type": "string", "description": "The created user's ID."},
            "error": {**error, "description": "Why this item was not created (Logto's error code and message)."},
        },
    }
    body = {
        "type": "object",
        "required": ["users"],
        "properties": {"users": {"type": "array", "maxItems": 1000, "items": item}},
    }
    return {
        "operationId": "AuthkeepBulkCreateUsers",
        "tags": ["Users"],
        "x-authkeep-extension": True,
        "parameters": [],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": body}},
        },
        "responses": {
            "200": {
                "description": "One result per item, in order: `{index, id}` or `{index, error}`.",
                "content": {"application/json": {"schema": {"type": "array", "items": result}}},
            },
            "400": {"description": "The body is not `{users: [...]}` with at most 1,000 items."},
            "401": {"description": "Unauthorized"},
            "403": {"description": "Forbidden"},
        },
        "summary": "Create users in bulk (authkeep extension)",
        "description": "An authkeep extension, not part of Logto. Creates up to 1,000 users as POST /api/users "
        "would, one at a time in order, and answers per item; a refused item does not stop the others. "
        "Each created user raises `User.Created`. Plain text passwords are refused: send "
        "`passwordDigest` and `passwordAlgorithm`.",
    }


EXTENSIONS: dict[tuple[str, str], Callable[[dict[str, Any]], dict[str, Any]]] = {
    ("post", "/api/users/bulk"): bulk_create_users,
}


# --- Patches to Logto's document -----------------------------------------------------------------


def _nodes(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _nodes(value)


def redirect_uris_are_strings(doc: dict[str, Any]) -> int:
    """`oidcClientMetadata.redirectUris`/`postLogoutRedirectUris` items are URI strings; Logto's
    generator renders their zod refinement as `{"type": "object", "description": "Validator
    function"}`, which no request can satisfy and every stored URI breaks."""
    count = 0
    for node in _nodes(doc["paths"]):
        for key in ("redirectUris", "postLogoutRedirectUris"):
            items = node.get(key, {}).get("items") if isinstance(node.get(key), dict) else None
            if items and items.get("description") == "Validator function":
                node[key]["items"] = {"type": "string", "description": "A redirect URI."}
                count += 1
    return count


def zod_literals_are_enums(doc: dict[str, Any]) -> int:
    """Logto renders `z.literal("Totp")` as `{"type": "string", "format": "\"Totp\""}`, an
    unknown format that JSON Schema ignores; the literal is `{"enum": ["Totp"]}`."""
    count = 0
    for node in _nodes(doc["paths"]):
        fmt = node.get("format")
        if isinstance(fmt, str) and len(fmt) > 1 and fmt[0] == fmt[-1] == '"':
            del node["format"]
            node["enum"] = [json.loads(fmt)]
            count += 1
    return count


def mfa_verification_body_is_any_of(doc: dict[str, Any]) -> int:
    """POST /users/{userId}/mfa-verifications: the guard's union (Totp | BackupCode) and the
    hand-written description of the same two shapes are joined in one `oneOf`. Every body matches
    two alternatives, so by the document no request is valid; `anyOf` is what is meant."""
    op = doc["paths"].get("/api/users/{userId}/mfa-verifications", {}).get("post")
    schema = op["requestBody"]["content"]["application/json"]["schema"] if op else {}
    if "oneOf" not in schema:
        return 0
    schema["anyOf"] = schema.pop("oneOf")
    return 1


def hex_colors_are_patterns(doc: dict[str, Any]) -> int:
    """Logto writes its hex color regex as a JavaScript literal, `"/^#[\\da-f]{3}([\\da-f]{3})?$/i"`,
    which as a JSON Schema pattern matches no color at all (slashes, flag). The ECMA pattern with
    the case-insensitive ranges spelled out is what is meant."""
    count = 0
    for node in _nodes(doc):
        if node.get("pattern") == "/^#[\\da-f]{3}([\\da-f]{3})?$/i":
            node["pattern"] = "^#[\\da-fA-F]{3}([\\da-fA-F]{3})?$"
            node.pop("format", None)
            count += 1
    return count


def saml_secret_expiry_is_a_number(doc: dict[str, Any]) -> int:
    """SAML app certificates answer `expiresAt` in epoch milliseconds like every Logto timestamp
    (the guard is `z.number()`); Logto's document says a date-time string."""
    count = 0
    for path, item in doc["paths"].items():
        if path.startswith("/api/saml-applications/{id}/secrets"):
            for node in _nodes(item):
                expires = node.get("expiresAt")
                if isinstance(expires, dict) and expires.get("format") == "date-time":
                    node["expiresAt"] = {"type": "number", "description": expires.get("description", "")}
                    count += 1
    return count


def saml_acs_url_is_an_object(doc: dict[str, Any]) -> int:
    """The SAML app bodies declare `acsUrl` as `"type": "string"` with object properties; it is the
    object `{binding, url}` (as the responses say)."""
    count = 0
    for node in _nodes(doc["paths"]):
        acs = node.get("acsUrl")
        if isinstance(acs, dict) and acs.get("type") == "string" and "properties" in acs:
            acs["type"] = "object"
            count += 1
    return count


SAML_FLOW = (
    ("get", "/api/saml-applications/{id}/metadata"),
    ("get", "/api/saml-applications/{id}/callback"),
    ("get", "/api/saml/{id}/authn"),
    ("post", "/api/saml/{id}/authn"),
)


def saml_flow_is_anonymous(doc: dict[str, Any]) -> int:
    """Logto serves the SAML metadata, callback and authn routes on its anonymous router (the
    browser and the SP call them without a token); its document leaves them under OAuth2."""
    count = 0
    for method, path in SAML_FLOW:
        operation = doc["paths"].get(path, {}).get(method)
        if operation is not None and "security" not in operation:
            operation["security"] = []
            count += 1
    return count


PATCHES: list[Callable[[dict[str, Any]], int]] = [
    redirect_uris_are_strings,
    zod_literals_are_enums,
    mfa_verification_body_is_any_of,
    hex_colors_are_patterns,
    saml_secret_expiry_is_a_number,
    saml_acs_url_is_an_object,
    saml_flow_is_anonymous,
]


def patch(doc: dict[str, Any]) -> dict[str, Any]:
    for fix in PATCHES:
        if fix(doc) == 0:
            raise SystemExit(f"patch {fix.__name__} no longer applies: drop it (and its docs/compatibility.md row)")
    return doc


def _write(out: Path, doc: dict[str, Any]) -> None:
    out.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    count = sum(1 for ops in doc["paths"].values() for m in ops if m != "parameters")
    print(f"wrote {out.relative_to(ROOT)}: {len(doc['paths'])} paths, {count} operations")


def main() -> None:
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE
    _write(OUT, patch(build(json.loads(src.read_text()))))
    user_source = json.loads(USER_SOURCE.read_text())
    for name in END_USER_DOCS:
        doc = build(user_source, name)
        for fix in PATCHES:  # those that apply; the end-user documents need not need each
            fix(doc)
        _write(OPENAPI / f"{name}.json", doc)


if __name__ == "__main__":
    main()
