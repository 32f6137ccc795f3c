"""SQL for the Users API: users, their roles, organizations, PATs and SSO identities.

Every query filters on `tenant_id`. The user list reads its unfiltered Total-Number from the
trigger-kept `user_counts` table and pages through a deferred join on
`(tenant_id, created_at, id)`, scanning from the nearer end of the list for deep pages.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    and_,
    bindparam,
    delete,
    exists,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    text,
    true,
    union_all,
    update,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep import clock, ids
from authkeep.dberrors import map_db_error
from authkeep.errors import LogtoError, invalid_input
from authkeep.paging import Page
from authkeep.search import Search
from authkeep.store import tables as T
from authkeep.store.db import Database
from authkeep.store.rows import USER_INFO_COLUMNS, role
from authkeep.store.search_sql import bound_condition, search_condition, search_params, search_shape

U = T.users
UR = T.users_roles
R = T.roles
PAT = T.personal_access_tokens
SSO = T.user_sso_identities
INTERNAL_ROLE_PREFIX = "#internal:"

# Searchable fields (snake_case) -> columns, for `search.parse_search` and `search_sql`.
SEARCH = {
    "id": U.c.id,
    "primary_email": U.c.primary_email,
    "primary_phone": U.c.primary_phone,
    "username": U.c.username,
    "name": U.c.name,
}
ROLE_SEARCH = {"id": R.c.id, "name": R.c.name, "description": R.c.description}
LIST_COLUMNS = (*USER_INFO_COLUMNS, U.c.password_encryption_method)

# Unique constraints/indexes -> the user-facing code Logto maps them to. A local mapping because
# the code differs from the generic `entity.unique_integrity_violation` (dberrors.map_db_error);
# every other database error is left to the route contract.
_UNIQUE_CODES = (
    ("primary_email", "user.email_already_in_use"),
    ("username", "user.username_already_in_use"),
    ("primary_phone", "user.phone_already_in_use"),
    ("personal_access_tokens", "user.personal_access_token_name_exists"),
)


def identifier_taken(exc: DBAPIError) -> LogtoError | None:
    """A unique violation on a users/PAT constraint as Logto reports it; None for anything else."""
    mapped = map_db_error(exc)
    if mapped is None or mapped.code != "entity.unique_integrity_violation":
        return None
    text = str(exc.orig).lower()
    for needle, code in _UNIQUE_CODES:
        if needle in text:
            return LogtoError(code, 422)
    return None


# --- users --------------------------------------------------------------------------------------


async def find_user(conn: AsyncConnection, tenant_id: str, user_id: str) -> Row[Any] | None:
    return (await conn.execute(select(U).where(U.c.tenant_id == tenant_id, U.c.id == user_id))).first()


async def get_user(conn: AsyncConnection, tenant_id: str, user_id: str) -> Row[Any]:
    """The user row or Logto's 404 `entity.not_found`."""
    row = await find_user(conn, tenant_id, user_id)
    if row is None:
        raise LogtoError("entity.not_found", 404)
    return row


async def lock_user(conn: AsyncConnection, tenant_id: str, user_id: str) -> None:
    """Serialise changes to one user's relations (parallel PUTs of roles read, then rewrite, the
    set); 404 `entity.not_found` when there is no such user. SQLite writers are serial already."""
    stmt = select(U.c.id).where(U.c.tenant_id == tenant_id, U.c.id == user_id)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update(key_share=True)
    if (await conn.execute(stmt)).first() is None:
        raise LogtoError("entity.not_found", 404)


async def identifier_conflict(
    conn: AsyncConnection,
    tenant_id: str,
    *,
    username: str | None = None,
    email: str | None = None,
    phones: Sequence[str] = (),
    username_case_sensitive: bool = True,
    exclude_user_id: str | None = None,
) -> set[str]:
    """Which of username/email/phone another user already holds (one query)."""
    return (
        await _conflicts(conn, tenant_id, username, email, phones, username_case_sensitive, exclude_user_id, False)
    )[0]


