"""users: PATs, SSO identities, maintained user count, search indexes

Revision ID: 0002
Revises: 0001

Portable part (both backends): the `personal_access_tokens`, `user_sso_identities`,
`user_counts` and `user_buckets` tables, the (tenant_id, created_at, id) list index, lower() functional indexes for
case-insensitive exact search (unique on e-mail), and triggers that keep `user_counts` and `user_buckets` exact.

PostgreSQL only: pg_trgm GIN indexes for like/ILIKE search on every searchable user field and on
all of them together (`authkeep_user_search_text`), a GIN
index on `identities` for identity lookups, and statement-level count triggers (one row per
statement through transition tables, so COPY-seeding stays fast).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

LEVELS = (30, 20, 10)  # created_at >> level buckets

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql")
_SEARCH_FIELDS = ("id", "username", "primary_email", "primary_phone", "name")
# Every search scans a GIN index's whole pending list: keep it short (default 4 MB ≈ 500 pages).
_GIN_WITH = "WITH (gin_pending_list_limit = 256)"


def _pg() -> bool:
    return op.get_bind().dialect.name == "postgresql"


# The count trigger functions as generated at this revision (frozen: a migration never changes
# with live code). 0006 replaces them with versions that honour inline counts.
_COUNT_ADD = """
        CREATE OR REPLACE FUNCTION authkeep_user_counts_add() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
          s int := floor(random() * 16)::int;
          b int := floor(random() * 4)::int;
        BEGIN
          
          INSERT INTO user_counts (tenant_id, shard, n)
          SELECT tenant_id, s, count(*) FROM new_rows GROUP BY tenant_id ORDER BY tenant_id
          ON CONFLICT (tenant_id, shard) DO UPDATE SET n = user_counts.n + EXCLUDED.n;
          INSERT INTO user_buckets (tenant_id, level, bucket, shard, n)
          SELECT tenant_id, l.level, created_at >> l.level, b, count(*)
          FROM new_rows CROSS JOIN (VALUES (30), (20), (10)) AS l(level)
          GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
          ON CONFLICT (tenant_id, level, bucket, shard) DO UPDATE SET n = user_buckets.n + EXCLUDED.n;
          RETURN NULL;
        END $$
    """

_COUNT_REMOVE = """
        CREATE OR REPLACE FUNCTION authkeep_user_counts_remove() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
          s int := floor(random() * 16)::int;
          b int := floor(random() * 4)::int;
        BEGIN
          
          INSERT INTO user_counts (tenant_id, shard, n)
          SELECT tenant_id, s, -count(*) FROM old_rows GROUP BY tenant_id ORDER BY tenant_id
          ON CONFLICT (tenant_id, shard) DO UPDATE SET n = user_counts.n + EXCLUDED.n;
          INSERT INTO user_buckets (tenant_id, level, bucket, shard, n)
          SELECT tenant_id, l.level, created_at >> l.level, b, -count(*)
          FROM old_rows CROSS JOIN (VALUES (30), (20), (10)) AS l(level)
          GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
          ON CONFLICT (tenant_id, level, bucket, shard) DO UPDATE SET n = user_buckets.n + EXCLUDED.n;
          RETURN NULL;
        END $$
    """


def upgrade() -> None:
    op.create_table(
        "personal_access_tokens",
        sa.Column("tenant_id", sa.String(length=21), nullable=False),
        sa.Column("user_id", sa.String(length=21), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("value_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_personal_access_tokens_tenant_id"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_personal_access_tokens_user_id"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("tenant_id", "user_id", "name", name=op.f("pk_personal_access_tokens")),
    )
    op.create_index("ix_personal_access_tokens_tenant_id_value_hash", "personal_access_tokens", ["tenant_id", "value_hash"])
    op.create_table(
        "user_sso_identities",
        sa.Column("tenant_id", sa.String(length=21), nullable=False),
        sa.Column("id", sa.String(length=21), nullable=False),
        sa.Column("user_id", sa.String(length=21), nullable=False),
        sa.Column("issuer", sa.String(length=256), nullable=False),
        sa.Column("identity_id", sa.String(length=128), nullable=False),
        sa.Column("detail", _JSON, nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("sso_connector_id", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_user_sso_identities_tenant_id"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_user_sso_identities_user_id"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sso_identities")),
        sa.UniqueConstraint("tenant_id", "issuer", "identity_id", name=op.f("uq_user_sso_identities_tenant_id_issuer_identity_id")),
    )
    op.create_index("ix_user_sso_identities_tenant_id_user_id", "user_sso_identities", ["tenant_id", "user_id"])
    op.create_table(
        "user_counts",
        sa.Column("tenant_id", sa.String(length=21), nullable=False),
        sa.Column("shard", sa.Integer(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "shard", name=op.f("pk_user_counts")),
    )

    op.create_table(
        "user_buckets",
        sa.Column("tenant_id", sa.String(length=21), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("bucket", sa.BigInteger(), nullable=False),
        sa.Column("shard", sa.SmallInteger(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "level", "bucket", "shard", name=op.f("pk_user_buckets")),
    )

    op.create_index("ix_users_tenant_id_created_at_id", "users", ["tenant_id", "created_at", "id"])
    op.create_index("uq_users_lower_primary_email", "users", ["tenant_id", sa.text("lower(primary_email)")], unique=True)
    for field in ("username", "primary_phone", "name", "id"):
        op.create_index(f"ix_users_lower_{field}", "users", ["tenant_id", sa.text(f"lower({field})")])

    op.execute(
        "INSERT INTO user_counts (tenant_id, shard, n) "
        "SELECT tenant_id, 0, count(*) FROM users GROUP BY tenant_id"
    )
    for level in LEVELS:
        op.execute(
            f"INSERT INTO user_buckets (tenant_id, level, bucket, shard, n) "
            f"SELECT tenant_id, {level}, created_at >> {level}, 0, count(*) FROM users "
            f"GROUP BY tenant_id, created_at >> {level}"
        )

    if _pg():
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for field in _SEARCH_FIELDS:
            op.execute(f"CREATE INDEX ix_users_trgm_{field} ON users USING gin ({field} gin_trgm_ops) {_GIN_WITH}")
        op.execute("CREATE INDEX ix_users_identities ON users USING gin (identities jsonb_path_ops)")
        # One trigram index over all searchable fields: a general `search=%x%` pre-filters on it
        # with one index scan instead of OR-ing five (store/users.py adds the condition).
        op.execute(
            """
            CREATE FUNCTION authkeep_user_search_text(a text, b text, c text, d text, e text)
            RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
            $$ SELECT coalesce(a, '') || ' ' || coalesce(b, '') || ' ' || coalesce(c, '') || ' '
                      || coalesce(d, '') || ' ' || coalesce(e, '') $$
            """
        )
        op.execute(
            "CREATE INDEX ix_users_trgm_all ON users USING gin "
            "(authkeep_user_search_text(id, primary_email, primary_phone, username, name) gin_trgm_ops) "
            + _GIN_WITH
        )
        op.execute(_COUNT_ADD)
        op.execute(_COUNT_REMOVE)
        op.execute(
            "CREATE TRIGGER users_count_insert AFTER INSERT ON users REFERENCING NEW TABLE AS new_rows "
            "FOR EACH STATEMENT EXECUTE FUNCTION authkeep_user_counts_add()"
        )
        op.execute(
            "CREATE TRIGGER users_count_delete AFTER DELETE ON users REFERENCING OLD TABLE AS old_rows "
            "FOR EACH STATEMENT EXECUTE FUNCTION authkeep_user_counts_remove()"
        )
    else:
        op.execute(
            """
            CREATE TRIGGER users_count_insert AFTER INSERT ON users BEGIN
              INSERT INTO user_counts (tenant_id, shard, n) VALUES (NEW.tenant_id, 0, 1)
              ON CONFLICT (tenant_id, shard) DO UPDATE SET n = n + 1;
              INSERT INTO user_buckets (tenant_id, level, bucket, shard, n)
              VALUES (NEW.tenant_id, 10, NEW.created_at >> 10, 0, 1), (NEW.tenant_id, 20, NEW.created_at >> 20, 0, 1),
                     (NEW.tenant_id, 30, NEW.created_at >> 30, 0, 1)
              ON CONFLICT (tenant_id, level, bucket, shard) DO UPDATE SET n = n + 1;
            END
            """
        )
        op.execute(
            """
            CREATE TRIGGER users_count_delete AFTER DELETE ON users BEGIN
              INSERT INTO user_counts (tenant_id, shard, n) VALUES (OLD.tenant_id, 0, -1)
              ON CONFLICT (tenant_id, shard) DO UPDATE SET n = n - 1;
              INSERT INTO user_buckets (tenant_id, level, bucket, shard, n)
              VALUES (OLD.tenant_id, 10, OLD.created_at >> 10, 0, -1), (OLD.tenant_id, 20, OLD.created_at >> 20, 0, -1),
                     (OLD.tenant_id, 30, OLD.created_at >> 30, 0, -1)
              ON CONFLICT (tenant_id, level, bucket, shard) DO UPDATE SET n = n - 1;
            END
            """
        )


def downgrade() -> None:
    if _pg():
        op.execute("DROP TRIGGER IF EXISTS users_count_insert ON users")
        op.execute("DROP TRIGGER IF EXISTS users_count_delete ON users")
        op.execute("DROP FUNCTION IF EXISTS authkeep_user_counts_add()")
        op.execute("DROP FUNCTION IF EXISTS authkeep_user_counts_remove()")
        op.execute("DROP INDEX IF EXISTS ix_users_identities")
        op.execute("DROP INDEX IF EXISTS ix_users_trgm_all")
        op.execute("DROP FUNCTION IF EXISTS authkeep_user_search_text(text, text, text, text, text)")
        for field in _SEARCH_FIELDS:
            op.execute(f"DROP INDEX IF EXISTS ix_users_trgm_{field}")
    else:
        op.execute("DROP TRIGGER IF EXISTS users_count_insert")
        op.execute("DROP TRIGGER IF EXISTS users_count_delete")
    for field in ("username", "primary_phone", "name", "id"):
        op.drop_index(f"ix_users_lower_{field}", table_name="users")
    op.drop_index("uq_users_lower_primary_email", table_name="users")
    op.drop_index("ix_users_tenant_id_created_at_id", table_name="users")
    op.drop_table("user_buckets")
    op.drop_table("user_counts")
    op.drop_index("ix_user_sso_identities_tenant_id_user_id", table_name="user_sso_identities")
    op.drop_table("user_sso_identities")
    op.drop_index("ix_personal_access_tokens_tenant_id_value_hash", table_name="personal_access_tokens")
    op.drop_table("personal_access_tokens")
