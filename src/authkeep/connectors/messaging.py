"""The e-mail and SMS connectors: SMTP, HTTP e-mail, HTTP SMS, and the development ones."""

from __future__ import annotations

import collections
import html
import json
import logging
import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import httpx
from pydantic import Field, field_validator

from authkeep import mail
from authkeep.connectors.base import (
    EMAIL,
    SMS,
    Config,
    ConnectorError,
    Factory,
    Message,
    render,
    text_item,
)

log = logging.getLogger("authkeep.connectors")
REQUIRED_USAGE_TYPES = ("Register", "SignIn", "ForgotPassword", "Generic")
HTTP_TIMEOUT = 10.0


class Template(Config):
    usage_type: str = Field(alias="usageType")
    content_type: Literal["text/plain", "text/html"] = Field("text/plain", alias="contentType")
    subject: str
    content: str


def _required_templates(templates: list[Template]) -> list[Template]:
    present = {t.usage_type for t in templates}
    missing = [t for t in REQUIRED_USAGE_TYPES if t not in present]
    if missing:
        raise ValueError(f"Template with UsageType ({', '.join(missing)}) should be provided!")
    return templates


def _pick_template(message: Message, templates: list[dict[str, Any]]) -> dict[str, Any]:
    """The tenant's template first, then the connector config's one for the usage type."""
    if message.template is not None:
        return message.template
    for item in templates:
        if isinstance(item, dict) and item.get("usageType") == message.type:
            return item
    raise ConnectorError("template_not_found", f"Template not found for type: {message.type}")


# --- SMTP ---------------------------------------------------------------------------------------


class SmtpAuth(Config):
    user: str | None = None
    password: str | None = Field(None, alias="pass")


class SmtpConfig(Config):
    host: Annotated[str, Field(min_length=1)]
    port: Annotated[int, Field(ge=1, le=65535)]
    auth: SmtpAuth = Field(default_factory=SmtpAuth)  # absent: no AUTH (relays that trust the source)
    from_email: str = Field(alias="fromEmail")
    reply_to: str | None = Field(None, alias="replyTo")
    templates: list[Template]
    secure: bool = False  # implicit TLS (SMTPS), as nodemailer's `secure`
    require_tls: bool = Field(False, alias="requireTLS")  # STARTTLS, refusing to go on without it
    socket_timeout: Annotated[int, Field(ge=1, le=600_000)] = Field(10_000, alias="socketTimeout")  # ms
    custom_headers: dict[str, str | list[str]] | None = Field(None, alias="customHeaders")

    _templates = field_validator("templates")(_required_templates)


def _strip_tags(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


async def smtp_send(config: dict[str, Any], message: Message) -> None:
    cfg = SmtpConfig.model_validate(config)
    template = _pick_template(message, config.get("templates") or [])
    content = render(str(template.get("content", "")), message.payload)
    is_html = (template.get("contentType") or template.get("type")) == "text/html"
    headers = {k: ", ".join(v) if isinstance(v, list) else v for k, v in (cfg.custom_headers or {}).items()}
    reply_to = template.get("replyTo") or cfg.reply_to
    if reply_to:
        headers["Reply-To"] = render(reply_to, message.payload)
    send_from = template.get("sendFrom")
    sender = mail.SmtpSender(
        host=cfg.host,
        port=cfg.port,
        sender=render(send_from, message.payload) if send_from else cfg.from_email,
        username=cfg.auth.user,
        password=cfg.auth.password,
        starttls=cfg.require_tls,
        implicit_tls=cfg.secure,
        timeout=cfg.socket_timeout / 1000,
    )
    email = mail.EmailMessage(
        to=message.to,
        subject=" ".join(render(str(template.get("subject", "")), message.payload).split()),
        text=_strip_tags(content) if is_html else content,
        html=content if is_html else None,
        headers=headers,
    )
    try:
        await sender.send(email)
    except mail.SendError as exc:
        raise ConnectorError("general", str(exc)) from None


def _template_item() -> dict[str, Any]:
    return {
        "key": "templates",
        "label": "Templates",
        "type": "Json",
        "required": True,
        "defaultValue": [
            {"usageType": t, "contentType": "text/plain", "subject": "Verification code", "content": "Your code is {{code}}"}
            for t in REQUIRED_USAGE_TYPES
        ],
    }


SMTP = Factory(
    id="simple-mail-transfer-protocol",
    type=EMAIL,
    target="smtp",
    name="SMTP",
    description="Send e-mail through an SMTP server (STARTTLS or implicit TLS, optional AUTH).",
    model=SmtpConfig,
    secret_keys=("auth.pass",),
    send=smtp_send,
    form_items=[
        text_item("host", "Host", placeholder="smtp.example.com"),
        {"key": "port", "label": "Port", "type": "Number", "required": True, "defaultValue": 587},
        {"key": "auth", "label": "Auth", "type": "Json", "required": True, "defaultValue": {"user": "", "pass": ""}},
        text_item("fromEmail", "From e-mail", placeholder="noreply@example.com"),
        text_item("replyTo", "Reply-To", required=False),
        {"key": "secure", "label": "Implicit TLS (SMTPS)", "type": "Switch", "required": False, "defaultValue": False},
        {"key": "requireTLS", "label": "Require STARTTLS", "type": "Switch", "required": False, "defaultValue": False},
        _template_item(),
    ],
)


# --- HTTP e-mail and SMS ------------------------------------------------------------------------


class HttpConfig(Config):
    endpoint: Annotated[str, Field(min_length=1)]
    authorization: str | None = None

    @field_validator("endpoint")
    @classmethod
    def _url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("Invalid url")
        return value


async def http_send(config: dict[str, Any], message: Message) -> None:
    cfg = HttpConfig.model_validate(config)
    headers = {"Content-Type": "application/json"}
    if cfg.authorization:
        headers["Authorization"] = cfg.authorization
    body: dict[str, Any] = {"to": message.to, "type": message.type, "payload": message.payload}
    if message.ip:
        body["ip"] = message.ip
    try:
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT, follow_redirects=False) as client:
            response = await client.post(cfg.endpoint, headers=headers, content=json.dumps(body))
    except (httpx.HTTPError, httpx.InvalidURL, ValueError, OSError) as exc:  # unreachable or unusable URL
        raise ConnectorError("general", type(exc).__name__) from None
    if response.status_code >= 400:
        raise ConnectorError("general", response.text[:500])