async def creation_checks(
    conn: AsyncConnection,
    tenant_id: str,
    *,
    username: str | None,
    email: str | None,
    phones: Sequence[str],
    username_case_sensitive: bool = True,
) -> tuple[set[str], list[str]]:
    """Identifier conflicts and the tenant's default User roles, in one round trip."""
    return await _conflicts(conn, tenant_id, username, email, phones, username_case_sensitive, None, True)


async def _conflicts(
    conn: AsyncConnection,
    tenant_id: str,
    username: str | None,
    email: str | None,
    phones: Sequence[str],
    username_case_sensitive: bool,
    exclude_user_id: str | None,
    with_default_roles: bool,
) -> tuple[set[str], list[str]]:
    clauses: list[ColumnElement[bool]] = []
    if username:
        clauses.append(U.c.username == username if username_case_sensitive else func.lower(U.c.username) == username.lower())
    if email:
        clauses.append(func.lower(U.c.primary_email) == email.lower())
    if phones:
        clauses.append(U.c.primary_phone.in_(list(phones)))
    parts: list[Any] = []
    if clauses:
        cond = and_(U.c.tenant_id == tenant_id, or_(*clauses))
        if exclude_user_id:
            cond = and_(cond, U.c.id != exclude_user_id)
        parts.append(select(U.c.username, U.c.primary_email, U.c.primary_phone, null().label("role_id")).where(cond))
    if with_default_roles:
        parts.append(
            select(null(), null(), null(), R.c.id).where(
                R.c.tenant_id == tenant_id, R.c.is_default.is_(True), R.c.type == "User"
            )
        )
    if not parts:
        return set(), []
    q = parts[0] if len(parts) == 1 else union_all(*parts)
    rows = (await conn.execute(q)).all()
    roles = [r[3] for r in rows if r[3] is not None]
    holders = [(r[0], r[1], r[2]) for r in rows if r[3] is None]
    return taken_fields(holders, username, email, phones, username_case_sensitive), roles


def taken_fields(
    holders: Sequence[tuple[str | None, str | None, str | None]],
    username: str | None,
    email: str | None,
    phones: Sequence[str],
    username_case_sensitive: bool = True,
) -> set[str]:
    """Which of the identifiers the (username, e-mail, phone) of other users already hold."""
    taken: set[str] = set()
    for held_username, held_email, held_phone in holders:
        if username and held_username is not None and (
            held_username == username if username_case_sensitive else held_username.lower() == username.lower()
        ):
            taken.add("username")
        if email and held_email is not None and held_email.lower() == email.lower():
            taken.add("email")
        if phones and held_phone in phones:
            taken.add("phone")
    return taken


def _identity_match(dialect: str, target: str, social_id: str) -> ColumnElement[bool]:
    if dialect == "postgresql":
        return U.c.identities.op("@>")(func.jsonb_build_object(target, func.jsonb_build_object("userId", social_id)))
    path = '$."' + target.replace("\\", "\\\\").replace('"', '\\"') + '".userId'
    return func.json_extract(U.c.identities, path) == social_id


async def identity_taken(
    conn: AsyncConnection, dialect: str, tenant_id: str, target: str, social_id: str, exclude_user_id: str
) -> bool:
    q = select(U.c.id).where(
        U.c.tenant_id == tenant_id, _identity_match(dialect, target, social_id), U.c.id != exclude_user_id
    )
    return (await conn.execute(q.limit(1))).first() is not None


async def default_role_ids(conn: AsyncConnection, tenant_id: str) -> list[str]:
    q = select(R.c.id).where(R.c.tenant_id == tenant_id, R.c.is_default.is_(True), R.c.type == "User")
    return list((await conn.execute(q)).scalars())


_INSERT_USER = U.insert().returning(*U.c)  # values bound per call: no per-request statement building


