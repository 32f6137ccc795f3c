"""JWT customizer and action configs (Logto tag "Configs"; routes/logto-config/jwt-customizer.ts,
action.ts). Scripts run in the sandbox (authkeep/sandbox, docs/jwt-customizer.md)."""

from __future__ import annotations

from starlette.responses import Response

from authkeep.api.contract import ApiRouter, Ctx
from authkeep.domain import custom_jwt
from authkeep.domain import script_configs as cfg
from authkeep.web import empty, json_response

router = ApiRouter(policy="management", family="configs")


def _token_key(ctx: Ctx) -> tuple[str, str]:
    path = ctx.param("tokenTypePath")
    if path not in cfg.TOKEN_KEYS:
        raise cfg.bad_param("tokenTypePath", path, tuple(cfg.TOKEN_KEYS))
    return path, cfg.TOKEN_KEYS[path]


def _action_key(ctx: Ctx) -> str:
    key = ctx.param("actionType")
    if key not in cfg.ACTION_KEYS:
        raise cfg.bad_param("actionType", key, cfg.ACTION_KEYS)
    return key


@router.get("/configs/jwt-customizer")
async def list_jwt_customizers(ctx: Ctx) -> object:
    async with ctx.db.read() as conn:
        found = await cfg.read_all(conn, ctx.state.box, ctx.tenant_id, cfg.JWT_KEYS)
    return [{"key": key, "value": found[key]} for key in cfg.JWT_KEYS if key in found]


@router.post("/configs/jwt-customizer/test", body=dict, status=200)
async def test_jwt_customizer(ctx: Ctx) -> object:
    body = custom_jwt.jwt_test_body(ctx.body)
    try:
        return await custom_jwt.run_jwt(body["script"], body["token"], body["context"], body["environmentVariables"])
    except custom_jwt.ScriptFailure as exc:
        raise custom_jwt.jwt_test_error(exc) from None


@router.get("/configs/jwt-customizer/{tokenTypePath}")
async def get_jwt_customizer(ctx: Ctx) -> object:
    _, key = _token_key(ctx)
    async with ctx.db.read() as conn:
        return await cfg.read(conn, ctx.state.box, ctx.tenant_id, key)


@router.put("/configs/jwt-customizer/{tokenTypePath}", body=dict)
async def put_jwt_customizer(ctx: Ctx) -> Response:
    path, key = _token_key(ctx)
    value = cfg.jwt_customizer(path, ctx.body)
    async with ctx.db.write() as conn:
        created = await cfg.upsert(conn, ctx.state.box, ctx.tenant_id, key, value)
    return json_response(value, 201 if created else 200)


@router.patch("/configs/jwt-customizer/{tokenTypePath}", body=dict)
async def patch_jwt_customizer(ctx: Ctx) -> object:
    path, key = _token_key(ctx)
    value = cfg.jwt_customizer(path, ctx.body)  # Logto parses PATCH with the full guard
    async with ctx.db.write() as conn:
        return await cfg.update(conn, ctx.state.box, ctx.tenant_id, key, value)


@router.delete("/configs/jwt-customizer/{tokenTypePath}")
async def delete_jwt_customizer(ctx: Ctx) -> None:
    _, key = _token_key(ctx)
    async with ctx.db.write() as conn:
        await cfg.delete(conn, ctx.tenant_id, key)


@router.get("/configs/actions")
async def list_actions(ctx: Ctx) -> object:
    async with ctx.db.read() as conn:
        found = await cfg.read_all(conn, ctx.state.box, ctx.tenant_id, cfg.ACTION_KEYS)
    return [{"key": key, "value": found[key]} for key in cfg.ACTION_KEYS if key in found]


@router.post("/configs/actions/test", body=dict, status=200)
async def test_action(ctx: Ctx) -> Response:
    body = custom_jwt.action_test_body(ctx.body)
    try:
        value = await custom_jwt.run_action(body["script"], body["event"], body.get("environmentVariables"))
    except custom_jwt.ScriptFailure as exc:
        raise custom_jwt.action_test_error(exc) from None
    if custom_jwt.returned_nothing(value):
        return empty(204)
    return json_response(value)  # null and strings are sent as JSON too


@router.get("/configs/actions/{actionType}")
async def get_action(ctx: Ctx) -> object:
    key = _action_key(ctx)
    async with ctx.db.read() as conn:
        return await cfg.read(conn, ctx.state.box, ctx.tenant_id, key)


@router.put("/configs/actions/{actionType}", body=dict)
async def put_action(ctx: Ctx) -> Response:
    value = cfg.action(ctx.body)  # Logto guards the body before the path
    key = _action_key(ctx)
    async with ctx.db.write() as conn:
        created = await cfg.upsert(conn, ctx.state.box, ctx.tenant_id, key, value)
    return json_response(value, 201 if created else 200)


@router.patch("/configs/actions/{actionType}", body=dict)
async def patch_action(ctx: Ctx) -> object:
    patch = cfg.action(ctx.body, partial=True)
    key = _action_key(ctx)
    async with ctx.db.write() as conn:
        return await cfg.update(conn, ctx.state.box, ctx.tenant_id, key, patch)


@router.delete("/configs/actions/{actionType}")
async def delete_action(ctx: Ctx) -> None:
    key = _action_key(ctx)
    async with ctx.db.write() as conn:
        await cfg.delete(conn, ctx.tenant_id, key)