def _http_items(what: str) -> list[dict[str, Any]]:
    return [
        text_item("endpoint", "Endpoint", placeholder=f"<https://example.com/your-http-{what}-endpoint>"),
        text_item(
            "authorization",
            "Authorization Header",
            required=False,
            placeholder="<Bearer your-token>",
            tooltip="The authorization header to be sent with the request, you can verify the value in your server.",
        ),
    ]


HTTP_EMAIL = Factory(
    id="http-email",
    type=EMAIL,
    target="http-email",
    name="HTTP Email",
    description="Send email via HTTP call.",
    model=HttpConfig,
    secret_keys=("authorization",),
    send=http_send,
    form_items=_http_items("email"),
)
HTTP_SMS = Factory(
    id="http-sms",
    type=SMS,
    target="http-sms",
    name="HTTP SMS",
    description="Send SMS via HTTP call.",
    model=HttpConfig,
    secret_keys=("authorization",),
    send=http_send,
    form_items=_http_items("sms"),
)


# --- development --------------------------------------------------------------------------------

DEV_RECORDS: dict[str, collections.deque[dict[str, Any]]] = {
    EMAIL: collections.deque(maxlen=50),
    SMS: collections.deque(maxlen=50),
}
DEV_FILES = {EMAIL: "mock_email_record.txt", SMS: "mock_sms_record.txt"}
DEFAULT_DEV_TEMPLATE = {"subject": "Your verification code", "content": "Your verification code is {{code}}."}


class DevConfig(Config):
    templates: list[dict[str, Any]] | None = None


def _dev_sender(kind: str) -> Any:
    async def send(config: dict[str, Any], message: Message) -> None:
        try:
            template = _pick_template(message, config.get("templates") or [])
        except ConnectorError:
            template = DEFAULT_DEV_TEMPLATE
        record = {
            "address": message.to,
            "code": message.payload.get("code"),
            "type": message.type,
            "payload": message.payload,
            "subject": render(str(template.get("subject", "")), message.payload),
            "content": render(str(template.get("content", "")), message.payload),
        }
        DEV_RECORDS[kind].append(record)
        # Development only: the message, code included, goes to the log (like mail.LogSender).
        log.warning("development %s connector: to %s: %s", kind, message.to, record["content"])
        folder = os.environ.get("AUTHKEEP_DEV_CONNECTOR_DIR")
        if folder:
            path = Path(folder) / DEV_FILES[kind]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(record) + "\n")

    return send


DEV_EMAIL = Factory(
    id="mock-email-service",
    type=EMAIL,
    target="mock-mail",
    name="Development e-mail (log)",
    description="Writes e-mails to the server log instead of sending them. For development and tests only.",
    model=DevConfig,
    secret_keys=("apiKey",),
    send=_dev_sender(EMAIL),
    form_items=[{"key": "templates", "label": "Templates", "type": "Json", "required": False, "defaultValue": []}],
)
DEV_SMS = Factory(
    id="mock-short-message-service",
    type=SMS,
    target="mock-sms",
    name="Development SMS (log)",
    description="Writes text messages to the server log instead of sending them. For development and tests only.",
    model=DevConfig,
    secret_keys=("authToken",),
    send=_dev_sender(SMS),
    form_items=[{"key": "templates", "label": "Templates", "type": "Json", "required": False, "defaultValue": []}],
)
