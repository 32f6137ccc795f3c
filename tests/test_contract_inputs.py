"""The route contract parses what a route declares: query and body models, paging, search; and
tags GET answers (in-process app on the live server's database, see tests/contract_app.py)."""

from __future__ import annotations

from typing import Any, Literal

import httpx
from pydantic import Field

from authkeep import web
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.errors import LogtoError
from authkeep.store import tables as T
from tests.contract_app import run_in_process
from tests.server import Server

router = ApiRouter(policy="public", family="probe")


class Flags(web.Query):
    tags: list[Literal["a", "b"]] = Field(default_factory=list)
    flag: web.Yes = False
    limit: int = 10
    user_name: str | None = Field(None, alias="userName")


class Named(web.Body):
    name: str


@router.get("/query", query=Flags, cache=False)
async def read_query(ctx: Ctx) -> Any:
    return ctx.q.model_dump()


@router.get("/items", paged="optional", search={"name": T.roles.c.name, "description": T.roles.c.description})
async def items(ctx: Ctx) -> Any:
    found = [{"field": item.field, "mode": item.mode, "values": list(item.values)} for item in ctx.search.items]
    return ctx.paged(found, 45)


@router.get("/paged", paged=True, cache=False)
async def always_paged(ctx: Ctx) -> Any:
    return ctx.paged([ctx.page.page, ctx.page.size], 1)


@router.post("/named", body=Named)
async def named(ctx: Ctx) -> Any:
    return {"name": ctx.body.name}


async def _must_exist(ctx: Ctx) -> None:
    if ctx.param("id") != "known":
        raise LogtoError("entity.not_found", 404)


@router.put("/checked/{id}", before=_must_exist, body=Named, status=200)
async def checked_write(ctx: Ctx) -> Any:
    return {"name": ctx.body.name}


@router.get("/checked/{id}", before=_must_exist, paged=True, cache=False)
async def checked_list(ctx: Ctx) -> Any:
    return ctx.paged([], 0)


@router.put("/object", body=dict)
async def any_object(ctx: Ctx) -> Any:
    return ctx.body


def _invalid(res: httpx.Response, where: str) -> dict[str, Any]:
    assert res.status_code == 400, res.text
    body = res.json()
    assert body["code"] == "guard.invalid_input"
    assert body["message"] == f"The request {where} is invalid."
    return body


def _run(server: Server, test: Any) -> None:
    run_in_process(server, [router], test)


def test_query_model(server: Server) -> None:
    async def test(client: httpx.AsyncClient) -> None:
        res = await client.get("/api/query?tags=a&tags=b&flag=yes&limit=5&userName=x&other=1")
        assert res.json() == {"tags": ["a", "b"], "flag": True, "limit": 5, "user_name": "x"}
        assert (await client.get("/api/query?flag=false")).json()["flag"] is False
        body = _invalid(await client.get("/api/query?tags=a&tags=c"), "query")
        assert body["data"]["issues"][0]["path"] == ["tags", 1]
        _invalid(await client.get("/api/query?limit=ten"), "query")
        body = _invalid(await client.get("/api/query?userName=a%00b"), "query")
        assert body["details"] == "Strings must not contain NUL characters."

    _run(server, test)


def test_paging_and_search(server: Server) -> None:
    async def test(client: httpx.AsyncClient) -> None:
        res = await client.get("/api/items?search.name=ad%25&mode.name=like")
        assert res.json() == [{"field": "name", "mode": "like", "values": ["ad%"]}]
        assert "total-number" not in res.headers  # paging is optional and was not asked for
        res = await client.get("/api/items?page=2&page_size=20")
        assert res.headers["total-number"] == "45"
        assert '<http://probe/api/items?page=3&page_size=20>; rel="next"' in res.headers["link"]
        res = await client.get("/api/items?page=0")
        assert res.status_code == 400 and res.json()["code"] == "guard.invalid_pagination"
        res = await client.get("/api/items?search.nope=x")
        assert res.status_code == 400 and "Search field `nope` is not valid" in res.json()["message"]
        res = await client.get("/api/paged")
        assert res.json() == [1, 20] and res.headers["total-number"] == "1"

    _run(server, test)


def test_body_models(server: Server) -> None:
    async def test(client: httpx.AsyncClient) -> None:
        res = await client.post("/api/named", json={"name": "x", "extra": 1})
        assert res.status_code == 201 and res.json() == {"name": "x"}
        body = _invalid(await client.post("/api/named", json={"name": 1}), "body")
        assert body["data"]["issues"][0]["path"] == ["name"]
        _invalid(await client.post("/api/named", content=b"[1]"), "body")
        res = await client.put("/api/object", json={"a": {"b": [1, None]}})
        assert res.status_code == 200 and res.json() == {"a": {"b": [1, None]}}
        _invalid(await client.put("/api/object", content=b'"text"'), "body")
        _invalid(await client.put("/api/object", json={"a": "\u0000"}), "body")

    _run(server, test)


def test_get_answers_carry_an_etag_and_honour_if_none_match(server: Server) -> None:
    async def test(client: httpx.AsyncClient) -> None:
        first = await client.get("/api/items?search=x")
        etag = first.headers["etag"]
        again = await client.get("/api/items?search=x", headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.headers["etag"] == etag and again.content == b""
        other = await client.get("/api/items?search=y", headers={"If-None-Match": etag})
        assert other.status_code == 200 and other.headers["etag"] != etag

    _run(server, test)


def test_before_check_comes_ahead_of_paging_and_body(server: Server) -> None:
    async def test(client: httpx.AsyncClient) -> None:
        res = await client.put("/api/checked/nope", json={"name": 1})
        assert res.status_code == 404 and res.json()["code"] == "entity.not_found"
        assert (await client.get("/api/checked/nope?page=0")).status_code == 404
        _invalid(await client.put("/api/checked/known", json={"name": 1}), "body")
        assert (await client.get("/api/checked/known?page=0")).status_code == 400
        assert (await client.put("/api/checked/known", json={"name": "x"})).json() == {"name": "x"}

    _run(server, test)


def test_applications_check_the_app_before_the_body_as_logto(api: httpx.Client) -> None:
    """Logto's `router.use` on these paths finds the app (404) before the body is guarded."""
    for method, path in (
        ("PUT", "/api/applications/nope/users/nobody/consent-organizations"),
        ("POST", "/api/applications/nope/users/nobody/consent-organizations"),
        ("GET", "/api/applications/nope/users/nobody/consent-organizations?page=0"),
        ("POST", "/api/applications/nope/protected-app-metadata/custom-domains"),
    ):
        res = api.request(method, path, json={"organizationIds": "not a list", "domain": 5})
        assert res.status_code == 404, (method, path, res.text)
        assert res.json()["code"] == "entity.not_exists_with_id"
