"""Logto's Experience API (`/api/experience/*`, policy `interaction`): docs/experience-api.md."""

from authkeep.api.experience import core, mfa, misc, profile, social, sso, verify  # noqa: F401  (routes register on import)
from authkeep.api.experience.common import router

ROUTERS = [router]
