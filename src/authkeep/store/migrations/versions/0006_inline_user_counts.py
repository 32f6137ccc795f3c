"""inline user counts: a statement may count its own users, and the trigger then skips them

Revision ID: 0006
Revises: 0005

PostgreSQL only. The count triggers of 0002 return early when the transaction has set
`authkeep.user_counts = 'inline'`, which the one-statement user create does (store/users_create.py):
it upserts the same counter rows itself, saving the trigger's transition tables and PL/pgSQL.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Trigger functions as generated at this revision (frozen): upgrade installs the inline-aware
# pair, downgrade restores 0002's.
_INLINE_ADD = """
        CREATE OR REPLACE FUNCTION authkeep_user_counts_add() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
          s int := floor(random() * 16)::int;
          b int := floor(random() * 4)::int;
        BEGIN
          IF current_setting('authkeep.user_counts', true) = 'inline' THEN RETURN NULL; END IF;
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

_INLINE_REMOVE = """
        CREATE OR REPLACE FUNCTION authkeep_user_counts_remove() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
          s int := floor(random() * 16)::int;
          b int := floor(random() * 4)::int;
        BEGIN
          IF current_setting('authkeep.user_counts', true) = 'inline' THEN RETURN NULL; END IF;
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

_PLAIN_ADD = """
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

_PLAIN_REMOVE = """
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
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_INLINE_ADD)
        op.execute(_INLINE_REMOVE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PLAIN_ADD)
        op.execute(_PLAIN_REMOVE)
