"""Every failure tests/test_fuzz.py found, reproduced black-box over HTTP on both backends.

Each test names the fuzzed operation and the request that failed; the fix is in the commit that
added the test.
"""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import unique

# A JSON integer beyond 64 bits. Parsed as a double (as JavaScript does), it is stored by
# PostgreSQL's jsonb as the numeric 11130914309363820000000000, which the stdlib json module
# read back as a Python int that orjson cannot write: a 500 on that write and on every later
# read of the row.
BIG = b"11130914309363820256034816"
BIG_VALUE = 1.113091430936382e25


def _raw(api: httpx.Client, method: str, url: str, body: bytes) -> httpx.Response:
    return api.request(method, url, content=body, headers={"content-type": "application/json"})


def test_user_custom_data_beyond_64_bits(api: httpx.Client) -> None:
    """PATCH /api/users/{userId}/custom-data {"customData": {"n": 11130914309363820256034816}}
    answered 500 on PostgreSQL, and so did every later GET of that user."""
    user = api.post("/api/users", json={"username": unique("big").replace("-", "_")}).json()["id"]
    res = _raw(api, "PATCH", f"/api/users/{user}/custom-data", b'{"customData": {"n": ' + BIG + b"}}")
    assert res.status_code == 200, res.text
    assert res.json() == {"n": BIG_VALUE}
    # A later merge reads the stored value back through the database driver.
    res = api.patch(f"/api/users/{user}/custom-data", json={"customData": {}})
    assert res.status_code == 200, res.text
    assert res.json() == {"n": BIG_VALUE}
    for path in (f"/api/users/{user}", f"/api/users/{user}/custom-data"):
        res = api.get(path)
        assert res.status_code == 200, res.text
    assert api.get(f"/api/users/{user}/custom-data").json() == {"n": BIG_VALUE}


@pytest.mark.parametrize(
    ("create", "patch"),
    [
        ("/api/applications", "PATCH /api/applications/{id}/custom-data"),
        ("/api/organizations", "PATCH /api/organizations/{id}"),
    ],
)
def test_custom_data_beyond_64_bits_elsewhere(api: httpx.Client, create: str, patch: str) -> None:
    """The same number in the other JSON columns a client writes."""
    body = {"name": unique("big")}
    if create == "/api/applications":
        body["type"] = "MachineToMachine"
    made = api.post(create, json=body)
    assert made.status_code < 300, made.text
    entity = made.json()["id"]
    method, path = patch.split(" ")
    data = b'{"n": ' + BIG + b"}"
    res = _raw(api, method, path.format(id=entity), data if path.endswith("custom-data") else b'{"customData": ' + data + b"}")
    assert res.status_code == 200, res.text
    res = api.get(f"{create}/{entity}")
    assert res.status_code == 200, res.text
    assert res.json()["customData"] == {"n": BIG_VALUE}


@pytest.mark.parametrize("path", ["/api/roles/a%0Ab", "/api/applications/a%0A/roles", "/api/users/%0A/roles"])
def test_newline_in_a_path_parameter_is_routed(api: httpx.Client, anon: httpx.Client, path: str) -> None:
    """GET /api/organizations/%0F%F0%93%8E%86%0A%1E/users/... answered a plain-text 404 without
    asking for a token: Starlette's Mount("/api") pattern `.*` stops at a newline."""
    res = anon.get(path)
    assert res.status_code == 401 and res.json()["code"] == "auth.authorization_header_missing"
    res = api.get(path)
    assert res.status_code == 404 and res.json()["code"].startswith("entity."), res.text


def test_newline_in_a_secret_name_is_routed(api: httpx.Client) -> None:
    """DELETE /api/applications/{id}/secrets/5%3D%C3%94zo%C3%A7%C3%90%0A... answered a plain-text
    404: the `{name:path}` parameter pattern `.*` stops at a newline too."""
    app = api.post("/api/applications", json={"name": unique("nl"), "type": "MachineToMachine"}).json()["id"]
    res = api.delete(f"/api/applications/{app}/secrets/a%0Ab")
    assert res.status_code == 404 and res.json()["code"] == "entity.not_found", res.text
    made = api.post(f"/api/applications/{app}/secrets", json={"name": "line\nbreak"})
    assert made.status_code == 201, made.text
    assert api.delete(f"/api/applications/{app}/secrets/line%0Abreak").status_code == 204
