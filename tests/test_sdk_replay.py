"""SDK against Logto's own recorded responses, replayed by a real HTTP server.

The transcripts live in ../shared/logto-reference/observed-probe.txt and observed-errors.txt
(captured from Logto OSS). They show what the SDK must cope with on a real Logto: `Link` URLs
without the `/api` prefix (and with Logto's own origin), Logto's error bodies, plain-text 404s
and the token endpoint's OAuth errors.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from authkeep.sdk import LogtoError, OAuthError, Retry
from tests import sdk_replay
from tests.sdk_flavors import FLAVORS, call, close, collect, make, run
from tests.sdk_http import ScriptedServer, scripted_server
from tests.sdk_replay import Recording

pytestmark = pytest.mark.skipif(
    not sdk_replay.available(),
    reason=f"Logto's recorded responses are not at {sdk_replay.REFERENCE} (../shared next to the repo)",
)

CLIENT_ID = "rll9hsanvhmmmahz3682x"  # the app in the recording


@pytest.fixture(scope="module")
def recorded() -> dict[str, Recording]:
    return sdk_replay.load()


@pytest.fixture
def logto(recorded: dict[str, Recording]) -> Iterator[ScriptedServer]:
    """A replay of the recorded Logto: each route answers with its recorded response."""
    for server in scripted_server():
        first, second = sdk_replay.users_pages(recorded)
        server.on("POST", "/oidc/token", recorded["2"].reply())
        server.on("GET", "/api/users", recorded["5"].reply())
        server.on("GET", "/api/users", first, query={"page": "1", "page_size": "2"})
        server.on("GET", "/api/users", second, query={"page": "2", "page_size": "2"})
        server.on("GET", "/api/users", recorded["E5"].reply(), query={"page": "0"})
        server.on("GET", "/api/applications", recorded["7"].reply())
        server.on("GET", "/api/users/does-not-exist", recorded["E3"].reply())
        server.on("GET", "/api/applications/does-not-exist", recorded["E6"].reply())
        server.on("GET", "/api/no-such-route", recorded["E7"].reply())

        def create_user(seen: Any) -> Any:
            body = seen.json()
            if not isinstance(body, dict):
                return recorded["E4c"].reply()
            if body.get("username") == "alice":
                return recorded["E4d"].reply()
            if body.get("primaryEmail") == "not-an-email":
                return recorded["E4b"].reply()
            return recorded["E4"].reply()

        server.on("POST", "/api/users", create_user)
        yield server


def _mgmt(flavor: str, server: ScriptedServer, **options: Any) -> tuple[Any, Any]:
    options.setdefault("retry", Retry(total=1, backoff_factor=0.01))
    return make(flavor, server.url, CLIENT_ID, "<client-secret>", **options)


def test_recordings_parse(recorded: dict[str, Recording]) -> None:
    assert {"1", "2", "5", "6", "6b", "7", "E1", "E4", "E7", "E8", "E9"} <= set(recorded)
    assert (
        recorded["6"].header_values("Link")[-1]
        == '<http://localhost:3001/users?page=2&page_size=2>; rel="next"'
    )
    assert recorded["E7"].body == "Not Found" and recorded["E8"].status == 401


@pytest.mark.parametrize("flavor", FLAVORS)
def test_token_response_and_request(flavor: str, logto: ScriptedServer) -> None:
    async def body() -> None:
        mgmt, _ = _mgmt(flavor, logto)
        token = await call(mgmt.client_credentials.get_access_token())
        assert (token.value, token.scope) == ("<access-token>", "all")
        form = logto.requests_to("/oidc/token")[0].form
        assert (
            form["client_id"] == CLIENT_ID and form["resource"] == "https://default.logto.app/api"
        )
        await close(mgmt)

    run(body)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_paging_follows_logto_links_without_api_prefix(flavor: str, logto: ScriptedServer) -> None:
    async def body() -> None:
        mgmt, _ = _mgmt(flavor, logto)
        pager = mgmt.api.users.iterate(page_size=2)
        users = await collect(pager)
        assert [u["username"] for u in users] == ["carol", "bob", "alice"]
        assert pager.total == 3
        # both pages were fetched under /api on the configured origin, never /users or :3001
        pages = [s for s in logto.seen if s.method == "GET"]
        assert [(s.path, s.query) for s in pages] == [
            ("/api/users", {"page": ["1"], "page_size": ["2"]}),
            ("/api/users", {"page": ["2"], "page_size": ["2"]}),
        ]
        # typed fields of the recorded user objects
        alice = users[2]
        assert alice["primaryEmail"] == "alice@example.com" and alice["isSuspended"] is False
        assert alice["createdAt"] == 1795458202854 and alice["customData"] == {}
        # page 1 without page_size: Link has first/last only, so one request
        first = await call(mgmt.api.users.iterate().first_page())
        assert (len(first.items), first.total, first.next_url) == (3, 3, None)
        await close(mgmt)

    run(body)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_lists_parse(flavor: str, logto: ScriptedServer) -> None:
    async def body() -> None:
        mgmt, _ = _mgmt(flavor, logto)
        users = await call(mgmt.api.users.list())
        assert [u["id"] for u in users] == ["b1yh5wd5os57", "ry8tw263swxy", "lxm7ks6g2il4"]
        apps = await call(mgmt.api.applications.list())
        assert apps[0]["type"] == "MachineToMachine" and apps[0]["id"] == CLIENT_ID
        assert apps[0]["oidcClientMetadata"] == {"redirectUris": [], "postLogoutRedirectUris": []}
        await close(mgmt)

    run(body)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_error_bodies(flavor: str, logto: ScriptedServer) -> None:
    async def body() -> None:
        mgmt, _ = _mgmt(flavor, logto)

        async def error(request: Callable[[], Any]) -> LogtoError:
            with pytest.raises(LogtoError) as info:
                await call(request())
            return info.value

        err = await error(lambda: mgmt.api.users.get("does-not-exist"))
        assert (err.status, err.code, err.message) == (
            404,
            "entity.not_found",
            "The resource does not exist.",
        )
        err = await error(lambda: mgmt.api.applications.get("does-not-exist"))
        assert err.code == "entity.not_exists_with_id"
        assert err.message == "The applications with ID `does-not-exist` does not exist."
        err = await error(lambda: mgmt.api.users.create({"username": 123}))  # type: ignore[typeddict-item]
        assert (err.status, err.code) == (400, "guard.invalid_input")
        assert err.data["issues"][0]["path"] == ["username"] and err.data["name"] == "ZodError"
        assert (
            err.details
            == 'Error in key path "username": (invalid_type) Expected string but received number.'
        )
        err = await error(lambda: mgmt.api.users.create({"primaryEmail": "not-an-email"}))
        assert err.data["issues"][0]["validation"] == "regex"
        err = await error(lambda: mgmt.api.users.create({"username": "alice"}))
        assert (err.status, err.code) == (422, "user.username_already_in_use")
        err = await error(lambda: mgmt.api.post("/api/users", json=["not", "an", "object"]))
        assert (err.status, err.code, err.message) == (400, None, "Unexpected end of JSON input")
        err = await error(lambda: mgmt.api.users.list(page=0))
        assert (err.status, err.code) == (400, "guard.invalid_pagination")
        err = await error(lambda: mgmt.api.get("/api/no-such-route"))
        assert (err.status, err.code, err.message) == (404, None, "Not Found")
        assert str(err) == "404: Not Found"
        await close(mgmt)

    run(body)


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize("key", ["E1", "E2", "E2b", "E2c"])
def test_recorded_401s_refresh_once_then_raise(
    flavor: str, key: str, logto: ScriptedServer, recorded: dict[str, Recording]
) -> None:
    logto.on("GET", "/api/users", recorded[key].reply())

    async def body() -> None:
        mgmt, transport = _mgmt(flavor, logto)
        with pytest.raises(LogtoError) as info:
            await call(mgmt.api.users.list())
        assert info.value.status == 401 and info.value.code == recorded[key].json()["code"]
        assert info.value.data == recorded[key].json().get("data")
        assert transport.token_requests == 2 and len(logto.requests_to("/api/users")) == 2
        await close(mgmt)

    run(body)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_recorded_token_errors(
    flavor: str, logto: ScriptedServer, recorded: dict[str, Recording]
) -> None:
    async def body() -> None:
        for key, status, error, description in [
            ("E8", 401, "invalid_client", "client authentication failed"),
            ("E9", 400, "invalid_target", "resource indicator is missing, or unknown"),
        ]:
            logto.on("POST", "/oidc/token", recorded[key].reply())
            mgmt, _ = _mgmt(flavor, logto, auth_method="client_secret_basic")
            with pytest.raises(OAuthError) as info:
                await call(mgmt.api.users.list())
            err = info.value
            assert (err.status, err.error, err.error_description) == (status, error, description)
            assert err.code == f"oidc.{error}" and err.message
            await close(mgmt)
        basic = logto.requests_to("/oidc/token")[-1].headers["authorization"]
        assert (
            base64.b64decode(basic.removeprefix("Basic ")).decode()
            == f"{CLIENT_ID}:<client-secret>"
        )

    run(body)
