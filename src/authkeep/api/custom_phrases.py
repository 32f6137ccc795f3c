"""Custom phrases by language tag (Logto tag "Custom phrases")."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from authkeep import domain, ids
from authkeep.api.context import Ctx
from authkeep.api.sign_in_exp import current
from authkeep.domain import languages
from authkeep.errors import LogtoError
from authkeep.store import sign_in_exp as store
from authkeep.web import ApiRouter, read_json

router = ApiRouter()


def _tag(ctx: Ctx) -> str:
    tag = ctx.param("languageTag")
    if not languages.is_language_tag(tag):
        raise LogtoError(
            "guard.invalid_input",
            400,
            type="params",
            details='Error in key path "languageTag": (custom) Invalid input',
        )
    return tag


def _translation(value: Any, path: str = "") -> Any:
    """Logto's `translationGuard` (nested records of strings), then `cleanDeep` (empties dropped)."""
    if not isinstance(value, dict):
        where = path or "(root)"
        raise LogtoError(
            "guard.invalid_input", 400, type="body", details=f'Error in key path "{where}": Expected string or object.'
        )
    out: dict[str, Any] = {}
    for key, item in value.items():
        sub = f"{path}.{key}" if path else key
        if isinstance(item, str):
            if item:
                out[key] = item
        else:
            cleaned = _translation(item, sub)
            if cleaned:
                out[key] = cleaned
    return out


@cache
def _english() -> dict[str, Any]:
    """The key tree of Logto's English experience phrases (scripts/phrase_keys.py)."""
    return json.loads((Path(domain.__file__).parent / "phrase_keys.json").read_text(encoding="utf-8"))


def _strictly_partial(full: dict[str, Any], partial: dict[str, Any]) -> bool:
    """Logto's `isStrictlyPartial`: every key exists in the catalogue, strings where strings are."""
    for key, value in partial.items():
        known = full.get(key)
        if not known:
            return False
        if isinstance(known, dict) != isinstance(value, dict):
            return False
        if isinstance(value, dict) and not _strictly_partial(known, value):
            return False
    return True


@router.get("/custom-phrases")
async def list_phrases(ctx: Ctx) -> object:
    async with ctx.db.read() as conn:
        return await store.list_phrases(conn, ctx.tenant_id)


@router.get("/custom-phrases/{languageTag}")
async def get_phrase(ctx: Ctx) -> object:
    tag = _tag(ctx)
    async with ctx.db.read() as conn:
        found = await store.get_phrase(conn, ctx.tenant_id, tag)
    if found is None:
        raise LogtoError("entity.not_found", 404)
    return found


@router.put("/custom-phrases/{languageTag}", status=201)
async def put_phrase(ctx: Ctx) -> object:
    tag = _tag(ctx)
    translation = _translation(await read_json(ctx.request))
    if not _strictly_partial(_english(), translation):
        raise LogtoError("localization.invalid_translation_structure", 422)
    async with ctx.db.write() as conn:
        return await store.upsert_phrase(conn, ctx.tenant_id, ids.standard_id(), tag, translation)


@router.delete("/custom-phrases/{languageTag}")
async def delete_phrase(ctx: Ctx) -> None:
    tag = _tag(ctx)
    async with ctx.db.write() as conn:
        fallback = (await current(conn, ctx.tenant_id))["languageInfo"]["fallbackLanguage"]
        if fallback == tag:
            raise LogtoError("localization.cannot_delete_default_language", 409, languageTag=tag)
        if not await store.delete_phrase(conn, ctx.tenant_id, tag):
            raise LogtoError("entity.not_found", 404)
