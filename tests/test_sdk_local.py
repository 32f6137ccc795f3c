"""SDK against a scripted HTTP server on a real socket: retries, 429, 401 refresh, token errors.

Every scenario runs against both twins (sync and async) through tests/sdk_flavors.py.
"""

from __future__ import annotations

import base64
import time
import warnings
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from authkeep.sdk import (
    NO_RETRY,
    LogtoError,
    OAuthError,
    Retry,
    ScopeWarning,
    create_async_management_api,
    create_management_api,
)
from tests.sdk_flavors import FLAVORS, call, close, make, run
from tests.sdk_http import (
    DROP,
    Reply,
    ScriptedServer,
    Seen,
    closed_port_url,
    json_reply,
    scripted_server,
    token_reply,
)

FAST = Retry(total=3, backoff_factor=0.01, jitter=0)
UNAUTHORIZED = json_reply(
    401,
    {
        "code": "auth.unauthorized",
        "data": {"code": "ERR_JWS_INVALID", "name": "JWSInvalid"},
        "message": "Unauthorized. Please check credentials and its scope.",
    },
)


@pytest.fixture
def fake() -> Iterator[ScriptedServer]:
    yield from scripted_server()


def _mgmt(flavor: str, fake: ScriptedServer, **options: Any) -> tuple[Any, Any]:
    options.setdefault("retry", FAST)
    return make(flavor, fake.url, "app-id", "app-secret", **options)