def new_user_row(tenant_id: str, values: dict[str, Any]) -> dict[str, Any]:
    now = clock.now_ms()
    return {
        "tenant_id": tenant_id,
        "id": ids.short_id(),
        "profile": {},
        "identities": {},
        "custom_data": {},
        "logto_config": {},
        "mfa_verifications": [],
        "is_suspended": False,
        "is_password_expired": False,
        "created_at": now,
        "updated_at": now,
        **values,
    }


async def insert_user(
    conn: AsyncConnection, tenant_id: str, values: dict[str, Any], roles: list[str] | None = None
) -> Row[Any]:
    """Insert a user and give it the tenant's default User roles (looked up unless given), in
    the caller's transaction."""
    row = new_user_row(tenant_id, values)
    if roles is None:
        roles = await default_role_ids(conn, tenant_id)
    try:
        created = (await conn.execute(_INSERT_USER, row)).one()
        if roles:
            await conn.execute(
                UR.insert(),
                [{"tenant_id": tenant_id, "id": ids.standard_id(), "user_id": row["id"], "role_id": r} for r in roles],
            )
    except DBAPIError as exc:
        taken = identifier_taken(exc)
        if taken is not None:
            raise taken from None
        raise
    return created


async def update_user(conn: AsyncConnection, tenant_id: str, user_id: str, values: dict[str, Any]) -> Row[Any]:
    """UPDATE … RETURNING; `updated_at` moves on every update (Logto's trigger)."""
    if not values:
        raise LogtoError("entity.invalid_input", 422)
    stmt = (
        update(U)
        .where(U.c.tenant_id == tenant_id, U.c.id == user_id)
        .values(**values, updated_at=clock.now_ms())
        .returning(*U.c)
    )
    try:
        row = (await conn.execute(stmt)).first()
    except DBAPIError as exc:
        taken = identifier_taken(exc)
        if taken is not None:
            raise taken from None
        raise
    if row is None:
        raise LogtoError("entity.not_exists", 404, name="user")
    return row


async def upgrade_password(
    conn: AsyncConnection, tenant_id: str, user_id: str, old_digest: str, digest: str, method: str
) -> None:
    """Replaces an imported digest, only if nobody changed the password meanwhile."""
    await conn.execute(
        update(U)
        .where(U.c.tenant_id == tenant_id, U.c.id == user_id, U.c.password_encrypted == old_digest)
        .values(password_encrypted=digest, password_encryption_method=method, updated_at=clock.now_ms())
    )


async def password_expiration_enabled(conn: AsyncConnection, tenant_id: str) -> bool:
    """Sign-in experience `passwordExpiration` (not configurable in authkeep yet: off)."""
    ss = T.system_settings
    q = select(ss.c.value).where(ss.c.tenant_id == tenant_id, ss.c.key == "signInExperience")
    value = (await conn.execute(q)).scalar()
    policy = value.get("passwordExpiration") if isinstance(value, dict) else None
    return bool(isinstance(policy, dict) and policy.get("enabled") and policy.get("validPeriodDays"))


async def merge_json(
    conn: AsyncConnection, dialect: str, tenant_id: str, user_id: str, column: str, patch: dict[str, Any]
) -> Row[Any]:
    """Shallow-merge top-level keys into a JSON object column (`coalesce(col,'{}') || patch`)."""
    col = U.c[column]
    if dialect == "postgresql":
        merged: Any = func.coalesce(col, literal({}, T.Json)).op("||")(literal(patch, T.Json))
        return await update_user(conn, tenant_id, user_id, {column: merged})
    row = await get_user(conn, tenant_id, user_id)
    current = row._mapping[column] if isinstance(row._mapping[column], dict) else {}
    return await update_user(conn, tenant_id, user_id, {column: {**current, **patch}})


async def delete_user(conn: AsyncConnection, tenant_id: str, user_id: str) -> None:
    result = await conn.execute(delete(U).where(U.c.tenant_id == tenant_id, U.c.id == user_id))
    if result.rowcount < 1:
        raise LogtoError("entity.not_found", 404)


