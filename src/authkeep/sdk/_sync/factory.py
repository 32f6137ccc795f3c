# Generated from src/authkeep/sdk/_async/factory.py by tests/sdk_unasync.py. Do not edit:
# change the async module and run `python -m tests.sdk_unasync`.
"""`create_management_api`: the Python twin of `@logto/api`'s `createManagementApi`."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import NamedTuple, Self

import httpx

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
from authkeep.sdk._sync.client import ManagementClient
from authkeep.sdk._sync.credentials import ClientCredentials


class ManagementApi(NamedTuple):
    """`api` calls the Management API; `client_credentials` owns its access token.

    Unpacks like the Node SDK's result: `api, client_credentials = create_...(...)`.
    Close it (or use it as a context manager) to release connections.
    """

    api: ManagementClient
    client_credentials: ClientCredentials

    def close(self) -> None:
        self.api.close()
        self.client_credentials.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def create_management_api(
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
    http_client: httpx.Client | None = None,
    transport: httpx.BaseTransport | None = None,
    clock: Callable[[], float] = time.time,
) -> ManagementApi:
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
        else httpx.Client(
            timeout=timeout,
            transport=transport,
            headers={"User-Agent": USER_AGENT},
        )
    )
    credentials = ClientCredentials(
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
    client = ManagementClient(
        base,
        credentials,
        http_client=http,
        retry=retry,
        headers=headers,
        owns_http_client=owns_http,
    )
    return ManagementApi(client, credentials)
