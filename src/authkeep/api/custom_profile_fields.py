"""Custom profile fields (Logto tag "Custom profile fields")."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from authkeep import clock, ids
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.domain import custom_profile_fields as fields
from authkeep.domain.account_center import current as current_account_center
from authkeep.domain.sign_in_exp import current as current_sie
from authkeep.errors import LogtoError
from authkeep.store import sign_in_exp as store
from authkeep.store import tables_sign_in as S
from authkeep.web import read_json

router = ApiRouter(policy="management", family="sign_in")
_BATCH_LIMIT = 20


def _row(field: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": ids.standard_id(),
        "name": field["name"],
        "type": field["type"],
        "label": field.get("label", ""),
        "description": field.get("description"),
        "required": field["required"],
        "config": field.get("config", {}),
    }


async def _insert(ctx: Ctx, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = [i["name"] for i in items]
    try:
        async with ctx.db.write() as conn:
            if len(set(names)) != len(names) or await store.list_fields(conn, ctx.tenant_id, names):
                raise LogtoError("custom_profile_fields.name_exists", 422)
            await store.insert_fields(conn, ctx.tenant_id, [_row(i) for i in items], clock.now_ms())
            created = {f["name"]: f for f in await store.list_fields(conn, ctx.tenant_id, names)}
    except IntegrityError:  # a concurrent create of the same name
        raise LogtoError("custom_profile_fields.name_exists", 422) from None
    return [created[n] for n in names]


@router.get("/custom-profile-fields")
async def list_fields(ctx: Ctx) -> object:
    async with ctx.db.read() as conn:
        return await store.list_fields(conn, ctx.tenant_id)


@router.get("/custom-profile-fields/{name}")
async def get_field(ctx: Ctx) -> object:
    async with ctx.db.read() as conn:
        found = await store.get_field(conn, ctx.tenant_id, ctx.param("name"))
    if found is None:
        raise LogtoError("entity.not_found", 404)
    return found


@router.post("/custom-profile-fields", body=dict)
async def create_field(ctx: Ctx) -> object:
    field = fields.parse(ctx.body)
    fields.validate(field)
    return (await _insert(ctx, [field]))[0]


@router.post("/custom-profile-fields/batch")
async def create_batch(ctx: Ctx) -> object:
    raw = await read_json(ctx.request)  # a JSON array: `body=` declares objects only
    if not isinstance(raw, list) or len(raw) > _BATCH_LIMIT:
        raise LogtoError(
            "guard.invalid_input", 400, type="body",
            details=f'Error in key path "": Expected an array of at most {_BATCH_LIMIT} fields.',
        )
    items = [fields.parse(item) for item in raw]
    for item in items:
        fields.validate(item)
    return await _insert(ctx, items) if items else []


@router.put("/custom-profile-fields/{name}", body=dict)
async def update_field(ctx: Ctx) -> object:
    name = ctx.param("name")
    field = fields.parse(ctx.body, with_name=False)
    fields.validate({**field, "name": name}, strict=True)
    values = {k: v for k, v in _row({**field, "name": name}).items() if k not in ("id", "name")}
    async with ctx.db.write() as conn:
        if not await store.update_field(conn, ctx.tenant_id, name, values):
            raise LogtoError("entity.not_found", 404)
        return await store.get_field(conn, ctx.tenant_id, name)


@router.delete("/custom-profile-fields/{name}")
async def delete_field(ctx: Ctx) -> None:
    name = ctx.param("name")
    tenant = ctx.tenant_id
    async with ctx.db.write() as conn:
        # Drop the field from the sign-up and account-center lists in the same transaction.
        sie = await current_sie(conn, tenant, lock=True)
        listed = sie.get("signUpProfileFields")
        if listed and any(f["name"] == name for f in listed):
            sie["signUpProfileFields"] = [f for f in listed if f["name"] != name]
            await store.put_document(conn, S.sign_in_experiences, tenant, sie)
        center = await current_account_center(conn, tenant)
        listed = center.get("profileFields")
        if listed and any(f["name"] == name for f in listed):
            center["profileFields"] = [f for f in listed if f["name"] != name]
            await store.put_document(conn, S.account_centers, tenant, center)
        if not await store.delete_field(conn, tenant, name):
            raise LogtoError("entity.not_found", 404)


@router.post("/custom-profile-fields/properties/sie-order", status=200, body=dict)
async def set_order(ctx: Ctx) -> object:
    order = ctx.body.get("order")
    ok = isinstance(order, list) and all(
        isinstance(o, dict) and isinstance(o.get("name"), str) and isinstance(o.get("sieOrder"), int)
        and not isinstance(o.get("sieOrder"), bool) and -32768 <= o["sieOrder"] <= 32767
        for o in order
    )
    if not ok:
        raise LogtoError(
            "guard.invalid_input", 400, type="body",
            details='Error in key path "order": Expected an array of {name, sieOrder}.',
        )
    names = [o["name"] for o in order]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise LogtoError("request.invalid_input", 400, message=f"Input is invalid. Duplicate profile field names: {', '.join(dupes)}")
    async with ctx.db.write() as conn:
        known = {f["name"] for f in await store.list_fields(conn, ctx.tenant_id, names)}
        missing = [n for n in dict.fromkeys(names) if n not in known]
        if missing:
            raise LogtoError("custom_profile_fields.entity_not_exists_with_names", 400, names=", ".join(missing))
        for item in order:
            await store.update_field(conn, ctx.tenant_id, item["name"], {"sie_order": item["sieOrder"]})
        return await store.list_fields(conn, ctx.tenant_id, names)