def _exclusions(exclude_role: bool, exclude_org: bool) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if exclude_role:
        conds.append(~exists().where(UR.c.role_id == bindparam("exclude_role"), UR.c.user_id == U.c.id))
    if exclude_org:
        our = T.organization_user_relations
        conds.append(~exists().where(our.c.organization_id == bindparam("exclude_org"), our.c.user_id == U.c.id))
    return conds


_SEARCH_TEXT = func.authkeep_user_search_text(U.c.id, U.c.primary_email, U.c.primary_phone, U.c.username, U.c.name)
# A like value `%text%` whose text has no wildcard, escape or space: some field contains it
# exactly when the fields joined by spaces contain it (a match cannot span a separator).
_WHOLE = re.compile(r"%[^%_\\ ]+%")


def _prefilters(search: Search, dialect: str) -> tuple[str, ...]:
    """PostgreSQL: per search item, "pre" when its values can narrow candidates through the one
    trigram index over all five fields (`ix_users_trgm_all`): a general like-search item `p`
    matches some field only if the joined fields match `%p%`; "whole" when that test is the
    search itself (a single general `%text%` item, see `_WHOLE`); "" otherwise. A narrowing test
    keeps the planner from OR-ing five per-field index scans (a generic plan did), and the real
    condition still runs on the candidates."""
    if dialect != "postgresql" or not (search.joint == "and" or len(search.items) == 1):
        return ()
    out = []
    for item in search.items:
        value = item.values[0]
        if item.field is not None or item.mode != "like" or (len(value) - len(value.rstrip("\\"))) % 2:
            out.append("")  # (a dangling escape: leave the error to the real condition)
        elif len(search.items) == 1 and _WHOLE.fullmatch(value):
            out.append("whole")
        else:
            out.append("pre")
    return tuple(out) if any(out) else ()


def _matching(shape: Search, pre: tuple[str, ...], dialect: str, conds: list[ColumnElement[bool]]) -> Any:
    """The CTE of matching (id, created_at), the search's values bound as `s<i>_0`."""
    if not pre:
        m = select(U.c.id, U.c.created_at).where(*conds, bound_condition(shape, SEARCH, dialect)).cte("m")
        return m.prefix_with("MATERIALIZED") if dialect == "postgresql" else m
    tests = []
    for i, kind in enumerate(pre):
        if kind:
            p = bindparam(f"p{i}")
            tests.append(_SEARCH_TEXT.like(p, escape="\\") if shape.case_sensitive else _SEARCH_TEXT.ilike(p, escape="\\"))
    if pre == ("whole",):
        return select(U.c.id, U.c.created_at).where(*conds, *tests).cte("m").prefix_with("MATERIALIZED")
    cand = select(U.c.id, U.c.created_at, *SEARCH.values()).where(*conds, *tests).cte("candidates")
    cand = cand.prefix_with("MATERIALIZED")
    cols = {name: cand.c[col.name] for name, col in SEARCH.items()}
    return select(cand.c.id, cand.c.created_at).where(bound_condition(shape, cols, dialect)).cte("m")


@lru_cache(maxsize=512)
def _filtered(
    dialect: str, shape: Search, pre: tuple[str, ...], exclude_role: bool, exclude_org: bool, limit: int, offset: int
) -> Any:
    """The page and exact total of a filtered list, one statement per shape (search fields,
    modes, joint, exclusions, page), values bound per request: building and compiling it cost
    more CPU than running it. The total comes from the matching set the page is cut from, and
    the one-row count side of the outer join answers it even for an empty page."""
    conds = [U.c.tenant_id == bindparam("tenant"), *_exclusions(exclude_role, exclude_org)]
    m = _matching(shape, pre, dialect, conds) if shape else select(U.c.id, U.c.created_at).where(*conds).cte("m")
    keys = (
        select(m.c.id)
        .order_by(m.c.created_at.desc(), m.c.id.desc())
        .limit(_n(limit))
        .offset(_n(offset))
        .subquery("page")
    )
    total = select(func.count().label("total")).select_from(m).subquery("t")
    rows = U.join(keys, U.c.id == keys.c.id)
    return (
        select(total.c.total, *LIST_COLUMNS)
        .select_from(total.outerjoin(rows, true()))
        .order_by(U.c.created_at.desc(), U.c.id.desc())
    )


