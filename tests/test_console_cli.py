"""`authkeep bootstrap` creates the first console admin; `authkeep admin create|reset-password`."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from authkeep.cli import main
from tests.server import start_server
from tests.test_console import csrf_of, sign_in


def test_bootstrap_creates_the_first_admin_once_and_admin_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db_url = f"sqlite:///{tmp_path}/console.db"
    for key, value in {"AUTHKEEP_DATABASE_URL": db_url, "AUTHKEEP_SECRET_KEY": "k" * 40,
                       "AUTHKEEP_ENDPOINT": "http://127.0.0.1:1"}.items():
        monkeypatch.setenv(key, value)
    for key in ("AUTHKEEP_BOOTSTRAP_CLIENT_ID", "AUTHKEEP_BOOTSTRAP_CLIENT_SECRET"):
        monkeypatch.delenv(key, raising=False)

    def cli(*args: str, code: int = 0) -> str:
        try:
            result = main(list(args))
        except SystemExit as exc:  # argparse refusals
            result = int(exc.code or 0)
        out = capsys.readouterr()
        assert result == code, out.out + out.err
        return out.out + out.err

    first = cli("bootstrap")
    assert "created console admin 'admin'" in first
    password = re.search(r"Password: (\S+)", first).group(1)  # type: ignore[union-attr]
    again = cli("bootstrap")
    assert password not in again and "authkeep admin create --username NAME" in again

    assert "already exists" in cli("admin", "create", "--username", "admin", "--password", "x" * 12, code=1)
    assert "at least 8" in cli("admin", "create", "--username", "ops", "--password", "short", code=2)
    assert "username is" in cli("admin", "create", "--username", "has space", code=2)
    ops_password = re.search(r"Password: (\S+)", cli("admin", "create", "--username", "ops")).group(1)  # type: ignore[union-attr]
    assert "new password set" in cli("admin", "reset-password", "--username", "admin", "--password", "brand-new-password")
    assert "no console admin" in cli("admin", "reset-password", "--username", "ghost", code=1)

    server = start_server("sqlite", db_url, {"AUTHKEEP_SECRET_KEY": "k" * 40})
    try:
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            assert sign_in(client, "admin", password).status_code == 401  # replaced by reset-password
            assert sign_in(client, "admin", "brand-new-password").status_code == 303
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            assert sign_in(client, "ops", ops_password).status_code == 303
    finally:
        server.stop()


def test_secure_cookie_on_an_https_endpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db_url = f"sqlite:///{tmp_path}/https.db"
    monkeypatch.setenv("AUTHKEEP_DATABASE_URL", db_url)
    monkeypatch.setenv("AUTHKEEP_SECRET_KEY", "s" * 40)
    assert main(["admin", "create", "--username", "root", "--password", "correct-horse-battery"]) == 0
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
