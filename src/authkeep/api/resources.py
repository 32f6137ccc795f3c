"""Resources routes (Logto tag \"Resources\")."""

from authkeep.web import ApiRouter

router = ApiRouter()
