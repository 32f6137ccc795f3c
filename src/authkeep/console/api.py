"""The console's only way to change anything: the real Management API, called in-process.

Each call carries a short-lived token for the signed-in admin (sub = admin id, no client_id,
aud = the Management API, scope `all`), signed with the tenant's current key, so it meets the same
bearer auth, validation, errors and rate limits as any other API client.
"""

from __future__ import annotations

from typing import Any

import httpx
from starlette.requests import Request

from authkeep import clock, ids
from authkeep.domain import management_api as mapi
from authkeep.oidc.token import sign_access_token
from authkeep.state import AppState, TenantState

TOKEN_SECONDS = 300  # at most 10 minutes, reused until its last minute
_tokens: dict[tuple[str, str], tuple[str, int, str]] = {}


class ApiError(Exception):
    """A Management API error, carrying Logto's plain-words `message`."""

    def __init__(self, status: int, code: str, message: str, details: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details

    @classmethod
    def from_response(cls, response: httpx.Response) -> ApiError:
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        message = body.get("message") or f"The server answered {response.status_code}."
        details = body.get("details") if isinstance(body.get("details"), str) else None
        return cls(response.status_code, str(body.get("code", "")), str(message), details)


async def mint(tenant: TenantState, admin_id: str) -> str:
    await tenant.keys.ensure_fresh()
    kid = tenant.keys.current.kid
    cached = _tokens.get((tenant.id, admin_id))
    now = clock.now_s()
    if cached and cached[1] - now > 60 and cached[2] == kid:
        return cached[0]
    claims = {
        "jti": ids.token_id(),
        "sub": admin_id,
        "iat": now,
        "exp": now + TOKEN_SECONDS,
        "scope": "all",
        "iss": tenant.issuer,
        "aud": mapi.indicator(tenant.id),
    }
    token = sign_access_token(tenant, claims)
    _tokens[(tenant.id, admin_id)] = (token, now + TOKEN_SECONDS, kid)
    return token


def forget(admin_id: str) -> None:
    for key in [k for k in _tokens if k[1] == admin_id]:
        _tokens.pop(key, None)


class Api:
    def __init__(self, request: Request, admin_id: str) -> None:
        self.request = request
        self.admin_id = admin_id
        state: AppState = request.app.state.authkeep
        self.tenant = state.tenant_for(request)
        self.base_url = state.settings.endpoint + "/api"

    async def send(self, method: str, path: str, json: Any = None, params: Any = None) -> httpx.Response:
        token = await mint(self.tenant, self.admin_id)
        transport = httpx.ASGITransport(app=self.request.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url=self.base_url) as client:
            response = await client.request(
                method, path, json=json, params=params, headers={"Authorization": f"Bearer {token}"}
            )
        if response.status_code >= 400:
            raise ApiError.from_response(response)
        return response

    async def get(self, path: str, **params: Any) -> Any:
        return (await self.send("GET", path, params=_clean(params))).json()

    async def page(self, path: str, **params: Any) -> tuple[list[Any], int]:
        response = await self.send("GET", path, params=_clean(params))
        items = response.json()
        return items, int(response.headers.get("total-number", len(items)))

    async def post(self, path: str, body: Any = None) -> Any:
        return _json(await self.send("POST", path, json=body if body is not None else {}))

    async def patch(self, path: str, body: Any) -> Any:
        return _json(await self.send("PATCH", path, json=body))

    async def put(self, path: str, body: Any) -> Any:
        return _json(await self.send("PUT", path, json=body))

    async def delete(self, path: str) -> None:
        await self.send("DELETE", path)


def _clean(params: dict[str, Any]) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in params.items():
        if value is None or value == "":
            continue
        for item in value if isinstance(value, list) else [value]:
            out.append((key.replace("__", "."), item))
    return out


def _json(response: httpx.Response) -> Any:
    return response.json() if response.content else None
