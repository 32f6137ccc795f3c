# Generated from src/authkeep/sdk/_async/scripts.py by tests/sdk_unasync.py. Do not edit:
# change the async module and run `python -m tests.sdk_unasync`.
"""Typed helpers for the JWT customizer and action configs (`/api/configs/jwt-customizer`,
`/api/configs/actions`). Each method wraps one OpenAPI operation; the docstring names it."""

from __future__ import annotations

from typing import Any, cast

from authkeep.sdk._core import segment
from authkeep.sdk._sync._family import _Family

Json = dict[str, Any]


class JwtCustomizers(_Family):
    """`/api/configs/jwt-customizer`: token types `access-token` and `client-credentials`."""

    def list(self) -> list[Json]:
        """`GET /api/configs/jwt-customizer`: `[{key, value}]`."""
        return cast(list[Json], self._client.get("/api/configs/jwt-customizer"))

    def get(self, token_type: str) -> Json:
        """`GET /api/configs/jwt-customizer/{tokenTypePath}`."""
        return cast(Json, self._client.get(f"/api/configs/jwt-customizer/{segment(token_type)}"))

    def upsert(self, token_type: str, body: Json) -> Json:
        """`PUT /api/configs/jwt-customizer/{tokenTypePath}` (201 when new, 200 when replaced)."""
        return cast(
            Json, self._client.put(f"/api/configs/jwt-customizer/{segment(token_type)}", json=body)
        )

    def update(self, token_type: str, body: Json) -> Json:
        """`PATCH /api/configs/jwt-customizer/{tokenTypePath}`: `script` is still required."""
        return cast(
            Json,
            self._client.patch(f"/api/configs/jwt-customizer/{segment(token_type)}", json=body),
        )

    def delete(self, token_type: str) -> None:
        """`DELETE /api/configs/jwt-customizer/{tokenTypePath}`."""
        self._client.delete(f"/api/configs/jwt-customizer/{segment(token_type)}")

    def test(self, body: Json) -> Json:
        """`POST /api/configs/jwt-customizer/test`: `{tokenType, script, token, context,
        environmentVariables?}`; the claims the script returns."""
        return cast(Json, self._client.post("/api/configs/jwt-customizer/test", json=body))


class Actions(_Family):
    """`/api/configs/actions`: `action.postFirstFactorVerification` and `action.postSignIn`."""

    def list(self) -> list[Json]:
        """`GET /api/configs/actions`: `[{key, value}]`."""
        return cast(list[Json], self._client.get("/api/configs/actions"))

    def get(self, action_type: str) -> Json:
        """`GET /api/configs/actions/{actionType}`."""
        return cast(Json, self._client.get(f"/api/configs/actions/{segment(action_type)}"))

    def upsert(self, action_type: str, body: Json) -> Json:
        """`PUT /api/configs/actions/{actionType}` (201 when new, 200 when replaced)."""
        return cast(
            Json, self._client.put(f"/api/configs/actions/{segment(action_type)}", json=body)
        )

    def update(self, action_type: str, body: Json) -> Json:
        """`PATCH /api/configs/actions/{actionType}`."""
        return cast(
            Json, self._client.patch(f"/api/configs/actions/{segment(action_type)}", json=body)
        )

    def delete(self, action_type: str) -> None:
        """`DELETE /api/configs/actions/{actionType}`."""
        self._client.delete(f"/api/configs/actions/{segment(action_type)}")

    def test(self, body: Json) -> Any:
        """`POST /api/configs/actions/test`: `{script, actionType, event, environmentVariables?}`;
        what `runAction` returns (`None` for undefined or null)."""
        return self._client.post("/api/configs/actions/test", json=body)
