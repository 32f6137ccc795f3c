"""`authkeep import-logto`: a Logto-shaped PostgreSQL database (built here from the table facts in
spec/logto-facts.md §2, only the tables and columns the import reads) is imported into a fresh
authkeep (both backends); then the imported M2M app lists users through the official `@logto/api`
client with its old secret, and imported users sign in with their old passwords."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import argon2
import asyncpg
import bcrypt
import httpx
import pytest

from tests import oidc_flow
from tests.conftest import IN_CI
from tests.server import PG_ADMIN_URL, Server, pg_available
from tests.test_logto_api_client import NODE_DIR, _install

SCHEMA = """
CREATE TYPE users_password_encryption_method AS ENUM
  ('Argon2i', 'Argon2id', 'Argon2d', 'SHA1', 'SHA256', 'MD5', 'Bcrypt', 'Legacy');
CREATE TYPE application_type AS ENUM ('Native', 'SPA', 'Traditional', 'MachineToMachine', 'Protected', 'SAML');
CREATE TYPE role_type AS ENUM ('User', 'MachineToMachine');
CREATE TYPE organization_invitation_status AS ENUM ('Pending', 'Accepted', 'Expired', 'Revoked');
CREATE TABLE tenants (id varchar(21) PRIMARY KEY);
CREATE TABLE users (
  tenant_id varchar(21) NOT NULL REFERENCES tenants, id varchar(12) PRIMARY KEY, username varchar(128),
  primary_email varchar(128), primary_phone varchar(128), password_encrypted varchar(256),
  password_encryption_method users_password_encryption_method, name varchar(128), avatar varchar(2048),
  profile jsonb NOT NULL DEFAULT '{}', application_id varchar(21), identities jsonb NOT NULL DEFAULT '{}',
  custom_data jsonb NOT NULL DEFAULT '{}', logto_config jsonb NOT NULL DEFAULT '{}',
  mfa_verifications jsonb NOT NULL DEFAULT '[]', is_suspended boolean NOT NULL DEFAULT false,
  is_password_expired boolean NOT NULL DEFAULT false, last_sign_in_at timestamptz, password_updated_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, username), UNIQUE (tenant_id, primary_email), UNIQUE (tenant_id, primary_phone));
