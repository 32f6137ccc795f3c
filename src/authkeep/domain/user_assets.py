"""User assets on local disk (Logto's storage providers are S3, Azure and GCS; authkeep keeps the
files under AUTHKEEP_USER_ASSETS_DIR and serves them at `/user-assets/...`). Logto's limits: 20 MB,
its MIME type list; object keys `{tenant}/{user}/{yyyy/MM/dd}/{8-char id}/{file name}`."""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from pathlib import Path

from authkeep import clock
from authkeep.ids import standard_id

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
ALLOWED_MIME_TYPES = (
    "image/jpeg", "image/png", "image/gif", "image/vnd.microsoft.icon", "image/x-icon", "image/svg+xml",
    "image/tiff", "image/webp", "image/bmp", "application/zip",
)  # fmt: skip
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def service_status(configured: bool) -> dict[str, object]:
    if not configured:
        return {"status": "not_configured", "isExperienceAvatarUploadEnabled": True}
    return {
        "status": "ready",
        "allowUploadMimeTypes": list(ALLOWED_MIME_TYPES),
        "maxUploadFileSize": MAX_UPLOAD_BYTES,
        "isExperienceAvatarUploadEnabled": True,
    }


def safe_name(original: str) -> str:
    """The upload's base name with only [A-Za-z0-9._-] (a key segment and a URL segment as is)."""
    base = original.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNSAFE.sub("_", base).strip(".")
    return cleaned[:128] or "file"


def object_key(tenant_id: str, user_id: str, original: str) -> str:
    day = dt.datetime.fromtimestamp(clock.now_ms() / 1000, dt.UTC).strftime("%Y/%m/%d")
    return f"{_UNSAFE.sub('_', tenant_id)}/{_UNSAFE.sub('_', user_id)}/{day}/{standard_id(8)}/{safe_name(original)}"


def save(root: str, key: str, data: bytes) -> None:
    """Writes atomically (a temporary file in the target directory, then a rename)."""
    target = Path(root, *key.split("/"))
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def resolve(root: str, key: str) -> Path | None:
    """The stored file for a served key, never outside the root."""
    base = Path(root).resolve()
    try:
        found = (base / key).resolve()
    except (OSError, ValueError):
        return None
    if base not in found.parents or not found.is_file() or found.name.startswith(".upload-"):
        return None
    return found
