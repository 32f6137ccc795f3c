"""An in-process app serving test routers through the route contract, on a live server's own
database and keys (so its Management API tokens verify as on the server)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount, Route

from authkeep.api.contract import ApiRouter, endpoint
from authkeep.app import SegmentRouter, start_state
from authkeep.config import load_settings
from authkeep.state import AppState
from tests.server import Server


@asynccontextmanager
async def in_process(
    server: Server, routers: list[ApiRouter], setup: Callable[[AppState], None] | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    state = await start_state(load_settings(server.env))
    if setup is not None:
        setup(state)
    routes = [Route(s.path, endpoint(s), methods=[s.method]) for r in routers for s in r.routes]
    app = Starlette(routes=[Mount("/api", app=SegmentRouter(routes))])
    app.state.authkeep = state
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://probe") as client:
            yield client
    finally:
        await state.db.dispose()


def run_in_process(
    server: Server,
    routers: list[ApiRouter],
    test: Callable[[httpx.AsyncClient], Awaitable[Any]],
    setup: Callable[[AppState], None] | None = None,
) -> None:
    async def main() -> None:
        async with in_process(server, routers, setup) as client:
            await test(client)

    asyncio.run(main())
