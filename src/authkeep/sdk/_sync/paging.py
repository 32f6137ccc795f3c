# Generated from src/authkeep/sdk/_async/paging.py by tests/sdk_unasync.py. Do not edit:
# change the async module and run `python -m tests.sdk_unasync`.
"""Walk a paginated list by following `Link rel="next"`."""

from __future__ import annotations

from collections.abc import Iterator
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
    from authkeep.sdk._sync.client import ManagementClient

T = TypeVar("T")


class Pager(Generic[T]):
    """Items of every page of a list, fetched lazily one page at a time.

    Iterating yields items; `pages()` yields `Page` objects. `total` holds the latest
    `Total-Number` header (`None` until the first page is fetched, or when the endpoint does not
    send it). The next page is requested only when the server announces one (`Link rel="next"`,
    vetoed by `Total-Number`), so a walk never asks for a page past the end.
    """

    def __init__(
        self,
        client: ManagementClient,
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

    def __iter__(self) -> Iterator[T]:
        return self._items()

    def _items(self) -> Iterator[T]:
        for page in self.pages():
            yield from page.items

    def pages(self) -> Iterator[Page[T]]:
        """Each page in turn, from the first."""
        page = self.first_page()
        yield page
        while page.next_url is not None:
            page = self._fetch(page.next_url, None, page.number + 1)
            yield page

    def first_page(self) -> Page[T]:
        """Only the first page (sets `total`)."""
        return self._fetch(self._path, self._params, 1)

    def to_list(self) -> list[T]:
        """Every item of every page."""
        return [item for item in self]

    def _fetch(self, url: str | httpx.URL, params: dict[str, Any] | None, number: int) -> Page[T]:
        response = self._client.request("GET", url, params=params)
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
