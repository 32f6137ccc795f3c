"""Which sender this process uses, from environment variables:

| variable | default | meaning |
|---|---|---|
| `AUTHKEEP_EMAIL_SENDER` | `smtp` when `AUTHKEEP_SMTP_HOST` is set, else none | `smtp`, `log` or `none` |
| `AUTHKEEP_SMTP_HOST` | — | SMTP server host |
| `AUTHKEEP_SMTP_PORT` | 465 with `SSL`, 587 with `STARTTLS`, else 25 | SMTP server port |
| `AUTHKEEP_SMTP_USERNAME` / `AUTHKEEP_SMTP_PASSWORD` | — | AUTH LOGIN/PLAIN credentials, if any |
| `AUTHKEEP_SMTP_FROM` | `authkeep@<host>` | the From address |
| `AUTHKEEP_SMTP_STARTTLS` | `false` | upgrade the connection with STARTTLS |
| `AUTHKEEP_SMTP_SSL` | `false` | implicit TLS (SMTPS) |
| `AUTHKEEP_SMTP_TIMEOUT` | `10` | seconds per SMTP operation |
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from authkeep.mail.message import Sender
from authkeep.mail.senders import LogSender, SmtpSender

_TRUE = {"1", "true", "yes", "on"}


def _flag(env: Mapping[str, str], key: str) -> bool:
    return env.get(key, "").strip().lower() in _TRUE


def sender_from_env(env: Mapping[str, str]) -> Sender | None:
    host = env.get("AUTHKEEP_SMTP_HOST", "").strip()
    kind = env.get("AUTHKEEP_EMAIL_SENDER", "").strip().lower() or ("smtp" if host else "none")
    if kind == "log":
        return LogSender()
    if kind != "smtp" or not host:
        return None
    implicit_tls = _flag(env, "AUTHKEEP_SMTP_SSL")
    starttls = _flag(env, "AUTHKEEP_SMTP_STARTTLS")
    default_port = 465 if implicit_tls else 587 if starttls else 25
    try:
        port = int(env.get("AUTHKEEP_SMTP_PORT", "") or default_port)
        timeout = float(env.get("AUTHKEEP_SMTP_TIMEOUT", "") or 10)
    except ValueError as exc:
        raise ValueError("AUTHKEEP_SMTP_PORT and AUTHKEEP_SMTP_TIMEOUT must be numbers") from exc
    return SmtpSender(
        host=host,
        port=port,
        sender=env.get("AUTHKEEP_SMTP_FROM", "").strip() or f"authkeep@{host}",
        username=env.get("AUTHKEEP_SMTP_USERNAME") or None,
        password=env.get("AUTHKEEP_SMTP_PASSWORD") or None,
        starttls=starttls,
        implicit_tls=implicit_tls,
        timeout=timeout,
    )


_current: tuple[Sender | None] | None = None


def current_sender() -> Sender | None:
    """This process's sender, built once from the environment."""
    global _current
    if _current is None:
        _current = (sender_from_env(os.environ),)
    return _current[0]
