"""Process-wide outbound e-mail: the SMTP client the SMTP connector uses, and the fallback for
organization invitations of tenants without an e-mail connector (the tenant's connector comes first).

Chosen by environment variables (docs in the module `authkeep.mail.config`):

- `AUTHKEEP_EMAIL_SENDER=smtp` (the default when `AUTHKEEP_SMTP_HOST` is set): SMTP via the
  standard library, run in a worker thread.
- `AUTHKEEP_EMAIL_SENDER=log`: writes each message to the `authkeep.mail` logger (development).
- nothing configured: no fallback; without a tenant e-mail connector, invitation messages answer
  Logto's 501 `connector.not_found`.
"""

from __future__ import annotations

from authkeep.mail.config import current_sender, sender_from_env
from authkeep.mail.message import EmailMessage, Sender, SendError
from authkeep.mail.senders import LogSender, SmtpSender

__all__ = [
    "EmailMessage",
    "LogSender",
    "SendError",
    "Sender",
    "SmtpSender",
    "current_sender",
    "sender_from_env",
]
