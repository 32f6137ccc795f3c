"""Users routes (Logto tag "Users"): 40 operations, see docs/users.md."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError
from sqlalchemy import select, update
from starlette.responses import Response

from authkeep import clock, paging, web
from authkeep.api.context import Ctx
from authkeep.domain import passwords
from authkeep.domain import users as rules
from authkeep.errors import LogtoError, invalid_input, not_exists_with_id
from authkeep.search import parse_search
from authkeep.store import rows, users_create
from authkeep.store import tables as T
from authkeep.store import users as store

router = web.ApiRouter()


# --- request bodies ------------------------------------------------------------------------------


def _matches(regex: Any, message: str = "Invalid", allow_empty: bool = False) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if value is None or (allow_empty and value == ""):
            return value
        if not regex.fullmatch(value):
            raise PydanticCustomError("string_pattern_mismatch", message)
        return value

    return check


def _url(allow_empty: bool = True) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if value is None or (allow_empty and value == ""):
            return value
        if not rules.valid_url(value):
            raise PydanticCustomError("string_pattern_mismatch", "Invalid url")
        return value

    return check


Username = Annotated[str, AfterValidator(_matches(rules.USERNAME_RE))]
Email = Annotated[str, AfterValidator(_matches(rules.EMAIL_RE))]
Phone = Annotated[str, AfterValidator(_matches(rules.PHONE_RE))]
UsernameOrEmpty = Annotated[str, AfterValidator(_matches(rules.USERNAME_RE, allow_empty=True))]
EmailOrEmpty = Annotated[str, AfterValidator(_matches(rules.EMAIL_RE, allow_empty=True))]
PhoneOrEmpty = Annotated[str, AfterValidator(_matches(rules.PHONE_RE, allow_empty=True))]
Avatar = Annotated[str, AfterValidator(_url())]
NonEmpty = Annotated[str, Field(min_length=1)]
Algorithm = Literal["Argon2i", "Argon2id", "Argon2d", "SHA1", "SHA256", "MD5", "Bcrypt", "Legacy"]


class Address(web.Body):
    formatted: str = None  # type: ignore[assignment]
    street_address: str = Field(None, alias="streetAddress")  # type: ignore[assignment]
    locality: str = None  # type: ignore[assignment]
    region: str = None  # type: ignore[assignment]
    postal_code: str = Field(None, alias="postalCode")  # type: ignore[assignment]
    country: str = None  # type: ignore[assignment]


class Profile(web.Body):
    """userProfileGuard: every key optional, `null` refused, unknown keys dropped."""

    family_name: str = Field(None, alias="familyName")  # type: ignore[assignment]
    given_name: str = Field(None, alias="givenName")  # type: ignore[assignment]
    middle_name: str = Field(None, alias="middleName")  # type: ignore[assignment]
    nickname: str = None  # type: ignore[assignment]
    preferred_username: str = Field(None, alias="preferredUsername")  # type: ignore[assignment]
    profile: str = None  # type: ignore[assignment]
    website: str = None  # type: ignore[assignment]
    gender: str = None  # type: ignore[assignment]
    birthdate: str = None  # type: ignore[assignment]
    zoneinfo: str = None  # type: ignore[assignment]
    locale: str = None  # type: ignore[assignment]
    address: Address = None  # type: ignore[assignment]

    def wire(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_unset=True)


class CreateUser(web.Body):
    primary_phone: Phone = Field(None, alias="primaryPhone")  # type: ignore[assignment]
    primary_email: Email = Field(None, alias="primaryEmail")  # type: ignore[assignment]
    username: Username = None  # type: ignore[assignment]
    password: NonEmpty = None  # type: ignore[assignment]
    password_digest: Annotated[str, Field(max_length=256)] = Field(None, alias="passwordDigest")  # type: ignore[assignment]
    password_algorithm: Algorithm = Field(None, alias="passwordAlgorithm")  # type: ignore[assignment]
    name: str = None  # type: ignore[assignment]
    avatar: Avatar | None = None
    custom_data: dict[str, Any] = Field(None, alias="customData")  # type: ignore[assignment]
    profile: Profile = None  # type: ignore[assignment]


class UpdateUser(web.Body):
    username: UsernameOrEmpty | None = None
    primary_email: EmailOrEmpty | None = Field(None, alias="primaryEmail")
    primary_phone: PhoneOrEmpty | None = Field(None, alias="primaryPhone")
    name: str | None = None
    avatar: Avatar | None = None
    custom_data: dict[str, Any] = Field(None, alias="customData")  # type: ignore[assignment]
    profile: Profile = None  # type: ignore[assignment]


class CustomDataBody(web.Body):
    custom_data: dict[str, Any] = Field(alias="customData")


class ProfileBody(web.Body):
    profile: Profile


class MfaConfig(web.Body):
    enabled: bool = None  # type: ignore[assignment]
    skipped: bool = None  # type: ignore[assignment]
    additional_binding_suggestion_skipped: bool = Field(None, alias="additionalBindingSuggestionSkipped")  # type: ignore[assignment]
    skip_mfa_on_sign_in: bool = Field(None, alias="skipMfaOnSignIn")  # type: ignore[assignment]


class PasskeyConfig(web.Body):
    skipped: bool = None  # type: ignore[assignment]


class LogtoConfigBody(web.Body):
    mfa: MfaConfig = None  # type: ignore[assignment]
    passkey_sign_in: PasskeyConfig = Field(None, alias="passkeySignIn")  # type: ignore[assignment]


class PasswordBody(web.Body):
    password: NonEmpty


class ExpirationBody(web.Body):
    is_expired: bool = Field(alias="isExpired")


class SuspendBody(web.Body):
    is_suspended: bool = Field(alias="isSuspended")


class RoleIdsBody(web.Body):
    role_ids: list[NonEmpty] = Field(alias="roleIds", max_length=1000)  # bounded work, as other id lists


class IdentityBody(web.Body):
    user_id: str = Field(alias="userId")
    details: dict[str, Any] = None  # type: ignore[assignment]


class LinkIdentityBody(web.Body):
    connector_id: str = Field(alias="connectorId")
    connector_data: dict[str, Any] = Field(alias="connectorData")


class TotpBody(web.Body):
    type: Literal["Totp"]
    secret: str = None  # type: ignore[assignment]


class BackupCodeBody(web.Body):
    type: Literal["BackupCode"]
    codes: list[str] = None  # type: ignore[assignment]


class CreatePatBody(web.Body):
    name: Annotated[str, Field(min_length=1, max_length=256)]
    expires_at: float | None = Field(None, alias="expiresAt")


class RenamePatBody(web.Body):
    name: Annotated[str, Field(min_length=1, max_length=256)]
    current_name: str = Field(None, alias="currentName")  # type: ignore[assignment]


class PatNameBody(web.Body):
    name: str


class GrantsQuery(web.Body):
    app_type: Literal["firstParty", "thirdParty"] = Field(None, alias="appType")  # type: ignore[assignment]


class SessionDeleteQuery(web.Body):
    revoke_grants_target: Literal["all", "firstParty"] = Field(None, alias="revokeGrantsTarget")  # type: ignore[assignment]


# --- helpers -------------------------------------------------------------------------------------

_MAX_LENGTHS = {"username": 128, "primary_email": 128, "primary_phone": 128, "name": 128, "avatar": 2048}


def _check_lengths(values: dict[str, Any]) -> None:
    """varchar limits, so SQLite answers like PostgreSQL (422 `entity.value_too_long`)."""
    for key, limit in _MAX_LENGTHS.items():
        value = values.get(key)
        if isinstance(value, str) and len(value) > limit:
            raise LogtoError("entity.value_too_long", 422)


def user_wire(row: Any, *, include_hash: bool = False, sso: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    out = rows.user_info(row)
    if sso is not None:
        out["ssoIdentities"] = sso
    if include_hash:
        m = row if isinstance(row, dict) else row._mapping
        out["passwordDigest"] = m["password_encrypted"]
        out["passwordAlgorithm"] = m["password_encryption_method"]
    return out


def _password_values(encrypted: str, method: str) -> dict[str, Any]:
    return {
        "password_encrypted": encrypted,
        "password_encryption_method": method,
        "password_updated_at": clock.now_ms(),
        "is_password_expired": False,
    }


async def _query(ctx: Ctx, model: type[web.M]) -> web.M:
    return web.validate(model, dict(ctx.query), where="query")


# --- list, create, read, update, delete --------------------------------------------------------


@router.get("/users")
async def list_users(ctx: Ctx) -> Response:
    page = paging.parse_page(ctx.request)
    assert page is not None
    q = ctx.query
    exclude_role, exclude_org = q.get("excludeRoleId"), q.get("excludeOrganizationId")
    if exclude_role and exclude_org:
        raise invalid_input(
            "Parameter `excludeRoleId` and `excludeOrganizationId` cannot be used at the same time."
        )
    search = parse_search(q, rules.SEARCH_FIELDS)
    include_hash = web.yes(q.get("includePasswordHash"))
    fast = None if (search or exclude_role or exclude_org) else await store.first_page(ctx.db, ctx.tenant_id, page)
    if fast is not None:
        found, total = fast
    else:
        async with ctx.db.read() as conn:
            found, total = await store.list_users(
                conn, ctx.db.dialect, ctx.tenant_id, search, page, exclude_role or None, exclude_org or None
            )
    return paging.paged(ctx.request, [user_wire(r, include_hash=include_hash) for r in found], total, page)


@router.post("/users", status=200)
async def create_user(ctx: Ctx) -> dict[str, Any]:
    body = await web.read_body(ctx.request, CreateUser)
    given = body.model_fields_set
    if body.password and body.password_digest:
        raise LogtoError("user.password_and_digest", 400)
    if body.password_digest and not body.password_algorithm:
        raise LogtoError("user.password_algorithm_required", 400)
    password_values: dict[str, Any] = {}
    if body.password:
        password_values = _password_values(await passwords.hash_password_async(body.password), "Argon2i")
    elif body.password_digest and body.password_algorithm:
        password_values = _password_values(body.password_digest, body.password_algorithm)
    values: dict[str, Any] = {}
    for key in ("username", "primary_email", "name", "avatar"):
        if key in given and getattr(body, key) is not None:
            values[key] = getattr(body, key)
    if body.primary_phone:
        values["primary_phone"] = body.primary_phone
    if "custom_data" in given:
        values["custom_data"] = body.custom_data
    if "profile" in given:
        values["profile"] = body.profile.wire()
    _check_lengths(values)
    phones = rules.phone_variants(body.primary_phone) if body.primary_phone else ()
    # The batched create; Legacy digests and unparsable phones keep Logto's order of errors
    # (identifier conflicts first) on the general path below.
    if not ctx.db.is_sqlite and body.password_algorithm != "Legacy" and _phone_parses(body.primary_phone):
        stored = {**values, **password_values}
        if body.primary_phone:
            stored["primary_phone"] = rules.normalize_phone(body.primary_phone)
        created = await users_create.create(ctx.db, store.new_user_row(ctx.tenant_id, stored), phones=phones)
        if created is not None:
            return user_wire(created)
    async with ctx.db.write() as conn:
        taken, default_roles = await store.creation_checks(
            conn, ctx.tenant_id, username=body.username, email=body.primary_email, phones=phones
        )
        _refuse_taken(taken)
        if body.password_algorithm == "Legacy":
            passwords.parse_legacy(body.password_digest)
        if body.primary_phone:
            values["primary_phone"] = rules.normalize_phone(body.primary_phone)
        row = await store.insert_user(conn, ctx.tenant_id, {**values, **password_values}, default_roles)
    return user_wire(row)


def _phone_parses(phone: str | None) -> bool:
    try:
        return not phone or bool(rules.normalize_phone(phone))
    except LogtoError:
        return False


def _refuse_taken(taken: set[str]) -> None:
    """Logto checks username, then e-mail, then phone."""
    for field, code in (
        ("username", "user.username_already_in_use"),
        ("email", "user.email_already_in_use"),
        ("phone", "user.phone_already_in_use"),
    ):
        if field in taken:
            raise LogtoError(code, 422)


@router.get("/users/{userId}")
async def get_user(ctx: Ctx) -> dict[str, Any]:
    q = ctx.query
    async with ctx.db.read() as conn:
        row = await store.get_user(conn, ctx.tenant_id, ctx.param("userId"))
        sso = await store.sso_identities(conn, ctx.tenant_id, row.id) if web.yes(q.get("includeSsoIdentities")) else None
    return user_wire(row, include_hash=web.yes(q.get("includePasswordHash")), sso=sso)


@router.patch("/users/{userId}")
async def update_user(ctx: Ctx) -> dict[str, Any]:
    body = await web.read_body(ctx.request, UpdateUser)
    given = body.model_fields_set
    values: dict[str, Any] = {}
    for key in ("username", "primary_email", "primary_phone", "name", "avatar", "custom_data"):
        if key in given:
            values[key] = getattr(body, key)
    if "profile" in given:
        values["profile"] = body.profile.wire()
    user_id = ctx.param("userId")
    async with ctx.db.write() as conn:
        await store.get_user(conn, ctx.tenant_id, user_id)
        phone = values.get("primary_phone")
        taken = await store.identifier_conflict(
            conn,
            ctx.tenant_id,
            username=values.get("username"),
            email=values.get("primary_email"),
            phones=rules.phone_variants(phone) if phone else (),
            exclude_user_id=user_id,
        )
        for field, code in (
            ("email", "user.email_already_in_use"),
            ("phone", "user.phone_already_in_use"),
            ("username", "user.username_already_in_use"),
        ):
            if field in taken:
                raise LogtoError(code, 422)
        if phone:
            values["primary_phone"] = rules.normalize_phone(phone)
        _check_lengths(values)
        row = await store.update_user(conn, ctx.tenant_id, user_id, values)
    return user_wire(row)


@router.delete("/users/{userId}")
async def delete_user(ctx: Ctx) -> None:
    user_id = ctx.param("userId")
    if user_id == ctx.auth.subject:
        raise LogtoError("user.cannot_delete_self", 400)
    async with ctx.db.write() as conn:
        await store.get_user(conn, ctx.tenant_id, user_id)
        await store.delete_user(conn, ctx.tenant_id, user_id)


# --- custom data, profile, logto-configs -------------------------------------------------------


@router.get("/users/{userId}/custom-data")
async def get_custom_data(ctx: Ctx) -> Any:
    async with ctx.db.read() as conn:
        row = await store.get_user(conn, ctx.tenant_id, ctx.param("userId"))
    return row.custom_data


@router.patch("/users/{userId}/custom-data")
async def patch_custom_data(ctx: Ctx) -> Any:
    body = await web.read_body(ctx.request, CustomDataBody)
    async with ctx.db.write() as conn:
        await store.get_user(conn, ctx.tenant_id, ctx.param("userId"))
        row = await store.merge_json(conn, ctx.db.dialect, ctx.tenant_id, ctx.param("userId"), "custom_data", body.custom_data)
    return row.custom_data


@router.patch("/users/{userId}/profile")
async def patch_profile(ctx: Ctx) -> Any:
    body = await web.read_body(ctx.request, ProfileBody)
    async with ctx.db.write() as conn:
        await store.get_user(conn, ctx.tenant_id, ctx.param("userId"))
        row = await store.merge_json(conn, ctx.db.dialect, ctx.tenant_id, ctx.param("userId"), "profile", body.profile.wire())
    return row.profile


@router.get("/users/{userId}/logto-configs")
async def get_logto_configs(ctx: Ctx) -> dict[str, Any]:
    async with ctx.db.read() as conn:
        row = await store.get_user(conn, ctx.tenant_id, ctx.param("userId"))
    return rules.logto_config_response(row.logto_config)


@router.patch("/users/{userId}/logto-configs")
async def patch_logto_configs(ctx: Ctx) -> dict[str, Any]:
    body = await web.read_body(ctx.request, LogtoConfigBody)
    mfa = body.mfa.model_dump(by_alias=True, exclude_unset=True) if body.mfa else {}
    mfa = {k: mfa.get(k) for k in ("enabled", "skipped", "skipMfaOnSignIn")}
    passkey = {"skipped": body.passkey_sign_in.skipped} if body.passkey_sign_in else {}
    async with ctx.db.write() as conn:
        row = await store.get_user(conn, ctx.tenant_id, ctx.param("userId"))
        config = rules.merge_logto_config(row.logto_config, mfa, passkey)
        row = await store.update_user(conn, ctx.tenant_id, row.id, {"logto_config": config})
    return rules.logto_config_response(row.logto_config)


# --- passwords and suspension ------------------------------------------------------------------


@router.patch("/users/{userId}/password")
async def patch_password(ctx: Ctx) -> dict[str, Any]:
    body = await web.read_body(ctx.request, PasswordBody)
    async with ctx.db.read() as conn:
        await store.get_user(conn, ctx.tenant_id, ctx.param("userId"))
    encrypted = await passwords.hash_password_async(body.password)
    async with ctx.db.write() as conn:
        row = await store.update_user(conn, ctx.tenant_id, ctx.param("userId"), _password_values(encrypted, "Argon2i"))
    return user_wire(row)


async def _password_expiration_enabled(ctx: Ctx, conn: Any) -> bool:
    """Sign-in experience `passwordExpiration` (not configurable in authkeep yet: off)."""
    ss = T.system_settings
    value = (
        await conn.execute(select(ss.c.value).where(ss.c.tenant_id == ctx.tenant_id, ss.c.key == "signInExperience"))
    ).scalar()
    policy = value.get("passwordExpiration") if isinstance(value, dict) else None
    return bool(isinstance(policy, dict) and policy.get("enabled") and policy.get("validPeriodDays"))


@router.patch("/users/{userId}/password/expiration")
async def patch_password_expiration(ctx: Ctx) -> dict[str, Any]:
    body = await web.read_body(ctx.request, ExpirationBody)
    async with ctx.db.write() as conn:
        await store.get_user(conn, ctx.tenant_id, ctx.param("userId"))
        if body.is_expired and not await _password_expiration_enabled(ctx, conn):
            raise LogtoError("sign_in_experiences.password_expiration_not_enabled", 400)
        row = await store.update_user(conn, ctx.tenant_id, ctx.param("userId"), {"is_password_expired": body.is_expired})
    return user_wire(row)


@router.post("/users/{userId}/password/verify", status=204)
async def verify_password(ctx: Ctx) -> None:
    body = await web.read_body(ctx.request, PasswordBody)
    async with ctx.db.read() as conn:
        row = await store.get_user(conn, ctx.tenant_id, ctx.param("userId"))
    digest, method = row.password_encrypted, row.password_encryption_method
    if not await passwords.check_async(body.password, digest, method):
        raise LogtoError("session.invalid_credentials", 422)
    if method != passwords.DEFAULT_ALGORITHM:
        # Upgrade the imported digest; only if nobody changed the password meanwhile.
        encrypted = await passwords.hash_password_async(body.password)
        async with ctx.db.write() as conn:
            await conn.execute(
                update(T.users)
                .where(
                    T.users.c.tenant_id == ctx.tenant_id,
                    T.users.c.id == row.id,
                    T.users.c.password_encrypted == digest,
                )
                .values(
                    password_encrypted=encrypted,
                    password_encryption_method=passwords.DEFAULT_ALGORITHM,
                    updated_at=clock.now_ms(),
                )
            )


@router.get("/users/{userId}/has-password")
async def has_password(ctx: Ctx) -> dict[str, Any]:
    async with ctx.db.read() as conn:
        row = await store.get_user(conn, ctx.tenant_id, ctx.param("userId"))
    return {"hasPassword": bool(row.password_encrypted)}


@router.patch("/users/{userId}/is-suspended")
async def patch_suspended(ctx: Ctx) -> dict[str, Any]:
    body = await web.read_body(ctx.request, SuspendBody)
    async with ctx.db.write() as conn:
        await store.get_user(conn, ctx.tenant_id, ctx.param("userId"))
        row = await store.update_user(conn, ctx.tenant_id, ctx.param("userId"), {"is_suspended": body.is_suspended})
    # Suspension would revoke the user's tokens and sessions; authkeep issues none to users yet.
    return user_wire(row)


# --- roles and organizations ------------------------------------------------------------------


@router.get("/users/{userId}/roles")
async def list_roles(ctx: Ctx) -> Response:
    page = paging.parse_page(ctx.request)
    assert page is not None
    async with ctx.db.read() as conn:
        await store.get_user(conn, ctx.tenant_id, ctx.param("userId"))
        search = parse_search(ctx.query, rules.ROLE_SEARCH_FIELDS)
        found, total = await store.list_user_roles(conn, ctx.db.dialect, ctx.tenant_id, ctx.param("userId"), search, page)
    return paging.paged(ctx.request, found, total, page)


def _dedupe(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


@router.post("/users/{userId}/roles", status=201)
async def assign_roles(ctx: Ctx) -> dict[str, Any]:
    body = await web.read_body(ctx.request, RoleIdsBody)
    user_id = ctx.param("userId")
    async with ctx.db.write() as conn:
        await store.lock_user(conn, ctx.tenant_id, user_id)
        existing = set(await store.user_role_ids(conn, ctx.tenant_id, user_id))
        to_add = _dedupe([r for r in body.role_ids if r not in existing])
        found = await store.roles_by_ids(conn, ctx.tenant_id, to_add)
        for role_id in to_add:
            if role_id in found and found[role_id].type != "User":
                raise LogtoError("user.invalid_role_type", 422, roleId=role_id)
        for role_id in to_add:
            if role_id not in found:
                raise not_exists_with_id("roles", role_id)
        await store.add_user_roles(conn, ctx.tenant_id, user_id, to_add)
    return {"roleIds": body.role_ids, "addedRoleIds": to_add}


@router.put("/users/{userId}/roles")
async def replace_roles(ctx: Ctx) -> dict[str, Any]:
    body = await web.read_body(ctx.request, RoleIdsBody)
    user_id = ctx.param("userId")
    wanted = _dedupe(body.role_ids)
    async with ctx.db.write() as conn:
        await store.lock_user(conn, ctx.tenant_id, user_id)
        existing = await store.user_role_ids(conn, ctx.tenant_id, user_id)
        to_add = [r for r in wanted if r not in existing]
        to_remove = [r for r in existing if r not in wanted]
        found = await store.roles_by_ids(conn, ctx.tenant_id, to_add)
        for role_id in to_add:
            if role_id not in found:
                raise not_exists_with_id("roles", role_id)
        if any(found[r].type != "User" for r in to_add):
            # Logto has no explicit check here; its users_roles CHECK constraint answers this.
            raise LogtoError("entity.db_constraint_violated", 422)
        await store.remove_user_roles(conn, ctx.tenant_id, user_id, to_remove)
        await store.add_user_roles(conn, ctx.tenant_id, user_id, to_add)
    return {"roleIds": wanted}


@router.delete("/users/{userId}/roles/{roleId}")
async def remove_role(ctx: Ctx) -> None:
    async with ctx.db.write() as conn:
        removed = await store.remove_user_roles(conn, ctx.tenant_id, ctx.param("userId"), [ctx.param("roleId")])
    if not removed:
        raise LogtoError("entity.not_found", 404)


@router.get("/users/{userId}/organizations")
async def list_organizations(ctx: Ctx) -> list[dict[str, Any]]:
    async with ctx.db.read() as conn:
        await store.get_user(conn, ctx.tenant_id, ctx.param("userId"))
        return await store.user_organizations(conn, ctx.tenant_id, ctx.param("userId"))


# --- social and enterprise identities ---------------------------------------------------------


@router.put("/users/{userId}/identities/{target}")
async def put_identity(ctx: Ctx) -> Response:
    body = await web.read_body(ctx.request, IdentityBody)
    identity = body.model_dump(by_alias=True, exclude_unset=True)
    user_id, target = ctx.param("userId"), ctx.param("target")
    async with ctx.db.write() as conn:
        row = await store.get_user(conn, ctx.tenant_id, user_id)
        if await store.identity_taken(conn, ctx.db.dialect, ctx.tenant_id, target, body.user_id, user_id):
            raise LogtoError("user.identity_already_in_use", 422)
        current = dict(row.identities or {})
        status = 200 if target in current else 201
        current[target] = identity
        row = await store.update_user(conn, ctx.tenant_id, user_id, {"identities": current})
    return web.json_response(row.identities, status)


@router.post("/users/{userId}/identities", status=200)
async def link_identity(ctx: Ctx) -> dict[str, Any]:
    body = await web.read_body(ctx.request, LinkIdentityBody)
    async with ctx.db.read() as conn:
        await store.get_user(conn, ctx.tenant_id, ctx.param("userId"))
    # Linking calls the social connector with `connectorData`; authkeep has no connectors yet,
    # so every connector id is unknown, as in Logto for an id that is not installed.
    raise LogtoError("entity.not_found", 404, id=body.connector_id)


@router.delete("/users/{userId}/identities/{target}", status=200)
async def delete_identity(ctx: Ctx) -> dict[str, Any]:
    user_id, target = ctx.param("userId"), ctx.param("target")
    async with ctx.db.write() as conn:
        row = await store.get_user(conn, ctx.tenant_id, user_id)
        current = dict(row.identities or {})
        if target not in current:
            raise LogtoError("user.identity_not_exist", 404)
        del current[target]
        row = await store.update_user(conn, ctx.tenant_id, user_id, {"identities": current})
    return user_wire(row)


@router.get("/users/{userId}/identities/{target}")
async def get_identity(ctx: Ctx) -> dict[str, Any]:
    async with ctx.db.read() as conn:
        row = await store.get_user(conn, ctx.tenant_id, ctx.param("userId"))
    identities = row.identities or {}
    target = ctx.param("target")
    if target not in identities:
        raise LogtoError("user.identity_not_exist", 404)
    # No secret vault: `includeTokenSecret` never adds a `tokenSecret`.
    return {"identity": identities[target]}


@router.get("/users/{userId}/sso-identities/{ssoConnectorId}")
async def get_sso_identity(ctx: Ctx) -> dict[str, Any]:
    connector = ctx.param("ssoConnectorId")
    async with ctx.db.read() as conn:
        await store.get_user(conn, ctx.tenant_id, ctx.param("userId"))
        found = await store.sso_identities(conn, ctx.tenant_id, ctx.param("userId"))
    for identity in found:
        if identity["ssoConnectorId"] == connector:
            return {"ssoIdentity": identity}
    raise LogtoError("user.enterprise_sso_identity_not_exists", 404, ssoConnectorId=connector)


@router.get("/users/{userId}/all-identities")
async def all_identities(ctx: Ctx) -> dict[str, Any]:
    async with ctx.db.read() as conn:
        row = await store.get_user(conn, ctx.tenant_id, ctx.param("userId"))
        sso = await store.sso_identities(conn, ctx.tenant_id, row.id)
    return {
        "socialIdentities": [{"target": t, "identity": i} for t, i in (row.identities or {}).items()],
        "ssoIdentities": [{"ssoConnectorId": s["ssoConnectorId"], "ssoIdentity": s} for s in sso],
    }


# --- MFA verifications -------------------------------------------------------------------------


@router.get("/users/{userId}/mfa-verifications")
async def list_mfa(ctx: Ctx) -> list[dict[str, Any]]:
    async with ctx.db.read() as conn:
        row = await store.get_user(conn, ctx.tenant_id, ctx.param("userId"))
    return rules.mfa_response(row.mfa_verifications)


def _mfa_body(data: Any) -> TotpBody | BackupCodeBody:
    kind = data.get("type") if isinstance(data, dict) else None
    if kind == "Totp":
        return web.validate(TotpBody, data)
    if kind == "BackupCode":
        return web.validate(BackupCodeBody, data)
    if not isinstance(data, dict):
        return web.validate(TotpBody, data)  # the "expected object" error
    message = "Invalid discriminator value. Expected 'Totp' | 'BackupCode'"
    raise LogtoError(
        "guard.invalid_input",
        400,
        data={
            "issues": [
                {"code": "invalid_union_discriminator", "options": ["Totp", "BackupCode"], "path": ["type"], "message": message}
            ],
            "name": "ZodError",
        },
        details=f'Error in key path "type": (invalid_union_discriminator) {message}',
        type="body",
    )


@router.post("/users/{userId}/mfa-verifications", status=200)
async def create_mfa(ctx: Ctx) -> dict[str, Any]:
    body = _mfa_body(await web.read_json(ctx.request))
    user_id = ctx.param("userId")
    async with ctx.db.write() as conn:
        row = await store.get_user(conn, ctx.tenant_id, user_id)
        current = [v for v in (row.mfa_verifications or []) if isinstance(v, dict)]
        if isinstance(body, TotpBody):
            if any(v.get("type") == rules.MFA_TOTP for v in current):
                raise LogtoError("user.totp_already_in_use", 422)
            if body.secret and not rules.valid_totp_secret(body.secret):
                raise LogtoError("user.totp_secret_invalid", 422)
            secret = body.secret or rules.new_totp_secret()
            entry = rules.new_mfa_verification(rules.MFA_TOTP, secret=secret)
            await store.update_user(conn, ctx.tenant_id, user_id, {"mfa_verifications": [*current, entry]})
            account = rules.display_name(dict(row._mapping)) or "Unnamed User"
            uri = rules.totp_key_uri(account, ctx.request.url.hostname or "localhost", secret)
            return {"type": rules.MFA_TOTP, "secret": secret, "secretQrCode": rules.qr_data_url(uri)}
        if rules.has_active_backup_codes(current):
            raise LogtoError("user.backup_code_already_in_use", 422)
        if not any(v.get("type") != rules.MFA_BACKUP_CODE for v in current):
            raise LogtoError("session.mfa.backup_code_can_not_be_alone", 422)
        if body.codes is not None and not rules.valid_backup_codes(body.codes):
            raise LogtoError("user.wrong_backup_code_format", 422)
        codes = body.codes if body.codes else rules.new_backup_codes()
        entry = rules.new_mfa_verification(rules.MFA_BACKUP_CODE, codes=codes)
        await store.update_user(conn, ctx.tenant_id, user_id, {"mfa_verifications": [*current, entry]})
    return {"type": rules.MFA_BACKUP_CODE, "codes": codes}


@router.delete("/users/{userId}/mfa-verifications/{verificationId}")
async def delete_mfa(ctx: Ctx) -> None:
    user_id, vid = ctx.param("userId"), ctx.param("verificationId")
    async with ctx.db.write() as conn:
        row = await store.get_user(conn, ctx.tenant_id, user_id)
        current = list(row.mfa_verifications or [])
        kept = [v for v in current if not (isinstance(v, dict) and v.get("id") == vid)]
        if len(kept) == len(current):
            raise LogtoError("entity.not_found", 404)
        await store.update_user(conn, ctx.tenant_id, user_id, {"mfa_verifications": kept})


# --- personal access tokens --------------------------------------------------------------------


def _pat_wire(ctx: Ctx, row: Any) -> dict[str, Any]:
    m = row._mapping
    return {
        "tenantId": m["tenant_id"],
        "userId": m["user_id"],
        "name": m["name"],
        "value": ctx.state.box.open(m["value"], aad=f"pat:{m['tenant_id']}:{m['value_hash']}"),
        "createdAt": m["created_at"],
        "expiresAt": m["expires_at"],
    }


@router.get("/users/{userId}/personal-access-tokens")
async def list_pats(ctx: Ctx) -> list[dict[str, Any]]:
    async with ctx.db.read() as conn:
        await store.get_user(conn, ctx.tenant_id, ctx.param("userId"))
        found = await store.list_pats(conn, ctx.tenant_id, ctx.param("userId"))
    return [_pat_wire(ctx, r) for r in found]


@router.post("/users/{userId}/personal-access-tokens")
async def create_pat(ctx: Ctx) -> dict[str, Any]:
    body = await web.read_body(ctx.request, CreatePatBody)
    now = clock.now_ms()
    if body.expires_at is not None and body.expires_at <= now:
        raise invalid_input("The value of `expiresAt` must be in the future.")
    if body.expires_at is not None and body.expires_at > 2**53:
        raise LogtoError("entity.value_too_long", 422)
    value = rules.new_pat_value()
    digest = store.pat_hash(value)
    async with ctx.db.write() as conn:
        row = await store.insert_pat(
            conn,
            {
                "tenant_id": ctx.tenant_id,
                "user_id": ctx.param("userId"),
                "name": body.name,
                "value": ctx.state.box.seal(value, aad=f"pat:{ctx.tenant_id}:{digest}"),
                "value_hash": digest,
                "created_at": now,
                "expires_at": int(body.expires_at) if body.expires_at is not None else None,
            },
        )
    return _pat_wire(ctx, row)


async def _rename_pat(ctx: Ctx, current: str, new_name: str) -> dict[str, Any]:
    async with ctx.db.write() as conn:
        row = await store.rename_pat(conn, ctx.tenant_id, ctx.param("userId"), current, new_name)
    return _pat_wire(ctx, row)


@router.patch("/users/{userId}/personal-access-tokens")
async def rename_pat(ctx: Ctx) -> dict[str, Any]:
    body = await web.read_body(ctx.request, RenamePatBody)
    return await _rename_pat(ctx, body.current_name if body.current_name is not None else body.name, body.name)


@router.patch("/users/{userId}/personal-access-tokens/{name:path}")
async def rename_pat_by_path(ctx: Ctx) -> dict[str, Any]:
    body = await web.read_body(ctx.request, RenamePatBody)
    return await _rename_pat(ctx, ctx.param("name"), body.name)


@router.delete("/users/{userId}/personal-access-tokens/{name:path}")
async def delete_pat_by_path(ctx: Ctx) -> None:
    async with ctx.db.write() as conn:
        await store.delete_pat(conn, ctx.tenant_id, ctx.param("userId"), ctx.param("name"))


@router.post("/users/{userId}/personal-access-tokens/delete", status=204)
async def delete_pat(ctx: Ctx) -> None:
    body = await web.read_body(ctx.request, PatNameBody)
    async with ctx.db.write() as conn:
        await store.delete_pat(conn, ctx.tenant_id, ctx.param("userId"), body.name)


# --- grants and sessions (no end-user sign-in in authkeep yet: always empty) ---------------------


@router.get("/users/{userId}/grants")
async def list_grants(ctx: Ctx) -> dict[str, Any]:
    await _query(ctx, GrantsQuery)
    return {"grants": []}


@router.delete("/users/{userId}/grants/{grantId}")
async def delete_grant(ctx: Ctx) -> None:
    raise LogtoError("oidc.invalid_grant", 404)


@router.get("/users/{userId}/sessions")
async def list_sessions(ctx: Ctx) -> dict[str, Any]:
    return {"sessions": []}


@router.get("/users/{userId}/sessions/{sessionId}")
async def get_session(ctx: Ctx) -> None:
    raise LogtoError("oidc.session_not_found", 404)


@router.delete("/users/{userId}/sessions/{sessionId}")
async def delete_session(ctx: Ctx) -> None:
    await _query(ctx, SessionDeleteQuery)
    raise LogtoError("oidc.session_not_found", 404)
