"""Events of a write transaction, published to subscribers after it commits (never on rollback).

`Database.write()` records a table-change event for every INSERT, UPDATE and DELETE executed in
its transaction (SQLAlchemy's `before_cursor_execute`), so no write path can forget to invalidate a
cache; code may add its own domain events with `emit(conn, Event(...))` in the same transaction.

Caches follow *families*: the groups of tables one kind of Management API answer reads
(`FAMILIES`, the route modules' families). A change to a table touches the families in
`TABLE_FAMILIES`; a delete or key update also touches the tables its foreign keys cascade to.
A table missing from the map (or SQL that cannot be read) touches everything (`ALL`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import visitors
from sqlalchemy.sql.dml import Delete, Insert, Update, UpdateBase
from sqlalchemy.sql.elements import TextClause

from authkeep.store import (  # noqa: F401  (its tables get families below)
    tables,
    tables_cimd,
    tables_hooks,
    tables_idempotency,
    tables_saml,
    tables_sso,
)

FAMILIES = (
    "applications", "resources", "roles", "users", "organizations", "configs", "console", "messages",
    "sign_in", "connectors", "codes", "hooks", "logs", "sessions", "outbox",
    "idempotency",
)
ALL: frozenset[str] = frozenset({"*"})  # "unknown: every family changed"
_KEY = "authkeep_events"  # the collector's slot in the DBAPI connection's `info`

_ORG = ("organizations",)
_TABLES: dict[str, tuple[str, ...]] = {
    "system_settings": ("configs",),
    "signing_keys": ("configs",),
    "applications": ("applications",),
    "application_secrets": ("applications",),
    "application_sign_in_experiences": ("applications",),
    "application_user_consent_resource_scopes": ("applications", "resources"),
    "application_user_consent_organization_resource_scopes": ("applications", "organizations", "resources"),
    "application_user_consent_organization_scopes": ("applications", "organizations"),
    "application_user_consent_user_scopes": ("applications",),
    "application_user_consent_organizations": ("applications", "organizations"),
    "application_access_rules": ("applications",),
    "saml_application_configs": ("applications",),
    "saml_application_secrets": ("applications",),
    "saml_application_sessions": ("sessions",),
    "resources": ("resources",),
    "scopes": ("resources",),
    "roles": ("roles",),
    "roles_scopes": ("roles", "resources"),
    "applications_roles": ("applications", "roles"),
    "users": ("users",),
    "user_counts": ("users",),
    "user_buckets": ("users",),
    "user_sso_identities": ("users",),
    "personal_access_tokens": ("users",),
    "users_roles": ("users", "roles"),
    "organizations": _ORG,
    "organization_roles": _ORG,
    "organization_scopes": _ORG,
    "organization_role_scope_relations": _ORG,
    "organization_invitations": _ORG,
    "organization_invitation_role_relations": _ORG,
    "organization_jit_email_domains": _ORG,
    "organization_jit_roles": _ORG,
    "organization_jit_sso_connectors": _ORG,
    "organization_role_resource_scope_relations": ("organizations", "resources"),
    "organization_user_relations": ("organizations", "users"),
    "organization_role_user_relations": ("organizations", "users"),
    "organization_member_buckets": ("organizations", "users"),
    "organization_application_relations": ("organizations", "applications"),
    "organization_role_application_relations": ("organizations", "applications"),
    "sso_connectors": ("configs", "organizations", "users"),
    "sso_connector_signing_keys": ("configs",),
    "cimd_user_scopes": ("configs",),
    "cimd_resource_scopes": ("configs", "resources"),
    "cimd_organization_scopes": ("configs", "organizations"),
    "cimd_organization_resource_scopes": ("configs", "resources"),
    "message_sends": ("messages",),
    "console_admins": ("console",),
    "console_sessions": ("console",),
    # Sign-in experience and connectors (their tables are declared in later modules).
    "sign_in_experiences": ("sign_in",),
    "account_centers": ("sign_in",),
    "custom_phrases": ("sign_in",),
    "custom_profile_fields": ("sign_in",),
    "captcha_providers": ("sign_in",),
    "connectors": ("connectors",),
    "email_templates": ("connectors",),
    "passcodes": ("codes",),
    "one_time_tokens": ("codes",),
    "hooks": ("hooks",),
    "hook_outbox": ("outbox",),  # read by no cached answer: an event must not evict the hooks
    "logs": ("logs",),
    # End users' sessions, grants and tokens; verification records; sign-in attempts.
    "oidc_model_instances": ("sessions",),
    "verification_records": ("sessions",),
    "sentinel_activities": ("sessions",),
    "idempotency_keys": ("idempotency",),  # read by no cache
}


def _cascades(action: str) -> dict[str, frozenset[str]]:
    """Table -> the tables whose rows a delete or update of it may change through foreign keys."""
    children: dict[str, set[str]] = {name: set() for name in tables.metadata.tables}
    for table in tables.metadata.tables.values():
        for fk in table.foreign_key_constraints:
            if getattr(fk, action) and fk.referred_table is not table:
                children[fk.referred_table.name].add(table.name)
    reached: dict[str, frozenset[str]] = {}
    for name in children:
        seen, todo = {name}, [name]
        while todo:
            for child in children[todo.pop()]:
                if child not in seen:
                    seen.add(child)
                    todo.append(child)
        reached[name] = frozenset(seen)
    return reached


def table_families(table: str) -> frozenset[str]:
    families = _TABLES.get(table)
    return frozenset(families) if families is not None else ALL


def touch(families: Iterable[str]) -> frozenset[str]:
    found = frozenset(families)
    return ALL if "*" in found else found


def _closure(reached: dict[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    return {name: touch(f for t in found for f in table_families(t)) for name, found in reached.items()}


_built: tuple[int, dict[str, dict[str, frozenset[str]]]] = (-1, {})


def _families_on(action: str, table: str) -> frozenset[str]:
    """Built on first use (tables declared in modules imported later count too), and again
    whenever the metadata has grown."""
    global _built
    if _built[0] != len(tables.metadata.tables):
        _built = (len(tables.metadata.tables), {
            "insert": {name: table_families(name) for name in tables.metadata.tables},
            "update": _closure(_cascades("onupdate")),
            "delete": _closure(_cascades("ondelete")),
        })
    found = _built[1][action].get(table)
    return found if found is not None else table_families(table)


def families_of_item(item: str) -> frozenset[str]:
    """A family or table name, as carried by a change notification."""
    return frozenset((item,)) if item in FAMILIES else table_families(item)


@dataclass(frozen=True)
class Event:
    entity: str  # a table for table changes, a domain name ("role", "user") for domain events
    action: str  # "insert" | "update" | "delete" for table changes; free for domain events
    ids: tuple[str, ...] = ()
    payload: Any = None
    families: frozenset[str] = field(default=frozenset(), compare=False)


@dataclass
class Collector:
    """The events of one transaction, in order."""

    events: list[Event] = field(default_factory=list)
    families: set[str] = field(default_factory=set)

    def add(self, event: Event) -> None:
        self.events.append(event)
        self.families |= event.families


def emit(conn: AsyncConnection, event: Event) -> None:
    """Add a domain event to the write transaction `conn` belongs to (published after commit)."""
    collector = conn.sync_connection.info.get(_KEY) if conn.sync_connection is not None else None
    if collector is None:
        raise RuntimeError("emit() outside Database.write()")
    collector.add(event)


def start(conn: AsyncConnection) -> Collector:
    collector = Collector()
    assert conn.sync_connection is not None
    conn.sync_connection.info[_KEY] = collector
    return collector


def stop(conn: AsyncConnection) -> None:
    if conn.sync_connection is not None:
        conn.sync_connection.info.pop(_KEY, None)


def _table_event(name: str, action: str) -> Event:
    return Event(name, action, families=_families_on(action, name))


def _dml_event(stmt: UpdateBase) -> Event:
    name = stmt.table.name if isinstance(stmt.table, Table) else "?"
    return _table_event(name, "insert" if isinstance(stmt, Insert) else "delete" if isinstance(stmt, Delete) else "update")


_TEXT_DML = re.compile(r"\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.IGNORECASE)
_TEXT_READ = {"SELECT", "BEGIN", "PRAGMA", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT", "SHOW", "SET"}


def _text_events(sql: str) -> list[Event]:
    head = sql.lstrip().split(None, 1)[:1]
    if head and head[0].upper() in _TEXT_READ:
        return []
    found = _TEXT_DML.match(sql)
    if found is None:  # WITH ..., TRUNCATE, DDL: cannot tell what changed
        return [Event("?", "sql", families=ALL)]
    return [_table_event(found.group(1), found.group(0).split(None, 1)[0].lower())]


def _may_write(sql: str) -> bool:
    return "INSERT " in sql or "DELETE " in sql or sql.count("UPDATE") > sql.count("FOR UPDATE")


def _statement_events(stmt: Any, sql: str | None = None) -> list[Event]:
    if isinstance(stmt, (Insert, Update, Delete)):
        return [_dml_event(stmt)]
    if isinstance(stmt, str):
        return _text_events(stmt)
    if isinstance(stmt, TextClause):
        return _text_events(stmt.text)
    if not hasattr(stmt, "get_children"):
        return [Event("?", "sql", families=ALL)]
    # A SELECT may carry writes in CTEs (INSERT ... RETURNING inside WITH). Walking the statement
    # costs ~0.3 ms, so only when the SQL it compiled to says there may be one.
    if sql is not None and not _may_write(sql):
        return []
    found = {id(e): e for e in visitors.iterate(stmt) if isinstance(e, (Insert, Update, Delete))}
    return [_dml_event(e) for e in found.values()]


def record(sync_conn: Any, sql: str, clause: Any | None) -> None:
    """`before_cursor_execute` hook: note the tables a statement in a write transaction changes
    (`clause` is the SQLAlchemy statement it was compiled from; None for driver SQL)."""
    collector = sync_conn.info.get(_KEY)
    if collector is not None:
        for event in _statement_events(sql if clause is None else clause, sql):
            collector.add(event)
