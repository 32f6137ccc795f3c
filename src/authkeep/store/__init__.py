"""Store layer: SQL through SQLAlchemy Core, one module per table family. Tenant scoping lives here."""
