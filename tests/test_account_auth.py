"""Auth matrix of the end-user APIs: every route of the `end_user` policy (`/api/my-account`,
`/api/verifications`, whoever declares it) refuses each bad credential as Logto's koa-oidc-auth
does, and a user's token gets past authentication everywhere (no 5xx, no missing route)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from authkeep.api import ROUTERS
from scripts.build_openapi import openapi_path
from tests.account_helpers import account_center, management, new_app, new_user, user_client
from tests.server import Server
from tests.test_auth_matrix import Operation

PREFIXES = ("/api/my-account", "/api/verifications")


def end_user_operations() -> list[Operation]:
    """The served end-user routes, path parameters filled with plausible ids."""
    ops = []
    for router in ROUTERS:
        for spec in router.routes:
            if spec.policy == "end_user":
                template = openapi_path(spec.path)
                ops.append(Operation(spec.method.lower(), template, re.sub(r"\{\w+\}", "x0a1b2c3d4e5f", template)))
    return ops
UNAUTHORIZED = {"code": "auth.unauthorized", "message": "Unauthorized. Please check credentials and its scope."}


@dataclass
class Matrix:
    ops: list[Operation]
    headers: dict[str, dict[str, str]]
    client: httpx.Client


@pytest.fixture(scope="module")
def matrix(own_server: Server) -> Iterator[Matrix]:
    with management(own_server) as api, httpx.Client(base_url=own_server.base_url, timeout=30) as client:
        account_center(api)
        ops = end_user_operations()
        assert all(op.template.startswith(PREFIXES) for op in ops)
        user, app_id = new_user(api), new_app(api)
        with user_client(own_server, user["id"], app_id, "profile email") as no_openid, \
                user_client(own_server, user["id"], app_id, "openid profile email phone identities custom_data") as valid:  # fmt: skip
            headers = {
                "no_header": {},
                "non_bearer": {"Authorization": "Basic Zm9vOmJhcg=="},
                "garbage": {"Authorization": "Bearer not-a-token"},
                "management_jwt": {"Authorization": f"Bearer {own_server.token()}"},
                "no_openid": dict(no_openid.headers),
                "valid": dict(valid.headers),
            }
            yield Matrix(ops, headers, client)


EXPECTED = {
    "no_header": (401, {"code": "auth.authorization_header_missing", "message": "Authorization header is missing."}),
    "non_bearer": (401, {"code": "auth.authorization_token_type_not_supported", "message": "Authorization type is not supported.",
                         "data": {"supportedTypes": ["Bearer"]}}),
    "garbage": (401, UNAUTHORIZED),
    "management_jwt": (401, UNAUTHORIZED),
    "no_openid": (403, {"code": "auth.forbidden", "message": "Forbidden. Please check your user roles and permissions."}),
}


def _send(m: Matrix, op: Operation, headers: dict[str, str]) -> httpx.Response:
    body = [] if op.method in {"post", "put", "patch"} else None  # no operation accepts an array
    return m.client.request(op.method.upper(), op.path, headers=headers, json=body)


def test_document_lists_the_operations(matrix: Matrix) -> None:
    assert len(matrix.ops) >= 25


@pytest.mark.parametrize("case", list(EXPECTED))
def test_rejected_everywhere(matrix: Matrix, case: str) -> None:
    status, body = EXPECTED[case]
    failures = [f"{op}: {r.status_code} {r.text[:120]}" for op in matrix.ops
                if ((r := _send(matrix, op, matrix.headers[case])).status_code, r.json()) != (status, body)]  # fmt: skip
    assert not failures, "\n".join(failures)


def test_valid_token_reaches_every_handler(matrix: Matrix) -> None:
    failures = []
    for op in matrix.ops:
        r = _send(matrix, op, matrix.headers["valid"])
        if r.status_code >= 500 or r.text == "Not Found" or (r.status_code == 401 and r.json()["code"] == "auth.unauthorized"):
            failures.append(f"{op}: {r.status_code} {r.text[:120]}")
    assert not failures, "\n".join(failures)
