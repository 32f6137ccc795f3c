"""I/O-free logic shared by the sync and async clients.

Everything that decides *what* to send or *how* to read an answer lives here; the `_async` and
(generated) `_sync` packages only move bytes. That keeps the twins identical in behaviour.
"""

from __future__ import annotations

import math
import random
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import quote

import httpx

from authkeep import __version__
from authkeep.sdk._errors import LogtoError, OAuthError

T = TypeVar("T")

MANAGEMENT_API_SCOPE = "all"
DEFAULT_LEEWAY = 60.0
DEFAULT_PAGE_SIZE = 20
DEFAULT_TIMEOUT = 30.0
USER_AGENT = f"authkeep-sdk-python/{__version__}"

AuthMethod = Literal["client_secret_post", "client_secret_basic"]
SearchMode = Literal["exact", "like", "similar_to", "posix"]
ParamValue = str | int | float | bool | Sequence[str | int | float | bool] | None
Params = Mapping[str, ParamValue]


def cloud_base_url(tenant_id: str) -> str:
    """Logto Cloud's endpoint for a tenant, as `@logto/api` computes it."""
    return f"https://{tenant_id}.logto.app"


def cloud_api_indicator(tenant_id: str) -> str:
    """Logto Cloud's Management API resource indicator (OSS always uses `default`)."""
    return f"{cloud_base_url(tenant_id)}/api"


# --------------------------------------------------------------------------------------------
# Access tokens


@dataclass(frozen=True, slots=True)
class AccessToken:
    """A cached Management API access token. `expires_at` is epoch seconds."""

    value: str = field(repr=False)
    expires_at: float
    scope: str | None = None

    def expires_within(self, seconds: float, now: float) -> bool:
        """True when the token is expired or expires within `seconds` (as `@logto/api`: `<=`)."""
        return self.expires_at <= now + seconds


@dataclass(frozen=True, slots=True)
class TokenRequest:
    data: dict[str, str]
    auth: tuple[str, str] | None


def build_token_request(
    client_id: str,
    client_secret: str,
    *,
    resource: str | None,
    scope: str | None,
    auth_method: AuthMethod,
    extra: Mapping[str, str] | None = None,
) -> TokenRequest:
    """The form of a `client_credentials` grant (`@logto/api` sends credentials in the body)."""
    data = {"grant_type": "client_credentials"}
    auth: tuple[str, str] | None = None
    if auth_method == "client_secret_post":
        data["client_id"] = client_id
        data["client_secret"] = client_secret
    elif auth_method == "client_secret_basic":
        auth = (client_id, client_secret)
    else:
        raise ValueError(f"unknown auth_method {auth_method!r}")
    if resource:
        data["resource"] = resource
    if scope:
        data["scope"] = scope
    data.update(extra or {})
    return TokenRequest(data, auth)


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        return None


def oauth_error(response: httpx.Response) -> OAuthError:
    body = _json_or_none(response)
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        description = body.get("error_description")
        return OAuthError(
            body["error"],
            description if isinstance(description, str) else None,
            response.status_code,
            code=body.get("code") if isinstance(body.get("code"), str) else None,
            message=body.get("message") if isinstance(body.get("message"), str) else None,
            response=response,
        )
    text = response.text.strip()[:500]
    return OAuthError(
        "invalid_token_response",
        f"{response.status_code} {response.reason_phrase}" + (f": {text}" if text else ""),
        response.status_code,
        response=response,
    )


def parse_token_response(response: httpx.Response, now: float) -> AccessToken:
    """Read a token response the way `@logto/api` does, or raise `OAuthError`."""
    if not response.is_success:
        raise oauth_error(response)
    body = _json_or_none(response)
    if not isinstance(body, dict) or "access_token" not in body:
        raise OAuthError(
            "invalid_token_response",
            "token response has no access_token",
            response.status_code,
            response=response,
        )
    expires_in = body.get("expires_in")
    if isinstance(expires_in, bool) or not isinstance(expires_in, int | float):
        raise OAuthError(
            "invalid_token_response",
            "token response has no numeric expires_in",
            response.status_code,
            response=response,
        )
    scope = body.get("scope")
    return AccessToken(
        value=str(body["access_token"]),
        expires_at=math.floor(now) + float(expires_in),
        scope=scope if isinstance(scope, str) else None,
    )


def scope_warning_text(granted: str | None, expected: str) -> str:
    return (
        f"The token endpoint granted scope {granted!r}, not {expected!r}; Management API calls "
        "will likely fail with 403 auth.forbidden. Assign the M2M app a role that holds the "
        "Management API's `all` permission."
    )


# --------------------------------------------------------------------------------------------
# Requests and responses


def api_url(base_url: str, path: str) -> str:
    """`base_url` + an OpenAPI path such as `/api/users` (a base URL may carry a path prefix)."""
    if path.startswith(("http://", "https://")):
        raise ValueError("pass a path such as '/api/users', not an absolute URL")
    if not path.startswith("/"):
        path = "/" + path
    return base_url.rstrip("/") + path


