"""Every typed SDK helper calls an operation of Logto's OpenAPI document, with declared parameters.

A catch-all scripted server records what each helper sends; the requests are matched against
../shared/logto-reference/management.openapi.json (method, path template, query names, body).
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from authkeep.sdk import Search
from tests.sdk_flavors import FLAVORS, call, close, make, run
from tests.sdk_http import Reply, ScriptedServer, Seen, json_reply, scripted_server, token_reply
from tests.sdk_replay import REFERENCE

OPENAPI = REFERENCE / "management.openapi.json"
# Read by Logto but missing from its OpenAPI document (logto-facts §8.3: GET /users filters).
UNDECLARED = {("/api/users", "excludeRoleId"), ("/api/users", "excludeOrganizationId")}
SEARCH_KEYS = re.compile(r"^(search|mode)(\..+)?$|^(joint|jointMode|isCaseSensitive)$")

pytestmark = pytest.mark.skipif(not OPENAPI.exists(), reason=f"{OPENAPI} is not available")


def _operations() -> list[tuple[str, re.Pattern[str], dict[str, Any]]]:
    document = json.loads(OPENAPI.read_text())
    operations = []
    for path, item in document["paths"].items():
        pattern = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                operations.append((method.upper(), pattern, operation))
    return operations


def _arguments(function: Any) -> tuple[list[Any], dict[str, Any]]:
    """Plausible arguments from a helper's signature (ids, bodies, lists, flags)."""
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for index, (name, parameter) in enumerate(inspect.signature(function).parameters.items()):
        annotation = str(parameter.annotation)
        if name == "search":
            search = Search(fields={"name": "a%"}, joint="and")
            if parameter.kind is parameter.KEYWORD_ONLY:
                kwargs[name] = search
            else:
                args.append(search)
            continue
        if parameter.kind is parameter.KEYWORD_ONLY:
            # every filter, so that each query name is checked against the document
            if name in {"page", "page_size"}:
                kwargs[name] = 1
            elif name == "types":
                kwargs[name] = ["MachineToMachine", "SPA"]
            elif name == "type":
                kwargs[name] = "User"
            elif annotation.startswith("Sequence"):
                kwargs[name] = ["x1"]
            elif annotation.startswith("bool"):
                kwargs[name] = True
            elif annotation.startswith("str"):
                kwargs[name] = "x"
            continue
        if parameter.default is not parameter.empty:
            continue
        if name == "status":
            value: Any = "Revoked"
        elif annotation.startswith("Sequence"):
            value = ["x1"]
        elif annotation == "bool":
            value = True
        elif annotation == "str":
            value = f"id{index}"
        elif annotation == "bytes":
            value = b"x"
        else:
            value = {}
        args.append(value)
    return args, kwargs


def _helpers(api: Any) -> Iterator[tuple[str, Any]]:
    for family in (
        "users",
        "applications",
        "roles",
        "resources",
        "organizations",
        "organization_roles",
        "organization_invitations",
        "connectors",
        "verification_codes",
        "one_time_tokens",
        "email_templates",
        "sign_in_experience",
        "account_center",
        "custom_phrases",
        "custom_profile_fields",
        "captcha_provider",
        "configs",
        "well_known",
        "hooks",
        "logs",
        "dashboard",
        "sso_connectors",
        "sso_connector_providers",
        "domains",
        "secrets",
        "systems",
        "user_assets",
        "cimd",
        "jwt_customizers",
        "actions",
    ):
        namespace = getattr(api, family)
        for name, method in inspect.getmembers(namespace, inspect.ismethod):
            if not name.startswith("_"):
                yield f"{family}.{name}", method


@pytest.fixture
def anything() -> Iterator[ScriptedServer]:
    def answer(seen: Seen) -> Reply:
        if seen.method == "DELETE":
            return Reply(204)
        return json_reply(200, [] if seen.method == "GET" else {})

    for server in scripted_server():
        server.on("POST", "/oidc/token", token_reply())
        server.fallback = answer
        yield server


@pytest.mark.parametrize("flavor", FLAVORS)
def test_every_helper_matches_an_openapi_operation(flavor: str, anything: ScriptedServer) -> None:
    operations = _operations()

    async def body() -> None:
        mgmt, _ = make(flavor, anything.url, "i", "s")
        helpers = list(_helpers(mgmt.api))
        assert len(helpers) >= 70
        for label, helper in helpers:
            before = len(anything.seen)
            args, kwargs = _arguments(helper)
            result = helper(*args, **kwargs)
            if hasattr(result, "first_page"):
                result = result.first_page()
            await call(result)
            sent = [s for s in anything.seen[before:] if s.path != "/oidc/token"]
            assert len(sent) == 1, f"{label} sent {len(sent)} requests"
            seen = sent[0]
            matches = [
                op for m, pattern, op in operations if m == seen.method and pattern.match(seen.path)
            ]
            assert matches, f"{label}: {seen.method} {seen.path} is not a Logto operation"
            declared = {
                p["name"] for p in matches[0].get("parameters", []) if p.get("in") == "query"
            }
            for key in seen.query:
                if "search_params" in declared and SEARCH_KEYS.match(key):
                    continue
                if (seen.path, key) in UNDECLARED:
                    continue
                assert key in declared, f"{label}: query {key!r} is not declared for {seen.path}"
            content = matches[0].get("requestBody", {}).get("content", {})
            if seen.body and "multipart/form-data" in content:  # an upload: the part's name
                assert b'name="file"' in seen.body, f"{label}: multipart without a file part"
            elif seen.body:
                schema = content["application/json"]["schema"]
                sent_keys = set(seen.json())
                known = set(schema.get("properties", {}))
                for branch in schema.get("oneOf", []):  # e.g. verification codes: {email} | {phone}
                    known |= set(branch.get("properties", {}))
                assert sent_keys <= known, f"{label}: body {sent_keys}"
        await close(mgmt)

    run(body)
