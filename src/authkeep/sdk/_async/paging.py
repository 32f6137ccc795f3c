"""Walk a paginated list by following `Link rel="next"`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import httpx

from authkeep.sdk._core import (
    DEFAULT_PAGE_SIZE,
    Page,
    Params,
    clean_params,
    next_page_url,
    parse_total,
)

if TYPE_CHECKING:
    from authkeep.sdk._async.client import AsyncManagementClient

T = TypeVar("T")


class AsyncPager(Generic[T]):
    """Items of every page of a list, fetched lazily one page at a time.

    Iterating yields items; `pages()` yields `Page` objects. `total` holds the latest
    `Total-Number` header (`None` until the first page is fetched, or when the endpoint does not
    send it). The next page is requested only when the server announces one (`Link rel="next"`,
    vetoed by `Total-Number`), so a walk never asks for a page past the end.
    """

    def __init__(
        self,
        client: AsyncManagementClient,
        path: str,
        *,
        params: Params | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> None:
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self._client = client
        self._path = path
        self._params: dict[str, Any] = {**clean_params(params), "page": "1"}
        self._params["page_size"] = str(page_size)
        self.total: int | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(path={self._path!r}, total={self.total!r})"

    def __aiter__(self) -> AsyncIterator[T]:
        return self._items()

    async def _items(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in page.items:
                yield item

    async def pages(self) -> AsyncIterator[Page[T]]:
        """Each page in turn, from the first."""
        page = await self.first_page()
        yield page
        while page.next_url is not None:
            page = await self._fetch(page.next_url, None, page.number + 1)
            yield page

    async def first_page(self) -> Page[T]:
        """Only the first page (sets `total`)."""
        return await self._fetch(self._path, self._params, 1)

    async def to_list(self) -> list[T]:
        """Every item of every page."""
        return [item async for item in self]

    async def _fetch(
        self, url: str | httpx.URL, params: dict[str, Any] | None, number: int
    ) -> Page[T]:
        response = await self._client.request("GET", url, params=params)
        items = response.json()
        if not isinstance(items, list):
            raise TypeError(f"expected a JSON list from {response.request.url}")
        self.total = parse_total(response.headers)
        return Page(
            items=items,
            number=number,
            total=self.total,
            next_url=next_page_url(response.request.url, response.headers, len(items)),
        )
