"""What every connector factory is: Logto's connector metadata (`formItems`, target, platform),
a config model that validates the config, the keys of its secret values, and how it sends."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

EMAIL, SMS, SOCIAL = "Email", "Sms", "Social"
TEMPLATE_TYPES = (
    "SignIn",
    "Register",
    "ForgotPassword",
    "OrganizationInvitation",
    "Generic",
    "UserPermissionValidation",
    "BindNewIdentifier",
    "MfaVerification",
    "BindMfa",
)


class ConnectorError(Exception):
    """Logto's ConnectorError: `code` is a ConnectorErrorCodes value (general, invalid_config, ...)."""

    def __init__(self, code: str, data: Any = None) -> None:
        super().__init__(code)
        self.code = code
        self.data = data


class Config(BaseModel):
    """Connector configs: zod-like objects, unknown keys kept (the stored config is what was sent)."""

    model_config = ConfigDict(strict=True, extra="allow", populate_by_name=True)


@dataclass(frozen=True)
class Message:
    to: str
    type: str  # a template type
    payload: dict[str, Any]
    template: dict[str, Any] | None = None  # the tenant's e-mail template for (type, locale), if any
    ip: str | None = None


Send = Callable[[dict[str, Any], Message], Awaitable[None]]


@dataclass(frozen=True)
class Factory:
    id: str
    type: str
    target: str
    name: str
    description: str
    model: type[Config]
    form_items: list[dict[str, Any]] = field(default_factory=list)
    platform: str | None = None
    is_standard: bool = False
    secret_keys: tuple[str, ...] = ()  # dotted paths into the config
    send: Send | None = None
    logo: str = ""

    def public(self) -> dict[str, Any]:
        """The `/connector-factories` shape."""
        return {
            "type": self.type,
            "isDemo": False,
            "id": self.id,
            "target": self.target,
            "platform": self.platform,
            "name": {"en": self.name},
            "description": {"en": self.description},
            "logo": self.logo,
            "logoDark": None,
            "readme": "",
            "formItems": self.form_items,
            "isStandard": self.is_standard,
            "isTokenStorageSupported": False,
        }

    def validate(self, config: dict[str, Any]) -> BaseModel:
        """Raises ConnectorError("invalid_config", ZodError-like data) when the config does not fit."""
        try:
            return self.model.model_validate(config)
        except ValidationError as exc:
            raise ConnectorError("invalid_config", exc) from None


def clean_deep(value: Any) -> Any:
    """Logto's `cleanDeep`: drop null, empty strings, empty objects and empty lists, recursively."""
    if isinstance(value, dict):
        out = {k: clean_deep(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, "", {}, [])}
    if isinstance(value, list):
        items = [clean_deep(v) for v in value]
        return [v for v in items if v not in (None, "", {}, [])]
    return value


def split_secrets(config: dict[str, Any], keys: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(config without the secret values, {dotted key: value})."""
    public = _copy(config)
    secrets: dict[str, Any] = {}
    for key in keys:
        *parents, leaf = key.split(".")
        node: Any = public
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and leaf in node:
            secrets[key] = node.pop(leaf)
    return public, secrets


def join_secrets(config: dict[str, Any], secrets: dict[str, Any]) -> dict[str, Any]:
    out = _copy(config)
    for key, value in secrets.items():
        *parents, leaf = key.split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


_HANDLEBAR = re.compile(r"{{\s*([\w.]+)\s*}}")


def render(template: str, payload: dict[str, Any]) -> str:
    """connector-kit's replaceSendMessageHandlebars: unknown roots stay as written, missing
    nested values become empty."""

    def repl(match: re.Match[str]) -> str:
        key = match.group(1)
        if key.split(".")[0] not in payload:
            return match.group(0)
        node: Any = payload
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        return "" if node is None else str(node)

    return _HANDLEBAR.sub(repl, template)


def text_item(key: str, label: str, required: bool = True, **extra: Any) -> dict[str, Any]:
    return {"key": key, "label": label, "type": "Text", "required": required, **extra}
