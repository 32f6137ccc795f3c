"""Auth matrix: every operation in the live OpenAPI document rejects every bad credential with
Logto's status and code.

The operations come from GET /api/swagger.json of the running server, so an operation added to
the document is covered without touching this file. Anonymous operations (`security: []`) are
exempt. Path parameters get plausible ids; authentication runs before any lookup, so the ids
need not exist. One server per backend, one keep-alive client, tokens minted once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests import tokens
from tests.server import MGMT, Server

METHODS = ("get", "post", "put", "patch", "delete")
PLAUSIBLE = {
    "keyType": "private-keys",
    "scopeType": "resource-scopes",
    "domain": "auth.example.com",
    "emailDomain": "example.com",
    "name": "ci-secret",
    "target": "github",
    "keyId": "k3y1d0000000000000000",
}
UNAUTHORIZED = "Unauthorized. Please check credentials and its scope."


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    path: str

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.template}"


def _resolve(doc: dict[str, Any], param: dict[str, Any]) -> dict[str, Any]:
    ref = param.get("$ref")
    return doc["components"]["parameters"][ref.rsplit("/", 1)[1]] if ref else param


def _plausible(name: str, schema: dict[str, Any]) -> str:
    if schema.get("enum"):
        return str(schema["enum"][0])
    return PLAUSIBLE.get(name, f"{name.lower()[:6]}0a1b2c3d4e5f")


def protected_operations(doc: dict[str, Any]) -> list[Operation]:
    ops = []
    for template, item in doc["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op is None or op.get("security", doc.get("security")) == []:
                continue
            path = template
            for raw in [*item.get("parameters", []), *op.get("parameters", [])]:
                param = _resolve(doc, raw)
                if param["in"] == "path":
                    path = path.replace("{" + param["name"] + "}", _plausible(param["name"], param.get("schema", {})))
            assert "{" not in path, f"unresolved path parameter in {method} {template}"
            ops.append(Operation(method, template, path))
    return ops


@dataclass
class Matrix:
    server: Server
    client: httpx.Client
    operations: list[Operation]
    headers: dict[str, dict[str, str]]


def _tokens(server: Server) -> dict[str, dict[str, str]]:
    now = int(time.time())
    valid = server.token()
    head, body, sig = valid.split(".")
    bad_sig = f"{head}.{body}.{sig[:-4]}{'AAAA' if sig[-4:] != 'AAAA' else 'BBBB'}"
    form = {"grant_type": "client_credentials", "resource": MGMT}
    no_all = httpx.post(f"{server.base_url}/oidc/token", data=form, auth=(server.client_id, server.client_secret))
    assert no_all.status_code == 200 and "scope" not in no_all.json(), no_all.text
    bearer = {
        "garbage": "not-a-jwt",
        "bad_signature": bad_sig,
        "alg_none": tokens.unsigned(server),
        "hs256_public_key": tokens.hs256_with_public_key(server),
        "expired": tokens.mint(server, iat=now - 7200, exp=now - 3600),
        "wrong_aud": tokens.mint(server, aud="https://api.example.com"),
        "wrong_iss": tokens.mint(server, iss="https://evil.example.com/oidc"),
        "without_all": no_all.json()["access_token"],
        "other_tenant": tokens.mint(server, aud="https://other.logto.app/api"),
        "valid": valid,
    }
    headers: dict[str, dict[str, str]] = {"no_header": {}, "non_bearer": {"Authorization": "Basic Zm9vOmJhcg=="}}
    headers.update({case: {"Authorization": f"Bearer {value}"} for case, value in bearer.items()})
    return headers


@pytest.fixture(scope="module")
def matrix(server: Server) -> Iterator[Matrix]:
    """On the shared server of each backend: nothing here changes state (see _send)."""
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        doc = client.get("/api/swagger.json").json()
        ops = protected_operations(doc)
        yield Matrix(server, client, ops, _tokens(server))


def _unauthorized(jose_code: str, claim: str | None = None) -> Callable[[httpx.Response], None]:
    def check(res: httpx.Response) -> None:
        assert res.status_code == 401
        body = res.json()
        assert body["code"] == "auth.unauthorized" and body["message"] == UNAUTHORIZED
        assert body["data"]["code"] == jose_code
        if claim:
            assert body["data"]["claim"] == claim

    return check


def _exact(status: int, body: dict[str, Any]) -> Callable[[httpx.Response], None]:
    def check(res: httpx.Response) -> None:
        assert res.status_code == status
        assert res.json() == body

    return check


EXPECTED: dict[str, Callable[[httpx.Response], None]] = {
    "no_header": _exact(401, {"code": "auth.authorization_header_missing", "message": "Authorization header is missing."}),
    "non_bearer": _exact(
        401,
        {
            "code": "auth.authorization_token_type_not_supported",
            "message": "Authorization type is not supported.",
            "data": {"supportedTypes": ["Bearer"]},
        },
    ),
    "garbage": _unauthorized("ERR_JWS_INVALID"),
    "bad_signature": _unauthorized("ERR_JWS_SIGNATURE_VERIFICATION_FAILED"),
    "alg_none": _unauthorized("ERR_JOSE_ALG_NOT_ALLOWED"),
    "hs256_public_key": _unauthorized("ERR_JOSE_ALG_NOT_ALLOWED"),
    "expired": _unauthorized("ERR_JWT_EXPIRED", "exp"),
    "wrong_aud": _unauthorized("ERR_JWT_CLAIM_VALIDATION_FAILED", "aud"),
    "wrong_iss": _unauthorized("ERR_JWT_CLAIM_VALIDATION_FAILED", "iss"),
    "without_all": _exact(
        403, {"code": "auth.forbidden", "message": "Forbidden. Please check your user roles and permissions."}
    ),
    "other_tenant": _unauthorized("ERR_JWT_CLAIM_VALIDATION_FAILED", "aud"),
}


def _send(m: Matrix, op: Operation, headers: dict[str, str]) -> httpx.Response:
    """Writes carry a JSON array, which no operation accepts as its body: even with a valid token
    nothing is created or rotated (the made-up ids in the paths do the same for the rest)."""
    body = [] if op.method in {"post", "put", "patch"} else None
    return m.client.request(op.method.upper(), op.path, headers=headers, json=body)


def test_document_lists_the_operations(matrix: Matrix) -> None:
    assert len(matrix.operations) >= 150
    anonymous = {"/api/status", "/api/swagger.json", "/api/.well-known/management.openapi.json"}
    assert not anonymous & {op.template for op in matrix.operations}


@pytest.mark.parametrize("case", list(EXPECTED))
def test_rejected_everywhere(matrix: Matrix, case: str) -> None:
    failures = []
    for op in matrix.operations:
        res = _send(matrix, op, matrix.headers[case])
        try:
            EXPECTED[case](res)
        except (AssertionError, ValueError, KeyError) as exc:
            failures.append(f"{op} ({op.path}): {res.status_code} {res.text[:200]} {exc}")
    assert not failures, f"{len(failures)} operations accept or mis-report '{case}':\n" + "\n".join(failures)


# Writes that Logto answers with success while changing nothing: deleting an absent captcha
# provider (204) and a batch of no custom profile fields (201 []).
NO_OP_WRITES = {("delete", "/api/captcha-provider"), ("post", "/api/custom-profile-fields/batch")}
# Logto OSS answers 501 by design: the protected-app provider exists only in Logto Cloud.
NOT_CONFIGURED = {("get", "/api/systems/application"): "application.protected_app_not_configured"}


def test_valid_token_reaches_every_handler(matrix: Matrix) -> None:
    """The control: the same requests with a good token get past authentication, so the
    rejections above come from the auth layer and not from a missing route."""
    failures = []
    for op in matrix.operations:
        res = _send(matrix, op, matrix.headers["valid"])
        changed = op.method != "get" and res.is_success and (op.method, op.template) not in NO_OP_WRITES
        by_design = res.status_code == 501 and res.json().get("code") == NOT_CONFIGURED.get((op.method, op.template))
        if res.status_code in {401, 403} or (res.status_code >= 500 and not by_design) or res.text == "Not Found" or changed:
            failures.append(f"{op} ({op.path}): {res.status_code} {res.text[:200]}")
    assert not failures, "\n".join(failures)


def test_anonymous_operations_need_no_token(matrix: Matrix) -> None:
    assert matrix.client.get("/api/status").status_code == 204
    assert matrix.client.get("/api/swagger.json").status_code == 200
    assert matrix.client.get("/api/.well-known/management.openapi.json").status_code == 200
