"""Applications routes (Logto tag "Applications"): `core` (apps and secrets) and `links` (roles,
organizations, access control, user consent, per-app sign-in experience, custom domains)."""

from authkeep.api.applications import core, links
from authkeep.api.applications.common import router

__all__ = ["core", "links", "router"]
