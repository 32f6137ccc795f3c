"""The sign-in experience: Logto's seed defaults and the consistency rules of PATCH /sign-in-exp
(routes/sign-in-experience and libraries/sign-in-experience in Logto)."""

from __future__ import annotations

import copy
import re
import weakref
from typing import Any

from authkeep import clock, errors
from authkeep.cache import WriteAwareCache
from authkeep.connectors import FACTORIES
from authkeep.domain import languages
from authkeep.errors import LogtoError
from authkeep.store import sign_in_exp as store
from authkeep.store import tables_sign_in as S
from authkeep.store.db import Database

DEFAULT_USERNAME_POLICY = {
    "caseSensitive": True,
    "minLength": 1,
    "maxLength": 128,
    "allowedChars": {"lowercase": True, "uppercase": True, "numbers": True, "underscore": True},
}
_MANDATORY = ("PromptAtSignInAndSignUpMandatory", "PromptOnlyAtSignInMandatory")


def default(tenant_id: str) -> dict[str, Any]:
    """Logto's `createDefaultSignInExperience(tenant, isCloud=false)` with the table defaults."""
    return {
        "tenantId": tenant_id,
        "id": "default",
        "color": {"primaryColor": "#6139F6", "isDarkModeEnabled": False, "darkPrimaryColor": "#8768F8"},
        "branding": {"logoUrl": "https://logto.io/logo.svg", "darkLogoUrl": "https://logto.io/logo-dark.svg"},
        "hideLogtoBranding": False,
        "languageInfo": {"autoDetect": True, "fallbackLanguage": "en"},
        "termsOfUseUrl": None,
        "privacyPolicyUrl": None,
        "agreeToTermsPolicy": "Automatic",
        "signIn": {
            "methods": [
                {"identifier": "username", "password": True, "verificationCode": False, "isPasswordPrimary": True}
            ]
        },
        "signUp": {"identifiers": ["username"], "password": True, "verify": False},
        "socialSignIn": {},
        "socialSignInConnectorTargets": [],
        "signInMode": "SignInAndRegister",
        "customCss": None,
        "customContent": {},
        "customUiAssets": None,
        "customUiCsp": {},
        "passwordPolicy": {},
        "mfa": {"factors": [], "policy": "UserControlled"},
        "adaptiveMfa": {},
        "singleSignOnEnabled": False,
        "supportEmail": None,
        "supportWebsiteUrl": None,
        "unknownSessionRedirectUrl": None,
        "captchaPolicy": {},
        "sentinelPolicy": {},
        "emailBlocklistPolicy": {},
        "verificationCodePolicy": {},
        "forgotPasswordMethods": [],
        "passkeySignIn": {},
        "signUpProfileFields": None,
        "passwordExpiration": {},
        "usernamePolicy": copy.deepcopy(DEFAULT_USERNAME_POLICY),
    }


def _fail(code: str, status: int = 400, **params: Any) -> LogtoError:
    return LogtoError(f"sign_in_experiences.{code}", status, **params)


def _has(connectors: list[dict[str, Any]], kind: str) -> bool:
    return any(c["type"] == kind for c in connectors)


def validate_sign_up(sign_up: dict[str, Any], connectors: list[dict[str, Any]]) -> None:
    primary = sign_up["identifiers"]
    secondary = [s["identifier"] for s in sign_up.get("secondaryIdentifiers") or []]
    if secondary and not primary:
        raise _fail("missing_sign_up_identifiers")
    if len(set(primary)) != len(primary) or len(set(secondary)) != len(secondary):
        raise _fail("duplicated_sign_up_identifiers")
    for ident in set(secondary):
        clash = {"email", "phone"} & set(primary) if ident == "emailOrPhone" else {ident} & set(primary)
        if clash:
            raise _fail("duplicated_sign_up_identifiers")
    if any(i != "username" for i in primary + secondary) and not sign_up["verify"]:
        raise _fail("passwordless_requires_verify")
    for item in sign_up.get("secondaryIdentifiers") or []:
        if item["identifier"] != "username" and not item.get("verify"):
            raise _fail("passwordless_requires_verify")
    wanted = set(primary) | set(secondary)
    if wanted & {"email", "emailOrPhone"} and not _has(connectors, "Email"):
        raise _fail("enabled_connector_not_found", type="Email")
    if wanted & {"phone", "emailOrPhone"} and not _has(connectors, "Sms"):
        raise _fail("enabled_connector_not_found", type="Sms")


def _code_sign_in(sign_in: dict[str, Any], identifier: str) -> bool:
    return any(m["verificationCode"] and m["identifier"] == identifier for m in sign_in["methods"])


