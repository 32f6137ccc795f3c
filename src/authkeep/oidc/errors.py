"""OAuth errors in Logto's wrapping: `{code: "oidc.<error>", message, error, error_description}`."""

from __future__ import annotations

from typing import Any

_MESSAGES = {
    "invalid_request": "Request is invalid.",
    "invalid_target": "Invalid resource indicator.",
    "access_denied": "Access denied.",
    "unsupported_grant_type": "Unsupported `grant_type` requested.",
    "invalid_grant": "Grant request is invalid.",
    "invalid_token": "Invalid token provided.",
    "invalid_scope": "Invalid scope: {{error_description}}.",
    "server_error": "An unknown OIDC error occurred. Please try again later.",
    "rate_limited": "Too many requests. Please retry later.",
    "temporarily_unavailable": "The service is temporarily unavailable. Please retry later.",
}


class OAuthError(Exception):
    def __init__(
        self,
        error: str,
        description: str,
        status: int = 400,
        www_authenticate: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status
        self.www_authenticate = www_authenticate
        self.extra = extra or {}  # more members of the body (invalid_scope's `scope`)

    def body(self, parse_error: bool = True) -> dict[str, Any]:
        raw = {"error": self.error, "error_description": self.description, **self.extra}
        if not parse_error:
            return raw
        message = _MESSAGES.get(self.error, f"An OIDC error occurred: oidc.{self.error}.")
        return {"code": f"oidc.{self.error}", "message": message, **raw}
