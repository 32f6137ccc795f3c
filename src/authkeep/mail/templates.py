"""Message bodies. Logto leaves wording to the email connector's templates; authkeep ships one
plain template per message type, filled from Logto's payload (`code`, `link`, `locale`, …) and
context (`organization`, `inviter`)."""

from __future__ import annotations

import html
from typing import Any

from authkeep.mail.message import EmailMessage

ORGANIZATION_INVITATION = "OrganizationInvitation"


def organization_invitation(to: str, payload: dict[str, Any]) -> EmailMessage:
    organization = payload.get("organization") or {}
    inviter = payload.get("inviter") or {}
    org_name = str(organization.get("name") or "an organization")
    who = str(inviter.get("name") or inviter.get("username") or inviter.get("primaryEmail") or "Someone")
    subject = " ".join(f"You are invited to join {org_name}".split())  # one header line
    lines = [f"{who} invited you to join {org_name}."]
    link, code = payload.get("link"), payload.get("code")
    if isinstance(link, str) and link:
        lines.append(f"Accept the invitation: {link}")
    if isinstance(code, str) and code:
        lines.append(f"Your invitation code: {code}")
    text = "\n\n".join(lines) + "\n"
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    headers = {"X-Authkeep-Template": ORGANIZATION_INVITATION}
    if organization.get("id"):
        headers["X-Authkeep-Organization"] = str(organization["id"])
    return EmailMessage(to=to, subject=subject, text=text, html=f"<html><body>{body}</body></html>", headers=headers)
