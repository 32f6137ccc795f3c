"""Organization rules without HTTP: Logto's error codes inside organization routes, relation
checks (organization locks, members, role and application types), transactional writes (the
route contract re-runs a request that hit a deadlock). Request bodies live in `api/organizations/schemas.py`.

Sources: Logto `routes/organization/**`, `routes/organization-role`, `organization-scope`,
`organization-invitation`, `libraries/organization-invitation.ts`, `utils/SchemaRouter.ts`,
`utils/RelationQueries.ts` (logto-facts §12).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from sqlalchemy import Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from authkeep.dberrors import map_db_error
from authkeep.errors import LogtoError, render
from authkeep.store import organization_roles as role_store
from authkeep.store import organizations as store
from authkeep.store import tables
from authkeep.store.db import Database
from authkeep.store.organization_invitations import (  # noqa: F401  (re-exported: invitation statuses)
    ACCEPTED,
    ENDING_STATUSES,
    EXPIRED,
    PENDING,
    REVOKED,
    invitation_status,
)

T = TypeVar("T")

# Ids end up in SQL IN lists and multi-row inserts; bound them well below driver limits.
MAX_IDS = 1000
# POST …/users/roles and …/applications/roles insert the cross product of two id lists.
MAX_PAIRS = 10_000
# JS Date's range, so stored timestamps stay meaningful (and fit a BIGINT).
MAX_EPOCH_MS = 8_640_000_000_000_000

ROLE_TYPES = ("User", "MachineToMachine")
M2M = "MachineToMachine"


# --- errors as Logto's organization routers answer them --------------------------------------


def foreign_key_error() -> LogtoError:
    """`entity.relation_foreign_key_not_found` is 422 inside organization routers (404 elsewhere)."""
    return LogtoError("entity.relation_foreign_key_not_found", 422)


def unique_error() -> LogtoError:
    return LogtoError("entity.unique_integrity_violation", 422)


def constraint_error() -> LogtoError:
    """What Logto's CHECK constraints answer: wrong role type in a relation, non-M2M app."""
    return LogtoError("entity.db_constraint_violated", 422)


def require_membership() -> LogtoError:
    return LogtoError("organization.require_membership", 422)


def invalid_input(details: str, status: int = 400) -> LogtoError:
    return LogtoError(
        "request.invalid_input", status, message=render("request.invalid_input", {"details": details})
    )


def value_too_long() -> LogtoError:
    return LogtoError("entity.value_too_long", 422)


def list_conjunction(items: list[str]) -> str:
    """English `Intl.ListFormat` conjunction, as i18next's `list(type:conjunction)`."""
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2:
        return f"{items[0]} and {items[1]}"
    return ", ".join(items[:-1]) + f", and {items[-1]}"


def role_names_not_found(names: list[str]) -> LogtoError:
    return LogtoError("organization.role_names_not_found", 422, names=list_conjunction(names))


def map_error(exc: DBAPIError) -> LogtoError | None:
    """FK violations are 422 inside organization routes (Logto's SchemaRouter answers them so;
    elsewhere the generic mapping says 404). None: the route contract maps it (or re-runs the
    request on a deadlock)."""
    mapped = map_db_error(exc)
    if mapped is not None and mapped.code == "entity.relation_foreign_key_not_found":
        return foreign_key_error()
    return None


async def guard_db(work: Awaitable[T]) -> T:
    """Awaits `work` with the organization routes' FK code."""
    try:
        return await work
    except DBAPIError as exc:
        mapped = map_error(exc)
        if mapped is None:
            raise
        raise mapped from None


