"""Typed helpers for impersonation and lockouts: subject tokens ("Subject tokens"), sentinel
activities ("Sentinel activities") and the Hasura webhook ("Authn"). Each method wraps one
OpenAPI operation; the docstring names it. The token exchange itself is an OAuth request to
`/oidc/token` (docs/oidc.md), not a Management API call."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from authkeep.sdk._async._family import _Family

Json = dict[str, Any]


class AsyncSubjectTokens(_Family):
    """`/api/subject-tokens`."""

    async def create(self, user_id: str, context: Json | None = None) -> Json:
        """`POST /api/subject-tokens`: `{subjectToken, expiresIn}`, one exchange within 600 s."""
        body: Json = {"userId": user_id}
        if context is not None:
            body["context"] = context
        return cast(Json, await self._client.post("/api/subject-tokens", json=body))


class AsyncSentinelActivities(_Family):
    """`/api/sentinel-activities`."""

    async def delete(self, targets: Sequence[str], *, target_type: str = "User") -> None:
        """`POST /api/sentinel-activities/delete`: unblock identifiers (the last hour's attempts)."""
        body = {"targetType": target_type, "targets": list(targets)}
        await self._client.post("/api/sentinel-activities/delete", json=body)


class AsyncAuthn(_Family):
    """`/api/authn`."""

    async def hasura(
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
        return cast(Json, await self._client.get("/api/authn/hasura", params=params, headers=headers))
