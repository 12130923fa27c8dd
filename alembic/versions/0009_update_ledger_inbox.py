"""update ledger keeps a received update until it is handled

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 01:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('processedupdate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payload', sa.JSON(), nullable=True))
    # The old lease-based ledger's "processing" rows were in hand when a process stopped: Telegram delivers
    # them again (they were never confirmed), so they are simply forgotten.
    op.execute("DELETE FROM processedupdate WHERE status = 'processing'")


def downgrade() -> None:
    with op.batch_alter_table('processedupdate', schema=None) as batch_op:
        batch_op.drop_column('payload')
