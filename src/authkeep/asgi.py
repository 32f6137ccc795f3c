"""ASGI entry point for uvicorn (and any other ASGI server)."""

from authkeep.app import create_app

app = create_app()
