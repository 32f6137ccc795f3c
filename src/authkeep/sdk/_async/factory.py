"""`create_async_management_api`: the Python twin of `@logto/api`'s `createManagementApi`."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import NamedTuple, Self

import httpx

from authkeep.sdk._async.client import AsyncManagementClient
from authkeep.sdk._async.credentials import AsyncClientCredentials
from authkeep.sdk._core import (
    DEFAULT_LEEWAY,
    DEFAULT_TIMEOUT,
    MANAGEMENT_API_SCOPE,
    USER_AGENT,
    AuthMethod,
    Retry,
    cloud_api_indicator,
    cloud_base_url,
)


class AsyncManagementApi(NamedTuple):
    """`api` calls the Management API; `client_credentials` owns its access token.

    Unpacks like the Node SDK's result: `api, client_credentials = create_...(...)`.
    Close it (or use it as a context manager) to release connections.
    """

    api: AsyncManagementClient
    client_credentials: AsyncClientCredentials

    async def aclose(self) -> None:
        await self.api.aclose()
        await self.client_credentials.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def create_async_management_api(
    tenant_id: str,
    *,
    client_id: str,
    client_secret: str,
    base_url: str | None = None,
    api_indicator: str | None = None,
    auth_method: AuthMethod = "client_secret_post",
    leeway: float = DEFAULT_LEEWAY,
    retry: Retry | None = None,
    timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
    headers: Mapping[str, str] | None = None,
    http_client: httpx.AsyncClient | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], float] = time.time,
) -> AsyncManagementApi:
    """A Management API client for a Logto-compatible server.

    Logto Cloud: pass the tenant id; the base URL is `https://{tenant_id}.logto.app` and the
    API indicator `https://{tenant_id}.logto.app/api`. Logto OSS and authkeep: pass
    `base_url` (the server's endpoint) and `api_indicator="https://default.logto.app/api"`.

    - `auth_method`: credentials in the token request body (default, as `@logto/api`) or
      `"client_secret_basic"`.
    - `leeway`: refresh the token this many seconds before it expires (60, as `@logto/api`).
    - `retry`: a `Retry` policy (`NO_RETRY` disables repeats).
    - `http_client`: bring your own `httpx` client (it is not closed for you); otherwise
      one is built from `timeout`, `transport` and `headers`.
    - `clock`: epoch-seconds clock used for token expiry (tests).
    """
    base = (base_url or cloud_base_url(tenant_id)).rstrip("/")
    indicator = api_indicator or cloud_api_indicator(tenant_id)
    owns_http = http_client is None
    http = (
        http_client
        if http_client is not None
        else httpx.AsyncClient(
            timeout=timeout,
            transport=transport,
            headers={"User-Agent": USER_AGENT},
        )
    )
    credentials = AsyncClientCredentials(
        f"{base}/oidc/token",
        client_id=client_id,
        client_secret=client_secret,
        resource=indicator,
        scope=MANAGEMENT_API_SCOPE,
        auth_method=auth_method,
        leeway=leeway,
        expected_scope=MANAGEMENT_API_SCOPE,
        retry=retry,
        http_client=http,
        clock=clock,
    )
    client = AsyncManagementClient(
        base,
        credentials,
        http_client=http,
        retry=retry,
        headers=headers,
        owns_http_client=owns_http,
    )
    return AsyncManagementApi(client, credentials)
