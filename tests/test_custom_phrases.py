"""Custom phrases by language tag, and /api/.well-known/phrases."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.server import Server


@pytest.fixture(scope="module")
def api(own_server: Server) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {own_server.token()}"}
    with httpx.Client(base_url=own_server.base_url, headers=headers, timeout=30) as client:
        yield client


def test_crud(api: httpx.Client) -> None:
    assert api.get("/api/custom-phrases").json() == []
    res = api.put("/api/custom-phrases/fr", json={"input": {"username": "Identifiant", "email": ""}, "empty": {}})
    assert res.status_code == 201, res.text
    first = res.json()
    assert first["languageTag"] == "fr" and first["translation"] == {"input": {"username": "Identifiant"}}
    again = api.put("/api/custom-phrases/fr", json={"input": {"password": "Mot de passe"}}).json()
    assert again["id"] == first["id"] and again["translation"] == {"input": {"password": "Mot de passe"}}
    api.put("/api/custom-phrases/de", json={"input": {"username": "Benutzername"}})
    assert [p["languageTag"] for p in api.get("/api/custom-phrases").json()] == ["de", "fr"]
    assert api.get("/api/custom-phrases/fr").json() == again
    assert api.delete("/api/custom-phrases/fr").status_code == 204
    for method in ("get", "delete"):
        res = api.request(method, "/api/custom-phrases/fr")
        assert res.status_code == 404 and res.json()["code"] == "entity.not_found"


def test_bad_input(api: httpx.Client) -> None:
    for path in ("/api/custom-phrases/klingon", "/api/custom-phrases/en-XX"):
        for method in ("get", "put", "delete"):
            res = api.request(method, path, json={})
            assert res.status_code == 400 and res.json()["code"] == "guard.invalid_input", (method, path)
    for body in ([1], {"input": 3}, {"input": {"username": None}}):
        res = api.put("/api/custom-phrases/es", json=body)
        assert res.status_code == 400 and res.json()["code"] == "guard.invalid_input"


def test_translation_structure(api: httpx.Client) -> None:
    for body in ({"input": {"nope": "x"}}, {"input": "x"}, {"input": {"username": {"deep": "x"}}}, {"unknown": {"a": "b"}}):
        res = api.put("/api/custom-phrases/it", json=body)
        assert res.status_code == 422 and res.json()["code"] == "localization.invalid_translation_structure", body
    deep = {"error": {"password_rejected": {"restricted": {"words": "Parole vietate"}}}}
    assert api.put("/api/custom-phrases/it", json=deep).json()["translation"] == deep
    assert api.delete("/api/custom-phrases/it").status_code == 204


def test_cannot_delete_fallback(api: httpx.Client) -> None:
    api.put("/api/custom-phrases/en", json={"input": {"username": "Login"}})
    res = api.delete("/api/custom-phrases/en")
    assert res.status_code == 409 and res.json()["code"] == "localization.cannot_delete_default_language"
    assert "en" in res.json()["message"]


def test_well_known_phrases(api: httpx.Client, own_server: Server) -> None:
    api.put("/api/custom-phrases/de", json={"input": {"username": "Benutzername"}})
    url = f"{own_server.base_url}/api/.well-known/phrases"
    res = httpx.get(url, params={"lng": "de"})
    assert res.status_code == 200 and res.headers["content-language"] == "de"
    assert res.json()["translation"] == {"input": {"username": "Benutzername"}}
    res = httpx.get(url, headers={"Accept-Language": "de-CH,de;q=0.9"})
    assert res.headers["content-language"] == "de"
    res = httpx.get(url, params={"lng": "xx"})
    assert res.headers["content-language"] == "en"
    assert res.json()["translation"] == {"input": {"username": "Login"}}
