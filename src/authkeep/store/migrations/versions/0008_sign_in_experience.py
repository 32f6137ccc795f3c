"""sign-in experience, account center, phrases, custom profile fields, captcha

Revision ID: 0008
Revises: 0006
"""

from collections.abc import Sequence

revision: str = "0008"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
