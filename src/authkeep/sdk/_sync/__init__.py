# Generated from src/authkeep/sdk/_async/__init__.py by tests/sdk_unasync.py. Do not edit:
# change the async module and run `python -m tests.sdk_unasync`.
"""The SDK's I/O layer. `_async` is the source; `_sync` is generated from it (tests/sdk_unasync.py)."""
