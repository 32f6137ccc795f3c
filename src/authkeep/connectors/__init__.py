"""Connector implementations (no HTTP routing here): each factory's metadata, config model and
sender. `FACTORIES` is exactly what ships and what `/api/connector-factories` lists."""

from __future__ import annotations

from authkeep.connectors.base import (
    EMAIL,
    SMS,
    SOCIAL,
    TEMPLATE_TYPES,
    ConnectorError,
    Factory,
    Message,
)
from authkeep.connectors.messaging import (
    DEV_EMAIL,
    DEV_RECORDS,
    DEV_SMS,
    HTTP_EMAIL,
    HTTP_SMS,
    SMTP,
)
from authkeep.connectors.social import OAUTH2, OIDC

FACTORIES: dict[str, Factory] = {f.id: f for f in (SMTP, HTTP_EMAIL, HTTP_SMS, OIDC, OAUTH2, DEV_EMAIL, DEV_SMS)}

__all__ = [
    "DEV_RECORDS",
    "EMAIL",
    "FACTORIES",
    "SMS",
    "SOCIAL",
    "TEMPLATE_TYPES",
    "ConnectorError",
    "Factory",
    "Message",
]