def validate_sign_in(
    sign_in: dict[str, Any], sign_up: dict[str, Any], connectors: list[dict[str, Any]], mfa: dict[str, Any]
) -> None:
    if _code_sign_in(sign_in, "email") and not _has(connectors, "Email"):
        raise _fail("enabled_connector_not_found", type="Email")
    if _code_sign_in(sign_in, "phone") and not _has(connectors, "Sms"):
        raise _fail("enabled_connector_not_found", type="Sms")
    if not all(m["password"] or m["verificationCode"] for m in sign_in["methods"]):
        raise _fail("at_least_one_authentication_factor")
    code_only = sign_up["verify"] and not sign_up["password"]
    if code_only and not all(m["verificationCode"] or m["identifier"] == "username" for m in sign_in["methods"]):
        raise _fail("code_sign_in_must_be_enabled")
    if _code_sign_in(sign_in, "email") and "EmailVerificationCode" in mfa["factors"]:
        raise _fail("email_verification_code_cannot_be_used_for_sign_in")
    if _code_sign_in(sign_in, "phone") and "PhoneVerificationCode" in mfa["factors"]:
        raise _fail("phone_verification_code_cannot_be_used_for_sign_in")


def validate_mfa(mfa: dict[str, Any], sign_in: dict[str, Any]) -> None:
    factors = mfa["factors"]
    if len(set(factors)) != len(factors):
        raise _fail("duplicated_mfa_factors")
    if "BackupCode" in factors and len(factors) == 1:
        raise _fail("backup_code_cannot_be_enabled_alone")
    if "EmailVerificationCode" in factors and _code_sign_in(sign_in, "email"):
        raise _fail("email_verification_code_cannot_be_used_for_mfa")
    if "PhoneVerificationCode" in factors and _code_sign_in(sign_in, "phone"):
        raise _fail("phone_verification_code_cannot_be_used_for_mfa")


def _mfa_on(mfa: dict[str, Any] | None) -> bool:
    return bool(mfa and mfa.get("factors"))


def forgot_password_availability(connectors: list[dict[str, Any]], methods: list[str] | None) -> dict[str, bool]:
    email, sms = _has(connectors, "Email"), _has(connectors, "Sms")
    if methods is None:
        return {"email": email, "phone": sms}
    return {
        "email": "EmailVerificationCode" in methods and email,
        "phone": "PhoneVerificationCode" in methods and sms,
    }


def apply_patch(
    current: dict[str, Any],
    body: dict[str, Any],
    connectors: list[dict[str, Any]],
    custom_languages: list[str],
) -> dict[str, Any]:
    """Checks a parsed PATCH body against the current settings; returns the new document.
    The username case-conflict check and profile-field normalisation happen before (they need SQL)."""
    if "languageInfo" in body:
        tag = body["languageInfo"]["fallbackLanguage"]
        if tag not in languages.BUILT_IN and tag not in custom_languages:
            raise _fail("unsupported_default_language", language=tag)
    targets = body.get("socialSignInConnectorTargets")
    if targets is not None:
        social = {c["target"] for c in connectors if c["type"] == "Social"}
        body["socialSignInConnectorTargets"] = [t for t in targets if t in social]
    if "signUp" in body:
        validate_sign_up(body["signUp"], connectors)
    if "signIn" in body:
        validate_sign_in(
            body["signIn"], body.get("signUp", current["signUp"]), connectors, body.get("mfa", current["mfa"])
        )
    mfa = body.get("mfa")
    if mfa is not None:
        validate_mfa(mfa, body.get("signIn", current["signIn"]))
    _check_adaptive_mfa(current, body)

    methods = body.get("forgotPasswordMethods")
    if methods:
        available = forgot_password_availability(connectors, methods)
        if "EmailVerificationCode" in methods and not available["email"]:
            raise _fail("forgot_password_method_requires_connector", method="email")
        if "PhoneVerificationCode" in methods and not available["phone"]:
            raise _fail("forgot_password_method_requires_connector", method="sms")

    expiration = _password_expiration(current, body, connectors)
    if "passwordExpiration" in body:
        body["passwordExpiration"] = expiration
    if "emailBlocklistPolicy" in body:
        body["emailBlocklistPolicy"] = _email_blocklist(body["emailBlocklistPolicy"])
    if body.get("hideLogtoBranding"):
        raise errors.invalid_input("Hide Logto branding is not supported in this environment")
    csp = body.get("customUiCsp")
    if csp and any(csp.get(k) for k in ("scriptSrc", "connectSrc")):
        raise errors.invalid_input("Custom UI CSP configuration is not available")
    return {**current, **body}


