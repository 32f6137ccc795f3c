"""The served OpenAPI documents are valid OpenAPI 3.0 (Logto's own is not: logto#8006).

Checked against the official OpenAPI 3.0 JSON Schema (the copy schemathesis bundles, run by
jsonschema_rs), plus what the schema cannot say: unique operation ids, no parameter declared twice
in one operation, every `{param}` of a path declared as a required path parameter, and object
defaults holding their required properties (what openapi-spec-validator 0.9 found in Logto's). With openapi-spec-validator installed, its checks run too.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import httpx
import pytest
from schemathesis.specs.openapi import definitions

from tests.server import Server

DOCUMENTS = ("management", "experience", "user")
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def problems(doc: dict[str, Any]) -> list[str]:
    found = [f"{e.instance_path}: {e}"[:300] for e in definitions.OPENAPI_30_VALIDATOR.iter_errors(doc)]
    found += [f"default {n['default']} lacks required {n['required']}" for n in _objects(doc)
              if isinstance(n.get("default"), dict) and not set(n.get("required") or []) <= set(n["default"])]
    seen: dict[str, str] = {}
    for path, item in (doc.get("paths") or {}).items():
        templated = set(re.findall(r"\{([^}]+)\}", path))
        shared = item.get("parameters", []) if isinstance(item, dict) else []
        for method, op in (item.items() if isinstance(item, dict) else []):
            if method not in METHODS:
                continue
            op_id = op.get("operationId")
            if op_id in seen:
                found.append(f"operationId {op_id} of {method} {path} also on {seen[op_id]}")
            seen[op_id] = f"{method} {path}"
            own = [_resolve(doc, p) for p in op.get("parameters", [])]
            keys = [(p.get("name"), p.get("in")) for p in own]
            found += [f"{method} {path}: parameter {k} declared twice" for k in sorted(set(keys)) if keys.count(k) > 1]
            params = [_resolve(doc, p) for p in shared] + own
            declared = {p.get("name"): p for p in params if p.get("in") == "path"}
            if set(declared) != templated:
                found.append(f"{method} {path}: path parameters {sorted(declared)} for {sorted(templated)}")
            found += [f"{method} {path}: {n} not required" for n, p in declared.items() if p.get("required") is not True]
    return found


def _objects(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        return [node, *(n for v in node.values() for n in _objects(v))]
    if isinstance(node, list):
        return [n for v in node for n in _objects(v)]
    return []


def _resolve(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return node
    target: Any = doc
    for part in ref[2:].split("/"):
        target = target.get(part, {}) if isinstance(target, dict) else {}
    return dict(target)


def _served(server: Server, name: str) -> dict[str, Any]:
    r = httpx.get(f"{server.base_url}/api/.well-known/{name}.openapi.json")
    assert r.status_code == 200
    return dict(r.json())


@pytest.mark.parametrize("name", DOCUMENTS)
def test_served_documents_are_valid_openapi(server: Server, name: str) -> None:
    doc = _served(server, name)
    assert doc["openapi"].startswith("3.0.")
    assert problems(doc) == []


def test_the_check_catches_broken_documents(server: Server) -> None:
    """A test that cannot fail proves nothing: each break below must be reported."""
    doc = _served(server, "management")
    path = next(p for p in doc["paths"] if "{" in p)
    breaks = {
        "no info": lambda d: d.pop("info"),
        "relative path": lambda d: d["paths"].__setitem__("api/x", {}),
        "bad response key": lambda d: d["paths"]["/api/subject-tokens"]["post"]["responses"].__setitem__("2xx!", {}),
        "bad schema type": lambda d: d["paths"]["/api/subject-tokens"]["post"]["requestBody"]["content"][
            "application/json"]["schema"].__setitem__("type", 7),
        "undeclared path parameter": lambda d: _drop_parameters(d["paths"][path]),
        "default without its required keys": lambda d: d["paths"]["/api/subject-tokens"]["post"]["requestBody"][
            "content"]["application/json"]["schema"].__setitem__("default", {}),
        "parameter twice": lambda d: d["paths"]["/api/authn/hasura"]["get"]["parameters"].append(
            d["paths"]["/api/authn/hasura"]["get"]["parameters"][0]),
        "duplicate operationId": lambda d: d["paths"]["/api/authn/hasura"]["get"].__setitem__(
            "operationId", d["paths"]["/api/subject-tokens"]["post"]["operationId"]),
    }  # fmt: skip
    for label, apply in breaks.items():
        broken = copy.deepcopy(doc)
        apply(broken)
        assert problems(broken), label


def _drop_parameters(item: dict[str, Any]) -> None:
    item.pop("parameters", None)
    for method, op in item.items():
        if method in METHODS:
            op["parameters"] = []


@pytest.mark.parametrize("name", DOCUMENTS)
def test_openapi_spec_validator(server: Server, name: str) -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(_served(server, name))
