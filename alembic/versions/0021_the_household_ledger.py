"""the household ledger

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 12:53:38.574152
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.add_column(sa.Column('in_ledger', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('notes', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True))

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('birth_year', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('relation', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('relation')
        batch_op.drop_column('birth_year')

    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.drop_column('notes')
        batch_op.drop_column('in_ledger')