def _filtered_query(
    dialect: str, tenant_id: str, search: Search, page: Page, exclude_role_id: str | None, exclude_org_id: str | None
) -> tuple[Any, dict[str, Any]]:
    params: dict[str, Any] = {"tenant": tenant_id, **search_params(search, dialect)}
    if exclude_role_id:
        params["exclude_role"] = exclude_role_id
    if exclude_org_id:
        params["exclude_org"] = exclude_org_id
    pre = _prefilters(search, dialect) if search else ()
    for i, kind in enumerate(pre):
        if kind:
            params[f"p{i}"] = f"%{search.items[i].values[0]}%"
    stmt = _filtered(
        dialect, search_shape(search), pre, bool(exclude_role_id), bool(exclude_org_id), page.limit, page.offset
    )
    return stmt, params


def _page_of(found: list[Any]) -> tuple[list[Any], int]:
    total = int(found[0]["total"]) if found else 0
    return [r for r in found if r["id"] is not None], total


async def count_all_users(conn: AsyncConnection, tenant_id: str) -> int:
    q = select(func.coalesce(func.sum(T.user_counts.c.n), 0)).where(T.user_counts.c.tenant_id == tenant_id)
    return int((await conn.execute(q)).scalar_one())


# Below this offset a forward index walk is cheap; above it, deep pages use the bucket counts.
_SHALLOW_OFFSET = int(os.environ.get("AUTHKEEP_USERS_DEEP_OFFSET", "10000"))


def _n(value: int) -> Any:
    """LIMIT/OFFSET inline: with bound parameters PostgreSQL's generic plan guesses 10% of the
    table for the page and picks a hash join over a full scan; literals keep the index plan."""
    return literal_column(str(int(value)))


@lru_cache(maxsize=256)
def _first_pages(limit: int, offset: int) -> Any:
    """The unfiltered page + total statement, built once per (limit, offset)."""
    tenant = bindparam("tenant")
    keys = (
        select(U.c.id)
        .where(U.c.tenant_id == tenant)
        .order_by(U.c.created_at.desc(), U.c.id.desc())
        .limit(_n(limit))
        .offset(_n(offset))
        .subquery("page")
    )
    total_q = (
        select(func.coalesce(func.sum(T.user_counts.c.n), 0)).where(T.user_counts.c.tenant_id == tenant).scalar_subquery()
    )
    return (
        select(*LIST_COLUMNS, total_q.label("total"))
        .select_from(U.join(keys, U.c.id == keys.c.id))
        .order_by(U.c.created_at.desc(), U.c.id.desc())
    )


_LEVELS = (30, 20, 10)


def _level_cte(level: int, parent: str | None) -> str:
    """Buckets of one level (inside the parent's bucket), newest first, keeping the first whose
    running total passes the remaining offset; `before` = rows in newer buckets."""
    base = "0" if parent is None else f"(SELECT before FROM {parent})"
    within = (
        ""
        if parent is None
        else f" AND bucket >= (SELECT bucket FROM {parent}) * 1024 AND bucket < ((SELECT bucket FROM {parent}) + 1) * 1024"
    )
    return f"""l{level} AS (
      SELECT bucket, {base} + cum - n AS before FROM (
        SELECT bucket, n, SUM(n) OVER (ORDER BY bucket DESC ROWS UNBOUNDED PRECEDING) AS cum
        FROM (SELECT bucket, SUM(n) AS n FROM user_buckets
              WHERE tenant_id = :tenant AND level = {level}{within} GROUP BY bucket) AS g
      ) AS w WHERE cum > :k - {base} ORDER BY bucket DESC LIMIT 1
    )"""


