"""Bringing one Logto 1.x tenant into an authkeep tenant (`authkeep import-logto`, docs/import-logto.md).

Logto's tables and authkeep's share names and columns, so most rows are copied with their ids;
what differs is handled here: secrets are sealed at rest (app secrets, the legacy
`applications.secret`, hook signing keys, personal access tokens, connector secrets), timestamps
are epoch milliseconds, and users go through the bulk create of `authkeep users import`
(domain/users_bulk.py), which keeps Logto's digests of every algorithm as they are.

Each batch is one transaction. A row whose key is already there is counted as present, so a
second run imports nothing; a role, resource, scope or organization role/scope whose unique name
is held by another authkeep row (the seeded Management API roles, say) stands for that row, and
the relations naming it follow. Anything that cannot come over is skipped with its reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON, Boolean, Table

from authkeep import clock, ids
from authkeep.connectors import SOCIAL
from authkeep.domain import connectors as connector_rules
from authkeep.domain import sign_in_exp, users_bulk
from authkeep.errors import LogtoError
from authkeep.hooks.worker import seal_aad
from authkeep.secretbox import SecretBox
from authkeep.store import connectors as connector_store
from authkeep.store import imported_rows as store
from authkeep.store import sign_in_exp as sie_store
from authkeep.store import tables as T
from authkeep.store import tables_connectors, tables_hooks, tables_sign_in
from authkeep.store.db import Database
from authkeep.store.users import pat_hash

BATCH = 500

# Logto tables with nothing authkeep takes over (only reported when the tenant has rows there).
NOT_IMPORTED = {
    "logto_configs": "Logto's signing keys and settings: authkeep signs with its own keys, so tokens "
    "issued by Logto are not accepted; users and apps get new tokens",
    "oidc_model_instances": "sessions, grants and refresh tokens: users sign in again",
    "logs": "the audit log stays in Logto",
    "sso_connectors": "enterprise SSO connectors are not imported; create them again",
    "user_sso_identities": "enterprise SSO identities follow their connectors (not imported)",
    "organization_jit_sso_connectors": "enterprise SSO connectors are not imported",
    "saml_application_configs": "SAML application settings are not imported (the SAML apps are)",
    "saml_application_secrets": "SAML signing certificates are not imported",
    "account_centers": "account center settings are not imported yet",
    "captcha_providers": "the captcha provider is not imported",
    "domains": "custom domains are not imported",
    "secrets": "stored third-party tokens (token storage) are not imported",
    "passcodes": "pending verification codes expire anyway",
    "one_time_tokens": "one-time tokens are not imported",
    "verification_records": "verification records are short-lived",
}

_DEFAULTS: dict[str, Any] = {
    "enabled": True, "access_token_ttl": 3600, "type": "User", "name": "", "events": [], "mfa_verifications": [],
}  # fmt: skip


@dataclass
class Outcome:
    imported: int = 0
    present: int = 0  # already in authkeep (a previous run, or the same row)
    matched: int = 0  # an authkeep row with the same unique name stands for it
    skipped: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def skip(self, reason: str, example: str) -> None:
        self.skipped[reason] += 1
        shown = self.examples.setdefault(reason, [])
        if len(shown) < 3:
            shown.append(example)


@dataclass
class Report:
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    not_imported: list[tuple[str, int, str]] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return sum(o.imported for o in self.outcomes.values())


@dataclass(frozen=True)
class Spec:
    table: Table  # authkeep's table; Logto's has the same name and columns
    key: tuple[str, ...] = ("id",)  # what makes a row "already there" (after id mapping)
    refs: tuple[tuple[str, str], ...] = ()  # (column, table it names by id): mapped, must exist
    pairs: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (table, columns): a membership that must exist
    natural: tuple[str, ...] = ()  # a unique value: an authkeep row holding it stands for this one
    extra: tuple[str, ...] = ()  # Logto columns read that authkeep stores differently
    order: tuple[str, ...] = ("id",)
    source: str = ""  # Logto's table when its name differs
    renamed: tuple[tuple[str, str], ...] = ()  # (Logto column, authkeep column)
    fixed: tuple[tuple[str, Any], ...] = ()  # authkeep columns with one value for the whole table

    @property
    def name(self) -> str:
        return self.source or self.table.name

    @property
    def source_key(self) -> tuple[str, ...]:
        """The Logto columns behind `key`."""
        logto, fixed = {new: old for old, new in self.renamed}, dict(self.fixed)
        return tuple(logto.get(k, k) for k in self.key if k not in fixed)


def _access(source: str, kind: str, target: str, target_table: str, org: bool = False) -> Spec:
    """Logto keeps app-level access control in four tables; authkeep in one, by kind."""
    refs = (("application_id", "applications"), ("target_id", target_table)) + ((("organization_id", _ORG),) if org else ())
    return Spec(T.application_access_rules, ("application_id", "kind", "target_id", "organization_id"), refs,
                source=source, renamed=((target, "target_id"),), fixed=(("kind", kind),) + (() if org else (("organization_id", ""),)),
                order=("application_id", target))  # fmt: skip


def _rel(table: Table, key: tuple[str, ...], **refs: str) -> Spec:
    return Spec(table, key, tuple(refs.items()), order=key)


_ORG = "organizations"
_OROLE = "organization_roles"
SPECS: list[Spec] = [
    Spec(T.resources, natural=("indicator",)),
    Spec(T.scopes, refs=(("resource_id", "resources"),), natural=("resource_id", "name")),
    Spec(T.roles, natural=("name",)),
    _rel(T.roles_scopes, ("role_id", "scope_id"), role_id="roles", scope_id="scopes"),
    Spec(T.applications, order=("created_at", "id")),
    _rel(T.application_secrets, ("application_id", "name"), application_id="applications"),
    _rel(T.applications_roles, ("application_id", "role_id"), application_id="applications", role_id="roles"),
    _rel(T.application_sign_in_experiences, ("application_id",), application_id="applications"),
    Spec(T.users, order=("created_at", "id")),
    _rel(T.users_roles, ("user_id", "role_id"), user_id="users", role_id="roles"),
    _rel(T.personal_access_tokens, ("user_id", "name"), user_id="users"),
    Spec(T.organizations, order=("created_at", "id")),
    Spec(T.organization_scopes, natural=("name",)),
    Spec(T.organization_roles, natural=("name",)),
    _rel(T.organization_role_scope_relations, ("organization_role_id", "organization_scope_id"),
         organization_role_id=_OROLE, organization_scope_id="organization_scopes"),
    _rel(T.organization_role_resource_scope_relations, ("organization_role_id", "scope_id"),
         organization_role_id=_OROLE, scope_id="scopes"),
    _rel(T.organization_user_relations, ("organization_id", "user_id"), organization_id=_ORG, user_id="users"),
    Spec(T.organization_role_user_relations, ("organization_id", "organization_role_id", "user_id"),
         (("organization_id", _ORG), ("organization_role_id", _OROLE), ("user_id", "users")),
         pairs=(("organization_user_relations", ("organization_id", "user_id")),),
         order=("organization_id", "organization_role_id", "user_id")),
    _rel(T.organization_application_relations, ("organization_id", "application_id"),
         organization_id=_ORG, application_id="applications"),
    Spec(T.organization_role_application_relations, ("organization_id", "organization_role_id", "application_id"),
         (("organization_id", _ORG), ("organization_role_id", _OROLE), ("application_id", "applications")),
         pairs=(("organization_application_relations", ("organization_id", "application_id")),),
         order=("organization_id", "organization_role_id", "application_id")),
    Spec(T.organization_invitations,
         refs=(("organization_id", _ORG), ("inviter_id", "users"), ("accepted_user_id", "users")),
         order=("created_at", "id")),
    _rel(T.organization_invitation_role_relations, ("organization_invitation_id", "organization_role_id"),
         organization_invitation_id="organization_invitations", organization_role_id=_OROLE),
    _rel(T.organization_jit_email_domains, ("organization_id", "email_domain"), organization_id=_ORG),
    _rel(T.organization_jit_roles, ("organization_id", "organization_role_id"),
         organization_id=_ORG, organization_role_id=_OROLE),
    _rel(T.application_user_consent_resource_scopes, ("application_id", "scope_id"),
         application_id="applications", scope_id="scopes"),
    _rel(T.application_user_consent_organization_resource_scopes, ("application_id", "scope_id"),
         application_id="applications", scope_id="scopes"),
    _rel(T.application_user_consent_organization_scopes, ("application_id", "organization_scope_id"),
         application_id="applications", organization_scope_id="organization_scopes"),
    _rel(T.application_user_consent_user_scopes, ("application_id", "user_scope"), application_id="applications"),
    _rel(T.application_user_consent_organizations, ("application_id", "user_id", "organization_id"),
         application_id="applications", user_id="users", organization_id=_ORG),
    Spec(tables_hooks.hooks, extra=("signing_key",), order=("created_at", "id")),
    _access("application_access_control_user_relations", "user", "user_id", "users"),
    _access("application_access_control_user_role_relations", "userRole", "role_id", "roles"),
    _access("application_access_control_organization_relations", "organization", "organization_id", _ORG),
    _access("application_access_control_org_role_relations", "organizationRole", "organization_role_id", _OROLE, org=True),
    Spec(tables_sign_in.custom_phrases, ("language_tag",), order=("language_tag",)),
    Spec(tables_sign_in.custom_profile_fields, ("name",), order=("sie_order", "name")),
    Spec(tables_connectors.email_templates, ("language_tag", "template_type"), order=("language_tag", "template_type")),
]
TABLES = {t.name: t for t in T.metadata.tables.values()}
_SINGULAR = {"users": "user", "roles": "role", "scopes": "scope", "resources": "resource", "applications": "app",
             _ORG: "organization", _OROLE: "organization role", "organization_scopes": "organization scope",
             "organization_invitations": "invitation", "organization_user_relations": "membership",
             "organization_application_relations": "app membership"}  # fmt: skip


class Importer:
    def __init__(self, db: Database, box: SecretBox, source: Any, tenant_id: str, progress: Callable[[int], None]) -> None:
        self.db, self.box, self.source, self.tenant_id, self.progress = db, box, source, tenant_id, progress
        self.report = Report()
        self.maps: dict[str, dict[str, str]] = {}  # table -> Logto id -> authkeep id (when they differ)
        self.known: dict[str, set[str]] = {}  # table -> ids known to exist in authkeep
        self._clock = clock.now_ms()
        self.current = ""  # the table being imported, for messages

    # --- planning ------------------------------------------------------------------------------

    async def planned(self) -> int:
        """Rows the import will go through (the progress bar's total)."""
        total = 0
        for name in ("sign_in_experiences", "connectors", *(s.name for s in SPECS)):
            total += await self.source.count(name)
        for name, why in NOT_IMPORTED.items():
            if count := await self.source.count(name):
                self.report.not_imported.append((name, count, why))
        return total

    async def run(self) -> Report:
        self.current = "sign_in_experiences"
        await self._sign_in_experience()
        self.current = "connectors"
        await self._connectors()
        for spec in SPECS:
            if not self.source.has(spec.name, *spec.source_key):
                continue
            self.current = spec.name
            if spec.name == "users":
                await self._users()
            else:
                await self._table(spec)
        return self.report

    def _outcome(self, name: str) -> Outcome:
        return self.report.outcomes.setdefault(name, Outcome())

    def _batches(self, spec: Spec) -> AsyncIterator[list[dict[str, Any]]]:
        wanted = [c.name for c in spec.table.c if c.name != "tenant_id"] + list(spec.extra) + [o for o, _ in spec.renamed]
        return self.source.rows(spec.name, wanted, spec.order, BATCH)

    # --- generic tables --------------------------------------------------------------------------

    async def _table(self, spec: Spec) -> None:
        out = self._outcome(spec.name)
        async for batch in self._batches(spec):
            async with self.db.write() as conn:
                await self._batch(conn, spec, batch, out)
            self.progress(len(batch))

    async def _batch(self, conn: Any, spec: Spec, batch: list[dict[str, Any]], out: Outcome) -> None:
        rows: list[tuple[str, dict[str, Any]]] = []  # (Logto id or key text, authkeep row)
        for raw in batch:
            label = str(raw.get("id") or "/".join(str(raw.get(k)) for k in spec.key))
            converted = self._convert(spec, raw)
            if isinstance(converted, str):
                out.skip(converted, label)
            else:
                rows.append((label, converted))
        # already there
        keys = [tuple(r[k] for k in spec.key) for _, r in rows]
        held = await store.present(conn, spec.table, self.tenant_id, spec.key, keys) if rows else set()
        pending = []
        for label, row in rows:
            if tuple(row[k] for k in spec.key) in held:
                out.present += 1
                self._know(spec.name, row)
            else:
                pending.append((label, row))
        # the same unique name held by another row: that row stands for this one
        if spec.natural and pending:
            values = [tuple(r[k] for k in spec.natural) for _, r in pending]
            holders = await store.holders(conn, spec.table, self.tenant_id, spec.natural, values)
            rest = []
            for label, row in pending:
                holder = holders.get(tuple(row[k] for k in spec.natural))
                if holder is None:
                    rest.append((label, row))
                elif "type" in row and holder.type != row["type"]:
                    out.skip(f"an authkeep {_SINGULAR.get(spec.name, spec.name)} with the same name has another type", label)
                else:
                    self.maps.setdefault(spec.name, {})[row["id"]] = holder.id
                    self.known.setdefault(spec.name, set()).add(holder.id)
                    out.matched += 1
            pending = rest
        pending = await self._with_references(conn, spec, pending, out)
        inserted = await store.insert_new(conn, spec.table, [r for _, r in pending], spec.key)
        for label, row in pending:
            if tuple(row[k] for k in spec.key) in inserted:
                out.imported += 1
                self._know(spec.name, row)
            else:
                out.skip("another authkeep row holds one of its unique values", label)

    def _know(self, table: str, row: dict[str, Any]) -> None:
        if "id" in row:
            self.known.setdefault(table, set()).add(row["id"])

    def _mapped(self, table: str, value: Any) -> Any:
        return self.maps.get(table, {}).get(value, value)

    async def _with_references(
        self, conn: Any, spec: Spec, rows: list[tuple[str, dict[str, Any]]], out: Outcome
    ) -> list[tuple[str, dict[str, Any]]]:
        """The rows whose referenced rows exist in authkeep; the others are skipped with the reason."""
        for column, target in spec.refs:
            known = self.known.setdefault(target, set())
            unknown = {(r[column],) for _, r in rows if r.get(column) is not None and r[column] not in known}
            if unknown:
                found = await store.present(conn, TABLES[target], self.tenant_id, ("id",), sorted(unknown))
                known.update(k[0] for k in found)
            kept = []
            for label, row in rows:
                if row.get(column) is None or row[column] in known:
                    kept.append((label, row))
                else:
                    out.skip(f"its {_SINGULAR.get(target, target)} was not imported", label)
            rows = kept
        for target, columns in spec.pairs:
            wanted = [tuple(r[c] for c in columns) for _, r in rows]
            found = await store.present(conn, TABLES[target], self.tenant_id, columns, wanted) if wanted else set()
            kept = []
            for label, row in rows:
                if tuple(row[c] for c in columns) in found:
                    kept.append((label, row))
                else:
                    out.skip(f"its {_SINGULAR.get(target, target)} was not imported", label)
            rows = kept
        return rows

    def _convert(self, spec: Spec, raw: dict[str, Any]) -> dict[str, Any] | str:
        raw = {**raw, **{new: raw.get(old) for old, new in spec.renamed}, **dict(spec.fixed)}
        row: dict[str, Any] = {}
        for col in spec.table.c:
            name = col.name
            if name == "tenant_id":
                row[name] = self.tenant_id
            elif name in raw:
                row[name] = raw[name]
            elif name == "created_at":
                self._clock += 1  # Logto keeps no creation time here: keep Logto's order
                row[name] = self._clock
            elif name in _DEFAULTS:
                row[name] = _DEFAULTS[name]
            elif col.nullable:
                row[name] = None
            elif isinstance(col.type, Boolean):
                row[name] = False
            elif isinstance(col.type, JSON):
                row[name] = {}
        for column, target in spec.refs:
            row[column] = self._mapped(target, row.get(column))
        special = _SPECIAL.get(spec.name)
        return special(self, raw, row) if special else row

    def _application(self, raw: dict[str, Any], row: dict[str, Any]) -> dict[str, Any] | str:
        row["secret"] = self.box.seal(raw.get("secret") or "#internal:" + ids.standard_secret(), aad=row["id"])
        return row

    def _app_secret(self, raw: dict[str, Any], row: dict[str, Any]) -> dict[str, Any] | str:
        row["value"] = self.box.seal(raw["value"], aad=row["application_id"])
        return row

    def _pat(self, raw: dict[str, Any], row: dict[str, Any]) -> dict[str, Any] | str:
        digest = pat_hash(raw["value"])
        row["value_hash"] = digest
        row["value"] = self.box.seal(raw["value"], aad=f"pat:{self.tenant_id}:{digest}")
        return row

    def _hook(self, raw: dict[str, Any], row: dict[str, Any]) -> dict[str, Any] | str:
        key = raw.get("signing_key") or ids.standard_secret()
        row["sealed_signing_key"] = self.box.seal(key, seal_aad(self.tenant_id, row["id"]))
        return row

    # --- users: the bulk create of `authkeep users import` ------------------------------------------

    async def _users(self) -> None:
        out = self._outcome("users")
        spec = next(s for s in SPECS if s.name == "users")
        async for batch in self._batches(spec):
            items = []
            for index, raw in enumerate(batch):
                values = {k: v for k, v in raw.items() if k not in ("password_encrypted", "password_encryption_method")}
                values = {k: v for k, v in values.items() if v is not None or k == "id"}
                items.append(users_bulk.Item(index, values, None, raw.get("password_encrypted"),
                                             raw.get("password_encryption_method")))  # fmt: skip
            results = await users_bulk.create_many(self.db, self.tenant_id, items, skip_existing=True, default_roles=False)
            known = self.known.setdefault("users", set())
            for raw, result in zip(batch, results, strict=True):
                if result.error is not None:
                    out.skip(f"{result.error.code}: {result.error.message}", raw["id"])
                    continue
                known.add(raw["id"])
                if result.skipped:
                    out.present += 1
                else:
                    out.imported += 1
            self.progress(len(batch))

    # --- one document and a few connectors ------------------------------------------------------

    async def _sign_in_experience(self) -> None:
        if not self.source.has("sign_in_experiences", "id"):
            return
        out = self._outcome("sign_in_experiences")
        wanted = sorted(self.source.columns["sign_in_experiences"] - {"tenant_id"})
        async for batch in self.source.rows("sign_in_experiences", wanted, ("id",), BATCH):
            for raw in batch:
                self.progress(1)
                if raw.get("id") != "default":
                    out.skip("only the `default` sign-in experience exists in authkeep", str(raw.get("id")))
                    continue
                base = sign_in_exp.default(self.tenant_id)
                doc = {key: value for name, value in raw.items() if (key := _camel(name)) in base and key not in ("id", "tenantId")}
                async with self.db.write() as conn:
                    current = await sign_in_exp.current(conn, self.tenant_id, lock=True)
                    if current == {**base, **doc}:
                        out.present += 1
                    elif current != base:  # changed in authkeep since: never overwritten
                        out.skip("authkeep's sign-in experience was already changed; it is left as it is", "default")
                    else:
                        await sie_store.put_document(conn, tables_sign_in.sign_in_experiences, self.tenant_id, doc)
                        out.imported += 1

    async def _connectors(self) -> None:
        if not self.source.has("connectors", "id", "connector_id"):
            return
        out = self._outcome("connectors")
        wanted = ["id", "connector_id", "config", "metadata", "sync_profile", "enable_token_storage", "created_at"]
        async for batch in self.source.rows("connectors", wanted, ("created_at", "id"), BATCH):
            async with self.db.write() as conn:
                for raw in batch:
                    await self._connector(conn, raw, out)
            self.progress(len(batch))

    async def _connector(self, conn: Any, raw: dict[str, Any], out: Outcome) -> None:
        label = f"{raw['id']} ({raw['connector_id']})"
        existing = await connector_store.list_connectors(conn, self.tenant_id)
        if any(r.id == raw["id"] for r in existing):
            out.present += 1
            return
        factory = connector_rules.factory_of(raw["connector_id"])
        if factory is None:
            out.skip(f"authkeep has no `{raw['connector_id']}` connector", label)
            return
        config = raw.get("config") or {}
        try:
            connector_rules.validate_config(factory, config)
        except LogtoError as exc:
            out.skip(f"its config is refused: {exc.message}", label)
            return
        if factory.type != SOCIAL:
            same = [r.id for r in existing if (f := connector_rules.factory_of(r.connector_id)) and f.type == factory.type]
            if same:
                out.skip(f"authkeep already has a {factory.type.lower()} connector", label)
                return
        await connector_store.insert_connector(conn, {
            "tenant_id": self.tenant_id, "id": raw["id"], "connector_id": factory.id,
            **connector_rules.seal_config(self.box, self.tenant_id, raw["id"], factory, config),
            "metadata": raw.get("metadata") or {}, "sync_profile": bool(raw.get("sync_profile")),
            "enable_token_storage": False, "created_at": raw.get("created_at") or clock.now_ms(),
        })  # fmt: skip
        out.imported += 1


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


_SPECIAL: dict[str, Callable[[Importer, dict[str, Any], dict[str, Any]], dict[str, Any] | str]] = {
    "applications": Importer._application,
    "application_secrets": Importer._app_secret,
    "personal_access_tokens": Importer._pat,
    "hooks": Importer._hook,
}
