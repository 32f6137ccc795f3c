"""Settings from AUTHKEEP_* environment variables (documented in docs/configuration.md)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from authkeep.store.db import Database


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalize_database_url(url: str) -> str:
    """Accept plain URLs and pick the async driver, so users never type `+asyncpg`."""
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
        return "sqlite+aiosqlite://" + url.split("://", 1)[1]
    return url


def _load_kek(data_dir: Path) -> str:
    """The key-encryption secret; for local runs a random one is kept beside the database."""
    env = os.environ.get("AUTHKEEP_SECRET_KEY")
    if env:
        return env
    path = data_dir / "secret.key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


@dataclass(frozen=True)
class Settings:
    database_url: str
    endpoint: str
    host: str
    port: int
    secret_key: str
    old_secret_keys: tuple[str, ...] = ()
    workers: int = 1
    bootstrap_client_id: str | None = None
    bootstrap_client_secret: str | None = None
    token_cache_size: int = 10_000
    client_cache_seconds: float = 2.0
    response_cache_seconds: float = 30.0
    rate_limit: str = "200/10 seconds"
    token_rate_limit: str = "200/10 seconds"
    redis_url: str | None = None
    rate_limit_fail_open: bool = True
    log_level: str = "info"
    log_format: str = "json"  # or "text" (authkeep.reqlog)
    access_log: bool = False  # one JSON line per request (authkeep.reqlog)
    forwarded_allow_ips: str = "127.0.0.1"  # proxies whose X-Forwarded-For/-Proto uvicorn trusts
    idempotency_ttl_seconds: float = 86_400.0
    database_pool_size: int = 8
    listen_database_url: str | None = None
    user_assets_dir: str | None = None  # None: user assets are not configured
    metrics: bool = True
    metrics_allow: str = "127.0.0.0/8,::1/128"
    metrics_token: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def issuer(self) -> str:
        return f"{self.endpoint}/oidc"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def database(self) -> Database:
        """The process's database handle, within its connection budget (docs/configuration.md)."""
        from authkeep.store.db import Database

        return Database(self.database_url, self.database_pool_size, self.listen_database_url)


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    data_dir = Path(env.get("AUTHKEEP_DATA_DIR", "./data"))
    host = env.get("AUTHKEEP_HOST", "127.0.0.1")
    port = int(env.get("AUTHKEEP_PORT", "3001"))
    default_db = f"sqlite:///{data_dir / 'authkeep.db'}"
    endpoint = env.get("AUTHKEEP_ENDPOINT") or f"http://{'localhost' if host in {'127.0.0.1', '0.0.0.0'} else host}:{port}"
    old = tuple(k for k in env.get("AUTHKEEP_OLD_SECRET_KEYS", "").split(",") if k)
    if "AUTHKEEP_SECRET_KEY" in env:
        kek = env["AUTHKEEP_SECRET_KEY"]
    else:
        kek = _load_kek(data_dir)
    return Settings(
        database_url=normalize_database_url(env.get("AUTHKEEP_DATABASE_URL", default_db)),
        endpoint=endpoint.rstrip("/"),
        host=host,
        port=port,
        secret_key=kek,
        old_secret_keys=old,
        workers=int(env.get("AUTHKEEP_WORKERS", "1")),
        bootstrap_client_id=env.get("AUTHKEEP_BOOTSTRAP_CLIENT_ID") or None,
        bootstrap_client_secret=env.get("AUTHKEEP_BOOTSTRAP_CLIENT_SECRET") or None,
        token_cache_size=int(env.get("AUTHKEEP_TOKEN_CACHE_SIZE", "10000")),
        client_cache_seconds=float(env.get("AUTHKEEP_CLIENT_CACHE_SECONDS", "2")),
        response_cache_seconds=float(env.get("AUTHKEEP_RESPONSE_CACHE_SECONDS", "30")),
        rate_limit=env.get("AUTHKEEP_RATE_LIMIT", "200/10 seconds"),
        token_rate_limit=env.get("AUTHKEEP_TOKEN_RATE_LIMIT", "200/10 seconds"),
        redis_url=env.get("AUTHKEEP_REDIS_URL") or None,
        rate_limit_fail_open=env.get("AUTHKEEP_RATE_LIMIT_FAILURE", "open").strip().lower() != "closed",
        log_level=env.get("AUTHKEEP_LOG_LEVEL", "info"),
        log_format=_choice(env, "AUTHKEEP_LOG_FORMAT", ("json", "text")),
        access_log=_bool(env.get("AUTHKEEP_ACCESS_LOG"), False),
        forwarded_allow_ips=env.get("AUTHKEEP_FORWARDED_ALLOW_IPS") or "127.0.0.1",
        idempotency_ttl_seconds=float(env.get("AUTHKEEP_IDEMPOTENCY_TTL_SECONDS") or "86400"),
        database_pool_size=int(env.get("AUTHKEEP_DATABASE_POOL_SIZE") or "8"),
        listen_database_url=normalize_database_url(env["AUTHKEEP_LISTEN_DATABASE_URL"])
        if env.get("AUTHKEEP_LISTEN_DATABASE_URL")
        else None,
        user_assets_dir=_assets_dir(env, data_dir),
        metrics=_bool(env.get("AUTHKEEP_METRICS"), True),
        metrics_allow=env.get("AUTHKEEP_METRICS_ALLOW", "127.0.0.0/8,::1/128"),
        metrics_token=env.get("AUTHKEEP_METRICS_TOKEN") or None,
    )


def _choice(env: dict[str, str], name: str, allowed: tuple[str, ...]) -> str:
    value = (env.get(name) or allowed[0]).strip().lower()
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def _assets_dir(env: dict[str, str], data_dir: Path) -> str | None:
    value = env.get("AUTHKEEP_USER_ASSETS_DIR", str(data_dir / "user-assets")).strip()
    return None if value.lower() in {"", "off"} else value
