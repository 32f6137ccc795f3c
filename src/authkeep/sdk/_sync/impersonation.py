# Generated from src/authkeep/sdk/_async/impersonation.py by tests/sdk_unasync.py. Do not edit:
# change the async module and run `python -m tests.sdk_unasync`.
"""Typed helpers for impersonation and lockouts: subject tokens ("Subject tokens"), sentinel
activities ("Sentinel activities") and the Hasura webhook ("Authn"). Each method wraps one
OpenAPI operation; the docstring names it. The token exchange itself is an OAuth request to
`/oidc/token` (docs/oidc.md), not a Management API call."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from authkeep.sdk._sync._family import _Family

Json = dict[str, Any]


class SubjectTokens(_Family):
    """`/api/subject-tokens`."""

    def create(self, user_id: str, context: Json | None = None) -> Json:
        """`POST /api/subject-tokens`: `{subjectToken, expiresIn}`, one exchange within 600 s."""
        body: Json = {"userId": user_id}
        if context is not None:
            body["context"] = context
        return cast(Json, self._client.post("/api/subject-tokens", json=body))


class SentinelActivities(_Family):
    """`/api/sentinel-activities`."""

    def delete(self, targets: Sequence[str], *, target_type: str = "User") -> None:
        """`POST /api/sentinel-activities/delete`: unblock identifiers (the last hour's attempts)."""
        body = {"targetType": target_type, "targets": list(targets)}
        self._client.post("/api/sentinel-activities/delete", json=body)


class Authn(_Family):
    """`/api/authn`."""

    def hasura(
        self,
        resource: str,
        access_token: str,
        *,
        unauthorized_role: str | None = None,
        expected_role: str | None = None,
    ) -> Json:
        """`GET /api/authn/hasura` for a user's access token: `X-Hasura-User-Id`, `X-Hasura-Role`."""
        headers = {"Authorization": f"Bearer {access_token}"}
        if expected_role is not None:
            headers["Expected-Role"] = expected_role
        params = {"resource": resource, "unauthorizedRole": unauthorized_role}
        return cast(Json, self._client.get("/api/authn/hasura", params=params, headers=headers))
