"""a one-tap button's first press per message

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 05:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('buttonuse',
    sa.Column('chat_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('message_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('at', models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('chat_id', 'message_id', 'action')
    )
    with op.batch_alter_table('buttonuse', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_buttonuse_at'), ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('buttonuse', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_buttonuse_at'))
    op.drop_table('buttonuse')
