"""volunteers rest limits

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03 13:19:52.111981
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = '0025'
down_revision: str | None = '0024'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('volunteerprofile', schema=None) as batch_op:
        batch_op.add_column(sa.Column('max_per_day', sa.Integer(), nullable=False, server_default='8'))
        batch_op.add_column(sa.Column('max_hours_week', sa.Integer(), nullable=False, server_default='40'))



def downgrade() -> None:
    with op.batch_alter_table('volunteerprofile', schema=None) as batch_op:
        batch_op.drop_column('max_hours_week')
        batch_op.drop_column('max_per_day')

