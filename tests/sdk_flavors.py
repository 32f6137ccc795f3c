"""Run one SDK scenario against both twins: `sync` (ManagementApi) and `async` (AsyncManagementApi).

Scenario bodies are `async def` functions that wrap every SDK call in `await call(...)`; with the
sync twin `call` just returns the value, so the same body exercises both clients for real.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from authkeep.sdk import (
    AsyncManagementApi,
    ManagementApi,
    create_async_management_api,
    create_management_api,
)
from tests.sdk_http import AsyncCountingTransport, CountingTransport

FLAVORS = ["sync", "async"]
OSS_INDICATOR = "https://default.logto.app/api"

Counting = CountingTransport | AsyncCountingTransport
Mgmt = ManagementApi | AsyncManagementApi


def make(
    flavor: str,
    base_url: str,
    client_id: str,
    client_secret: str,
    **options: Any,
) -> tuple[Any, Counting]:
    """A management API of the given flavor whose requests are counted on the real transport."""
    options.setdefault("api_indicator", OSS_INDICATOR)
    if flavor == "sync":
        sync_transport = CountingTransport(httpx.HTTPTransport())
        mgmt: Mgmt = create_management_api(
            "default",
            client_id=client_id,
            client_secret=client_secret,
            base_url=base_url,
            transport=sync_transport,
            **options,
        )
        return mgmt, sync_transport
    async_transport = AsyncCountingTransport(httpx.AsyncHTTPTransport())
    mgmt = create_async_management_api(
        "default",
        client_id=client_id,
        client_secret=client_secret,
        base_url=base_url,
        transport=async_transport,
        **options,
    )
    return mgmt, async_transport


async def call(value: Any) -> Any:
    """`await` the async twin's coroutines; pass the sync twin's results through."""
    if inspect.isawaitable(value):
        return await value
    return value


async def collect(pager: Any) -> list[Any]:
    if hasattr(pager, "__aiter__"):
        return [item async for item in pager]
    return list(pager)


async def close(mgmt: Any) -> None:
    if isinstance(mgmt, AsyncManagementApi):
        await mgmt.aclose()
    else:
        mgmt.close()


def run(body: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(body())  # type: ignore[arg-type]