_LOCATE = text(
    "WITH "
    + ", ".join(_level_cte(level, None if i == 0 else f"l{_LEVELS[i - 1]}") for i, level in enumerate(_LEVELS))
    + f" SELECT bucket, :k - before AS local FROM l{_LEVELS[-1]}"
)


async def _locate(conn: AsyncConnection, tenant_id: str, offset: int) -> tuple[int, int]:
    """(exclusive created_at upper bound, offset inside it) for row number `offset` of the
    newest-first list, from `user_buckets` in one statement: at each level (created_at >> 30,
    >> 20, >> 10) a running sum over at most ~1,000 buckets picks the one holding the row."""
    row = (await conn.execute(_LOCATE, {"tenant": tenant_id, "k": offset})).first()
    if row is None:  # counts moved under us (concurrent writes): fall back to a plain scan
        return 2**62, offset
    return (int(row.bucket) + 1) << _LEVELS[-1], int(row.local)


def _search_error(exc: DBAPIError) -> None:
    """A search value the database refuses in a way the generic mapping does not know (e.g. a
    malformed SIMILAR TO escape) is the search's 400; known errors go to the route contract."""
    if map_db_error(exc) is None:
        raise invalid_input("Invalid search value.") from None


async def first_page(db: Database, tenant_id: str, page: Page) -> tuple[list[dict[str, Any]], int] | None:
    """The unfiltered shallow page, the common and benchmarked case, on the fast read path.
    None when the page is deeper than that (the caller uses `list_users`)."""
    if page.offset > _SHALLOW_OFFSET:
        return None
    found = await db.fetch(_first_pages(page.limit, page.offset), {"tenant": tenant_id})
    if found:
        return found, int(found[0]["total"])
    async with db.read() as conn:
        return [], await count_all_users(conn, tenant_id)


async def list_users(
    conn: AsyncConnection,
    dialect: str,
    tenant_id: str,
    search: Search,
    page: Page,
    exclude_role_id: str | None = None,
    exclude_org_id: str | None = None,
) -> tuple[list[Row[Any]], int]:
    """One page (created_at desc, id desc) and the exact total of the filtered set.

    Usually one round trip: the total rides along as a scalar subquery. Filtered lists
    materialise the matching (id, created_at) pairs once (so the search runs on its indexes and
    never as a filter on an index walk) and count and page from them. Unfiltered lists read the
    total from `user_counts`; deep pages locate their start through `user_buckets`.
    """
    order = (U.c.created_at.desc(), U.c.id.desc())
    try:
        if search or exclude_role_id or exclude_org_id:
            stmt, params = _filtered_query(dialect, tenant_id, search, page, exclude_role_id, exclude_org_id)
            return _page_of([dict(r._mapping) for r in await conn.execute(stmt, params)])

        if page.offset <= _SHALLOW_OFFSET:
            q = _first_pages(page.limit, page.offset)
            found = list((await conn.execute(q, {"tenant": tenant_id})).all())
            if found:
                return found, int(found[0].total)
            return [], await count_all_users(conn, tenant_id)

        total = await count_all_users(conn, tenant_id)
        if page.offset >= total:
            return [], total
        # Deep page: find the 1-second created_at bucket holding row `offset` from the bucket
        # counts, then skip only inside that bucket.
        upper, local = await _locate(conn, tenant_id, page.offset)
        keys = (
            select(U.c.id)
            .where(U.c.tenant_id == tenant_id, U.c.created_at < upper)
            .order_by(*order)
            .limit(_n(page.limit))
            .offset(_n(local))
            .subquery("page")
        )
        q = select(*LIST_COLUMNS).select_from(U.join(keys, U.c.id == keys.c.id)).order_by(*order)
        return list((await conn.execute(q)).all()), total
    except DBAPIError as exc:
        _search_error(exc)
        raise


