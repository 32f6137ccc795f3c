"""Account API: social identities, third-party access tokens and the avatar upload (Logto
`routes/account/identities.ts`, `third-party-tokens.ts`, `user-assets.ts`).

Partial (docs/account-api.md): authkeep makes no Social verification records and keeps no
third-party token sets, and has no storage provider, so linking answers 400
`verification_record.not_found`, token reads 404 `secrets.third_party_token_set.token_not_found`
and an acceptable upload 400 `storage.not_configured`, as Logto does in those states."""

from __future__ import annotations

import struct
from typing import Annotated, Any

from pydantic import Field

from authkeep import web
from authkeep.api.account import common as c
from authkeep.api.contract import ApiRouter, Ctx
from authkeep.domain import account as rules
from authkeep.errors import LogtoError
from authkeep.store import users as user_store

router = ApiRouter(policy="end_user", family="users")
MAX_UPLOAD = 20 * 1024 * 1024  # Logto's maxUploadFileSize


class LinkBody(web.Body):
    new_identifier_verification_record_id: str = Field(alias="newIdentifierVerificationRecordId")


class TokenBody(web.Body):
    verification_record_id: Annotated[str, Field(min_length=1)] = Field(alias="verificationRecordId")


async def _link(ctx: Ctx) -> None:
    c.editable(ctx, "social")
    c.scope(ctx, "identities")
    await c.first_party(ctx)
    if rules.has_verification_method(await c.load_user(ctx)):
        await c.require_verified(ctx)
    raise LogtoError("verification_record.not_found", 400)  # no Social records exist here


@router.post("/my-account/identities", body=LinkBody, status=204, before=c.gate)
async def add_identity(ctx: Ctx) -> None:
    await _link(ctx)


@router.put("/my-account/identities", body=LinkBody, status=204, before=c.gate)
async def replace_identity(ctx: Ctx) -> None:
    await _link(ctx)


@router.delete("/my-account/identities/{target}", before=c.gate)
async def delete_identity(ctx: Ctx) -> None:
    target = ctx.param("target")
    c.editable(ctx, "social")
    c.scope(ctx, "identities", 400)
    await c.first_party(ctx)
    async with ctx.db.read() as conn:
        user = await c.load_user(ctx, conn)
        sso = await user_store.sso_identities(conn, ctx.tenant_id, user.id)
    if rules.has_verification_method(user):
        await c.require_verified(ctx)
    identities = dict(user.identities or {})
    if target not in identities:
        raise LogtoError("user.identity_not_exist", 404)
    identities.pop(target)
    rules.keep_an_identifier(user, len(sso), identities=identities)
    await c.save_user(ctx, {"identities": identities})


def _token_scope(ctx: Ctx) -> None:
    if "identities" not in ctx.auth.scopes:
        raise LogtoError("auth.forbidden", 403)


@router.get("/my-account/identities/{target}/access-token", before=c.gate, cache=False)
async def identity_token(ctx: Ctx) -> Any:
    _token_scope(ctx)
    raise LogtoError("secrets.third_party_token_set.token_not_found", 404)


@router.get("/my-account/sso-identities/{connectorId}/access-token", before=c.gate, cache=False)
async def sso_token(ctx: Ctx) -> Any:
    _token_scope(ctx)
    raise LogtoError("secrets.third_party_token_set.token_not_found", 404)


@router.put("/my-account/identities/{target}/access-token", body=TokenBody, before=c.gate)
async def refresh_identity_token(ctx: Ctx) -> Any:
    _token_scope(ctx)
    raise LogtoError("verification_record.not_found", 400)


# --- avatar -------------------------------------------------------------------------------------


def _end_ok(data: bytes, kind: str) -> bool:
    """Logto's end-marker checks: a truncated or padded image is refused."""
    if kind == "jpeg":
        return data[-2:] == b"\xff\xd9"
    if kind == "png":
        return len(data) >= 8 and data[-8:] == b"IEND\xaeB`\x82"
    if kind == "gif":
        return data[-1:] == b";"
    if kind == "webp":
        return len(data) >= 12 and len(data) == struct.unpack("<I", data[4:8])[0] + 8
    return len(data) >= 6 and len(data) == struct.unpack("<I", data[2:6])[0]  # bmp


def _image_kind(data: bytes) -> str | None:
    signatures = (("jpeg", b"\xff\xd8\xff"), ("png", b"\x89PNG\r\n\x1a\n"), ("gif", b"GIF8"), ("bmp", b"BM"))
    for kind, magic in signatures:
        if data.startswith(magic):
            return kind
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "webp"
    return None


def _no_file() -> LogtoError:
    issue = {"code": "invalid_type", "expected": "array", "received": "undefined", "path": ["file"], "message": "Required"}
    return LogtoError("guard.invalid_input", 400, type="files", data={"issues": [issue], "name": "ZodError"},
                      details='Error in key path "file": (invalid_type) Expected array but received undefined.')  # fmt: skip


@router.post("/my-account/user-assets/avatar", status=200, before=c.gate)
async def upload_avatar(ctx: Ctx) -> Any:
    c.scope(ctx, "profile")
    await c.first_party(ctx)
    c.editable(ctx, "avatar")
    if not ctx.request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise _no_file()
    try:
        form = await ctx.request.form(max_files=1, max_fields=10)
    except Exception:  # noqa: BLE001  (a malformed multipart body is the client's error)
        raise _no_file() from None
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise _no_file()
    data = await upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise LogtoError("guard.file_size_exceeded", 400)
    kind = _image_kind(data)
    if kind is None or not _end_ok(data, kind):
        raise LogtoError("guard.mime_type_not_allowed", 400)
    raise LogtoError("storage.not_configured", 400)
