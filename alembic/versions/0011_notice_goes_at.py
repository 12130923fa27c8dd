"""when a notice held for the quiet hours goes out

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 07:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('noticesend', schema=None) as batch_op:
        batch_op.add_column(sa.Column('goes_at', models.base.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('noticesend', schema=None) as batch_op:
        batch_op.drop_column('goes_at')
