"""The message and the sender interface every e-mail backend implements."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class EmailMessage:
    to: str
    subject: str
    text: str
    html: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


class SendError(Exception):
    """The backend could not deliver the message (refused, unreachable, misconfigured)."""


class Sender(Protocol):
    name: str

    async def send(self, message: EmailMessage) -> None:
        """Delivers the message or raises SendError."""
        ...
