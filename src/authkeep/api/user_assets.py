"""User assets (Logto tag "User assets"): uploads kept on local disk (domain/user_assets.py) and
served back at `/user-assets/{key}` (mounted by app.py, outside /api, without authentication: Logto's
storage URLs are public too). Served files never run as pages of this origin (sandbox CSP)."""

from __future__ import annotations

import mimetypes
from typing import Any

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response

from authkeep.api.contract import ApiRouter, Ctx
from authkeep.domain import user_assets as assets
from authkeep.errors import LogtoError

router = ApiRouter(policy="management", family="configs")
_OVERHEAD = 64 * 1024  # multipart boundaries and part headers around the file


def _files_issue(path: list[str], expected: str) -> LogtoError:
    key = ".".join(path)
    message = f"Error in key path \"{key}\": (invalid_type) Expected {expected} but received undefined."
    issue = {"code": "invalid_type", "expected": expected, "received": "undefined", "path": path, "message": "Required"}
    return LogtoError("guard.invalid_input", 400, data={"issues": [issue], "name": "ZodError"}, details=message, type="files")


async def _bounded_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > assets.MAX_UPLOAD_BYTES + _OVERHEAD:
        raise LogtoError("guard.file_size_exceeded", 400)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > assets.MAX_UPLOAD_BYTES + _OVERHEAD:
            raise LogtoError("guard.file_size_exceeded", 400)
        chunks.append(chunk)
    return b"".join(chunks)


async def _upload(request: Request) -> tuple[str, str, bytes]:
    """(file name, MIME type, content) of the first `file` part, or Logto's files guard error."""
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise _files_issue([], "object")
    body = await _bounded_body(request)
    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        async with Request(request.scope, replay).form(max_files=4, max_fields=16) as form:
            files = [f for f in form.getlist("file") if isinstance(f, UploadFile)]
            if not files:
                raise _files_issue(["file"], "array")
            first = files[0]
            content = await first.read()
            return first.filename or "", first.content_type or "", content
    except LogtoError:
        raise
    except (MultiPartException, HTTPException, ValueError):  # a malformed multipart body
        raise _files_issue([], "object") from None


@router.get("/user-assets/service-status", cache=False)
async def service_status(ctx: Ctx) -> Any:
    return assets.service_status(ctx.state.settings.user_assets_dir is not None)


@router.post("/user-assets", status=200)
async def upload(ctx: Ctx) -> Any:
    name, mime, content = await _upload(ctx.request)
    if len(content) > assets.MAX_UPLOAD_BYTES:
        raise LogtoError("guard.file_size_exceeded", 400)
    if mime not in assets.ALLOWED_MIME_TYPES:
        raise LogtoError("guard.mime_type_not_allowed", 400)
    root = ctx.state.settings.user_assets_dir
    if root is None:
        raise LogtoError("storage.not_configured", 400)
    key = assets.object_key(ctx.tenant_id, ctx.auth.subject, name)
    try:
        assets.save(root, key, content)
    except OSError:
        raise LogtoError("storage.upload_error", 500) from None
    return {"url": f"{ctx.state.settings.endpoint}/user-assets/{key}"}


async def serve(request: Request) -> Response:
    """GET /user-assets/{key}: a stored upload, or a plain 404."""
    root = request.app.state.authkeep.settings.user_assets_dir
    found = assets.resolve(root, request.path_params["key"]) if root else None
    if found is None:
        return PlainTextResponse("Not Found", status_code=404)
    kind = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
    headers = {
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "public, max-age=31536000, immutable",
    }
    return FileResponse(found, media_type=kind, headers=headers)
