"""D4: instances started at the same moment on a fresh PostgreSQL database all come up (migrations,
seeding and the bootstrap app take turns under one advisory lock and are idempotent)."""

from __future__ import annotations

import re
import secrets
import tempfile
from pathlib import Path

import httpx
import pytest

from tests.conftest import IN_CI
from tests.server import (
    LOG_DIR,
    MGMT,
    Server,
    create_pg_database,
    drop_pg_database,
    launch_server,
    pg_available,
)

ROUNDS = 3


@pytest.fixture
def pg() -> None:
    if not pg_available():
        if IN_CI:
            pytest.fail("PostgreSQL is required in CI")
        pytest.skip("PostgreSQL is not running")


def _launch_together(env: dict[str, str], count: int = 2) -> tuple[str, list[Server]]:
    name = create_pg_database()
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    servers = [launch_server("postgres", url, env) for _ in range(count)]
    return name, servers


def _stop(name: str, servers: list[Server]) -> None:
    for server in servers:
        server.stop()
    drop_pg_database(name)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_instances_started_together_with_a_configured_bootstrap_app(pg: None, round_: int) -> None:
    client_id, client_secret = f"boot{secrets.token_hex(4)}", secrets.token_urlsafe(24)
    env = {
        "AUTHKEEP_SECRET_KEY": secrets.token_urlsafe(32),
        "AUTHKEEP_BOOTSTRAP_CLIENT_ID": client_id,
        "AUTHKEEP_BOOTSTRAP_CLIENT_SECRET": client_secret,
    }
    name, servers = _launch_together(env)
    try:
        for server in servers:
            server.wait_ready()
        for server in servers:
            server.client_id, server.client_secret = client_id, client_secret
            res = httpx.get(f"{server.base_url}/api/applications/{client_id}",
                            headers={"Authorization": f"Bearer {server.token()}"})
            assert res.status_code == 200, res.text
            assert res.json()["type"] == "MachineToMachine"
            roles = httpx.get(f"{server.base_url}/api/roles", params={"search.name": "Logto Management API access"},
                              headers={"Authorization": f"Bearer {server.token()}"})
            assert [r["name"] for r in roles.json()] == ["Logto Management API access"]  # seeded once
    finally:
        _stop(name, servers)


def test_instances_started_together_create_one_bootstrap_app(pg: None) -> None:
    """Without a configured app, each instance makes sure one exists: exactly one is created."""
    env = {
        "AUTHKEEP_SECRET_KEY": secrets.token_urlsafe(32),
        "AUTHKEEP_BOOTSTRAP_CLIENT_ID": "",
        "AUTHKEEP_BOOTSTRAP_CLIENT_SECRET": "",
        "PYTHONUNBUFFERED": "1",  # the log is read while the servers run
    }
    name, servers = _launch_together(env, count=3)
    try:
        for server in servers:
            server.wait_ready()
        logs = [s.log_path.read_text() for s in servers if s.log_path]
        created = [log for log in logs if "created bootstrap M2M app" in log]
        assert len(created) == 1, logs
        app_id = re.search(r"App ID:\s+(\S+)", created[0]).group(1)  # type: ignore[union-attr]
        secret = re.search(r"App secret:\s+(\S+)", created[0]).group(1)  # type: ignore[union-attr]
        assert all(app_id in log for log in logs)  # the others found the same one
        form = {"grant_type": "client_credentials", "resource": MGMT, "scope": "all"}
        for server in servers:
            res = httpx.post(f"{server.base_url}/oidc/token", data=form, auth=(app_id, secret))
            assert res.status_code == 200, res.text
            listed = httpx.get(f"{server.base_url}/api/applications",
                               headers={"Authorization": f"Bearer {res.json()['access_token']}"})
            assert [a["id"] for a in listed.json() if a["type"] == "MachineToMachine"] == [app_id]
    finally:
        _stop(name, servers)


def test_servers_leave_nothing_in_the_temp_dir(tmp_path_factory: pytest.TempPathFactory,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Logs go to build/test-logs, SQLite scratch directories die with their server: after a
    SQLite server of each kind has run and stopped, the temp dir holds no `authkeep-*` entry."""
    from tests.conftest import fresh_server
    from tests.server import start_server

    private = tmp_path_factory.mktemp("tmpdir")
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    env = {"TMPDIR": str(private)}
    with fresh_server("sqlite", env) as server:
        assert server.log_path is not None and private not in server.log_path.parents
        assert server.log_path.parent == LOG_DIR
        assert [p.name[:16] for p in private.iterdir()] == ["authkeep-sqlite-"]  # it was used
    scratch = tempfile.mkdtemp(prefix="authkeep-deep-")  # as tests that start their own servers do
    server = start_server("sqlite", f"sqlite:///{scratch}/a.db", env)
    server.stop()
    assert sorted(p.name for p in private.iterdir()) == []
    assert Path(tempfile.gettempdir()) == private
