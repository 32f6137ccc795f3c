"""The SQL that keeps `user_counts` and `user_buckets` exact on PostgreSQL (migrations 0002, 0006).

Counts are sharded (a random shard per statement) and rows are upserted in key order, so
parallel writers never deadlock. Buckets count users per `created_at >> level` for deep pages.
A statement that counts its own rows inline (`users_create`) sets `INLINE` for its transaction,
and the trigger then leaves those rows alone.
"""

from __future__ import annotations

SHARDS = 16
BUCKET_SHARDS = 4
# created_at >> 30 ≈ 12 days, >> 20 ≈ 17 min, >> 10 ≈ 1 s; see store/users.py `_locate`.
LEVELS = (30, 20, 10)
LEVEL_ROWS = ", ".join(f"({level})" for level in LEVELS)
INLINE = "authkeep.user_counts"


def count_function(name: str, rows: str, sign: str, honour_inline: bool) -> str:
    """Trigger body for statement-level triggers with transition table `rows`."""
    skip = f"IF current_setting('{INLINE}', true) = 'inline' THEN RETURN NULL; END IF;" if honour_inline else ""
    return f"""
        CREATE OR REPLACE FUNCTION authkeep_user_counts_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
          s int := floor(random() * {SHARDS})::int;
          b int := floor(random() * {BUCKET_SHARDS})::int;
        BEGIN
          {skip}
          INSERT INTO user_counts (tenant_id, shard, n)
          SELECT tenant_id, s, {sign}count(*) FROM {rows} GROUP BY tenant_id ORDER BY tenant_id
          ON CONFLICT (tenant_id, shard) DO UPDATE SET n = user_counts.n + EXCLUDED.n;
          INSERT INTO user_buckets (tenant_id, level, bucket, shard, n)
          SELECT tenant_id, l.level, created_at >> l.level, b, {sign}count(*)
          FROM {rows} CROSS JOIN (VALUES {LEVEL_ROWS}) AS l(level)
          GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
          ON CONFLICT (tenant_id, level, bucket, shard) DO UPDATE SET n = user_buckets.n + EXCLUDED.n;
          RETURN NULL;
        END $$
    """


def inline_counts(created: str) -> str:
    """CTEs that count the rows of CTE `created` as the trigger would, in the same order (counts,
    then buckets in key order): unreferenced data-modifying CTEs run in the order written."""
    return f"""
    counted AS (
      INSERT INTO user_counts (tenant_id, shard, n)
      SELECT tenant_id, (SELECT floor(random() * {SHARDS})::int), count(*) FROM {created} GROUP BY tenant_id
      ON CONFLICT (tenant_id, shard) DO UPDATE SET n = user_counts.n + EXCLUDED.n
    ), bucketed AS (
      INSERT INTO user_buckets (tenant_id, level, bucket, shard, n)
      SELECT tenant_id, l.level, created_at >> l.level, (SELECT floor(random() * {BUCKET_SHARDS})::int), count(*)
      FROM {created} CROSS JOIN (VALUES {LEVEL_ROWS}) AS l(level)
      GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
      ON CONFLICT (tenant_id, level, bucket, shard) DO UPDATE SET n = user_buckets.n + EXCLUDED.n
    )"""