async def write(db: Database, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    """Runs `work` in one write transaction, with the organization routes' FK code."""

    async def run() -> T:
        async with db.write() as conn:
            return await work(conn)

    return await guard_db(run())


async def read(db: Database, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    async def run() -> T:
        async with db.read() as conn:
            return await work(conn)

    return await guard_db(run())


# --- relation checks (Logto leaves them to FKs and CHECK constraints; the order of errors is
# the same: a CHECK fails on the row, an FK at the end of the statement) -------------------------


def check_types(found: dict[str, str], wanted: Iterable[str], required_type: str | None) -> None:
    """`found` maps the existing ids among `wanted` to their type."""
    wanted = list(wanted)
    if required_type is not None and any(t != required_type for t in found.values()):
        raise constraint_error()
    if any(w not in found for w in wanted):
        raise foreign_key_error()


def dedupe(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def pairs(first: list[str], roles: list[str]) -> list[tuple[str, str]]:
    """The (member, role) cross product of a bulk role assignment, bounded."""
    out = [(a, r) for r in dedupe(roles) for a in dedupe(first)]
    if len(out) > MAX_PAIRS:
        raise invalid_input(f"At most {MAX_PAIRS} assignments can be made at once.")
    return out


async def lock_organization(conn: AsyncConnection, tenant_id: str, org_id: str, needed: bool = True) -> bool:
    """Locks the organization for this write. A missing one is Logto's FK violation when rows
    would reference it (`needed`)."""
    found = await store.lock_organization(conn, tenant_id, org_id)
    if not found and needed:
        raise foreign_key_error()
    return found


async def check_existing(conn: AsyncConnection, table: Table, tenant_id: str, wanted: list[str]) -> None:
    """Every id of `wanted` (deduplicated) is a row of `table`, else the FK violation."""
    found = await store.existing_ids(conn, table, tenant_id, wanted)
    if len(found) < len(set(wanted)):
        raise foreign_key_error()


JIT_TABLES = {"roles": tables.organization_roles, "sso-connectors": tables.sso_connectors}


async def check_jit_targets(conn: AsyncConnection, kind: str, tenant_id: str, wanted: list[str]) -> None:
    """The organization roles or SSO connectors of a just-in-time rule exist."""
    await check_existing(conn, JIT_TABLES[kind], tenant_id, wanted)


async def lock_role(conn: AsyncConnection, tenant_id: str, role_id: str, needed: bool = True) -> bool:
    """Locks an organization role for a change of its relations; missing: the FK violation
    when rows would reference it (`needed`)."""
    found = await role_store.find_role(conn, tenant_id, role_id, lock=True) is not None
    if not found and needed:
        raise foreign_key_error()
    return found


async def check_role_targets(conn: AsyncConnection, kind: str, tenant_id: str, wanted: list[str]) -> None:
    """The organization scopes or resource scopes (`kind`) of a role exist."""
    found = await role_store.relation_targets_existing(conn, kind, tenant_id, wanted)
    if len(found) < len(set(wanted)):
        raise foreign_key_error()


async def check_users(conn: AsyncConnection, tenant_id: str, user_ids: list[str]) -> None:
    found = await store.users_existing(conn, tenant_id, user_ids)
    if len(found) < len(set(user_ids)):
        raise foreign_key_error()


async def check_roles(conn: AsyncConnection, tenant_id: str, role_ids: list[str], role_type: str | None) -> None:
    """Organization roles exist and have `role_type` (None: any type)."""
    found = await store.types_of(conn, tables.organization_roles, tenant_id, role_ids)
    check_types(found, role_ids, role_type)


async def check_apps(conn: AsyncConnection, tenant_id: str, app_ids: list[str]) -> None:
    """Applications exist and are machine-to-machine."""
    found = await store.types_of(conn, tables.applications, tenant_id, app_ids)
    check_types(found, app_ids, M2M)


async def check_members(conn: AsyncConnection, tenant_id: str, org_id: str, user_ids: list[str]) -> None:
    """Logto: the membership FK of a role relation."""
    members = await store.members_among(conn, tenant_id, org_id, dedupe(user_ids))
    if len(members) < len(set(user_ids)):
        raise foreign_key_error()


async def check_app_members(conn: AsyncConnection, tenant_id: str, org_id: str, app_ids: list[str]) -> None:
    members = await store.app_members_among(conn, tenant_id, org_id, dedupe(app_ids))
    if len(members) < len(set(app_ids)):
        raise foreign_key_error()


async def role_ids_from(conn: AsyncConnection, tenant_id: str, role_ids: list[str], names: list[str]) -> list[str]:
    """Ids given directly plus those of the named roles; 422 naming the unknown names."""
    unique_names = dedupe(names)
    by_name = await store.roles_by_names(conn, tenant_id, unique_names)
    missing = [n for n in names if n not in by_name]
    if missing:
        raise role_names_not_found(missing)
    return dedupe([*role_ids, *(by_name[n] for n in unique_names)])


async def require_member(db: Database, tenant_id: str, org_id: str, user_id: str) -> None:
    async def work(conn: AsyncConnection) -> bool:
        return await store.is_member(conn, tenant_id, org_id, user_id)

    if not await read(db, work):
        raise require_membership()


async def require_app_member(db: Database, tenant_id: str, org_id: str, app_id: str) -> None:
    async def work(conn: AsyncConnection) -> bool:
        return await store.is_app_member(conn, tenant_id, org_id, app_id)

    if not await read(db, work):
        raise require_membership()


def organization_urn(organization_id: str) -> str:
    return f"urn:logto:organization:{organization_id}"