async def list_page(
    db: Database,
    tenant_id: str,
    search: Search,
    page: Page,
    exclude_role_id: str | None = None,
    exclude_org_id: str | None = None,
) -> tuple[list[Any], int]:
    """The storage strategy of the user list: an unfiltered shallow page on the fast read path
    (`first_page`), anything else through `list_users` in a read transaction."""
    if not (search or exclude_role_id or exclude_org_id):
        fast = await first_page(db, tenant_id, page)
        if fast is not None:
            return fast
    else:
        stmt, params = _filtered_query(db.dialect, tenant_id, search, page, exclude_role_id, exclude_org_id)
        try:
            return _page_of(await db.fetch(stmt, params))
        except DBAPIError as exc:
            _search_error(exc)
            raise
    async with db.read() as conn:
        return await list_users(conn, db.dialect, tenant_id, search, page, exclude_role_id, exclude_org_id)


# --- roles of a user -------------------------------------------------------------------------


def _user_role_conditions(tenant_id: str, user_id: str) -> list[ColumnElement[bool]]:
    return [
        UR.c.tenant_id == tenant_id,
        UR.c.user_id == user_id,
        R.c.type == "User",
        func.substr(R.c.name, 1, len(INTERNAL_ROLE_PREFIX)) != INTERNAL_ROLE_PREFIX,
    ]


async def list_user_roles(
    conn: AsyncConnection, dialect: str, tenant_id: str, user_id: str, search: Search, page: Page
) -> tuple[list[dict[str, Any]], int]:
    conds = _user_role_conditions(tenant_id, user_id)
    if search:
        conds.append(search_condition(search, ROLE_SEARCH, dialect))
    base = R.join(UR, UR.c.role_id == R.c.id)
    try:
        total = int((await conn.execute(select(func.count()).select_from(base).where(*conds))).scalar_one())
        q = (
            select(R)
            .select_from(base)
            .where(*conds)
            .order_by(R.c.created_at.asc(), R.c.id.asc())
            .limit(page.limit)
            .offset(page.offset)
        )
        rows = (await conn.execute(q)).all()
    except DBAPIError as exc:
        _search_error(exc)
        raise
    return [role(r) for r in rows], total


async def user_role_ids(conn: AsyncConnection, tenant_id: str, user_id: str) -> list[str]:
    q = select(UR.c.role_id).where(UR.c.tenant_id == tenant_id, UR.c.user_id == user_id)
    return list((await conn.execute(q)).scalars())


async def roles_by_ids(conn: AsyncConnection, tenant_id: str, role_ids: Sequence[str]) -> dict[str, Row[Any]]:
    if not role_ids:
        return {}
    q = select(R.c.id, R.c.type).where(R.c.tenant_id == tenant_id, R.c.id.in_(list(role_ids)))
    return {r.id: r for r in (await conn.execute(q)).all()}


async def add_user_roles(conn: AsyncConnection, tenant_id: str, user_id: str, role_ids: Sequence[str]) -> None:
    if role_ids:
        await conn.execute(
            UR.insert(),
            [{"tenant_id": tenant_id, "id": ids.standard_id(), "user_id": user_id, "role_id": r} for r in role_ids],
        )


async def remove_user_roles(conn: AsyncConnection, tenant_id: str, user_id: str, role_ids: Sequence[str]) -> int:
    if not role_ids:
        return 0
    result = await conn.execute(
        delete(UR).where(UR.c.tenant_id == tenant_id, UR.c.user_id == user_id, UR.c.role_id.in_(list(role_ids)))
    )
    return int(result.rowcount)


# --- organizations of a user -------------------------------------------------------------------