def _check_adaptive_mfa(current: dict[str, Any], body: dict[str, Any]) -> None:
    adaptive, mfa = body.get("adaptiveMfa"), body.get("mfa")
    effective = mfa if mfa is not None else current["mfa"]
    if adaptive is not None and adaptive.get("enabled"):
        if not _mfa_on(effective):
            raise _fail("adaptive_mfa_requires_mfa", 422)
        if effective["policy"] not in _MANDATORY:
            raise _fail("adaptive_mfa_requires_non_skippable_policy", 422)
    if adaptive is not None and adaptive.get("enabled") is False and effective["policy"] in _MANDATORY:
        raise _fail("non_adaptive_mfa_requires_skippable_policy", 422)
    if adaptive is None and mfa is not None and _mfa_on(mfa):
        if current["adaptiveMfa"].get("enabled"):
            if mfa["policy"] not in _MANDATORY:
                raise _fail("adaptive_mfa_requires_non_skippable_policy", 422)
        elif mfa["policy"] in _MANDATORY:
            raise _fail("non_adaptive_mfa_requires_skippable_policy", 422)
    if mfa is not None and not _mfa_on(mfa) and adaptive is None:
        body["adaptiveMfa"] = {"enabled": False}


def _password_expiration(
    current: dict[str, Any], body: dict[str, Any], connectors: list[dict[str, Any]]
) -> dict[str, Any]:
    """The policy to persist; checked even when the body leaves it alone (as Logto)."""
    given = body.get("passwordExpiration") or {}
    stored = current["passwordExpiration"]
    merged = {"enabled": False} if given.get("enabled") is False else {**stored, **given}
    if merged.get("enabled") is not True:
        return {"enabled": False} if "enabled" in merged else {}
    days = merged.get("validPeriodDays")
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        raise _fail("password_expiration_invalid_period_days", 422)
    methods = body.get("forgotPasswordMethods", current["forgotPasswordMethods"])
    available = forgot_password_availability(connectors, methods)
    if not (available["email"] or available["phone"]):
        raise _fail("password_expiration_requires_forgot_password", 422)
    enabled_at = stored.get("enabledAt") if stored.get("enabled") else None
    return {"enabled": True, "validPeriodDays": days, "enabledAt": enabled_at or clock.now_ms()}


_BLOCKLIST_ITEM = re.compile(r"^[^@\s]*@[^@\s]+\.[^@\s]+$")


def _email_blocklist(policy: dict[str, Any]) -> dict[str, Any]:
    if policy.get("blockDisposableAddresses"):
        raise errors.invalid_input("Disposable email domain validation is not supported in this environment")
    out = dict(policy)
    for key in ("customAllowlist", "customBlocklist"):
        if out.get(key) is None:
            continue
        items = list(dict.fromkeys(out[key]))
        bad = [item for item in items if not _BLOCKLIST_ITEM.match(item)]
        if bad:
            listed = bad[0] if len(bad) == 1 else ", ".join(bad[:-1]) + (", and " if len(bad) > 2 else " and ") + bad[-1]
            raise _fail("invalid_custom_email_blocklist_format", items=listed)
        out[key] = items
    return out


def connector_summaries(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`{id, type, target, factoryId}` for each stored connector; a standard connector's target
    comes from its metadata (as Logto's `metadata.target` override)."""
    out = []
    for row in rows:
        factory = FACTORIES.get(row["connectorId"])
        if factory is None:
            continue
        target = row["metadata"].get("target") or factory.target
        out.append({"id": row["id"], "type": factory.type, "target": target, "factoryId": row["connectorId"]})
    return out


# --- reading the stored document (routes and the Users API share these) -----------------------


async def current(conn: Any, tenant_id: str, lock: bool = False) -> dict[str, Any]:
    """The stored document over the seed defaults (a missing row is Logto's seed)."""
    stored = await store.get_document(conn, S.sign_in_experiences, tenant_id, lock)
    return {**default(tenant_id), **(stored or {}), "tenantId": tenant_id, "id": "default"}


async def connectors(conn: Any, tenant_id: str) -> list[dict[str, Any]]:
    return connector_summaries(await store.connector_rows(conn, tenant_id))


async def normalize_profile_fields(conn: Any, tenant_id: str, fields: list[dict[str, Any]] | None) -> Any:
    """Logto's `normalizeProfileFields`: duplicates refused, names missing from the catalog dropped."""
    if not fields:
        return fields
    names = [f["name"] for f in fields]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise errors.invalid_input(f"Duplicate profile field names: {', '.join(dupes)}")
    known = {f["name"] for f in await store.list_fields(conn, tenant_id, names)}
    return [f for f in fields if f["name"] in known]


# Per database: tenant -> `usernamePolicy.caseSensitive`, dropped when the sign-in tables change.
_CASE_POLICY: weakref.WeakKeyDictionary[Database, WriteAwareCache[str, bool]] = weakref.WeakKeyDictionary()


async def usernames_case_sensitive(db: Database, tenant_id: str) -> bool:
    """Whether usernames differing only by case are different users (the Users API asks on
    every create that carries a username, so the answer is cached)."""
    cache = _CASE_POLICY.get(db)
    if cache is None:
        cache = _CASE_POLICY[db] = WriteAwareCache(db, 300.0, ("sign_in",), size=1024)

    async def load() -> bool:
        async with db.read() as conn:
            return await store.username_case_sensitive(conn, tenant_id)

    return bool(await cache.load(tenant_id, load))
