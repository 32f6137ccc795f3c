"""Applications routes (Logto tag \"Applications\")."""

from authkeep.web import ApiRouter

router = ApiRouter()
