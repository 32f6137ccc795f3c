"""Audit log entries (Logto's log keys and payloads). Secrets never reach a log: the token
request's credentials are masked as Logto masks them."""

from __future__ import annotations

from typing import Any

MASKED = "******"
SECRET_PARAMS = frozenset(
    {"client_secret", "refresh_token", "token", "password", "one_time_token", "google_one_tap_credential",
     "client_assertion", "subject_token", "actor_token", "code_verifier", "code"}
)  # fmt: skip
GRANTS = {
    "authorization_code": "AuthorizationCode",
    "refresh_token": "RefreshToken",
    "client_credentials": "ClientCredentials",
    "urn:ietf:params:oauth:grant-type:token-exchange": "TokenExchange",
    "urn:ietf:params:oauth:grant-type:device_code": "DeviceCode",
}


def masked(params: dict[str, str]) -> dict[str, str]:
    return {k: MASKED if k in SECRET_PARAMS else v for k, v in params.items()}


def token_log(note: dict[str, Any], ip: str | None, user_agent: str | None, error: Any) -> tuple[str, dict[str, Any]]:
    """(key, payload) of one token request. `note` holds what the endpoint learnt: `params` (the
    form), `applicationId`, `secret` (the matched secret's name), `scope`."""
    params = note.get("params") or {}
    key = "ExchangeTokenBy." + GRANTS.get(params.get("grant_type", ""), "Unknown")
    payload: dict[str, Any] = {"result": "Error" if error is not None else "Success"}
    if error is not None:
        payload["error"] = error
    if ip is not None:
        payload["ip"] = ip
    if user_agent is not None:
        payload["userAgent"] = user_agent
    if note.get("applicationId"):
        payload["applicationId"] = note["applicationId"]
    if note.get("userId"):
        payload["userId"] = note["userId"]
    if params:
        payload["params"] = masked(params)
    if error is None:
        payload["tokenTypes"] = note.get("tokenTypes") or ["AccessToken"]
        if note.get("scope"):
            payload["scope"] = note["scope"]
    if note.get("secret"):
        payload["applicationSecret"] = {"name": note["secret"]}
    return key, payload