async def user_organizations(conn: AsyncConnection, tenant_id: str, user_id: str) -> list[dict[str, Any]]:
    o, our = T.organizations, T.organization_user_relations
    orur, orole = T.organization_role_user_relations, T.organization_roles
    q = (
        select(o, orole.c.id.label("role_id"), orole.c.name.label("role_name"))
        .select_from(
            our.join(o, o.c.id == our.c.organization_id)
            .outerjoin(
                orur,
                and_(
                    orur.c.user_id == our.c.user_id,
                    orur.c.organization_id == our.c.organization_id,
                    orur.c.tenant_id == our.c.tenant_id,
                ),
            )
            .outerjoin(orole, orole.c.id == orur.c.organization_role_id)
        )
        .where(our.c.tenant_id == tenant_id, our.c.user_id == user_id)
        .order_by(o.c.created_at.asc(), o.c.id.asc(), orole.c.name.asc())
    )
    out: dict[str, dict[str, Any]] = {}
    for r in (await conn.execute(q)).all():
        m = r._mapping
        org = out.get(m["id"])
        if org is None:
            org = out[m["id"]] = {
                "tenantId": m["tenant_id"],
                "id": m["id"],
                "name": m["name"],
                "description": m["description"],
                "customData": m["custom_data"],
                "isMfaRequired": m["is_mfa_required"],
                "color": m["color"],
                "branding": m["branding"],
                "customCss": m["custom_css"],
                "createdAt": m["created_at"],
                "organizationRoles": [],
            }
        if m["role_id"] is not None:
            org["organizationRoles"].append({"id": m["role_id"], "name": m["role_name"]})
    return list(out.values())


# --- personal access tokens --------------------------------------------------------------------


def pat_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


async def list_pats(conn: AsyncConnection, tenant_id: str, user_id: str) -> list[Row[Any]]:
    q = select(PAT).where(PAT.c.tenant_id == tenant_id, PAT.c.user_id == user_id).order_by(PAT.c.created_at, PAT.c.name)
    return list((await conn.execute(q)).all())


async def insert_pat(conn: AsyncConnection, values: dict[str, Any]) -> Row[Any]:
    try:
        return (await conn.execute(PAT.insert().values(**values).returning(*PAT.c))).one()
    except DBAPIError as exc:
        taken = identifier_taken(exc)
        if taken is not None:
            raise taken from None
        raise


async def rename_pat(conn: AsyncConnection, tenant_id: str, user_id: str, name: str, new_name: str) -> Row[Any]:
    stmt = (
        update(PAT)
        .where(PAT.c.tenant_id == tenant_id, PAT.c.user_id == user_id, PAT.c.name == name)
        .values(name=new_name)
        .returning(*PAT.c)
    )
    try:
        row = (await conn.execute(stmt)).first()
    except DBAPIError as exc:
        taken = identifier_taken(exc)
        if taken is not None:
            raise taken from None
        raise
    if row is None:
        raise LogtoError("entity.not_exists", 404, name="personal_access_token")
    return row


async def delete_pat(conn: AsyncConnection, tenant_id: str, user_id: str, name: str) -> None:
    result = await conn.execute(
        delete(PAT).where(PAT.c.tenant_id == tenant_id, PAT.c.user_id == user_id, PAT.c.name == name)
    )
    if result.rowcount < 1:
        raise LogtoError("entity.not_found", 404)


# --- enterprise SSO identities -----------------------------------------------------------------


def sso_identity(row: Row[Any]) -> dict[str, Any]:
    m = row._mapping
    return {
        "tenantId": m["tenant_id"],
        "id": m["id"],
        "userId": m["user_id"],
        "issuer": m["issuer"],
        "identityId": m["identity_id"],
        "detail": m["detail"],
        "createdAt": m["created_at"],
        "updatedAt": m["updated_at"],
        "ssoConnectorId": m["sso_connector_id"],
    }


async def sso_identities(conn: AsyncConnection, tenant_id: str, user_id: str) -> list[dict[str, Any]]:
    q = select(SSO).where(SSO.c.tenant_id == tenant_id, SSO.c.user_id == user_id).order_by(SSO.c.created_at, SSO.c.id)
    return [sso_identity(r) for r in (await conn.execute(q)).all()]

