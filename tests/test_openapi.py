"""The served OpenAPI document describes exactly the routes authkeep serves."""

from __future__ import annotations

import httpx

from authkeep.api import ROUTERS
from scripts.build_openapi import ANONYMOUS, openapi_path
from tests.server import Server

METHODS = {"get", "post", "put", "patch", "delete"}


def _documented(doc: dict) -> dict[tuple[str, str], dict]:  # type: ignore[type-arg]
    return {(m, p): op for p, ops in doc["paths"].items() for m, op in ops.items() if m in METHODS}


def test_document_matches_routes(server: Server) -> None:
    doc = httpx.get(server.base_url + "/api/swagger.json").json()
    assert doc == httpx.get(server.base_url + "/api/.well-known/management.openapi.json").json()
    documented = _documented(doc)
    routes = {(s.method.lower(), openapi_path(s.path)): s for r in ROUTERS if r.policy not in ("end_user", "interaction") for s in r.routes}
    assert set(documented) == set(routes) | ANONYMOUS
    for key, spec in routes.items():
        statuses = {int(code) for code in documented[key]["responses"] if code.isdigit()}
        assert spec.status in statuses, f"{key}: serves {spec.status}, documents {sorted(statuses)}"


def test_every_ref_resolves(server: Server) -> None:
    doc = httpx.get(server.base_url + "/api/swagger.json").json()
    refs: set[str] = set()
    _collect_refs(doc, refs)
    for ref in refs:
        _, _, kind, name = ref.split("/", 3)
        assert name in doc["components"][kind], ref


def _collect_refs(node: object, out: set[str]) -> None:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            out.add(node["$ref"])
        for value in node.values():
            _collect_refs(value, out)
    elif isinstance(node, list):
        for value in node:
            _collect_refs(value, out)