def segment(value: str) -> str:
    """Quote one path parameter, so an id can never change the path."""
    if not value:
        raise ValueError("path parameters must not be empty")
    return quote(value, safe="")


def _param(value: str | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def clean_params(params: Params | None) -> dict[str, str | list[str]]:
    """Drop `None`, render booleans as Logto expects, keep lists as repeated keys."""
    out: dict[str, str | list[str]] = {}
    for key, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, str | int | float | bool):
            out[key] = _param(value)
        else:
            out[key] = [_param(v) for v in value]
    return out


def decode_body(response: httpx.Response) -> Any:
    """JSON of a successful response; `None` for 204, empty bodies and non-JSON bodies.

    Logto answers some relation writes with a `text/plain` reason phrase (`Created`, `OK`);
    those carry no data, so they decode to `None` instead of failing as in openapi-fetch.
    """
    if response.status_code == 204 or not response.content:
        return None
    content_type = response.headers.get("content-type", "")
    if "json" not in content_type:
        return None
    return response.json()


def logto_error(response: httpx.Response) -> LogtoError:
    body = _json_or_none(response)
    if isinstance(body, dict):
        code = body.get("code")
        message = body.get("message")
        details = body.get("details")
        if not isinstance(message, str):
            # Token-endpoint style bodies reaching here still say something useful.
            message = body.get("error_description") or body.get("error") or response.reason_phrase
        return LogtoError(
            response.status_code,
            code if isinstance(code, str) else None,
            str(message),
            body.get("data"),
            details if isinstance(details, str) else None,
            response=response,
        )
    text = response.text.strip()
    return LogtoError(
        response.status_code,
        None,
        text[:500] if text else response.reason_phrase,
        response=response,
    )


# --------------------------------------------------------------------------------------------
# Retries


IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_RETRYABLE_ERRORS = (httpx.NetworkError, httpx.TimeoutException, httpx.RemoteProtocolError)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """`Retry-After` as seconds to wait: delta-seconds or an HTTP date; `None` if unusable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


@dataclass(frozen=True)
class Retry:
    """When and how long to wait before repeating a request.

    - 429 honours `Retry-After` (seconds or date) up to `retry_after_max`; a longer demand
      is not waited out: the 429 is raised as `LogtoError` at once. Without the header the
      exponential backoff applies.
    - Connection errors, timeouts and the `statuses` (502/503/504) back off exponentially:
      `backoff_factor * 2**n`, capped at `backoff_max`, plus up to `jitter` of it at random.
    - Only `methods` (idempotent by HTTP) are repeated. POST/PATCH are repeated only when the
      request carries an `Idempotency-Key` header.
    - `total` bounds the number of repeats (not counting the one refresh-and-retry after 401).
    """

    total: int = 3
    backoff_factor: float = 0.5
    backoff_max: float = 10.0
    retry_after_max: float = 60.0
    jitter: float = 0.1
    statuses: frozenset[int] = frozenset({502, 503, 504})
    methods: frozenset[str] = IDEMPOTENT_METHODS

    def allows(self, method: str, headers: Mapping[str, str] | httpx.Headers) -> bool:
        if method.upper() in self.methods:
            return True
        return any(key.lower() == "idempotency-key" for key in headers)

    def backoff(self, retry_number: int) -> float:
        base = min(self.backoff_max, self.backoff_factor * 2.0 ** max(0, retry_number - 1))
        return base + random.uniform(0, base * self.jitter) if self.jitter else base

    def delay_after_error(self, retry_number: int, error: Exception) -> float | None:
        """Seconds to wait before repeat number `retry_number` after `error`, or `None`."""
        if retry_number > self.total or not isinstance(error, _RETRYABLE_ERRORS):
            return None
        return self.backoff(retry_number)

    def delay_after_response(self, retry_number: int, response: httpx.Response) -> float | None:
        """Seconds to wait before repeat number `retry_number` after `response`, or `None`."""
        status = response.status_code
        if retry_number > self.total or (status != 429 and status not in self.statuses):
            return None
        after = parse_retry_after(response.headers.get("retry-after"))
        if after is None:
            return self.backoff(retry_number)
        if after > self.retry_after_max:
            return None
        return after


NO_RETRY = Retry(total=0)


# --------------------------------------------------------------------------------------------
# Paging


_LINK = re.compile(r"<([^>]*)>([^<]*)")
_REL = re.compile(r""";\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))""", re.IGNORECASE)


def parse_links(values: Sequence[str]) -> dict[str, str]:
    """`Link` header lines (Logto sends one per relation) → `{rel: url}`; first one wins."""
    links: dict[str, str] = {}
    for value in values:
        for match in _LINK.finditer(value):
            url, params = match.group(1).strip(), match.group(2)
            for rel_match in _REL.finditer(params):
                for rel in (rel_match.group(1) or rel_match.group(2) or "").split():
                    links.setdefault(rel.lower(), url)
    return links


def parse_total(headers: httpx.Headers) -> int | None:
    raw = headers.get("total-number")
    if raw is None:
        return None
    try:
        return int(raw.strip())
    except ValueError:
        return None


def resolve_link(request_url: httpx.URL, link: str) -> httpx.URL:
    """Turn a paging `Link` URL into the URL to request next.

    Logto builds links from the path *inside* its `/api` mount, so a request to
    `/api/users` gets `<http://host/users?page=2>`. Links are therefore read for their
    query only when their path is the request path or a suffix of it, and always sent to the
    origin the SDK is configured with: a link never redirects the bearer token elsewhere,
    and a proxy's internal origin (`http://localhost:3001`) does not leak into requests.
    """
    target = request_url.join(link)
    path = _encoded_path(target)
    ours = _encoded_path(request_url)
    if path != ours and path.startswith(b"/") and ours.endswith(path):
        path = ours
    raw = path + (b"?" + target.query if target.query else b"")
    return request_url.copy_with(raw_path=raw)


def _encoded_path(url: httpx.URL) -> bytes:
    """The path as sent on the wire (`%2F` inside an id stays `%2F`)."""
    return url.raw_path.partition(b"?")[0]


def _int_param(url: httpx.URL, name: str, default: int) -> int:
    try:
        return int(url.params.get(name, default))
    except ValueError:
        return default


def next_page_url(
    request_url: httpx.URL, headers: httpx.Headers, item_count: int
) -> httpx.URL | None:
    """The next page to fetch, or `None` at the end; never a page past the last one.

    `Link rel="next"` decides when present, and `Total-Number` vetoes a page past the end.
    When a server (or proxy) sends `Total-Number` but no `Link`, the next page number is
    derived from it. With neither header the endpoint is not paginated: there is no next page.
    """
    if item_count == 0:
        return None
    page = _int_param(request_url, "page", 1)
    page_size = _int_param(request_url, "page_size", DEFAULT_PAGE_SIZE)
    total = parse_total(headers)
    if total is not None and page * page_size >= total:
        return None
    links = parse_links(headers.get_list("link"))
    if "next" in links:
        target = resolve_link(request_url, links["next"])
        return None if target == request_url else target
    if links or total is None:
        return None
    return request_url.copy_set_param("page", str(page + 1))


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its items, its number and Logto's `Total-Number` header."""

    items: list[T]
    number: int
    total: int | None
    next_url: httpx.URL | None


