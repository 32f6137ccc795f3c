# Generated from src/authkeep/sdk/_async/enterprise.py by tests/sdk_unasync.py. Do not edit:
# change the async module and run `python -m tests.sdk_unasync`.
"""Typed helpers for enterprise SSO ("SSO connectors", "SSO connector providers"), custom domains
("Domains"), the secret vault ("Secrets"), system constants ("Systems"), user assets ("User
assets") and CIMD clients ("CIMD"). Each method wraps one OpenAPI operation; the docstring names it."""

from __future__ import annotations

import builtins
from typing import Any, cast

from authkeep.sdk._core import segment
from authkeep.sdk._sync._family import _Family

Json = dict[str, Any]


class SsoConnectorProviders(_Family):
    """`/api/sso-connector-providers`."""

    def list(self) -> builtins.list[Json]:
        """`GET /api/sso-connector-providers`: OIDC, SAML, Entra ID, Google Workspace, Okta."""
        return cast("list[Json]", self._client.get("/api/sso-connector-providers"))


class SsoConnectors(_Family):
    """`/api/sso-connectors` and the SAML connectors' SP signing keys."""

    def list(self, *, page: int | None = None, page_size: int | None = None) -> builtins.list[Json]:
        """`GET /api/sso-connectors` (every connector unless a page is asked for)."""
        params = {"page": page, "page_size": page_size}
        return cast("list[Json]", self._client.get("/api/sso-connectors", params=params))

    def get(self, connector_id: str) -> Json:
        """`GET /api/sso-connectors/{id}` (with `providerConfig` when the IdP answers)."""
        return cast(Json, self._client.get(f"/api/sso-connectors/{segment(connector_id)}"))

    def create(self, body: Json) -> Json:
        """`POST /api/sso-connectors` (`providerName`, `connectorName`; `config`, `domains`, ...)."""
        return cast(Json, self._client.post("/api/sso-connectors", json=body))

    def update(self, connector_id: str, body: Json) -> Json:
        """`PATCH /api/sso-connectors/{id}`."""
        return cast(
            Json, self._client.patch(f"/api/sso-connectors/{segment(connector_id)}", json=body)
        )

    def delete(self, connector_id: str) -> None:
        """`DELETE /api/sso-connectors/{id}`."""
        self._client.delete(f"/api/sso-connectors/{segment(connector_id)}")

    def list_signing_keys(self, connector_id: str) -> builtins.list[Json]:
        """`GET /api/sso-connectors/{id}/signing-keys`."""
        path = f"/api/sso-connectors/{segment(connector_id)}/signing-keys"
        return cast("list[Json]", self._client.get(path))

    def create_signing_key(self, connector_id: str, *, active: bool = False) -> Json:
        """`POST /api/sso-connectors/{id}/signing-keys` (inactive unless `active`)."""
        path = f"/api/sso-connectors/{segment(connector_id)}/signing-keys"
        return cast(Json, self._client.post(path, json={"active": active}))

    def set_signing_key_active(self, connector_id: str, key_id: str, active: bool) -> Json:
        """`PATCH /api/sso-connectors/{id}/signing-keys/{keyId}`."""
        path = f"/api/sso-connectors/{segment(connector_id)}/signing-keys/{segment(key_id)}"
        return cast(Json, self._client.patch(path, json={"active": active}))

    def delete_signing_key(self, connector_id: str, key_id: str) -> None:
        """`DELETE /api/sso-connectors/{id}/signing-keys/{keyId}`."""
        self._client.delete(
            f"/api/sso-connectors/{segment(connector_id)}/signing-keys/{segment(key_id)}"
        )


class Domains(_Family):
    """`/api/domains` (authkeep answers as Logto OSS without a hostname provider)."""

    def list(self) -> builtins.list[Json]:
        """`GET /api/domains`."""
        return cast("list[Json]", self._client.get("/api/domains"))

    def get(self, domain_id: str) -> Json:
        """`GET /api/domains/{id}`."""
        return cast(Json, self._client.get(f"/api/domains/{segment(domain_id)}"))

    def create(self, domain: str) -> Json:
        """`POST /api/domains`."""
        return cast(Json, self._client.post("/api/domains", json={"domain": domain}))

    def delete(self, domain_id: str) -> None:
        """`DELETE /api/domains/{id}`."""
        self._client.delete(f"/api/domains/{segment(domain_id)}")

    def cleanup(self, stale_days: int) -> Json:
        """`POST /api/domains/cleanup`."""
        return cast(Json, self._client.post("/api/domains/cleanup", json={"staleDays": stale_days}))

    def get_verification_files(self, domain_id: str) -> Any:
        """`GET /api/domains/{id}/verification-files`."""
        return self._client.get(f"/api/domains/{segment(domain_id)}/verification-files")

    def replace_verification_files(self, domain_id: str, files: builtins.list[Json]) -> Any:
        """`PUT /api/domains/{id}/verification-files` (`path`, `content`, `contentType` each)."""
        path = f"/api/domains/{segment(domain_id)}/verification-files"
        return self._client.put(path, json={"verificationFiles": files})


class Secrets(_Family):
    """`/api/secrets`."""

    def delete(self, secret_id: str) -> None:
        """`DELETE /api/secrets/{id}`."""
        self._client.delete(f"/api/secrets/{segment(secret_id)}")


class Systems(_Family):
    """`/api/systems`."""

    def application(self) -> Json:
        """`GET /api/systems/application` (501 without Logto Cloud's protected-app provider)."""
        return cast(Json, self._client.get("/api/systems/application"))


class UserAssets(_Family):
    """`/api/user-assets`."""

    def service_status(self) -> Json:
        """`GET /api/user-assets/service-status`."""
        return cast(Json, self._client.get("/api/user-assets/service-status"))

    def upload(self, filename: str, content: bytes, content_type: str) -> Json:
        """`POST /api/user-assets` (multipart `file`): `{"url": ...}`."""
        response = self._client.request(
            "POST", "/api/user-assets", files={"file": (filename, content, content_type)}
        )
        return cast(Json, response.json())


class Cimd(_Family):
    """`/api/cimd/user-consent-scopes`: the tenant's consent ceiling for CIMD clients."""

    def list_user_consent_scopes(self) -> Json:
        """`GET /api/cimd/user-consent-scopes`."""
        return cast(Json, self._client.get("/api/cimd/user-consent-scopes"))

    def assign_user_consent_scopes(self, body: Json) -> None:
        """`POST /api/cimd/user-consent-scopes` (`userScopes`, `resourceScopes`, ... by id)."""
        self._client.post("/api/cimd/user-consent-scopes", json=body)

    def delete_user_consent_scope(self, scope_type: str, scope_id: str) -> None:
        """`DELETE /api/cimd/user-consent-scopes/{scopeType}/{scopeId}`."""
        self._client.delete(
            f"/api/cimd/user-consent-scopes/{segment(scope_type)}/{segment(scope_id)}"
        )
