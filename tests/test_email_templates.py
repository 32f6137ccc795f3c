"""E-mail templates: upsert by (language, type), list with filters, get, patch details, delete one,
bulk delete (which needs a filter)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.server import Server


@pytest.fixture
def api(own_server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=own_server.base_url, headers={"Authorization": f"Bearer {own_server.token()}"}, timeout=30) as c:
        yield c


def _tpl(lang: str, kind: str, subject: str = "S {{code}}") -> dict[str, object]:
    return {"languageTag": lang, "templateType": kind, "details": {"subject": subject, "content": "Code: {{code}}", "contentType": "text/plain"}}


def test_crud(api: httpx.Client) -> None:
    r = api.put("/api/email-templates", json={"templates": [_tpl("fr", "SignIn"), _tpl("fr", "Register")]})
    assert r.status_code == 200, r.text
    made = r.json()
    assert [t["templateType"] for t in made] == ["SignIn", "Register"]
    assert set(made[0]) == {"tenantId", "id", "languageTag", "templateType", "details", "createdAt"}
    again = api.put("/api/email-templates", json={"templates": [_tpl("fr", "SignIn", "Nouveau")]}).json()
    assert again[0]["id"] == made[0]["id"] and again[0]["details"]["subject"] == "Nouveau"  # upsert

    assert {t["id"] for t in api.get("/api/email-templates", params={"languageTag": "fr"}).json()} == {t["id"] for t in made}
    assert [t["id"] for t in api.get("/api/email-templates", params={"languageTag": "fr", "templateType": "Register"}).json()] == [made[1]["id"]]
    assert api.get(f"/api/email-templates/{made[1]['id']}").json()["details"]["content"] == "Code: {{code}}"

    patched = api.patch(f"/api/email-templates/{made[1]['id']}/details", json={"subject": "Bienvenue", "replyTo": "help"})
    assert patched.status_code == 200
    assert patched.json()["details"] == {"subject": "Bienvenue", "content": "Code: {{code}}", "contentType": "text/plain", "replyTo": "help"}

    assert api.delete(f"/api/email-templates/{made[1]['id']}").status_code == 204
    missing = api.get(f"/api/email-templates/{made[1]['id']}")
    assert missing.status_code == 404 and missing.json()["code"] == "entity.not_exists_with_id"
    assert api.delete(f"/api/email-templates/{made[1]['id']}").status_code == 404
    assert api.patch(f"/api/email-templates/{made[1]['id']}/details", json={}).status_code == 404


def test_bulk_delete(api: httpx.Client) -> None:
    api.put("/api/email-templates", json={"templates": [_tpl("de", "SignIn"), _tpl("de", "Generic"), _tpl("it", "Generic")]})
    refused = api.delete("/api/email-templates")
    assert refused.status_code == 422 and refused.json()["code"] == "connector.email_connector.bulk_deletion_no_filter"
    r = api.delete("/api/email-templates", params={"languageTag": "de"})
    assert r.status_code == 200 and r.json() == {"rowCount": 2}
    assert api.delete("/api/email-templates", params={"templateType": "Generic"}).json()["rowCount"] >= 1
    assert api.get("/api/email-templates", params={"languageTag": "it"}).json() == []


def test_bad_input(api: httpx.Client) -> None:
    bodies = [
        {},
        {"templates": []},
        {"templates": [{"languageTag": "en", "templateType": "Nope", "details": {"subject": "s", "content": "c"}}]},
        {"templates": [{"languageTag": "en", "templateType": "SignIn", "details": {"subject": "s"}}]},
        {"templates": [{"languageTag": "", "templateType": "SignIn", "details": {"subject": "s", "content": "c"}}]},
        {"templates": [{"languageTag": "en", "templateType": "SignIn", "details": {"subject": "s", "content": "c", "contentType": "text/rtf"}}]},
    ]
    for body in bodies:
        r = api.put("/api/email-templates", json=body)
        assert r.status_code == 400 and r.json()["code"] == "guard.invalid_input", body
    assert api.get("/api/email-templates", params={"templateType": "Nope"}).status_code == 400
