"""Custom profile fields: CRUD, batch, sign-in order and Logto's validation."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.server import Server

BASE = "/api/custom-profile-fields"


@pytest.fixture(scope="module")
def api(own_server: Server) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {own_server.token()}"}
    with httpx.Client(base_url=own_server.base_url, headers=headers, timeout=30) as client:
        yield client


def _err(res: httpx.Response, status: int, code: str) -> None:
    assert res.status_code == status, res.text
    assert res.json()["code"] == code, res.json()


def test_crud_and_order(api: httpx.Client) -> None:
    res = api.post(BASE, json={"name": "nickname2", "type": "Text", "label": "Nick", "required": True,
                               "config": {"minLength": 2, "maxLength": 10, "junk": 1}})
    assert res.status_code == 201, res.text
    text = res.json()
    assert text["name"] == "nickname2" and text["label"] == "Nick" and text["description"] is None
    assert text["config"] == {"minLength": 2, "maxLength": 10} and text["sieOrder"] == 1
    assert isinstance(text["createdAt"], int) and text["tenantId"] == "default"
    batch = api.post(f"{BASE}/batch", json=[
        {"name": "plan", "type": "Select", "required": False, "config": {"options": [{"value": "pro"}]}},
        {"name": "agree", "type": "Checkbox", "required": False, "config": {"defaultValue": "false"}},
    ])
    assert batch.status_code == 201, batch.text
    assert [f["sieOrder"] for f in batch.json()] == [2, 3]
    assert [f["name"] for f in api.get(BASE).json()] == ["nickname2", "plan", "agree"]
    assert api.get(f"{BASE}/plan").json()["type"] == "Select"

    res = api.put(f"{BASE}/nickname2", json={"type": "Text", "required": False, "description": "Shown publicly"})
    assert res.status_code == 200 and res.json()["description"] == "Shown publicly"
    assert res.json()["label"] == "" and res.json()["config"] == {}

    order = api.post(f"{BASE}/properties/sie-order", json={"order": [{"name": "agree", "sieOrder": 0}]})
    assert order.status_code == 200 and [f["name"] for f in order.json()] == ["agree"]
    assert [f["name"] for f in api.get(BASE).json()] == ["agree", "nickname2", "plan"]
    _err(api.post(f"{BASE}/properties/sie-order", json={"order": [{"name": "ghost", "sieOrder": 1}]}), 400,
         "custom_profile_fields.entity_not_exists_with_names")
    _err(api.post(f"{BASE}/properties/sie-order", json={"order": [{"name": "agree"}]}), 400, "guard.invalid_input")

    assert api.delete(f"{BASE}/plan").status_code == 204
    _err(api.get(f"{BASE}/plan"), 404, "entity.not_found")
    _err(api.delete(f"{BASE}/plan"), 404, "entity.not_found")
    _err(api.put(f"{BASE}/plan", json={"type": "Text", "required": False}), 404, "entity.not_found")


def test_duplicates(api: httpx.Client) -> None:
    body = {"name": "dupe", "type": "Url", "required": False}
    assert api.post(BASE, json=body).status_code == 201
    _err(api.post(BASE, json=body), 422, "custom_profile_fields.name_exists")
    _err(api.post(f"{BASE}/batch", json=[{**body, "name": "d2"}, {**body, "name": "d2"}]), 422,
         "custom_profile_fields.name_exists")
    assert api.get(f"{BASE}/d2").status_code == 404  # nothing of the batch was written


@pytest.mark.parametrize(("body", "code"), [
    ({"name": "bad name", "type": "Text", "required": False}, "custom_profile_fields.invalid_name"),
    ({"name": "preferredUsername", "type": "Text", "required": False}, "custom_profile_fields.name_conflict_built_in_prop"),
    ({"name": "primaryEmail", "type": "Text", "required": False}, "custom_profile_fields.name_conflict_sign_in_identifier"),
    ({"name": "guideRequests", "type": "Text", "required": False}, "custom_profile_fields.name_conflict_custom_data"),
    ({"name": "n1", "type": "Text", "required": False, "config": {"minLength": 5, "maxLength": 1}},
     "custom_profile_fields.invalid_min_max_input"),
    ({"name": "addr", "type": "Address", "required": False, "config": {"parts": []}},
     "custom_profile_fields.invalid_address_components"),
    ({"name": "full", "type": "Fullname", "required": False, "config": {"parts": [
        {"enabled": True, "name": "givenName", "type": "Fullname", "required": False}]}},
     "custom_profile_fields.invalid_sub_component_type"),
    ({"name": "n2", "type": "Telepathy", "required": False}, "guard.invalid_input"),
    ({"name": "n3", "type": "Select", "required": False}, "guard.invalid_input"),
    ({"name": "n4", "type": "Checkbox", "required": True}, "guard.invalid_input"),
    ({"name": "n5", "type": "Text"}, "guard.invalid_input"),
    ({"type": "Text", "required": False}, "guard.invalid_input"),
    ({"name": "n6", "type": "Text", "required": False, "label": ""}, "guard.invalid_input"),
    ({"name": "n7", "type": "Number", "required": False, "config": {"minValue": "1"}}, "guard.invalid_input"),
])
def test_create_refusals(api: httpx.Client, body: dict, code: str) -> None:  # type: ignore[type-arg]
    _err(api.post(BASE, json=body), 400, code)


def test_strict_update_rules(api: httpx.Client) -> None:
    assert api.post(BASE, json={"name": "pattern", "type": "Regex", "required": False,
                                "config": {"format": "^[a-z]+$"}}).status_code == 201
    _err(api.put(f"{BASE}/pattern", json={"type": "Regex", "required": False, "config": {"format": "(["}}), 400,
         "custom_profile_fields.invalid_regex_format")
    _err(api.put(f"{BASE}/pattern", json={"type": "Select", "required": False, "config": {"options": []}}), 400,
         "custom_profile_fields.invalid_options")
    _err(api.put(f"{BASE}/pattern", json={"type": "Checkbox", "required": False}), 400,
         "custom_profile_fields.invalid_default_value")


def test_batch_limits(api: httpx.Client) -> None:
    many = [{"name": f"f{i}", "type": "Text", "required": False} for i in range(21)]
    _err(api.post(f"{BASE}/batch", json=many), 400, "guard.invalid_input")
    _err(api.post(f"{BASE}/batch", json={"name": "x"}), 400, "guard.invalid_input")
    assert api.post(f"{BASE}/batch", json=[]).json() == []


def test_sign_up_profile_fields(api: httpx.Client, own_server: Server) -> None:
    api.post(BASE, json={"name": "company", "type": "Text", "required": False})
    res = api.patch("/api/sign-in-exp", json={"signUpProfileFields": [{"name": "company"}, {"name": "ghost"}]})
    assert res.status_code == 200 and res.json()["signUpProfileFields"] == [{"name": "company"}]
    public = httpx.get(f"{own_server.base_url}/api/.well-known/sign-in-exp").json()
    assert [f["name"] for f in public["customProfileFields"]] == ["company"]
    assert "company" in [f["name"] for f in public["customProfileFieldCatalog"]]
    assert api.delete(f"{BASE}/company").status_code == 204
    assert api.get("/api/sign-in-exp").json()["signUpProfileFields"] == []
