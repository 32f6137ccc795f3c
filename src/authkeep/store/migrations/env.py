"""Alembic environment: always run by authkeep with a live connection (see store/migrate.py)."""

from alembic import context

from authkeep.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
