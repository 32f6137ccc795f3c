"""The two senders that ship with authkeep: the development log and SMTP."""

from __future__ import annotations

import asyncio
import email.message
import email.utils
import logging
import smtplib
import ssl
from dataclasses import dataclass

from authkeep.mail.message import EmailMessage, SendError

log = logging.getLogger("authkeep.mail")


@dataclass
class LogSender:
    """Writes every message to the `authkeep.mail` logger at WARNING (visible at the default
    level) instead of delivering it. For development only: links and codes end up in the log."""

    name: str = "log"

    async def send(self, message: EmailMessage) -> None:
        log.warning("e-mail to %s: %s\n%s", message.to, message.subject, message.text)


@dataclass
class SmtpSender:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    implicit_tls: bool = False
    timeout: float = 10.0
    name: str = "smtp"

    def _mime(self, message: EmailMessage) -> email.message.EmailMessage:
        mime = email.message.EmailMessage()
        mime["From"] = self.sender
        mime["To"] = message.to
        mime["Subject"] = message.subject
        mime["Date"] = email.utils.formatdate(localtime=False, usegmt=True)
        mime["Message-ID"] = email.utils.make_msgid(domain=self.sender.rpartition("@")[2] or None)
        for key, value in message.headers.items():
            mime[key] = value
        mime.set_content(message.text)
        if message.html:
            mime.add_alternative(message.html, subtype="html")
        return mime

    def _send_blocking(self, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if self.implicit_tls:
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with client:
            client.ehlo_or_helo_if_needed()
            if self.starttls and not self.implicit_tls:
                client.starttls(context=context)
                client.ehlo()
            if self.username:
                client.login(self.username, self.password or "")
            client.send_message(self._mime(message))

    async def send(self, message: EmailMessage) -> None:
        try:
            await asyncio.to_thread(self._send_blocking, message)
        except (OSError, smtplib.SMTPException, ValueError) as exc:
            log.warning("SMTP delivery to %s:%s failed: %s", self.host, self.port, type(exc).__name__)
            raise SendError(_describe(exc)) from exc


def _describe(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "the SMTP server refused the recipient"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return "the SMTP server refused the credentials"
    if isinstance(exc, smtplib.SMTPException):
        return "the SMTP server refused the message"
    return "the SMTP server is unreachable"
