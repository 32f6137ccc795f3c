"""The SDK's I/O layer. `_async` is the source; `_sync` is generated from it (tests/sdk_unasync.py)."""
