"""Roles routes (Logto tag \"Roles\")."""

from authkeep.web import ApiRouter

router = ApiRouter()
