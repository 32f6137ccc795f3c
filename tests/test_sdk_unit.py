"""SDK: the I/O-free rules (links, paging stop, Retry-After, retry policy, search, bodies) and
the packaging guarantees (httpx-only import, generated sync twin up to date)."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest

import authkeep
from authkeep.sdk import AccessToken, LogtoError, OAuthError, Retry, Search
from authkeep.sdk._core import (
    build_token_request,
    decode_body,
    logto_error,
    next_page_url,
    parse_links,
    parse_retry_after,
    parse_token_response,
    resolve_link,
)
from tests import sdk_unasync


def _response(
    status: int, body: object = None, *headers: tuple[str, str], url: str = "http://h/api/x"
) -> httpx.Response:
    content = (
        b""
        if body is None
        else (body.encode() if isinstance(body, str) else json.dumps(body).encode())
    )
    hdrs = list(headers)
    if body is not None and not isinstance(body, str):
        hdrs.append(("content-type", "application/json; charset=utf-8"))
    return httpx.Response(status, headers=hdrs, content=content, request=httpx.Request("GET", url))


# ------------------------------------------------------------------------------ links


def test_parse_links_one_header_per_relation_and_joined() -> None:
    separate = [
        '<http://localhost:3001/users?page=1&page_size=2>; rel="first"',
        '<http://localhost:3001/users?page=2&page_size=2>; rel="last"',
        '<http://localhost:3001/users?page=2&page_size=2>; rel="next"',
    ]
    assert parse_links(separate)["next"] == "http://localhost:3001/users?page=2&page_size=2"
    assert parse_links([", ".join(separate)]) == parse_links(separate)
    assert parse_links(['<a?x=1,2>; rel=next; title="y"']) == {"next": "a?x=1,2"}
    assert parse_links(['<u>; rel="prev next"'])["next"] == "u"


@pytest.mark.parametrize(
    ("request_url", "link", "expected"),
    [
        # Logto: the link's path lacks the /api mount prefix
        (
            "http://127.0.0.1:9/api/users?page=1&page_size=2",
            "http://localhost:3001/users?page=2&page_size=2",
            "http://127.0.0.1:9/api/users?page=2&page_size=2",
        ),
        # behind a path prefix, nested resource
        (
            "https://x.example/logto/api/roles/r1/users?page=1",
            "http://internal:3001/roles/r1/users?page=2&search.name=a%25",
            "https://x.example/logto/api/roles/r1/users?page=2&search.name=a%25",
        ),
        # authkeep: the link keeps /api
        (
            "http://h/api/users?page=1",
            "http://h/api/users?page=2",
            "http://h/api/users?page=2",
        ),
        # an encoded slash inside an id stays one path segment
        (
            "http://h/api/roles/a%2Fb/users?page=1",
            "http://h/roles/a%2Fb/users?page=2",
            "http://h/api/roles/a%2Fb/users?page=2",
        ),
        # relative link
        ("http://h/api/users?page=1", "/users?page=3", "http://h/api/users?page=3"),
        # a link to another origin is sent to our origin: the token never leaves
        (
            "https://t.logto.app/api/users?page=1",
            "https://evil.example/api/users?page=2",
            "https://t.logto.app/api/users?page=2",
        ),
    ],
)
def test_resolve_link(request_url: str, link: str, expected: str) -> None:
    assert str(resolve_link(httpx.URL(request_url), link)) == expected


def _headers(total: int | None, *links: str) -> httpx.Headers:
    pairs = [("Link", link) for link in links]
    if total is not None:
        pairs.append(("Total-Number", str(total)))
    return httpx.Headers(pairs)


def test_next_page_url_stops_at_the_end() -> None:
    url = httpx.URL("http://h/api/users?page=2&page_size=2")
    last = _headers(3, '<http://h/users?page=1&page_size=2>; rel="prev"')
    assert next_page_url(url, last, 1) is None
    # a stray "next" past Total-Number is vetoed
    liar = _headers(4, '<http://h/users?page=3&page_size=2>; rel="next"')
    assert next_page_url(url, liar, 2) is None
    # an empty page ends the walk
    assert next_page_url(url, _headers(None, '<http://h/users?page=3>; rel="next"'), 0) is None
    # a next link pointing at the same page ends the walk
    assert (
        next_page_url(url, _headers(None, '<http://h/users?page=2&page_size=2>; rel="next"'), 2)
        is None
    )


def test_next_page_url_follows_next_or_total() -> None:
    url = httpx.URL("http://h/api/users?page=1&page_size=2")
    with_link = _headers(3, '<http://h/users?page=2&page_size=2>; rel="next"')
    assert str(next_page_url(url, with_link, 2)) == "http://h/api/users?page=2&page_size=2"
    # Total-Number without Link (a proxy dropped it): derive the next page
    assert str(next_page_url(url, _headers(3), 2)) == "http://h/api/users?page=2&page_size=2"
    # neither header: not a paginated endpoint
    assert next_page_url(url, _headers(None), 2) is None


# -------------------------------------------------------------------------- retries


def test_retry_after_parsing() -> None:
    assert parse_retry_after("7") == 7.0
    now = datetime(2030, 1, 1, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(later, now.timestamp()) == pytest.approx(30.0)
    assert (
        parse_retry_after(format_datetime(now - timedelta(seconds=5), usegmt=True), now.timestamp())
        == 0.0
    )
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_retry_policy_decisions() -> None:
    retry = Retry(total=2, backoff_factor=1.0, backoff_max=3.0, retry_after_max=10.0, jitter=0)
    assert retry.allows("GET", {}) and retry.allows("put", {}) and retry.allows("DELETE", {})
    assert not retry.allows("POST", {}) and not retry.allows("PATCH", {})
    assert retry.allows("POST", {"Idempotency-Key": "k1"})
    assert [retry.backoff(n) for n in (1, 2, 3, 4)] == [1.0, 2.0, 3.0, 3.0]
    assert retry.delay_after_response(1, _response(429, None, ("Retry-After", "4"))) == 4.0
    assert retry.delay_after_response(1, _response(429, None, ("Retry-After", "11"))) is None
    assert retry.delay_after_response(1, _response(429)) == 1.0
    assert retry.delay_after_response(2, _response(503)) == 2.0
    assert retry.delay_after_response(3, _response(503)) is None  # out of repeats
    assert retry.delay_after_response(1, _response(500)) is None
    assert retry.delay_after_response(1, _response(404)) is None
    assert retry.delay_after_error(1, httpx.ConnectError("refused")) == 1.0
    assert retry.delay_after_error(1, httpx.ReadTimeout("slow")) == 1.0
    assert retry.delay_after_error(1, httpx.UnsupportedProtocol("ftp")) is None
    jittered = Retry(backoff_factor=1.0, jitter=0.5)
    assert all(1.0 <= jittered.backoff(1) <= 1.5 for _ in range(50))


# ------------------------------------------------------------------- search, bodies


def test_search_params() -> None:
    assert Search("%alice%").to_params() == {"search": "%alice%"}
    search = Search(
        fields={"primaryEmail": "%@example.com", "id": ["a", "b"]},
        field_modes={"id": "exact"},
        joint="and",
        case_sensitive=False,
    )
    assert search.to_params() == {
        "search.primaryEmail": "%@example.com",
        "search.id": ["a", "b"],
        "mode.id": "exact",
        "joint": "and",
        "isCaseSensitive": "false",
    }
    assert Search.contains("bob", "username", "name").to_params() == {
        "search.username": "%bob%",
        "search.name": "%bob%",
    }
    assert Search(mode="similar_to", text="a%", case_sensitive=True).to_params() == {
        "search": "a%",
        "mode": "similar_to",
        "isCaseSensitive": "true",
    }


def test_decode_body() -> None:
    assert decode_body(_response(200, [1])) == [1]
    assert decode_body(_response(204)) is None
    # Logto's body-less relation writes answer a text/plain reason phrase
    created = _response(201, "Created", ("content-type", "text/plain; charset=utf-8"))
    assert decode_body(created) is None


def test_errors_from_bodies() -> None:
    err = logto_error(
        _response(
            400,
            {"code": "guard.invalid_input", "message": "m", "data": {"issues": []}, "details": "d"},
        )
    )
    assert (err.status, err.code, err.message, err.data, err.details) == (
        400,
        "guard.invalid_input",
        "m",
        {"issues": []},
        "d",
    )
    assert str(err) == "400 guard.invalid_input: m"
    plain = logto_error(_response(404, "Not Found", ("content-type", "text/plain")))
    assert (plain.status, plain.code, plain.message) == (404, None, "Not Found")
    assert isinstance(plain, LogtoError)
    html = logto_error(_response(502, ""))
    assert html.message == "Bad Gateway"


def test_token_parsing() -> None:
    token = parse_token_response(
        _response(200, {"access_token": "v", "expires_in": 3600, "scope": "all"}), 1000.7
    )
    assert token == AccessToken("v", 4600.0, "all")
    assert "v" not in repr(token)  # the secret never lands in logs
    assert token.expires_within(60, 4540.0) and not token.expires_within(60, 4539.9)
    assert (
        parse_token_response(_response(200, {"access_token": "v", "expires_in": 60}), 0).scope
        is None
    )
    for body in (
        {"expires_in": 1},
        {"access_token": "v"},
        {"access_token": "v", "expires_in": "3600"},
        [1],
    ):
        with pytest.raises(OAuthError) as info:
            parse_token_response(_response(200, body), 0)
        assert info.value.error == "invalid_token_response"
    with pytest.raises(OAuthError) as info:
        parse_token_response(
            _response(
                400,
                {
                    "error": "invalid_target",
                    "error_description": "x",
                    "code": "oidc.invalid_target",
                },
            ),
            0,
        )
    assert (info.value.error, info.value.error_description, info.value.status, info.value.code) == (
        "invalid_target",
        "x",
        400,
        "oidc.invalid_target",
    )
    with pytest.raises(OAuthError) as info:
        parse_token_response(
            _response(502, "<html>bad gateway</html>", ("content-type", "text/html")), 0
        )
    assert info.value.status == 502 and "bad gateway" in (info.value.error_description or "")


def test_token_request_forms() -> None:
    post = build_token_request(
        "id", "secret", resource="r", scope="all", auth_method="client_secret_post"
    )
    assert post.auth is None
    assert post.data == {
        "grant_type": "client_credentials",
        "client_id": "id",
        "client_secret": "secret",
        "resource": "r",
        "scope": "all",
    }
    basic = build_token_request(
        "id", "secret", resource="r", scope="all", auth_method="client_secret_basic"
    )
    assert basic.auth == ("id", "secret") and "client_secret" not in basic.data
    with pytest.raises(ValueError):
        build_token_request("id", "s", resource=None, scope=None, auth_method="private_key_jwt")  # type: ignore[arg-type]


# ------------------------------------------------------------------------- packaging


def test_sdk_imports_with_only_httpx_and_the_standard_library() -> None:
    """In a fresh isolated interpreter the server's dependencies are blocked, and everything the
    SDK loads beyond what `import httpx` loads by itself (httpx opportunistically imports its CLI
    extras) is the standard library, authkeep, or a non-optional requirement of httpx."""
    probe = textwrap.dedent(
        """
        import importlib.abc, importlib.metadata, json, re, sys

        SERVER_DEPS = {"starlette", "uvicorn", "sqlalchemy", "asyncpg", "aiosqlite", "alembic",
                       "cryptography", "joserfc", "orjson", "pydantic", "pydantic_core", "argon2",
                       "multipart", "python_multipart", "phonenumbers", "bcrypt", "segno"}

        class Blocker(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.partition(".")[0] in SERVER_DEPS:
                    raise ImportError(f"authkeep.sdk must not import {name}")
                return None

        sys.meta_path.insert(0, Blocker())
        import httpx

        before = set(sys.modules)
        import authkeep.sdk
        import authkeep.sdk.types
        from authkeep.sdk import create_async_management_api, create_management_api

        create_management_api("t", client_id="a", client_secret="b").close()
        create_async_management_api("t", client_id="a", client_secret="b")
        def requirements(dist, seen):
            try:
                requires = importlib.metadata.requires(dist) or []
            except importlib.metadata.PackageNotFoundError:
                return seen  # required only on other Pythons, not installed
            seen.add(normal(dist))
            for req in requires:
                name = normal(re.match(r"[A-Za-z0-9._-]+", req).group(0))
                if "extra ==" not in req and name not in seen:
                    requirements(name, seen)
            return seen

        normal = lambda name: re.sub(r"[-_.]+", "-", name).lower()
        httpx_dists = requirements("httpx", set())
        allowed = set(sys.stdlib_module_names) | {"authkeep"}
        for module, dists in importlib.metadata.packages_distributions().items():
            if any(normal(d) in httpx_dists for d in dists):
                allowed.add(module)
        loaded = {m.partition(".")[0] for m in set(sys.modules) - before}
        print(json.dumps(sorted(loaded - allowed)))
        """
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", probe], check=False, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def _httpx_closure() -> set[str]:
    """Top-level modules of httpx and its non-optional requirements, as installed here."""

    def normal(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    def walk(dist: str, seen: set[str]) -> set[str]:
        try:
            requires = importlib.metadata.requires(dist) or []
        except importlib.metadata.PackageNotFoundError:
            return seen  # only required on other Pythons
        seen.add(normal(dist))
        for req in requires:
            match = re.match(r"[A-Za-z0-9._-]+", req)
            if match and "extra ==" not in req and normal(match.group(0)) not in seen:
                walk(match.group(0), seen)
        return seen

    dists = walk("httpx", set())
    return {
        module
        for module, owners in importlib.metadata.packages_distributions().items()
        if any(normal(owner) in dists for owner in owners) and not module.startswith("_")
    }


def test_sdk_runs_from_a_tree_holding_nothing_but_itself_and_httpx(tmp_path: Path) -> None:
    """`python -I -S` (no site-packages) over a directory with `authkeep/__init__.py`,
    `authkeep/sdk/` and httpx's dependency closure: the SDK imports and talks HTTP, so it needs
    no other authkeep module and no server dependency, installed or not."""
    site = tmp_path / "site"
    (site / "authkeep").mkdir(parents=True)
    package = Path(authkeep.__file__).parent
    shutil.copy(package / "__init__.py", site / "authkeep" / "__init__.py")
    shutil.copytree(
        package / "sdk", site / "authkeep" / "sdk", ignore=shutil.ignore_patterns("__pycache__")
    )
    for module in _httpx_closure():
        spec = importlib.util.find_spec(module)
        if spec is None or spec.origin in (None, "built-in", "frozen"):
            continue
        origin = Path(spec.origin)
        source = origin.parent if spec.submodule_search_locations else origin
        (site / source.name).symlink_to(source, target_is_directory=source.is_dir())
    probe = textwrap.dedent(
        """
        import json
        import sys
        sys.path.insert(0, sys.argv[1])
        import threading
        from http.server import BaseHTTPRequestHandler, HTTPServer

        from authkeep.sdk import create_management_api

        class Logto(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["content-length"]))
                self._send(b'{"access_token":"t","expires_in":3600,"token_type":"Bearer","scope":"all"}')

            def do_GET(self):
                assert self.headers["authorization"] == "Bearer t"
                self._send(b'[{"id":"u1"}]')

            def _send(self, body):
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        server = HTTPServer(("127.0.0.1", 0), Logto)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        with create_management_api("default", client_id="i", client_secret="s", base_url=base) as m:
            print([u["id"] for u in m.api.users.list()])
        loaded = sorted({name.partition(".")[0] for name in sys.modules})
        print(json.dumps([m for m in loaded if m not in sys.stdlib_module_names and m != "__main__"]))
        """
    )
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", probe, str(site)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    users, foreign = done.stdout.strip().splitlines()[-2:]
    assert users == "['u1']"
    assert set(json.loads(foreign)) <= {"authkeep"} | _httpx_closure()


def test_generated_sync_twin_is_up_to_date() -> None:
    stale = sdk_unasync.stale()
    assert not stale, f"regenerate with `python -m tests.sdk_unasync`: {stale}"
