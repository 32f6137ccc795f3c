"""The Management API client: authenticated requests, errors, retries and paging."""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self

import httpx

from authkeep.sdk._async._send import send
from authkeep.sdk._async.connectors import (
    AsyncConnectors,
    AsyncEmailTemplates,
    AsyncOneTimeTokens,
    AsyncVerificationCodes,
)
from authkeep.sdk._async.credentials import AsyncClientCredentials
from authkeep.sdk._async.enterprise import (
    AsyncCimd,
    AsyncDomains,
    AsyncSecrets,
    AsyncSsoConnectorProviders,
    AsyncSsoConnectors,
    AsyncSystems,
    AsyncUserAssets,
)
from authkeep.sdk._async.hooks import AsyncAuditLogs, AsyncDashboard, AsyncHooks
from authkeep.sdk._async.paging import AsyncPager
from authkeep.sdk._async.resources import (
    AsyncApplications,
    AsyncOrganizationInvitations,
    AsyncOrganizationRoles,
    AsyncOrganizations,
    AsyncResources,
    AsyncRoles,
    AsyncUsers,
)
from authkeep.sdk._async.saml import AsyncSamlApplications
from authkeep.sdk._async.scripts import AsyncActions, AsyncJwtCustomizers
from authkeep.sdk._async.sign_in import (
    AsyncAccountCenter,
    AsyncCaptchaProvider,
    AsyncCustomPhrases,
    AsyncCustomProfileFields,
    AsyncSignInExperience,
    AsyncTenantConfigs,
    AsyncWellKnown,
)
from authkeep.sdk._core import (
    DEFAULT_PAGE_SIZE,
    DEFAULT_TIMEOUT,
    USER_AGENT,
    Params,
    Retry,
    api_url,
    clean_params,
    decode_body,
    logto_error,
)


class AsyncManagementClient:
    """Calls the Management API at `base_url` with tokens from `credentials`.

    Generic calls take OpenAPI paths (`"/api/users/{id}"` filled in) and return decoded JSON
    (`None` for empty or non-JSON success bodies); failures raise `LogtoError`. A 401 answer to
    a cached token triggers one token refresh and one retry. Typed helpers live on `users`,
    `applications`, `roles`, `resources`, `organizations`, `organization_roles`,
    `organization_invitations`, `connectors`, `verification_codes`, `one_time_tokens`,
    `email_templates`, `sign_in_experience`, `account_center`, `custom_phrases`,
    `custom_profile_fields`, `captcha_provider`, `configs`, `well_known`, `hooks`, `logs`, `dashboard`,
    `sso_connectors`, `sso_connector_providers`, `domains`, `secrets`, `systems`, `user_assets`, `cimd`, `jwt_customizers` and `actions`.
    """

    def __init__(
        self,
        base_url: str,
        credentials: AsyncClientCredentials | None,
        *,
        http_client: httpx.AsyncClient | None = None,
        retry: Retry | None = None,
        headers: Mapping[str, str] | None = None,
        owns_http_client: bool | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self._retry = retry if retry is not None else Retry()
        self._owns_http = http_client is None if owns_http_client is None else owns_http_client
        self._http = (
            http_client if http_client is not None else httpx.AsyncClient(timeout=DEFAULT_TIMEOUT)
        )
        self._headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}
        self.users = AsyncUsers(self)
        self.applications = AsyncApplications(self)
        self.roles = AsyncRoles(self)
        self.resources = AsyncResources(self)
        self.organizations = AsyncOrganizations(self)
        self.organization_roles = AsyncOrganizationRoles(self)
        self.organization_invitations = AsyncOrganizationInvitations(self)
        self.connectors = AsyncConnectors(self)
        self.verification_codes = AsyncVerificationCodes(self)
        self.one_time_tokens = AsyncOneTimeTokens(self)
        self.email_templates = AsyncEmailTemplates(self)
        self.sign_in_experience = AsyncSignInExperience(self)
        self.account_center = AsyncAccountCenter(self)
        self.custom_phrases = AsyncCustomPhrases(self)
        self.custom_profile_fields = AsyncCustomProfileFields(self)
        self.captcha_provider = AsyncCaptchaProvider(self)
        self.configs = AsyncTenantConfigs(self)
        self.well_known = AsyncWellKnown(self)
        self.hooks = AsyncHooks(self)
        self.logs = AsyncAuditLogs(self)
        self.dashboard = AsyncDashboard(self)
        self.sso_connectors = AsyncSsoConnectors(self)
        self.sso_connector_providers = AsyncSsoConnectorProviders(self)
        self.domains = AsyncDomains(self)
        self.secrets = AsyncSecrets(self)
        self.systems = AsyncSystems(self)
        self.user_assets = AsyncUserAssets(self)
        self.cimd = AsyncCimd(self)
        self.jwt_customizers, self.actions = AsyncJwtCustomizers(self), AsyncActions(self)
        self.saml_applications = AsyncSamlApplications(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    async def request(
        self,
        method: str,
        path: str | httpx.URL,
        *,
        params: Params | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
    ) -> httpx.Response:
        """Send one API request and return the successful `httpx.Response`.

        `path` is an OpenAPI path such as `/api/users` (or an `httpx.URL` the pager resolved).
        Raises `LogtoError` for non-2xx answers, `OAuthError` if no token can be obtained and
        `httpx.TransportError` when the network fails beyond the retry policy.
        """
        url = path if isinstance(path, httpx.URL) else api_url(self.base_url, path)
        send_headers = {**self._headers, **(headers or {})}
        authenticate = self.credentials is not None and "/.well-known/" not in str(url)
        options: dict[str, Any] = {"params": clean_params(params) if params else None}
        if json is not None:
            options["json"] = json
        if files is not None:  # multipart uploads (user assets)
            options["files"] = files
        refreshed = False
        while True:
            token = None
            if authenticate and self.credentials is not None:
                token = await self.credentials.get_access_token()
                send_headers["Authorization"] = f"Bearer {token.value}"
            response = await send(
                self._http, self._retry, method.upper(), url, headers=send_headers, **options
            )
            if response.is_success:
                return response
            if response.status_code == 401 and token is not None and not refreshed:
                assert self.credentials is not None
                self.credentials.invalidate(token)
                refreshed = True
                continue
            raise logto_error(response)

    async def get(
        self, path: str, *, params: Params | None = None, headers: Mapping[str, str] | None = None
    ) -> Any:
        return decode_body(await self.request("GET", path, params=params, headers=headers))

    async def post(
        self,
        path: str,
        *,
        json: Any = None,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        response = await self.request("POST", path, params=params, json=json, headers=headers)
        return decode_body(response)

    async def put(
        self,
        path: str,
        *,
        json: Any = None,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        response = await self.request("PUT", path, params=params, json=json, headers=headers)
        return decode_body(response)

    async def patch(
        self,
        path: str,
        *,
        json: Any = None,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        response = await self.request("PATCH", path, params=params, json=json, headers=headers)
        return decode_body(response)

    async def delete(
        self,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        response = await self.request("DELETE", path, params=params, json=json, headers=headers)
        return decode_body(response)

    def paginate(
        self, path: str, *, params: Params | None = None, page_size: int = DEFAULT_PAGE_SIZE
    ) -> AsyncPager[Any]:
        """Every item of a paginated list; see `AsyncPager`. Nothing is fetched until iterated."""
        return AsyncPager(self, path, params=params, page_size=page_size)

    async def aclose(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
