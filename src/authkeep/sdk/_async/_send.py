"""One HTTP exchange with the retry policy applied (shared by token and API requests)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from authkeep.sdk._core import Retry


async def send(
    http: httpx.AsyncClient,
    retry: Retry,
    method: str,
    url: str | httpx.URL,
    *,
    headers: dict[str, str],
    retryable: bool | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """Send, repeating per `retry`; returns the last response (successful or not).

    `retryable=None` asks the policy (idempotent method or `Idempotency-Key`); the token
    request passes `True`: repeating a client_credentials grant only issues another token.
    """
    allowed = retry.allows(method, headers) if retryable is None else retryable
    repeats = 0
    while True:
        try:
            response = await http.request(method, url, headers=headers, **kwargs)
        except httpx.TransportError as exc:
            delay = retry.delay_after_error(repeats + 1, exc) if allowed else None
            if delay is None:
                raise
        else:
            delay = retry.delay_after_response(repeats + 1, response) if allowed else None
            if delay is None:
                return response
        repeats += 1
        await asyncio.sleep(delay)
