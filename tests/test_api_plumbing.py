"""Mechanisms every Management API route shares: ETag, malformed bodies, 404/405, error shape."""

from __future__ import annotations

import httpx


def test_etag_and_if_none_match(api: httpx.Client) -> None:
    first = api.get("/api/resources")
    assert first.status_code == 200
    tag = first.headers["etag"]
    assert tag.startswith('"') and tag.endswith('"')
    again = api.get("/api/resources", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    other = api.get("/api/resources", headers={"If-None-Match": '"0-nope"'})
    assert other.status_code == 200 and other.headers["etag"] == tag


def test_malformed_json_is_400_with_code(api: httpx.Client) -> None:
    res = api.post("/api/resources", content=b'{"name": ', headers={"content-type": "application/json"})
    assert res.status_code == 400
    body = res.json()
    assert body["code"] == "guard.invalid_input" and body["message"] == "The request body is invalid."
    assert body["details"]


def test_non_object_body_is_guard_error(api: httpx.Client) -> None:
    for payload in (b"[]", b"1", b'"x"', b"null"):
        res = api.post("/api/resources", content=payload, headers={"content-type": "application/json"})
        assert res.status_code == 400 and res.json()["code"] == "guard.invalid_input", payload


def test_wrong_types_list_each_bad_field(api: httpx.Client) -> None:
    res = api.post("/api/resources", json={"name": 1, "indicator": False})
    assert res.status_code == 400
    body = res.json()
    assert body["code"] == "guard.invalid_input"
    assert body["message"] == "The request body is invalid."
    assert body["data"]["name"] == "ZodError"
    assert {tuple(i["path"]) for i in body["data"]["issues"]} == {("name",), ("indicator",)}
    assert 'Error in key path "name": (invalid_type) Expected string but received number.' in body["details"]


def test_method_not_allowed_and_unknown_paths(anon: httpx.Client) -> None:
    res = anon.request("PUT", "/api/resources")
    assert res.status_code == 405 and "GET" in res.headers["allow"]
    assert anon.get("/api/nothing-here").status_code == 404


def test_nul_in_body_is_refused(api: httpx.Client) -> None:
    for body in ({"name": "a\u0000b", "indicator": "https://x.example"}, {"name": "ok", "indicator": "x", "k": ["\u0000"]}):
        res = api.post("/api/resources", json=body)
        assert res.status_code == 400 and res.json()["code"] == "guard.invalid_input"


def test_link_header_keeps_encoded_path(api: httpx.Client) -> None:
    res = api.get("/api/resources/%F0%9F%98%80/scopes", params={"page_size": 5})
    assert res.status_code == 200
    assert "/api/resources/%F0%9F%98%80/scopes?page_size=5&page=1" in res.headers["link"]
