"""Alembic environment: always run by authkeep with a live connection (see store/migrate.py).

Imports nothing from authkeep: migrations are frozen and never change with live code. The live
metadata (only for autogenerate) is handed in by the caller.
"""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=context.config.attributes.get("metadata"),
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
