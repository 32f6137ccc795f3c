"""Exceptions and warnings raised by the SDK."""

from __future__ import annotations

from typing import Any

import httpx


class LogtoSdkError(Exception):
    """Base class of every error the SDK raises itself (network errors stay `httpx` errors)."""


class LogtoError(LogtoSdkError):
    """A Management API request failed: Logto's error body plus the HTTP status.

    Logto answers `{"code", "message", "data"?, "details"?}`. Bodies without a `code` (Logto's
    JSON parse errors, plain-text 404/405 from the router, proxies' HTML) still raise this error:
    `code` is then `None` and `message` carries the text.
    """

    def __init__(
        self,
        status: int,
        code: str | None,
        message: str,
        data: Any = None,
        details: str | None = None,
        *,
        response: httpx.Response | None = None,
    ) -> None:
        super().__init__(status, code, message)
        self.status = status
        self.code = code
        self.message = message
        self.data = data
        self.details = details
        self.response = response

    @property
    def retry_after(self) -> str | None:
        """The raw `Retry-After` header of the failed response, if any (useful for 429/503)."""
        if self.response is None:
            return None
        value: str | None = self.response.headers.get("retry-after")
        return value

    def __str__(self) -> str:
        label = f"{self.status} {self.code}" if self.code else str(self.status)
        return f"{label}: {self.message}" if self.message else label

    def __repr__(self) -> str:
        return f"LogtoError(status={self.status!r}, code={self.code!r}, message={self.message!r})"


class OAuthError(LogtoSdkError):
    """The token endpoint refused to issue an access token (RFC 6749 §5.2 error).

    `code` and `message` are Logto's extra fields (`oidc.invalid_client`, …) when present.
    A token response the SDK cannot use (no `access_token`, non-numeric `expires_in`) raises this
    error too, with `error="invalid_token_response"`.
    """

    def __init__(
        self,
        error: str,
        error_description: str | None = None,
        status: int | None = None,
        *,
        code: str | None = None,
        message: str | None = None,
        response: httpx.Response | None = None,
    ) -> None:
        super().__init__(error, error_description, status)
        self.error = error
        self.error_description = error_description
        self.status = status
        self.code = code
        self.message = message
        self.response = response

    def __str__(self) -> str:
        text = (
            self.error if not self.error_description else f"{self.error}: {self.error_description}"
        )
        return f"{self.status} {text}" if self.status is not None else text

    def __repr__(self) -> str:
        return (
            f"OAuthError(error={self.error!r}, error_description={self.error_description!r}, "
            f"status={self.status!r})"
        )


class ScopeWarning(UserWarning):
    """The token endpoint granted a scope other than the one the Management API needs (`all`)."""
