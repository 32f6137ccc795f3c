# Generated from src/authkeep/sdk/_async/connectors.py by tests/sdk_unasync.py. Do not edit:
# change the async module and run `python -m tests.sdk_unasync`.
"""Typed helpers for connectors, connector factories, verification codes, one-time tokens and
e-mail templates. Each method wraps one OpenAPI operation; the docstring names it."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any, Literal, cast

from authkeep.sdk._core import segment
from authkeep.sdk._sync._family import _Family

Json = dict[str, Any]
TokenStatus = Literal["active", "consumed", "revoked", "expired"]


def _recipient(to: str) -> Json:
    """Logto's `{phone}` for digits only (its phone format), else `{email}`."""
    return {"phone": to} if to.isdigit() else {"email": to}


class Connectors(_Family):
    """`/api/connectors` and `/api/connector-factories`."""

    def list(self, *, target: str | None = None) -> builtins.list[Json]:
        """`GET /api/connectors`."""
        return cast("list[Json]", self._client.get("/api/connectors", params={"target": target}))

    def get(self, connector_id: str) -> Json:
        """`GET /api/connectors/{id}`."""
        return cast(Json, self._client.get(f"/api/connectors/{segment(connector_id)}"))

    def create(self, body: Json) -> Json:
        """`POST /api/connectors` (`connectorId` names the factory)."""
        return cast(Json, self._client.post("/api/connectors", json=body))

    def update(self, connector_id: str, body: Json) -> Json:
        """`PATCH /api/connectors/{id}`."""
        return cast(Json, self._client.patch(f"/api/connectors/{segment(connector_id)}", json=body))

    def delete(self, connector_id: str) -> None:
        """`DELETE /api/connectors/{id}`."""
        self._client.delete(f"/api/connectors/{segment(connector_id)}")

    def test(self, factory_id: str, config: Json, to: str) -> None:
        """`POST /api/connectors/{factoryId}/test`: a test message to `to` (an e-mail address, or
        a phone number in digits) through an unsaved config."""
        body = {**_recipient(to), "config": config}
        self._client.post(f"/api/connectors/{segment(factory_id)}/test", json=body)

    def authorization_uri(self, connector_id: str, state: str, redirect_uri: str) -> Json:
        """`POST /api/connectors/{connectorId}/authorization-uri`."""
        path = f"/api/connectors/{segment(connector_id)}/authorization-uri"
        return cast(
            Json, self._client.post(path, json={"state": state, "redirectUri": redirect_uri})
        )

    def list_factories(self) -> builtins.list[Json]:
        """`GET /api/connector-factories`."""
        return cast("list[Json]", self._client.get("/api/connector-factories"))

    def get_factory(self, factory_id: str) -> Json:
        """`GET /api/connector-factories/{id}`."""
        return cast(Json, self._client.get(f"/api/connector-factories/{segment(factory_id)}"))


class VerificationCodes(_Family):
    """`/api/verification-codes`: send a code through the e-mail or SMS connector, verify it."""

    def send(self, to: str) -> None:
        """`POST /api/verification-codes` to an e-mail address or a phone number (digits)."""
        self._client.post("/api/verification-codes", json=_recipient(to))

    def verify(self, to: str, code: str) -> None:
        """`POST /api/verification-codes/verify`; raises LogtoError when the code is wrong."""
        body = {**_recipient(to), "verificationCode": code}
        self._client.post("/api/verification-codes/verify", json=body)


class OneTimeTokens(_Family):
    """`/api/one-time-tokens`."""

    def list(
        self,
        *,
        email: str | None = None,
        status: TokenStatus | None = None,
        page: int | None = None,
        page_size: int | None = None,
    ) -> builtins.list[Json]:
        """`GET /api/one-time-tokens`: everything, or one page when `page`/`page_size` is given."""
        params = {"email": email, "status": status, "page": page, "page_size": page_size}
        return cast("list[Json]", self._client.get("/api/one-time-tokens", params=params))

    def get(self, token_id: str) -> Json:
        """`GET /api/one-time-tokens/{id}`."""
        return cast(Json, self._client.get(f"/api/one-time-tokens/{segment(token_id)}"))

    def create(
        self, email: str, *, context: Json | None = None, expires_in: int | None = None
    ) -> Json:
        """`POST /api/one-time-tokens` (default lifetime 600 s)."""
        body: Json = {"email": email}
        if context is not None:
            body["context"] = context
        if expires_in is not None:
            body["expiresIn"] = expires_in
        return cast(Json, self._client.post("/api/one-time-tokens", json=body))

    def verify(self, token: str, email: str) -> Json:
        """`POST /api/one-time-tokens/verify`: consumes the token."""
        body = {"token": token, "email": email}
        return cast(Json, self._client.post("/api/one-time-tokens/verify", json=body))

    def set_status(self, token_id: str, status: TokenStatus) -> Json:
        """`PUT /api/one-time-tokens/{id}/status`."""
        path = f"/api/one-time-tokens/{segment(token_id)}/status"
        return cast(Json, self._client.put(path, json={"status": status}))

    def delete(self, token_id: str) -> None:
        """`DELETE /api/one-time-tokens/{id}`."""
        self._client.delete(f"/api/one-time-tokens/{segment(token_id)}")


class EmailTemplates(_Family):
    """`/api/email-templates`."""

    def list(
        self, *, language_tag: str | None = None, template_type: str | None = None
    ) -> builtins.list[Json]:
        """`GET /api/email-templates`."""
        params = {"languageTag": language_tag, "templateType": template_type}
        return cast("list[Json]", self._client.get("/api/email-templates", params=params))

    def get(self, template_id: str) -> Json:
        """`GET /api/email-templates/{id}`."""
        return cast(Json, self._client.get(f"/api/email-templates/{segment(template_id)}"))

    def upsert(self, templates: Sequence[Json]) -> builtins.list[Json]:
        """`PUT /api/email-templates`: create or replace by (languageTag, templateType)."""
        body = {"templates": list(templates)}
        return cast("list[Json]", self._client.put("/api/email-templates", json=body))

    def update_details(self, template_id: str, details: Json) -> Json:
        """`PATCH /api/email-templates/{id}/details`."""
        path = f"/api/email-templates/{segment(template_id)}/details"
        return cast(Json, self._client.patch(path, json=details))

    def delete(self, template_id: str) -> None:
        """`DELETE /api/email-templates/{id}`."""
        self._client.delete(f"/api/email-templates/{segment(template_id)}")

    def delete_where(
        self, *, language_tag: str | None = None, template_type: str | None = None
    ) -> int:
        """`DELETE /api/email-templates?languageTag&templateType`; returns the number deleted."""
        params = {"languageTag": language_tag, "templateType": template_type}
        answer = self._client.delete("/api/email-templates", params=params)
        return int((answer or {}).get("rowCount", 0))
