# Generated from src/authkeep/sdk/_async/client.py by tests/sdk_unasync.py. Do not edit:
# change the async module and run `python -m tests.sdk_unasync`.
"""The Management API client: authenticated requests, errors, retries and paging."""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self

import httpx

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
from authkeep.sdk._sync._send import send
from authkeep.sdk._sync.connectors import (
    Connectors,
    EmailTemplates,
    OneTimeTokens,
    VerificationCodes,
)
from authkeep.sdk._sync.credentials import ClientCredentials
from authkeep.sdk._sync.enterprise import (
    Cimd,
    Domains,
    Secrets,
    SsoConnectorProviders,
    SsoConnectors,
    Systems,
    UserAssets,
)
from authkeep.sdk._sync.hooks import AuditLogs, Dashboard, Hooks
from authkeep.sdk._sync.paging import Pager
from authkeep.sdk._sync.resources import (
    Applications,
    OrganizationInvitations,
    OrganizationRoles,
    Organizations,
    Resources,
    Roles,
    Users,
)
from authkeep.sdk._sync.saml import SamlApplications
from authkeep.sdk._sync.scripts import Actions, JwtCustomizers
from authkeep.sdk._sync.sign_in import (
    AccountCenter,
    CaptchaProvider,
    CustomPhrases,
    CustomProfileFields,
    SignInExperience,
    TenantConfigs,
    WellKnown,
)


class ManagementClient:
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
        credentials: ClientCredentials | None,
        *,
        http_client: httpx.Client | None = None,
        retry: Retry | None = None,
        headers: Mapping[str, str] | None = None,
        owns_http_client: bool | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self._retry = retry if retry is not None else Retry()
        self._owns_http = http_client is None if owns_http_client is None else owns_http_client
        self._http = (
            http_client if http_client is not None else httpx.Client(timeout=DEFAULT_TIMEOUT)
        )
        self._headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}
        self.users = Users(self)
        self.applications = Applications(self)
        self.roles = Roles(self)
        self.resources = Resources(self)
        self.organizations = Organizations(self)
        self.organization_roles = OrganizationRoles(self)
        self.organization_invitations = OrganizationInvitations(self)
        self.connectors = Connectors(self)
        self.verification_codes = VerificationCodes(self)
        self.one_time_tokens = OneTimeTokens(self)
        self.email_templates = EmailTemplates(self)
        self.sign_in_experience = SignInExperience(self)
        self.account_center = AccountCenter(self)
        self.custom_phrases = CustomPhrases(self)
        self.custom_profile_fields = CustomProfileFields(self)
        self.captcha_provider = CaptchaProvider(self)
        self.configs = TenantConfigs(self)
        self.well_known = WellKnown(self)
        self.hooks = Hooks(self)
        self.logs = AuditLogs(self)
        self.dashboard = Dashboard(self)
        self.sso_connectors = SsoConnectors(self)
        self.sso_connector_providers = SsoConnectorProviders(self)
        self.domains = Domains(self)
        self.secrets = Secrets(self)
        self.systems = Systems(self)
        self.user_assets = UserAssets(self)
        self.cimd = Cimd(self)
        self.jwt_customizers, self.actions = JwtCustomizers(self), Actions(self)
        self.saml_applications = SamlApplications(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def request(
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
                token = self.credentials.get_access_token()
                send_headers["Authorization"] = f"Bearer {token.value}"
            response = send(
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

    def get(
        self, path: str, *, params: Params | None = None, headers: Mapping[str, str] | None = None
    ) -> Any:
        return decode_body(self.request("GET", path, params=params, headers=headers))

    def post(
        self,
        path: str,
        *,
        json: Any = None,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        response = self.request("POST", path, params=params, json=json, headers=headers)
        return decode_body(response)

    def put(
        self,
        path: str,
        *,
        json: Any = None,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        response = self.request("PUT", path, params=params, json=json, headers=headers)
        return decode_body(response)

    def patch(
        self,
        path: str,
        *,
        json: Any = None,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        response = self.request("PATCH", path, params=params, json=json, headers=headers)
        return decode_body(response)

    def delete(
        self,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        response = self.request("DELETE", path, params=params, json=json, headers=headers)
        return decode_body(response)

    def paginate(
        self, path: str, *, params: Params | None = None, page_size: int = DEFAULT_PAGE_SIZE
    ) -> Pager[Any]:
        """Every item of a paginated list; see `Pager`. Nothing is fetched until iterated."""
        return Pager(self, path, params=params, page_size=page_size)

    def close(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
