"""authkeep: a Logto-compatible identity server."""

__version__ = "0.1.0"
