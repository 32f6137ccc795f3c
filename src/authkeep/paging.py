"""Logto's `page`/`page_size` paging with `Total-Number` and `Link` headers (logto-facts §7).

Unlike Logto, Link URLs keep the `/api` prefix so they resolve (docs/compatibility.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus

from starlette.requests import Request
from starlette.responses import Response

from authkeep.errors import LogtoError
from authkeep.web import JSON_TYPE, dumps

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# A Link echoes the request's query; past this length all Links are left out (Total-Number still
# says how many pages there are), so a long search cannot inflate the response head.
MAX_LINK_LENGTH = 2048


@dataclass(frozen=True)
class Page:
    page: int
    size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    @property
    def limit(self) -> int:
        return self.size


MAX_PAGE = 2**31


def _bad(name: str, maximum: int) -> LogtoError:
    # Logto's error carries no more than the code; the allowed range goes in `details`.
    details = f"`{name}` must be a whole number from 1 to {maximum}."
    return LogtoError("guard.invalid_pagination", 400, details=details)


def _positive(raw: str | None, name: str, default: int, maximum: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        number = float(raw)
    except ValueError:
        raise _bad(name, maximum) from None
    # Logto lets 1.5 through to SQL; a page must be a whole number, so we refuse it.
    if not math.isfinite(number) or number <= 0 or number != int(number) or number > maximum:
        raise _bad(name, maximum)
    return int(number)


def parse_page(request: Request, optional: bool = False) -> Page | None:
    """`None` means "no paging requested" on the routes where Logto makes paging optional."""
    q = request.query_params
    raw_page, raw_size = q.get("page"), q.get("page_size")
    if optional and not raw_page and not raw_size:
        return None
    return Page(
        _positive(raw_page, "page", 1, MAX_PAGE), _positive(raw_size, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    )


def _link_maker(request: Request) -> Callable[[int], str]:
    """Links keep the request's query with only `page` replaced (in place, or appended)."""
    parts = []
    page_at = -1
    for key, value in parse_qsl(request.url.query, keep_blank_values=True):
        if key == "page":
            page_at = len(parts)
        parts.append(f"{quote_plus(key)}={quote_plus(value)}")
    if page_at < 0:
        page_at = len(parts)
        parts.append("")
    # The path goes back out percent-encoded as it came in; a decoded `%00` would break the header.
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1") if raw else quote(request.url.path, safe="/:@!$&'()*+,;=-._~")
    base = f"{request.url.scheme}://{request.url.netloc}{path}?"
    head, tail = "&".join(parts[:page_at]), "&".join(parts[page_at + 1 :])
    head = head + "&" if head else ""
    tail = "&" + tail if tail else ""
    return lambda page: f"<{base}{head}page={page}{tail}>"


def paged(request: Request, items: Any, total: int, page: Page | None, status: int = 200) -> Response:
    """A JSON list response, with paging headers when paging is on."""
    response = Response(dumps(items), status_code=status, media_type=JSON_TYPE)
    if page is None:
        return response
    headers = response.headers
    headers["Total-Number"] = str(total)
    last = max(1, math.ceil(total / page.size))
    link = _link_maker(request)
    if len(link(max(last, page.page + 1))) > MAX_LINK_LENGTH:
        return response
    headers.append("Link", f'{link(1)}; rel="first"')
    if page.page > 1:
        headers.append("Link", f'{link(page.page - 1)}; rel="prev"')
    headers.append("Link", f'{link(last)}; rel="last"')
    if page.page < last:
        headers.append("Link", f'{link(page.page + 1)}; rel="next"')
    return response
