"""Public documents the sign-in page reads (Logto tag "Well-known"): no authentication."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from authkeep.api.contract import ApiRouter, Ctx
from authkeep.connectors import FACTORIES
from authkeep.domain import account_center, languages
from authkeep.domain import sign_in_exp as sie
from authkeep.domain.captcha import public_config
from authkeep.domain.experience import sso
from authkeep.store import sign_in_exp as store
from authkeep.web import Query, json_response

router = ApiRouter(policy="public", family="sign_in")


class ExperienceQuery(Query):
    organizationId: str | None = None


class PhrasesQuery(Query):
    lng: str | None = None


def _connector_metadata(row: dict[str, Any]) -> dict[str, Any]:
    factory = FACTORIES[row["connectorId"]]
    meta = {k: v for k, v in factory.public().items() if k not in ("type", "isDemo")}
    overrides = {k: row["metadata"][k] for k in ("target", "name", "logo", "logoDark") if row["metadata"].get(k)}
    return {**meta, **overrides, "id": row["id"]}


def _sign_up_fields(catalog: list[dict[str, Any]], chosen: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    if chosen is None:
        return catalog
    by_name = {f["name"]: f for f in catalog}
    return [by_name[c["name"]] for c in chosen if c["name"] in by_name]


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _organization_override(org: dict[str, Any] | None) -> dict[str, Any]:
    """Logto's `getOrganizationOverride`: the organization's branding, color and CSS, when set
    (an empty object counts as set, as in JavaScript)."""
    if org is None:
        return {}
    over: dict[str, Any] = {}
    for key in ("branding", "color"):
        if org.get(key) is not None:
            over[key] = org[key]
    if org.get("customCss"):
        over["customCss"] = org["customCss"]
    return over


# Shows connectors and an organization's branding besides the sign-in tables.
_EXPERIENCE_READS = ("sign_in", "connectors", "organizations", "configs")


@router.get("/.well-known/sign-in-exp", query=ExperienceQuery, reads=_EXPERIENCE_READS)
@router.get("/.well-known/experience", query=ExperienceQuery, reads=_EXPERIENCE_READS)
async def full_sign_in_experience(ctx: Ctx) -> object:
    tenant_id = ctx.tenant_id
    async with ctx.db.read() as conn:
        doc = await sie.current(conn, tenant_id)
        org_id = ctx.q.organizationId
        org = await store.organization_branding(conn, tenant_id, org_id) if org_id else None
        rows = await store.connector_rows(conn, tenant_id)
        catalog = await store.list_fields(conn, tenant_id)
        enabled = doc["captchaPolicy"].get("enabled")
        captcha = await public_config(ctx.state.box, conn, tenant_id) if enabled else None
        sso_rows = await sso.available_connectors(conn, tenant_id) if doc.get("singleSignOnEnabled") else []
    found = sie.connector_summaries(rows)
    targets = doc["socialSignInConnectorTargets"]
    social = [
        _connector_metadata(row)
        for target in targets
        for row in rows
        if row["connectorId"] in FACTORIES and FACTORIES[row["connectorId"]].type == "Social"
        and (row["metadata"].get("target") or FACTORIES[row["connectorId"]].target) == target
    ]
    merged = _deep_merge(doc, _organization_override(org))
    body = {k: v for k, v in merged.items() if k not in ("emailBlocklistPolicy", "forgotPasswordMethods")}
    body.update(
        socialConnectors=social,
        ssoConnectors=[sso.public_metadata(r) for r in sso_rows],
        forgotPassword=sie.forgot_password_availability(found, doc["forgotPasswordMethods"]),
        isDevelopmentTenant=False,
        customProfileFields=_sign_up_fields(catalog, doc["signUpProfileFields"]),
        customProfileFieldCatalog=catalog,
    )
    if captcha is not None:
        body["captchaConfig"] = captcha
    return body


def _accepted(header: str) -> list[str]:
    """Accept-Language tags by quality, as Koa's `acceptsLanguages()`."""
    ranked = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, index, tag))
    return [tag for _, _, tag in sorted(ranked)]


def _pick_language(candidates: list[str], custom: list[str]) -> str:
    supported = list(languages.BUILT_IN) + [t for t in custom if t not in languages.BUILT_IN]
    lowered = {t.lower(): t for t in supported}
    for tag in candidates:
        if tag.lower() in lowered:
            return lowered[tag.lower()]
        primary = tag.split("-")[0].lower()
        for known in supported:
            if known.lower().split("-")[0] == primary:
                return known
    return "en"


# Not cached: the answer depends on Accept-Language, which the response cache does not key on.
@router.get("/.well-known/phrases", query=PhrasesQuery, cache=False)
async def phrases(ctx: Ctx) -> Response:
    tenant_id = ctx.tenant_id
    async with ctx.db.read() as conn:
        info = (await sie.current(conn, tenant_id))["languageInfo"]
        custom = await store.phrase_tags(conn, tenant_id)
        candidates = (ctx.q.lng or "").split()
        if info["autoDetect"]:
            candidates += _accepted(ctx.request.headers.get("accept-language", ""))
        language = _pick_language([*candidates, info["fallbackLanguage"]], custom)
        phrase = await store.get_phrase(conn, tenant_id, language)
    # authkeep ships no built-in phrase catalogue: only the tenant's custom phrases are served.
    body: dict[str, Any] = {"translation": {}}
    if phrase is not None:
        body.update(phrase)
    return json_response(body, headers={"Content-Language": language})


@router.get("/.well-known/account-center")
async def account_center_document(ctx: Ctx) -> object:
    async with ctx.db.read() as conn:
        return await account_center.current(conn, ctx.tenant_id)
