"""`authkeep bootstrap` creates the first console admin; `authkeep admin create|reset-password`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx

from tests.server import start_server
from tests.test_console import csrf_of, sign_in


def _cli(*args: str, env: dict[str, str], ok: bool = True) -> str:
    run = subprocess.run(
        [sys.executable, "-m", "authkeep.cli", *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert (run.returncode == 0) is ok, run.stdout + run.stderr
    return run.stdout


def test_bootstrap_creates_the_first_admin_once_and_admin_commands(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path}/console.db"
    env = {**os.environ, "AUTHKEEP_DATABASE_URL": db_url, "AUTHKEEP_SECRET_KEY": "k" * 40,
           "AUTHKEEP_ENDPOINT": "http://127.0.0.1:1"}
    for key in ("AUTHKEEP_BOOTSTRAP_CLIENT_ID", "AUTHKEEP_BOOTSTRAP_CLIENT_SECRET"):
        env.pop(key, None)
    first = _cli("bootstrap", env=env)
    assert "created console admin 'admin'" in first
    password = re.search(r"Password: (\S+)", first).group(1)  # type: ignore[union-attr]
    again = _cli("bootstrap", env=env)
    assert password not in again and "authkeep admin create --username NAME" in again

    assert "already exists" in _cli("admin", "create", "--username", "admin", "--password", "x" * 12, env=env, ok=False)
    assert "at least 8" in _cli("admin", "create", "--username", "ops", "--password", "short", env=env, ok=False)
    assert "username is" in _cli("admin", "create", "--username", "has space", env=env, ok=False)
    made = _cli("admin", "create", "--username", "ops", env=env)
    ops_password = re.search(r"Password: (\S+)", made).group(1)  # type: ignore[union-attr]
    assert _cli("admin", "reset-password", "--username", "admin", "--password", "brand-new-password", env=env)
    assert "no console admin" in _cli("admin", "reset-password", "--username", "ghost", env=env, ok=False)

    server = start_server("sqlite", db_url, {"AUTHKEEP_SECRET_KEY": "k" * 40})
    try:
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            assert sign_in(client, "admin", password).status_code == 401  # replaced by reset-password
            assert sign_in(client, "admin", "brand-new-password").status_code == 303
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            assert sign_in(client, "ops", ops_password).status_code == 303
    finally:
        server.stop()


def test_secure_cookie_on_an_https_endpoint(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path}/https.db"
    env = {**os.environ, "AUTHKEEP_DATABASE_URL": db_url, "AUTHKEEP_SECRET_KEY": "s" * 40}
    _cli("admin", "create", "--username", "root", "--password", "correct-horse-battery", env=env)
    server = start_server("sqlite", db_url, {"AUTHKEEP_SECRET_KEY": "s" * 40, "AUTHKEEP_ENDPOINT": "https://console.example"})
    try:
        form = httpx.get(f"{server.base_url}/console/sign-in")
        assert "; secure" in form.headers["set-cookie"].lower()
        login = form.headers["set-cookie"].split(";")[0]  # a Secure cookie: send it by hand over http
        res = httpx.post(
            f"{server.base_url}/console/sign-in",
            data={"csrf": csrf_of(form.text), "username": "root", "password": "correct-horse-battery"},
            headers={"Cookie": login},
        )
        assert res.status_code == 303
        session = next(h for h in res.headers.get_list("set-cookie") if h.startswith("authkeep_console="))
        assert all(flag in session.lower() for flag in ("; secure", "; httponly", "; samesite=strict", "; path=/console"))
    finally:
        server.stop()
