"""Creating many users at once: the rules of POST /api/users, applied to a batch in one
transaction (docs/bulk-users.md).

Each item answers on its own, in Logto's order of checks (lengths; then username, e-mail, phone
held by another user, or by an earlier item of the batch; then a Legacy digest's format; then the
phone's format). Imported digests are stored as given, never re-hashed. With `skip_existing`
(the CLI import, so that a re-run skips what a previous run committed) an item whose user is
already there (same id, or, without an id, one user holding exactly its username, e-mail and
phone) is skipped rather than refused.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep.domain import passwords, sign_in_exp
from authkeep.domain import users as rules
from authkeep.errors import LogtoError
from authkeep.store import users_bulk as store
from authkeep.store.db import Database

MAX_ROUNDS = 3  # PostgreSQL: rows that lost a race to a concurrent create are checked again


@dataclass
class Item:
    index: int  # the caller's position: array index or line number
    values: dict[str, Any]  # column values (username, primary_email, ..., optionally id, created_at)
    password: str | None = None
    digest: str | None = None
    algorithm: str | None = None


@dataclass
class Result:
    index: int
    id: str | None = None
    error: LogtoError | None = None
    skipped: bool = False  # already present (skip_existing)
    row: dict[str, Any] | None = field(default=None, repr=False)


OnCreated = Callable[[AsyncConnection, list[dict[str, Any]]], Awaitable[None]]


@dataclass
class _Prepared:
    item: Item
    row: dict[str, Any]
    phones: tuple[str, ...]
    late: LogtoError | None  # answered only if no identifier is taken (Logto's order)


def _prepare(tenant_id: str, item: Item, user_id: str) -> _Prepared | LogtoError:
    values = dict(item.values)
    try:
        rules.check_lengths(values)
        if item.password:
            # Hashing costs ~50 ms of CPU per password: bulk imports take digests only.
            raise LogtoError(
                "user.bulk_plain_password_unsupported",
                400,
                message="Bulk creates take passwordDigest and passwordAlgorithm, not a plain text password.",
            )
        password = _password(item.digest, item.algorithm)
    except LogtoError as exc:
        return exc
    late: LogtoError | None = None
    try:
        if item.algorithm == "Legacy" and item.digest:
            passwords.parse_legacy(item.digest)
    except LogtoError as exc:
        late = exc
    phone = values.get("primary_phone")
    phones = rules.phone_variants(phone) if phone else ()
    if phone and late is None:
        try:
            values["primary_phone"] = rules.normalize_phone(phone)
        except LogtoError as exc:
            late = exc
    return _Prepared(item, store.new_row(tenant_id, {**values, **password}, user_id), phones, late)


def _password(digest: str | None, algorithm: str | None) -> dict[str, Any]:
    if digest and not algorithm:
        raise LogtoError("user.password_algorithm_required", 400)
    if digest and algorithm:
        return rules.password_values(digest, algorithm)
    return {}


def _keys(p: _Prepared, exact: bool) -> tuple[str | None, str | None, tuple[str, ...]]:
    username = p.item.values.get("username")
    email = p.item.values.get("primary_email")
    return (
        username if exact or username is None else username.lower(),
        email.lower() if email else None,
        p.phones,
    )


def _same_user(held: Any, p: _Prepared, exact: bool) -> bool:
    username, email, phones = _keys(p, exact)
    held_username = held.username if exact or held.username is None else held.username.lower()
    held_email = held.primary_email.lower() if held.primary_email else None
    held_phone_ok = held.primary_phone in phones if phones else held.primary_phone is None
    return held_username == username and held_email == email and held_phone_ok


async def create_many(
    db: Database,
    tenant_id: str,
    items: Sequence[Item],
    *,
    skip_existing: bool = False,
    on_created: OnCreated | None = None,
    default_roles: bool = True,
) -> list[Result]:
    """One result per item, in order. Everything created is committed in one transaction per
    round; `on_created(conn, rows)` runs inside it (the webhook outbox). `default_roles=False`
    (an import bringing each user's own roles) gives no default role."""
    results = {item.index: Result(item.index) for item in items}
    pending: list[_Prepared] = []
    for item, user_id in zip(items, store.random_ids(len(items), 12), strict=True):
        prepared = _prepare(tenant_id, item, user_id)
        if isinstance(prepared, LogtoError):
            results[item.index].error = prepared
        else:
            pending.append(prepared)
    exact = True
    if any(p.item.values.get("username") for p in pending):
        exact = await sign_in_exp.usernames_case_sensitive(db, tenant_id)
    for round_ in range(MAX_ROUNDS):
        if not pending:
            break
        async with db.write() as conn:
            accepted = await _check(conn, tenant_id, pending, results, exact, skip_existing)
            roles = await store.default_role_ids(conn, tenant_id) if accepted and default_roles else []
            inserted = await store.insert_many(conn, [p.row for p in accepted], roles)
            created = [p.row for p in accepted if p.row["id"] in inserted]
            if created and on_created is not None:
                await on_created(conn, created)
        for p in accepted:
            if p.row["id"] in inserted:
                results[p.item.index].id = p.row["id"]
                results[p.item.index].row = p.row
        pending = [p for p in accepted if p.row["id"] not in inserted]
        if round_ == MAX_ROUNDS - 1:
            for p in pending:
                results[p.item.index].error = LogtoError("entity.unique_integrity_violation", 422)
    return [results[item.index] for item in items]


async def _check(
    conn: AsyncConnection,
    tenant_id: str,
    pending: list[_Prepared],
    results: dict[int, Result],
    exact: bool,
    skip_existing: bool,
) -> list[_Prepared]:
    """The items to insert; the others get their error (or are marked skipped)."""
    given_ids = [p.item.values["id"] for p in pending if p.item.values.get("id")]
    found = await store.holders(
        conn,
        tenant_id,
        [p.item.values["username"] for p in pending if p.item.values.get("username")],
        [p.item.values["primary_email"] for p in pending if p.item.values.get("primary_email")],
        [v for p in pending for v in p.phones],
        ids_=given_ids,
        username_case_sensitive=exact,
    )
    by_id = {h.id: h for h in found}
    # identifier -> id of the user holding it (DB users, then accepted items of this batch)
    usernames = {(h.username if exact else h.username.lower()): h.id for h in found if h.username}
    emails = {h.primary_email.lower(): h.id for h in found if h.primary_email}
    phones_held = {h.primary_phone: h.id for h in found if h.primary_phone}
    accepted: list[_Prepared] = []
    for p in pending:
        result = results[p.item.index]
        username, email, phones = _keys(p, exact)
        given_id = p.item.values.get("id")
        if skip_existing and given_id and given_id in by_id:
            result.skipped, result.id = True, given_id
            continue
        holders = {
            "username": usernames.get(username) if username is not None else None,
            "email": emails.get(email) if email is not None else None,
            "phone": next((phones_held[v] for v in phones if v in phones_held), None),
        }
        taken = {name for name, holder in holders.items() if holder is not None}
        if skip_existing and not given_id and taken:
            held_by = {holders[name] for name in taken}
            only = by_id.get(next(iter(held_by))) if len(held_by) == 1 else None
            if only is not None and not isinstance(only, dict) and _same_user(only, p, exact):
                result.skipped, result.id = True, only.id
                continue
        try:
            rules.refuse_taken(taken)
            if given_id and given_id in by_id:
                raise LogtoError("entity.unique_integrity_violation", 422)
            if p.late is not None:
                raise p.late
        except LogtoError as exc:
            result.error = exc
            continue
        accepted.append(p)
        # Later items of the batch see this one as taken, as sequential creates would.
        by_id[p.row["id"]] = p.row  # type: ignore[assignment]
        if username is not None:
            usernames[username] = p.row["id"]
        if email is not None:
            emails[email] = p.row["id"]
        for v in phones:
            phones_held[v] = p.row["id"]
    return accepted



class Statistics:
    """Keeps PostgreSQL's statistics of `users` in step with an import: ANALYZE whenever the table
    has doubled since the planner last looked, so identifier lookups stay index lookups."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.known: int | None = None
        self.added = 0

    async def grew(self, created: int) -> None:
        if self.db.is_sqlite or not created:
            return
        if self.known is None:
            async with self.db.read() as conn:
                self.known = await store.estimated_users(conn)
        self.added += created
        if self.added >= max(self.known, 1000):
            async with self.db.write() as conn:
                await store.analyze(conn)
                self.known = await store.estimated_users(conn)
            self.added = 0
