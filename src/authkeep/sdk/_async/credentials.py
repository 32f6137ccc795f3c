"""Client credentials: a cached, single-flight refreshed access token."""

from __future__ import annotations

import asyncio
import time
import warnings
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Self

import httpx

from authkeep.sdk._async._send import send
from authkeep.sdk._core import (
    DEFAULT_LEEWAY,
    DEFAULT_TIMEOUT,
    USER_AGENT,
    AccessToken,
    AuthMethod,
    Retry,
    build_token_request,
    parse_token_response,
    scope_warning_text,
)
from authkeep.sdk._errors import ScopeWarning


class AsyncClientCredentials:
    """Fetches `client_credentials` access tokens and caches them until `leeway` before expiry.

    Concurrent callers share one refresh: while a token request is in flight, every other
    caller waits for its result instead of sending a request of its own.

    - `auth_method`: `"client_secret_post"` (credentials in the form body, as `@logto/api`
      does) or `"client_secret_basic"` (HTTP Basic). Logto accepts both.
    - `expected_scope`: warn (`ScopeWarning`) when the granted scope differs.
    - `clock`: returns epoch seconds; injectable for tests.
    """

    def __init__(
        self,
        token_endpoint: str,
        *,
        client_id: str,
        client_secret: str,
        resource: str | None = None,
        scope: str | None = None,
        auth_method: AuthMethod = "client_secret_post",
        leeway: float = DEFAULT_LEEWAY,
        expected_scope: str | None = None,
        extra_params: Mapping[str, str] | None = None,
        retry: Retry | None = None,
        http_client: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.token_endpoint = token_endpoint
        self.client_id = client_id
        self.resource = resource
        self.scope = scope
        self.auth_method: AuthMethod = auth_method
        self.leeway = leeway
        self.expected_scope = expected_scope
        self._request = build_token_request(
            client_id,
            client_secret,
            resource=resource,
            scope=scope,
            auth_method=auth_method,
            extra=extra_params,
        )
        self._retry = retry if retry is not None else Retry()
        self._owns_http = http_client is None
        self._http = (
            http_client
            if http_client is not None
            else httpx.AsyncClient(timeout=DEFAULT_TIMEOUT, headers={"User-Agent": USER_AGENT})
        )
        self._clock = clock
        self._token: AccessToken | None = None
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(token_endpoint={self.token_endpoint!r}, "
            f"client_id={self.client_id!r}, resource={self.resource!r})"
        )

    async def get_access_token(self) -> AccessToken:
        """The cached token, or a fresh one when it is missing or expires within `leeway`."""
        token = self._token
        if token is not None and not token.expires_within(self.leeway, self._clock()):
            return token
        async with self._lock:
            token = self._token
            if token is not None and not token.expires_within(self.leeway, self._clock()):
                return token
            token = await self._fetch()
            self._token = token
            return token

    def invalidate(self, token: AccessToken | None = None) -> None:
        """Forget the cached token; with `token`, only if it is still the cached one.

        The compare-and-clear lets many requests that failed with the same stale token trigger
        one refresh between them.
        """
        if token is None or self._token is token:
            self._token = None

    async def _fetch(self) -> AccessToken:
        now = self._clock()
        response = await send(
            self._http,
            self._retry,
            "POST",
            self.token_endpoint,
            headers={"Accept": "application/json"},
            retryable=True,
            data=self._request.data,
            auth=self._request.auth,
        )
        token = parse_token_response(response, now)
        if self.expected_scope is not None and token.scope != self.expected_scope:
            warnings.warn(
                scope_warning_text(token.scope, self.expected_scope), ScopeWarning, stacklevel=4
            )
        return token

    async def aclose(self) -> None:
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
