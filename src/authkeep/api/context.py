"""What a route handler receives (built by the route contract, api/contract.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from authkeep import paging
from authkeep.search import Search, parse_search
from authkeep.state import AppState, TenantState
from authkeep.store.db import Database


class Ctx:
    """`auth` is the caller the router's policy found (a bearer `Principal` for management
    routes); `q`, `body` and `page` are the route's declared inputs, already parsed."""

    __slots__ = ("_columns", "_search", "auth", "body", "page", "q", "request", "state", "tenant")

    def __init__(
        self,
        request: Request,
        tenant: TenantState,
        auth: Any,
        state: AppState,
        columns: Mapping[str, Any] | None = None,
    ) -> None:
        self.request = request
        self.tenant = tenant
        self.auth = auth
        self.state = state
        self.q: Any = None
        self.body: Any = None
        self.page: paging.Page | None = None
        self._columns = columns
        self._search: Search | None = None

    @property
    def tenant_id(self) -> str:
        return self.tenant.id

    @property
    def db(self) -> Database:
        return self.state.db

    @property
    def query(self) -> QueryParams:
        """The raw query string; declared inputs are in `q`."""
        return self.request.query_params

    @property
    def search(self) -> Search:
        """The route's `search=` parsed on first use, so the handler decides when its errors come
        (Logto answers an unknown parent's 404 before a bad search's 400)."""
        if self._search is None:
            assert self._columns is not None, "route declares no search="
            self._search = parse_search(self.request.query_params, tuple(self._columns))
        return self._search

    def param(self, name: str) -> str:
        return str(self.request.path_params[name])

    def paged(self, items: Any, total: int) -> Response:
        """A JSON list with `Total-Number` and `Link` when the request is paged."""
        return paging.paged(self.request, items, total, self.page)
