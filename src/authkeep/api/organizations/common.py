"""HTTP helpers shared by the organization route modules: the NUL guard on path and query,
bodies and pages. Rules live in `domain/organizations.py`."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from authkeep import paging, web
from authkeep.api.context import Ctx
from authkeep.errors import LogtoError

Handler = Callable[[Ctx], Awaitable[Any]]


def nul_error(where: str) -> LogtoError:
    return LogtoError("guard.invalid_input", 400, type=where, details="NUL bytes are not allowed.")


def guarded(fn: Handler) -> Handler:
    """NUL bytes in path or query are refused before they reach the database."""

    @functools.wraps(fn)
    async def wrapper(ctx: Ctx) -> Any:
        if web.has_nul(dict(ctx.request.path_params)):
            raise nul_error("params")
        if any(web.has_nul(k) or web.has_nul(v) for k, v in ctx.query.multi_items()):
            raise nul_error("query")
        return await fn(ctx)

    return wrapper


def route(register: Callable[[Handler], Handler]) -> Callable[[Handler], Handler]:
    def deco(fn: Handler) -> Handler:
        register(guarded(fn))
        return fn

    return deco


async def body_of(ctx: Ctx, model: type[web.M]) -> web.M:
    """The body as `model` (NUL bytes are refused by `web.read_json`)."""
    return await web.read_body(ctx.request, model)


def page_of(ctx: Ctx, optional: bool = False) -> paging.Page | None:
    return paging.parse_page(ctx.request, optional=optional)


def required_page(ctx: Ctx) -> paging.Page:
    page = paging.parse_page(ctx.request)
    assert page is not None
    return page
