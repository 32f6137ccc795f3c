"""ASGI entry point for uvicorn (and any other ASGI server)."""

import logging

# Warnings (a dependency's deprecation notice at import, say) go through logging like every other
# line, so JSON logs stay JSON. uvicorn configures logging before it imports this module.
logging.captureWarnings(True)

from authkeep.app import create_app

app = create_app()
