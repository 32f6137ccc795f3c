"""inline user counts: a statement may count its own users, and the trigger then skips them

Revision ID: 0006
Revises: 0005

PostgreSQL only. The count triggers of 0002 return early when the transaction has set
`authkeep.user_counts = 'inline'`, which the one-statement user create does (store/users_create.py):
it upserts the same counter rows itself, saving the trigger's transition tables and PL/pgSQL.
"""

from collections.abc import Sequence

from alembic import op

from authkeep.store.user_counts import count_function

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FUNCTIONS = (("add", "new_rows", ""), ("remove", "old_rows", "-"))


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, rows, sign in _FUNCTIONS:
            op.execute(count_function(name, rows, sign, honour_inline=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, rows, sign in _FUNCTIONS:
            op.execute(count_function(name, rows, sign, honour_inline=False))
