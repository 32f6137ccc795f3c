# Generated from src/authkeep/sdk/_async/saml.py by tests/sdk_unasync.py. Do not edit:
# change the async module and run `python -m tests.sdk_unasync`.
"""Typed helpers for SAML applications ("SAML applications"): the app, its SAML config, signing
certificates and IdP metadata. Each method wraps one OpenAPI operation; the docstring names it.
The browser-facing auth flow (`/api/saml/{id}/authn`, the callback) is not an SDK call."""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any, cast

from authkeep.sdk._core import segment

if TYPE_CHECKING:
    from authkeep.sdk._sync.client import ManagementClient

Json = dict[str, Any]


class SamlApplications:
    """`/api/saml-applications`."""

    def __init__(self, client: ManagementClient) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"

    def _path(self, app_id: str, tail: str = "") -> str:
        return f"/api/saml-applications/{segment(app_id)}{tail}"

    def create(self, body: Json) -> Json:
        """`POST /api/saml-applications` (`name`; `entityId`, `acsUrl`, `nameIdFormat`, `attributeMapping`, ...)."""
        return cast(Json, self._client.post("/api/saml-applications", json=body))

    def get(self, app_id: str) -> Json:
        """`GET /api/saml-applications/{id}`."""
        return cast(Json, self._client.get(self._path(app_id)))

    def update(self, app_id: str, body: Json) -> Json:
        """`PATCH /api/saml-applications/{id}`."""
        return cast(Json, self._client.patch(self._path(app_id), json=body))

    def delete(self, app_id: str) -> None:
        """`DELETE /api/saml-applications/{id}`."""
        self._client.delete(self._path(app_id))

    def metadata(self, app_id: str) -> str:
        """`GET /api/saml-applications/{id}/metadata`: the IdP metadata XML (no token needed)."""
        return (self._client.request("GET", self._path(app_id, "/metadata"))).text

    def list_secrets(self, app_id: str) -> builtins.list[Json]:
        """`GET /api/saml-applications/{id}/secrets`: the signing certificates."""
        return cast("list[Json]", self._client.get(self._path(app_id, "/secrets")))

    def create_secret(self, app_id: str, life_span_in_years: int) -> Json:
        """`POST /api/saml-applications/{id}/secrets` (a new inactive certificate)."""
        body = {"lifeSpanInYears": life_span_in_years}
        return cast(Json, self._client.post(self._path(app_id, "/secrets"), json=body))

    def set_secret_active(self, app_id: str, secret_id: str, active: bool) -> Json:
        """`PATCH /api/saml-applications/{id}/secrets/{secretId}` (activating one deactivates the others)."""
        path = self._path(app_id, f"/secrets/{segment(secret_id)}")
        return cast(Json, self._client.patch(path, json={"active": active}))

    def delete_secret(self, app_id: str, secret_id: str) -> None:
        """`DELETE /api/saml-applications/{id}/secrets/{secretId}` (inactive ones only)."""
        self._client.delete(self._path(app_id, f"/secrets/{segment(secret_id)}"))