def test_cloud_defaults_follow_logto_api() -> None:
    mgmt = create_management_api("acme", client_id="i", client_secret="s")
    assert mgmt.api.base_url == "https://acme.logto.app"
    assert mgmt.client_credentials.token_endpoint == "https://acme.logto.app/oidc/token"
    assert mgmt.client_credentials.resource == "https://acme.logto.app/api"
    assert mgmt.client_credentials.scope == "all" and mgmt.client_credentials.leeway == 60
    api, credentials = mgmt  # unpacks like the Node SDK's {apiClient, clientCredentials}
    assert api is mgmt.api and credentials is mgmt.client_credentials
    mgmt.close()
    oss = create_async_management_api(
        "default",
        client_id="i",
        client_secret="s",
        base_url="https://auth.example.com/",
        api_indicator="https://default.logto.app/api",
    )
    assert oss.client_credentials.token_endpoint == "https://auth.example.com/oidc/token"
    assert oss.client_credentials.resource == "https://default.logto.app/api"
    assert "app-secret" not in repr(oss.client_credentials)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_credentials_in_body_by_default_or_basic(flavor: str, fake: ScriptedServer) -> None:
    fake.on("POST", "/oidc/token", token_reply())
    fake.on("GET", "/api/users", json_reply(200, []))

    async def body() -> None:
        for method in ("client_secret_post", "client_secret_basic"):
            mgmt, _ = _mgmt(flavor, fake, auth_method=method)
            token = await call(mgmt.client_credentials.get_access_token())
            assert token.value == "tok" and token.scope == "all"
            await close(mgmt)
        post, basic = fake.requests_to("/oidc/token")
        assert post.headers["content-type"] == "application/x-www-form-urlencoded"
        assert post.form == {
            "grant_type": "client_credentials",
            "client_id": "app-id",
            "client_secret": "app-secret",
            "resource": "https://default.logto.app/api",
            "scope": "all",
        }
        assert "authorization" not in post.headers
        assert (
            basic.headers["authorization"]
            == "Basic " + base64.b64encode(b"app-id:app-secret").decode()
        )
        assert "client_secret" not in basic.form and basic.form["scope"] == "all"

    run(body)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_token_is_cached_and_sent_as_bearer(flavor: str, fake: ScriptedServer) -> None:
    fake.on("POST", "/oidc/token", token_reply("cached"))
    fake.on("GET", "/api/users", json_reply(200, [{"id": "u1"}]))

    async def body() -> None:
        mgmt, transport = _mgmt(flavor, fake)
        for _ in range(5):
            assert await call(mgmt.api.get("/api/users")) == [{"id": "u1"}]
        assert transport.token_requests == 1
        assert {s.headers["authorization"] for s in fake.requests_to("/api/users")} == {
            "Bearer cached"
        }
        await close(mgmt)

    run(body)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_scope_other_than_all_warns(flavor: str, fake: ScriptedServer) -> None:
    fake.on("POST", "/oidc/token", token_reply(scope=None))

    async def body() -> None:
        mgmt, _ = _mgmt(flavor, fake)
        with pytest.warns(ScopeWarning, match="granted scope None"):
            await call(mgmt.client_credentials.get_access_token())
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            await call(mgmt.client_credentials.get_access_token())  # cached: no second warning
        await close(mgmt)

    run(body)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_401_refreshes_once_and_retries(flavor: str, fake: ScriptedServer) -> None:
    """The server rotated its keys: the cached token is refused, a fresh one works."""
    fake.on("POST", "/oidc/token", token_reply("old"), token_reply("new"))

    def users(seen: Seen) -> Reply:
        if seen.headers.get("authorization") == "Bearer new":
            return json_reply(200, [])
        return UNAUTHORIZED

    fake.on("GET", "/api/users", users)

    async def body() -> None:
        mgmt, transport = _mgmt(flavor, fake)
        assert await call(mgmt.api.users.list()) == []
        assert transport.token_requests == 2
        assert [s.headers["authorization"] for s in fake.requests_to("/api/users")] == [
            "Bearer old",
            "Bearer new",
        ]
        assert (await call(mgmt.client_credentials.get_access_token())).value == "new"
        await close(mgmt)

    run(body)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_persistent_401_raises_after_one_refresh(flavor: str, fake: ScriptedServer) -> None:
    fake.on("POST", "/oidc/token", token_reply())
    fake.on("GET", "/api/users", UNAUTHORIZED)

    async def body() -> None:
        mgmt, transport = _mgmt(flavor, fake)
        with pytest.raises(LogtoError) as info:
            await call(mgmt.api.users.list())
        assert (info.value.status, info.value.code) == (401, "auth.unauthorized")
        assert info.value.data == {"code": "ERR_JWS_INVALID", "name": "JWSInvalid"}
        assert transport.token_requests == 2 and len(fake.requests_to("/api/users")) == 2
        await close(mgmt)

    run(body)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_token_endpoint_errors_are_oauth_errors(flavor: str, fake: ScriptedServer) -> None:
    fake.on(
        "POST",
        "/oidc/token",
        json_reply(
            401,
            {
                "code": "oidc.invalid_client",
                "message": "An OIDC error occurred: oidc.invalid_client.",
                "error": "invalid_client",
                "error_description": "client authentication failed",
            },
        ),
    )

    async def body() -> None:
        mgmt, transport = _mgmt(flavor, fake)
        with pytest.raises(OAuthError) as info:
            await call(mgmt.api.users.list())
        err = info.value
        assert (err.error, err.error_description, err.status, err.code) == (
            "invalid_client",
            "client authentication failed",
            401,
            "oidc.invalid_client",
        )
        assert not isinstance(err, LogtoError)
        assert transport.api_requests() == 0 and transport.token_requests == 1  # 401 is final
        await close(mgmt)

    run(body)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_429_waits_for_retry_after(flavor: str, fake: ScriptedServer) -> None:
    limited = json_reply(
        429,
        {"code": "request.rate_limited", "message": "Too many requests."},
        ("Retry-After", "1"),
    )
    fake.on("POST", "/oidc/token", token_reply())
    fake.on("GET", "/api/applications", limited, json_reply(200, [{"id": "a"}]))

    async def body() -> None:
        mgmt, _ = _mgmt(flavor, fake)
        await call(mgmt.client_credentials.get_access_token())
        started = time.monotonic()
        assert await call(mgmt.api.applications.list()) == [{"id": "a"}]
        assert time.monotonic() - started >= 0.95
        assert len(fake.requests_to("/api/applications")) == 2
        await close(mgmt)

    run(body)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_429_beyond_the_cap_or_the_budget_is_raised(flavor: str, fake: ScriptedServer) -> None:
    fake.on("POST", "/oidc/token", token_reply())
    fake.on(
        "GET",
        "/api/roles",
        json_reply(429, {"code": "x", "message": "slow down"}, ("Retry-After", "3600")),
    )
    fake.on("GET", "/api/resources", json_reply(429, {"code": "x", "message": "slow down"}))

    async def body() -> None:
        mgmt, _ = _mgmt(flavor, fake, retry=Retry(total=2, backoff_factor=0.01, retry_after_max=30))
        started = time.monotonic()
        with pytest.raises(LogtoError) as info:
            await call(mgmt.api.roles.list())
        assert time.monotonic() - started < 1  # did not sleep for an hour
        assert (info.value.status, info.value.retry_after) == (429, "3600")
        assert len(fake.requests_to("/api/roles")) == 1
        # without Retry-After: exponential backoff, bounded by `total`
        with pytest.raises(LogtoError) as info:
            await call(mgmt.api.resources.list())
        assert info.value.status == 429 and len(fake.requests_to("/api/resources")) == 3
        await close(mgmt)

    run(body)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_gateway_errors_are_retried_for_idempotent_requests(
    flavor: str, fake: ScriptedServer
) -> None:
    fake.on("POST", "/oidc/token", token_reply())
    fake.on(
        "GET",
        "/api/users/u1",
        Reply(502, "<html>Bad Gateway</html>", [("Content-Type", "text/html")]),
        Reply(503, "", [("Retry-After", "0")]),
        Reply(504),
        json_reply(200, {"id": "u1"}),
    )
    fake.on("DELETE", "/api/users/u2", Reply(503), Reply(204))
    fake.on("PUT", "/api/organizations/o1/users", Reply(504), Reply(204))
    fake.on("GET", "/api/users/down", Reply(503))
    fake.on("GET", "/api/users/boom", json_reply(500, {"message": "Internal server error."}))

    async def body() -> None:
        mgmt, _ = _mgmt(flavor, fake)
        assert await call(mgmt.api.users.get("u1")) == {"id": "u1"}
        assert len(fake.requests_to("/api/users/u1")) == 4
        assert await call(mgmt.api.users.delete("u2")) is None
        assert await call(mgmt.api.organizations.replace_members("o1", ["u"])) is None
        with pytest.raises(LogtoError) as info:
            await call(mgmt.api.users.get("down"))
        assert info.value.status == 503 and len(fake.requests_to("/api/users/down")) == 4
        with pytest.raises(LogtoError) as info:
            await call(mgmt.api.users.get("boom"))  # 500 is not a gateway error
        assert info.value.status == 500 and len(fake.requests_to("/api/users/boom")) == 1
        await close(mgmt)

    run(body)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_post_and_patch_are_not_retried_without_idempotency_key(
    flavor: str, fake: ScriptedServer
) -> None:
    fake.on("POST", "/oidc/token", token_reply())
    fake.on("POST", "/api/users", Reply(503), json_reply(200, {"id": "new"}))
    fake.on("PATCH", "/api/users/u1", Reply(502), json_reply(200, {"id": "u1"}))
    fake.on(
        "POST", "/api/roles", json_reply(429, {"code": "c", "message": "m"}, ("Retry-After", "0"))
    )
    fake.on("POST", "/api/applications", DROP, json_reply(200, {"id": "app"}))

    async def body() -> None:
        mgmt, _ = _mgmt(flavor, fake)
        with pytest.raises(LogtoError) as info:
            await call(mgmt.api.users.create({"username": "x"}))
        assert info.value.status == 503 and len(fake.requests_to("/api/users", "POST")) == 1
        with pytest.raises(LogtoError):
            await call(mgmt.api.users.update("u1", {"name": "y"}))
        assert len(fake.requests_to("/api/users/u1", "PATCH")) == 1
        with pytest.raises(LogtoError) as info:
            await call(mgmt.api.roles.create({"name": "r", "description": "d"}))
        assert info.value.status == 429 and len(fake.requests_to("/api/roles", "POST")) == 1
        with pytest.raises(httpx.TransportError):
            await call(mgmt.api.applications.create({"name": "a", "type": "SPA"}))
        assert len(fake.requests_to("/api/applications", "POST")) == 1
        await close(mgmt)

    run(body)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_post_with_idempotency_key_is_retried(flavor: str, fake: ScriptedServer) -> None:
    fake.on("POST", "/oidc/token", token_reply())
    fake.on("POST", "/api/users", Reply(503), DROP, json_reply(200, {"id": "new"}))

    async def body() -> None:
        mgmt, _ = _mgmt(flavor, fake)
        created = await call(
            mgmt.api.post("/api/users", json={"username": "x"}, headers={"Idempotency-Key": "k-1"})
        )
        assert created == {"id": "new"}
        seen = fake.requests_to("/api/users", "POST")
        assert len(seen) == 3 and {s.headers["idempotency-key"] for s in seen} == {"k-1"}
        assert all(s.json() == {"username": "x"} for s in seen)
        await close(mgmt)

    run(body)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_dropped_connections_are_retried_for_get(flavor: str, fake: ScriptedServer) -> None:
    fake.on("POST", "/oidc/token", token_reply())
    fake.on("GET", "/api/roles", DROP, DROP, json_reply(200, []))

    async def body() -> None:
        mgmt, _ = _mgmt(flavor, fake)
        assert await call(mgmt.api.roles.list()) == []
        assert len(fake.requests_to("/api/roles")) == 3
        await close(mgmt)

    run(body)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_connection_refused_is_retried_then_raised(flavor: str) -> None:
    async def body() -> None:
        mgmt, transport = make(flavor, closed_port_url(), "i", "s", retry=FAST)
        with pytest.raises(httpx.ConnectError):
            await call(mgmt.api.users.list())
        assert transport.token_requests == 4  # 1 + FAST.total
        await close(mgmt)
        mgmt, transport = make(flavor, closed_port_url(), "i", "s", retry=NO_RETRY)
        with pytest.raises(httpx.ConnectError):
            await call(mgmt.api.users.list())
        assert transport.token_requests == 1
        await close(mgmt)

    run(body)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_bodies_well_known_and_path_safety(flavor: str, fake: ScriptedServer) -> None:
    fake.on("POST", "/oidc/token", token_reply())
    fake.on(
        "POST",
        "/api/roles/r1/users",
        Reply(201, "Created", [("Content-Type", "text/plain; charset=utf-8")]),
    )
    fake.on("GET", "/api/.well-known/sign-in-exp", json_reply(200, {"ok": True}))
    fake.on("GET", "/api/users/a%2Fb", json_reply(200, {"id": "a/b"}))

    async def body() -> None:
        mgmt, transport = _mgmt(flavor, fake)
        assert await call(mgmt.api.get("/api/.well-known/sign-in-exp")) == {"ok": True}
        assert transport.token_requests == 0
        assert "authorization" not in fake.requests_to("/api/.well-known/sign-in-exp")[0].headers
        # Logto's body-less 201 "Created" does not break the client (openapi-fetch throws here)
        assert await call(mgmt.api.roles.assign_users("r1", ["u1"])) is None
        assert fake.requests_to("/api/roles/r1/users")[0].json() == {"userIds": ["u1"]}
        # ids are one path segment, whatever they contain
        assert await call(mgmt.api.users.get("a/b")) == {"id": "a/b"}
        with pytest.raises(ValueError):
            await call(mgmt.api.users.get(""))
        with pytest.raises(ValueError):
            await call(mgmt.api.get("https://elsewhere.example/api/users"))
        await close(mgmt)

    run(body)