# --------------------------------------------------------------------------------------------
# Search


@dataclass(frozen=True)
class Search:
    """Logto's advanced search for `GET /api/users`, `/api/applications`, `/api/roles`, ….

    `like` (the default mode) has **no implicit wildcards**: `Search("alice")` matches only
    the exact name "alice" (case-insensitively). Use `%`: `Search("%alice%")`, or
    `Search.contains("alice")`.

    - `text`: the general `search=` value, matched against every searchable field (OR).
    - `fields`: `search.<field>=` values, e.g. `{"primaryEmail": "%@example.com"}`; a list
      gives several values (only allowed in `exact` mode).
    - `mode` / `field_modes`: `exact`, `like`, `similar_to` (needs `case_sensitive=True`),
      `posix`.
    - `joint`: how items combine, `"or"` (Logto's default) or `"and"`.
    """

    text: str | None = None
    fields: Mapping[str, str | Sequence[str]] = field(default_factory=dict)
    mode: SearchMode | None = None
    field_modes: Mapping[str, SearchMode] = field(default_factory=dict)
    joint: Literal["and", "or"] | None = None
    case_sensitive: bool | None = None

    @classmethod
    def contains(cls, text: str, *fields: str, case_sensitive: bool | None = None) -> Search:
        """Substring search (`%text%`) over `fields`, or over every searchable field."""
        pattern = f"%{text}%"
        if not fields:
            return cls(text=pattern, case_sensitive=case_sensitive)
        return cls(fields={name: pattern for name in fields}, case_sensitive=case_sensitive)

    def to_params(self) -> dict[str, str | list[str]]:
        params: dict[str, str | list[str]] = {}
        if self.text is not None:
            params["search"] = self.text
        for name, value in self.fields.items():
            params[f"search.{name}"] = value if isinstance(value, str) else list(value)
        if self.mode is not None:
            params["mode"] = self.mode
        for name, mode in self.field_modes.items():
            params[f"mode.{name}"] = mode
        if self.joint is not None:
            params["joint"] = self.joint
        if self.case_sensitive is not None:
            params["isCaseSensitive"] = "true" if self.case_sensitive else "false"
        return params


def search_params(search: Search | str | None) -> dict[str, str | list[str]]:
    if search is None:
        return {}
    if isinstance(search, str):
        return {"search": search}
    return search.to_params()
