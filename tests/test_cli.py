"""The `authkeep` command: migrate, bootstrap and serve on a fresh SQLite database."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx

from tests.server import MGMT, start_server


def _cli(*args: str, env: dict[str, str]) -> str:
    run = subprocess.run(
        [sys.executable, "-m", "authkeep.cli", *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


def test_migrate_bootstrap_then_serve(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path}/cli.db"
    env = {**os.environ, "AUTHKEEP_DATABASE_URL": db_url, "AUTHKEEP_DATA_DIR": str(tmp_path)}
    for key in ("AUTHKEEP_SECRET_KEY", "AUTHKEEP_BOOTSTRAP_CLIENT_ID", "AUTHKEEP_BOOTSTRAP_CLIENT_SECRET"):
        env.pop(key, None)
    assert "up to date" in _cli("migrate", env=env)
    key_file = tmp_path / "secret.key"
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"

    first = _cli("bootstrap", env=env)
    app_id = re.search(r"App ID:\s+(\S+)", first).group(1)  # type: ignore[union-attr]
    secret = re.search(r"App secret:\s+(\S+)", first).group(1)  # type: ignore[union-attr]
    again = _cli("bootstrap", env=env)
    assert f"App ID:     {app_id}" in again and f"App secret: {secret}" in again

    server = start_server("sqlite", db_url, {"AUTHKEEP_SECRET_KEY": key_file.read_text().strip(),
                                             "AUTHKEEP_BOOTSTRAP_CLIENT_ID": "", "AUTHKEEP_BOOTSTRAP_CLIENT_SECRET": ""})
    try:
        res = httpx.post(
            f"{server.base_url}/oidc/token",
            data={"grant_type": "client_credentials", "resource": MGMT, "scope": "all"},
            auth=(app_id, secret),
        )
        assert res.status_code == 200 and res.json()["scope"] == "all"
    finally:
        server.stop()
    log = server.log_path.read_text() if server.log_path else ""
    assert secret not in log  # a restart names the app but never prints its secret again
    assert app_id in log


def test_env_bootstrap_is_idempotent(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path}/env.db"
    env = {**os.environ, "AUTHKEEP_DATABASE_URL": db_url, "AUTHKEEP_SECRET_KEY": "k" * 40,
           "AUTHKEEP_BOOTSTRAP_CLIENT_ID": "ci-bootstrap", "AUTHKEEP_BOOTSTRAP_CLIENT_SECRET": "first-secret"}
    _cli("migrate", env=env)
    env["AUTHKEEP_BOOTSTRAP_CLIENT_SECRET"] = "second-secret"
    _cli("migrate", env=env)
    server = start_server("sqlite", db_url, {k: env[k] for k in env if k.startswith("AUTHKEEP_")})
    try:
        form = {"grant_type": "client_credentials", "resource": MGMT, "scope": "all"}
        ok = httpx.post(f"{server.base_url}/oidc/token", data=form, auth=("ci-bootstrap", "second-secret"))
        assert ok.status_code == 200
        old = httpx.post(f"{server.base_url}/oidc/token", data=form, auth=("ci-bootstrap", "first-secret"))
        assert old.status_code == 401
    finally:
        server.stop()