CREATE TABLE applications (
  tenant_id varchar(21) NOT NULL REFERENCES tenants, id varchar(21) PRIMARY KEY, name varchar(256) NOT NULL,
  secret varchar(64) NOT NULL, description text, type application_type NOT NULL,
  oidc_client_metadata jsonb NOT NULL, custom_client_metadata jsonb NOT NULL DEFAULT '{}',
  protected_app_metadata jsonb, custom_data jsonb NOT NULL DEFAULT '{}', is_third_party boolean NOT NULL DEFAULT false,
  app_level_access_control_enabled boolean NOT NULL DEFAULT false, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE application_secrets (
  tenant_id varchar(21) NOT NULL REFERENCES tenants, application_id varchar(21) NOT NULL REFERENCES applications,
  name varchar(256) NOT NULL, value varchar(64) NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz, PRIMARY KEY (tenant_id, application_id, name));
CREATE TABLE resources (
  tenant_id varchar(21) NOT NULL REFERENCES tenants, id varchar(21) PRIMARY KEY, name text NOT NULL,
  indicator text NOT NULL, is_default boolean NOT NULL DEFAULT false, access_token_ttl bigint NOT NULL DEFAULT 3600,
  UNIQUE (tenant_id, indicator));
CREATE TABLE scopes (
  tenant_id varchar(21) NOT NULL REFERENCES tenants, id varchar(21) PRIMARY KEY,
  resource_id varchar(21) NOT NULL REFERENCES resources, name varchar(256) NOT NULL, description text,
  created_at timestamptz NOT NULL DEFAULT now(), UNIQUE (tenant_id, resource_id, name));
CREATE TABLE roles (
  tenant_id varchar(21) NOT NULL REFERENCES tenants, id varchar(21) PRIMARY KEY, name varchar(128) NOT NULL,
  description varchar(128) NOT NULL, type role_type NOT NULL DEFAULT 'User', is_default boolean NOT NULL DEFAULT false,
  UNIQUE (tenant_id, name));
CREATE TABLE roles_scopes (
  tenant_id varchar(21) NOT NULL REFERENCES tenants, id varchar(21) PRIMARY KEY,
  role_id varchar(21) NOT NULL REFERENCES roles, scope_id varchar(21) NOT NULL REFERENCES scopes,
  UNIQUE (tenant_id, role_id, scope_id));
CREATE TABLE users_roles (
  tenant_id varchar(21) NOT NULL REFERENCES tenants, id varchar(21) PRIMARY KEY,
  user_id varchar(21) NOT NULL REFERENCES users, role_id varchar(21) NOT NULL REFERENCES roles,
  UNIQUE (tenant_id, user_id, role_id));
CREATE TABLE applications_roles (
  tenant_id varchar(21) NOT NULL REFERENCES tenants, id varchar(21) PRIMARY KEY,
  application_id varchar(21) NOT NULL REFERENCES applications, role_id varchar(21) NOT NULL REFERENCES roles,
  UNIQUE (tenant_id, application_id, role_id));
CREATE TABLE organizations (
  tenant_id varchar(21) NOT NULL REFERENCES tenants, id varchar(21) PRIMARY KEY, name varchar(128) NOT NULL,
  description varchar(256), custom_data jsonb NOT NULL DEFAULT '{}', is_mfa_required boolean NOT NULL DEFAULT false,
  color jsonb NOT NULL DEFAULT '{}', branding jsonb NOT NULL DEFAULT '{}', custom_css text,
  created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE organization_roles (
  tenant_id varchar(21) NOT NULL REFERENCES tenants, id varchar(21) PRIMARY KEY, name varchar(128) NOT NULL,
  description varchar(256), type role_type NOT NULL DEFAULT 'User', UNIQUE (tenant_id, name));
CREATE TABLE organization_scopes (
  tenant_id varchar(21) NOT NULL REFERENCES tenants, id varchar(21) PRIMARY KEY, name varchar(128) NOT NULL,
  description varchar(256), UNIQUE (tenant_id, name));
CREATE TABLE organization_role_scope_relations (
  tenant_id varchar(21) NOT NULL REFERENCES tenants, organization_role_id varchar(21) NOT NULL REFERENCES organization_roles,
  organization_scope_id varchar(21) NOT NULL REFERENCES organization_scopes,
  PRIMARY KEY (tenant_id, organization_role_id, organization_scope_id));
CREATE TABLE organization_user_relations (
  tenant_id varchar(21) NOT NULL REFERENCES tenants, organization_id varchar(21) NOT NULL REFERENCES organizations,
  user_id varchar(12) NOT NULL REFERENCES users, PRIMARY KEY (tenant_id, organization_id, user_id));
CREATE TABLE organization_role_user_relations (
  tenant_id varchar(21) NOT NULL REFERENCES tenants, organization_id varchar(21) NOT NULL,
  organization_role_id varchar(21) NOT NULL REFERENCES organization_roles, user_id varchar(12) NOT NULL,
  PRIMARY KEY (tenant_id, organization_id, organization_role_id, user_id),
  FOREIGN KEY (tenant_id, organization_id, user_id) REFERENCES organization_user_relations);
CREATE TABLE organization_application_relations (
  tenant_id varchar(21) NOT NULL REFERENCES tenants, organization_id varchar(21) NOT NULL REFERENCES organizations,
  application_id varchar(21) NOT NULL REFERENCES applications, PRIMARY KEY (tenant_id, organization_id, application_id));
CREATE TABLE organization_invitations (
  tenant_id varchar(21) NOT NULL REFERENCES tenants, id varchar(21) PRIMARY KEY, inviter_id varchar(21) REFERENCES users,
  invitee varchar(256) NOT NULL, accepted_user_id varchar(21) REFERENCES users,
  organization_id varchar(21) NOT NULL REFERENCES organizations, status organization_invitation_status NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL);
CREATE TABLE organization_invitation_role_relations (
  tenant_id varchar(21) NOT NULL REFERENCES tenants,
  organization_invitation_id varchar(21) NOT NULL REFERENCES organization_invitations,
  organization_role_id varchar(21) NOT NULL REFERENCES organization_roles,
  PRIMARY KEY (tenant_id, organization_invitation_id, organization_role_id));
CREATE TABLE organization_jit_email_domains (
  tenant_id varchar(21) NOT NULL REFERENCES tenants, organization_id varchar(21) NOT NULL REFERENCES organizations,
  email_domain varchar(128) NOT NULL, PRIMARY KEY (tenant_id, organization_id, email_domain));
CREATE TABLE personal_access_tokens (
  tenant_id varchar(21) NOT NULL REFERENCES tenants, user_id varchar(12) NOT NULL REFERENCES users,
  name varchar(256) NOT NULL, value varchar(64) NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz, PRIMARY KEY (tenant_id, user_id, name));
CREATE TABLE application_access_control_user_role_relations (
  tenant_id varchar(21) NOT NULL REFERENCES tenants, application_id varchar(21) NOT NULL REFERENCES applications,
  role_id varchar(21) NOT NULL REFERENCES roles, PRIMARY KEY (tenant_id, application_id, role_id));
CREATE TABLE application_access_control_org_role_relations (
  tenant_id varchar(21) NOT NULL REFERENCES tenants, application_id varchar(21) NOT NULL REFERENCES applications,
  organization_id varchar(21) NOT NULL REFERENCES organizations,
  organization_role_id varchar(21) NOT NULL REFERENCES organization_roles,
  PRIMARY KEY (tenant_id, application_id, organization_id, organization_role_id));
CREATE TABLE custom_phrases (
  tenant_id varchar(21) NOT NULL REFERENCES tenants, id varchar(21) PRIMARY KEY, language_tag varchar(16) NOT NULL,
  translation jsonb NOT NULL, UNIQUE (tenant_id, language_tag));
CREATE TABLE sign_in_experiences (
  tenant_id varchar(21) NOT NULL REFERENCES tenants, id varchar(21) NOT NULL, color jsonb NOT NULL,
  branding jsonb NOT NULL, language_info jsonb NOT NULL, sign_in jsonb NOT NULL, sign_up jsonb NOT NULL,
  sign_in_mode text NOT NULL DEFAULT 'SignInAndRegister', password_policy jsonb NOT NULL DEFAULT '{}',
  mfa jsonb NOT NULL DEFAULT '{}', trusted_device jsonb NOT NULL DEFAULT '{}', PRIMARY KEY (tenant_id, id));
CREATE TABLE connectors (
  tenant_id varchar(21) NOT NULL REFERENCES tenants, id varchar(128) PRIMARY KEY,
  sync_profile boolean NOT NULL DEFAULT false, connector_id varchar(128) NOT NULL, config jsonb NOT NULL DEFAULT '{}',
  metadata jsonb NOT NULL DEFAULT '{}', created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE hooks (
  tenant_id varchar(21) NOT NULL REFERENCES tenants, id varchar(21) PRIMARY KEY, name varchar(256) NOT NULL DEFAULT '',
  event varchar(128), events jsonb NOT NULL DEFAULT '[]', config jsonb NOT NULL, signing_key varchar(64) NOT NULL DEFAULT '',
  enabled boolean NOT NULL DEFAULT true, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE logs (
  tenant_id varchar(21) NOT NULL REFERENCES tenants, id varchar(21) PRIMARY KEY, key varchar(128) NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}', created_at timestamptz NOT NULL DEFAULT now());
"""

MGMT_ACCESS = "Logto Management API access"
BULK = 1100  # plain users (more than two import batches)


def _id(n: int = 21) -> str:
    return "".join(secrets.choice("0123456789abcdefghijklmnopqrstuvwxyz") for _ in range(n))


def _argon2(kind: argon2.Type, password: str) -> str:
    return argon2.PasswordHasher(time_cost=2, memory_cost=1024, parallelism=1, type=kind).hash(password)


def _legacy(password: str) -> str:
    expected = hashlib.sha256(("pepper" + password).encode()).hexdigest()
    return json.dumps(["sha256", ["pepper", "@"], expected])


# username -> (algorithm, digest maker)
ALGORITHMS = {
    "Argon2i": lambda p: _argon2(argon2.Type.I, p),
    "Argon2id": lambda p: _argon2(argon2.Type.ID, p),
    "Argon2d": lambda p: _argon2(argon2.Type.D, p),
    "SHA1": lambda p: hashlib.sha1(p.encode()).hexdigest(),
    "SHA256": lambda p: hashlib.sha256(p.encode()).hexdigest(),
    "MD5": lambda p: hashlib.md5(p.encode()).hexdigest(),
    "Bcrypt": lambda p: bcrypt.hashpw(p.encode(), bcrypt.gensalt(rounds=4)).decode(),
    "Legacy": _legacy,
}


def password_of(algorithm: str) -> str:
    return f"Old-{algorithm}-pass1"


class Logto:
    """What the test database holds, for the assertions."""

    def __init__(self) -> None:
        self.users = {alg: _id(12) for alg in ALGORITHMS}
        self.admin_user = _id(12)
        self.clash_user = _id(12)  # its e-mail is held by an authkeep user before the import
        self.m2m_id, self.m2m_secret = _id(), secrets.token_urlsafe(24)[:32]
        self.web_id, self.web_legacy_secret = _id(), secrets.token_urlsafe(24)[:32]
        self.access_role = _id()
        self.reader_role, self.api_resource, self.read_scope = _id(), _id(), _id()
        self.org, self.org_role, self.org_scope, self.invitation = _id(12), _id(), _id(), _id()
        self.hook, self.hook_key = _id(), secrets.token_urlsafe(24)[:32]
        self.pat = "pat_" + secrets.token_urlsafe(24)[:32]
        self.totp_key = base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


async def _fill(conn: asyncpg.Connection, d: Logto) -> None:
    await conn.execute(SCHEMA)
    ex = conn.execute
    await ex("INSERT INTO tenants VALUES ('default'), ('admin'), ('t2')")
    for alg, user_id in d.users.items():
        extra = {}
        if alg == "Bcrypt":
            extra = {
                "identities": {"github": {"userId": "gh-1", "details": {"login": "octo"}}},
                "custom_data": {"plan": "pro", "seats": 3},
                "mfa_verifications": [{"id": _id(), "type": "Totp", "key": d.totp_key, "createdAt": "2024-05-01T00:00:00.000Z"}],
                "logto_config": {"mfa": {"skipped": False}},
            }
        await ex(
            "INSERT INTO users (tenant_id, id, username, primary_email, password_encrypted, password_encryption_method,"
            " name, identities, custom_data, mfa_verifications, logto_config, last_sign_in_at, created_at)"
            " VALUES ('default', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '2024-06-01T10:00:00Z',"
            " '2024-01-01T00:00:00Z'::timestamptz + $11 * interval '1 second')",
            user_id, f"u_{alg.lower()}", f"{alg.lower()}@old.example.com", ALGORITHMS[alg](password_of(alg)), alg,
            f"User {alg}", json.dumps(extra.get("identities", {})), json.dumps(extra.get("custom_data", {})),
            json.dumps(extra.get("mfa_verifications", [])), json.dumps(extra.get("logto_config", {})), len(extra),
        )  # fmt: skip
    await ex("INSERT INTO users (tenant_id, id, username) VALUES ('admin', $1, 'console_admin'), ('t2', $2, 'u_t2')",
             d.admin_user, _id(12))  # fmt: skip
    # Enough plain users, each with a role, for several batches of users and of relations.
    await ex(f"INSERT INTO users (tenant_id, id, username, created_at) SELECT 'default', 'b' || lpad(i::text, 11, '0'), "
             f"'bulk_' || i, '2023-01-01'::timestamptz + i * interval '1 second' FROM generate_series(1, {BULK}) i")  # fmt: skip
    await ex("INSERT INTO users (tenant_id, id, username, primary_email) VALUES ('default', $1, 'u_clash', "
             "'clash@old.example.com')", d.clash_user)  # fmt: skip
    # Logto's seed: the Management API, its scope, the internal admin role and the access role.
    await ex("INSERT INTO resources VALUES ('default', 'management-api', 'Logto Management API', "
             "'https://default.logto.app/api', false, 3600)")  # fmt: skip
    await ex("INSERT INTO scopes (tenant_id, id, resource_id, name, description) VALUES ('default', "
             "'management-api-all', 'management-api', 'all', 'Default scope for Management API, allows all permissions.')")  # fmt: skip
    await ex("INSERT INTO roles VALUES ('default', 'admin-role', '#internal:admin', 'Internal admin role for Logto "
             "tenant default.', 'MachineToMachine', false), ('default', $1, $2, 'This default role grants access "
             "to the Logto management API.', 'MachineToMachine', false)", d.access_role, MGMT_ACCESS)  # fmt: skip
    await ex("INSERT INTO roles_scopes VALUES ('default', $1, 'admin-role', 'management-api-all'), "
             "('default', $2, $3, 'management-api-all')", _id(), _id(), d.access_role)  # fmt: skip
    # A resource, a user role with its scope, held by the Bcrypt user.
    await ex("INSERT INTO resources VALUES ('default', $1, 'Orders', 'https://orders.example.com', false, 600)", d.api_resource)
    await ex("INSERT INTO scopes (tenant_id, id, resource_id, name) VALUES ('default', $1, $2, 'read:orders')",
             d.read_scope, d.api_resource)  # fmt: skip
    await ex("INSERT INTO roles VALUES ('default', $1, 'reader', 'Reads orders', 'User', false)", d.reader_role)
    await ex("INSERT INTO roles_scopes VALUES ('default', $1, $2, $3)", _id(), d.reader_role, d.read_scope)
    await ex("INSERT INTO users_roles VALUES ('default', $1, $2, $3), ('default', $4, $5, $3)",
             _id(), d.users["Bcrypt"], d.reader_role, _id(), d.clash_user)  # fmt: skip
    await ex("INSERT INTO users_roles SELECT 'default', 'r' || lpad(i::text, 20, '0'), 'b' || lpad(i::text, 11, '0'), $1 "
             f"FROM generate_series(1, {BULK}) i", d.reader_role)  # fmt: skip
    # An M2M app (secret in application_secrets) holding the access role; a web app with a legacy secret.
    await ex("INSERT INTO applications (tenant_id, id, name, secret, type, oidc_client_metadata, created_at) VALUES "
             "('default', $1, 'old m2m', $2, 'MachineToMachine', $3, '2024-02-01T00:00:00Z')",
             d.m2m_id, "#internal:" + _id(32), json.dumps({"redirectUris": [], "postLogoutRedirectUris": []}))  # fmt: skip
    await ex("INSERT INTO application_secrets (tenant_id, application_id, name, value) VALUES ('default', $1, "
             "'Default secret', $2)", d.m2m_id, d.m2m_secret)  # fmt: skip
    await ex("INSERT INTO applications_roles VALUES ('default', $1, $2, $3)", _id(), d.m2m_id, d.access_role)
    # authkeep has a User role of this name before the import: not the same role.
    auditor = _id()
    await ex("INSERT INTO roles VALUES ('default', $1, 'auditor', 'Audits', 'MachineToMachine', false)", auditor)
    await ex("INSERT INTO applications_roles VALUES ('default', $1, $2, $3)", _id(), d.m2m_id, auditor)
    metadata = {"redirectUris": [oidc_flow.REDIRECT], "postLogoutRedirectUris": [oidc_flow.LOGOUT_REDIRECT]}
    await ex("INSERT INTO applications (tenant_id, id, name, secret, type, oidc_client_metadata, custom_data) VALUES "
             "('default', $1, 'old web', $2, 'Traditional', $3, '{\"team\": \"web\"}')",
             d.web_id, d.web_legacy_secret, json.dumps(metadata))  # fmt: skip
    # An organization with a role, a scope, a member holding the role, and a pending invitation.
    await ex("INSERT INTO organizations (tenant_id, id, name, custom_data) VALUES ('default', $1, 'Acme', '{\"tier\": 2}')", d.org)
    await ex("INSERT INTO organization_roles VALUES ('default', $1, 'member', 'Members', 'User')", d.org_role)
    await ex("INSERT INTO organization_scopes VALUES ('default', $1, 'read:docs', NULL)", d.org_scope)
    await ex("INSERT INTO organization_role_scope_relations VALUES ('default', $1, $2)", d.org_role, d.org_scope)
    await ex("INSERT INTO organization_user_relations VALUES ('default', $1, $2)", d.org, d.users["SHA256"])
    await ex("INSERT INTO organization_role_user_relations VALUES ('default', $1, $2, $3)", d.org, d.org_role, d.users["SHA256"])
    await ex("INSERT INTO organization_application_relations VALUES ('default', $1, $2)", d.org, d.m2m_id)
    await ex("INSERT INTO organization_invitations (tenant_id, id, inviter_id, invitee, organization_id, status, expires_at) "
             "VALUES ('default', $1, $2, 'new@old.example.com', $3, 'Pending', now() + interval '7 days')",
             d.invitation, d.users["SHA256"], d.org)  # fmt: skip
    await ex("INSERT INTO organization_invitation_role_relations VALUES ('default', $1, $2)", d.invitation, d.org_role)
    await ex("INSERT INTO application_access_control_user_role_relations VALUES ('default', $1, $2)", d.web_id, d.reader_role)
    await ex("INSERT INTO application_access_control_org_role_relations VALUES ('default', $1, $2, $3)",
             d.web_id, d.org, d.org_role)  # fmt: skip
    await ex("INSERT INTO custom_phrases VALUES ('default', $1, 'fr', '{\"input\": {\"username\": \"Pseudo\"}}')", _id())
    await ex("INSERT INTO organization_jit_email_domains VALUES ('default', $1, 'acme.example.com')", d.org)
    await ex("INSERT INTO personal_access_tokens (tenant_id, user_id, name, value) VALUES ('default', $1, 'ci', $2)",
             d.users["MD5"], d.pat)  # fmt: skip
    # Sign-in experience, connectors (one authkeep has, one it does not), a hook, a log line.
    await ex("INSERT INTO sign_in_experiences (tenant_id, id, color, branding, language_info, sign_in, sign_up, mfa) "
             "VALUES ('default', 'default', $1, '{}', $2, $3, $4, $5)",
             json.dumps({"primaryColor": "#123456", "isDarkModeEnabled": False, "darkPrimaryColor": "#654321"}),
             json.dumps({"autoDetect": False, "fallbackLanguage": "fr"}),
             json.dumps({"methods": [{"identifier": "username", "password": True, "verificationCode": False,
                                      "isPasswordPrimary": True}]}),
             json.dumps({"identifiers": ["username"], "password": True, "verify": False}),
             json.dumps({"factors": ["Totp"], "policy": "UserControlled"}))  # fmt: skip
    await ex("INSERT INTO connectors (tenant_id, id, connector_id, config) VALUES ('default', 'mailconn0001', "
             "'mock-email-service', '{}'), ('default', 'githubconn01', 'github-universal', '{\"clientId\": \"x\"}')")  # fmt: skip
    await ex("INSERT INTO hooks (tenant_id, id, name, events, config, signing_key) VALUES ('default', $1, 'audit', "
             "'[\"User.Created\"]', '{\"url\": \"https://hooks.example.com/in\"}', $2)", d.hook, d.hook_key)  # fmt: skip
    await ex("INSERT INTO logs (tenant_id, id, key) VALUES ('default', $1, 'ExchangeTokenBy.ClientCredentials')", _id())


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def logto() -> Iterator[tuple[str, Logto]]:
    if not pg_available():
        if IN_CI:
            pytest.fail("PostgreSQL at 127.0.0.1:5432 is required in CI")
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    name = f"authkeep_logto_{os.getpid()}_{secrets.token_hex(4)}"
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    data = Logto()

    async def build() -> None:
        conn = await asyncpg.connect(url)
        try:
            await _fill(conn, data)
        finally:
            await conn.close()

    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        asyncio.run(build())
        yield url, data
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def cli(server: Server, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "authkeep.cli", "import-logto", *args],
        env=server.env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def first_run(own_server: Server, logto: tuple[str, Logto], api: httpx.Client) -> subprocess.CompletedProcess[str]:
    r = api.post("/api/users", json={"username": "already_here", "primaryEmail": "clash@old.example.com"})
    assert r.status_code == 200, r.text
    r = api.post("/api/roles", json={"name": "auditor", "description": "a user role", "type": "User"})
    assert r.status_code == 200, r.text
    run = cli(own_server, "--from", logto[0])
    assert run.returncode == 0, run.stdout + run.stderr
    return run


@pytest.fixture(scope="module")
def api(own_server: Server) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {own_server.token()}"}
    with httpx.Client(base_url=own_server.base_url, headers=headers, timeout=60) as client:
        yield client


def _line(out: str, table: str) -> str:
    return next(line for line in out.splitlines() if line.strip().startswith(table + " "))


def test_report_names_what_came_over_and_what_did_not(
    first_run: subprocess.CompletedProcess[str], logto: tuple[str, Logto]
) -> None:
    out = first_run.stdout
    assert f"{8 + BULK} imported, 0 already present, 1 skipped" in _line(out, "users")
    assert f"skipped 1: user.email_already_in_use: This email is associated with an existing account. (e.g. {logto[1].clash_user})" in out
    assert f"{1 + BULK} imported, 0 already present, 1 skipped" in _line(out, "users_roles")
    assert "skipped 1: its user was not imported" in out
    assert "2 imported" in _line(out, "applications")
    # Logto's seeded rows: the Management API and #internal:admin share authkeep's fixed ids; the
    # access role has another id in each and is matched by its name.
    assert "1 imported, 1 already present" in _line(out, "resources")
    assert "1 imported, 1 already present, 1 matched an existing one by name, 1 skipped" in _line(out, "roles")
    assert "skipped 1: an authkeep role with the same name has another type" in out
    assert "1 imported, 0 already present, 1 skipped" in _line(out, "applications_roles")
    assert "skipped 1: its role was not imported" in out
    assert "skipped 1: authkeep has no `github-universal` connector (e.g. githubconn01 (github-universal))" in out
    assert "1 not imported: the audit log stays in Logto" in _line(out, "logs")
    assert "|" in first_run.stderr  # the progress bar


def test_m2m_app_lists_users_through_the_official_client(
    first_run: Any, own_server: Server, logto: tuple[str, Logto]
) -> None:
    data = logto[1]
    own_server.token(data.m2m_id, data.m2m_secret)  # the old secret works at the token endpoint
    if shutil_missing_node():
        pytest.skip("node/npm not installed")
    _install()
    env = {**os.environ, "AUTHKEEP_URL": own_server.base_url, "CLIENT_ID": data.m2m_id, "CLIENT_SECRET": data.m2m_secret}
    run = subprocess.run(["node", "list_users.mjs"], cwd=NODE_DIR, env=env, capture_output=True, text=True, timeout=120,
                         check=False)  # fmt: skip
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["status"] == 200 and out["scope"] == "all", out
    listed = {u["id"]: u for u in out["users"]}
    assert set(data.users.values()) <= set(listed)
    assert data.admin_user not in listed  # another Logto tenant's user stays behind
    assert listed[data.users["Bcrypt"]]["username"] == "u_bcrypt"


def shutil_missing_node() -> bool:
    import shutil

    missing = shutil.which("node") is None or shutil.which("npm") is None
    if missing and IN_CI:
        pytest.fail("node and npm are required in CI")
    return missing


@pytest.mark.parametrize("algorithm", list(ALGORITHMS))
def test_users_sign_in_with_their_old_passwords(
    first_run: Any, own_server: Server, logto: tuple[str, Logto], algorithm: str
) -> None:
    data = logto[1]
    web = oidc_flow.App(data.web_id, data.web_legacy_secret, "Traditional")
    with oidc_flow.browser(own_server) as c:
        oidc_flow.location(oidc_flow.authorize(c, web)[1])
        wrong = oidc_flow.password_sign_in(c, f"u_{algorithm.lower()}", "not-the-password")
        assert wrong.status_code == 422, wrong.text
    if algorithm == "Bcrypt":  # the right password, then the TOTP factor that came over with the user
        with oidc_flow.browser(own_server) as c:
            oidc_flow.location(oidc_flow.authorize(c, web)[1])
            done = oidc_flow.password_sign_in(c, "u_bcrypt", password_of(algorithm))
            assert done.status_code == 403, done.text
            assert done.json()["code"] == "session.mfa.require_mfa_verification"
            assert done.json()["data"]["availableFactors"] == ["Totp"]
    elif algorithm in ("Legacy", "Argon2id", "MD5"):  # the whole flow, tokens included, for a few
        _, tokens = oidc_flow.sign_in(own_server, web, f"u_{algorithm.lower()}", password_of(algorithm))
        assert tokens["access_token"] and tokens["id_token"]
    else:
        with oidc_flow.browser(own_server) as c:
            oidc_flow.location(oidc_flow.authorize(c, web)[1])
            done = oidc_flow.password_sign_in(c, f"u_{algorithm.lower()}", password_of(algorithm))
            assert done.status_code == 200, done.text


def test_everything_else_came_over(first_run: Any, api: httpx.Client, logto: tuple[str, Logto]) -> None:
    data = logto[1]
    user = api.get(f"/api/users/{data.users['Bcrypt']}").json()
    assert user["customData"] == {"plan": "pro", "seats": 3}
    assert user["identities"] == {"github": {"userId": "gh-1", "details": {"login": "octo"}}}
    assert user["lastSignInAt"] == 1717236000000 and user["createdAt"] == 1704067204000
    assert [m["type"] for m in api.get(f"/api/users/{data.users['Bcrypt']}/mfa-verifications").json()] == ["Totp"]
    assert [r["name"] for r in api.get(f"/api/users/{data.users['Bcrypt']}/roles").json()] == ["reader"]
    assert api.get(f"/api/users/{data.users['MD5']}/roles").json() == []  # no default role added
    holders = api.get(f"/api/roles/{data.reader_role}/users", params={"page_size": 1})
    assert holders.headers["total-number"] == str(BULK + 1)
    scopes = api.get(f"/api/roles/{data.reader_role}/scopes").json()
    assert [(s["id"], s["resource"]["indicator"]) for s in scopes] == [(data.read_scope, "https://orders.example.com")]
    assert api.get(f"/api/resources/{data.api_resource}").json()["accessTokenTtl"] == 600
    secrets_ = api.get(f"/api/applications/{data.m2m_id}/secrets").json()
    assert [(s["name"], s["value"]) for s in secrets_] == [("Default secret", data.m2m_secret)]
    web = api.get(f"/api/applications/{data.web_id}").json()
    assert web["secret"] == data.web_legacy_secret and web["customData"] == {"team": "web"}
    assert [r["name"] for r in api.get(f"/api/applications/{data.m2m_id}/roles").json()] == [MGMT_ACCESS]
    org = api.get(f"/api/organizations/{data.org}").json()
    assert org["name"] == "Acme" and org["customData"] == {"tier": 2}
    members = api.get(f"/api/organizations/{data.org}/users").json()
    assert [(m["id"], [r["name"] for r in m["organizationRoles"]]) for m in members] == [(data.users["SHA256"], ["member"])]
    assert [a["id"] for a in api.get(f"/api/organizations/{data.org}/applications").json()] == [data.m2m_id]
    role_scopes = api.get(f"/api/organization-roles/{data.org_role}/scopes").json()
    assert [s["name"] for s in role_scopes] == ["read:docs"]
    invitation = api.get(f"/api/organization-invitations/{data.invitation}").json()
    assert invitation["invitee"] == "new@old.example.com" and invitation["status"] == "Pending"
    assert [r["id"] for r in invitation["organizationRoles"]] == [data.org_role]
    jit = api.get(f"/api/organizations/{data.org}/jit/email-domains").json()
    assert [d["emailDomain"] for d in jit] == ["acme.example.com"]
    pats = api.get(f"/api/users/{data.users['MD5']}/personal-access-tokens").json()
    assert [(p["name"], p["value"]) for p in pats] == [("ci", data.pat)]
    access = api.get(f"/api/applications/{data.web_id}/access-control").json()
    assert access["userRoleIds"] == [data.reader_role]
    assert access["organizationRoleRules"] == [{"organizationId": data.org, "organizationRoleIds": [data.org_role]}]
    assert api.get("/api/custom-phrases/fr").json()["translation"] == {"input": {"username": "Pseudo"}}
    hook = api.get(f"/api/hooks/{data.hook}").json()
    assert hook["signingKey"] == data.hook_key and hook["events"] == ["User.Created"]
    sie = api.get("/api/sign-in-exp").json()
    assert sie["color"]["primaryColor"] == "#123456" and sie["languageInfo"]["fallbackLanguage"] == "fr"
    assert sie["mfa"] == {"factors": ["Totp"], "policy": "UserControlled"}
    assert [c["id"] for c in api.get("/api/connectors").json()] == ["mailconn0001"]


def test_second_run_imports_nothing(first_run: Any, own_server: Server, logto: tuple[str, Logto]) -> None:
    again = cli(own_server, "--from", logto[0], "--quiet")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "nothing new to import" in again.stdout
    assert f"0 imported, {8 + BULK} already present, 1 skipped" in _line(again.stdout, "users")
    assert "0 imported, 2 already present" in _line(again.stdout, "applications")
    counts = [line for line in again.stdout.splitlines() if " imported," in line]
    assert len(counts) > 20 and all(" 0 imported," in line or " 0 rows imported," in line for line in counts), again.stdout
    assert "rows/s" not in again.stderr  # --quiet: no progress bar


def test_bad_sources_get_a_clear_error(own_server: Server, logto: tuple[str, Logto]) -> None:
    cases = {
        "mysql://root@127.0.0.1/logto": "must be a PostgreSQL URL",
        "postgresql://postgres:hunter2@127.0.0.1:1/logto": "cannot connect to postgresql://postgres:***@127.0.0.1:1/logto",
        PG_ADMIN_URL.rsplit("/", 1)[0] + "/authkeep_no_such_db_x": "cannot connect",
        PG_ADMIN_URL: "no Logto `users` table",
    }
    for url, message in cases.items():
        run = cli(own_server, "--from", url)
        assert run.returncode == 2, run.stdout + run.stderr
        assert message in run.stderr and "Traceback" not in run.stderr, run.stderr
        assert "hunter2" not in run.stderr
    run = cli(own_server, "--from", logto[0], "--tenant", "nope")
    assert run.returncode == 2 and "Logto has no tenant 'nope' (it has: admin, default, t2)" in run.stderr, run.stderr


def test_another_logto_tenant_goes_to_the_authkeep_tenant_of_its_name(
    first_run: Any, own_server: Server, logto: tuple[str, Logto]
) -> None:
    run = cli(own_server, "--from", logto[0], "--tenant", "t2", "--quiet")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 imported, 0 already present" in _line(run.stdout, "users")
    assert "resources" not in run.stdout  # t2 has nothing else


def test_a_rerun_puts_back_what_was_deleted(first_run: Any, api: httpx.Client, own_server: Server, logto: tuple[str, Logto]) -> None:
    """Runs only add what is missing: a user deleted in authkeep comes back with its roles and MFA."""
    data = logto[1]
    assert api.delete(f"/api/users/{data.users['Bcrypt']}").status_code == 204
    run = cli(own_server, "--from", logto[0], "--quiet")
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"1 imported, {7 + BULK} already present, 1 skipped" in _line(run.stdout, "users")
    assert f"1 imported, {BULK} already present, 1 skipped" in _line(run.stdout, "users_roles")
    assert [r["name"] for r in api.get(f"/api/users/{data.users['Bcrypt']}/roles").json()] == ["reader"]
    assert [m["type"] for m in api.get(f"/api/users/{data.users['Bcrypt']}/mfa-verifications").json()] == ["Totp"]
