"""Bearer authentication for the Management API."""
