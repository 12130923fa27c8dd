"""support helpers monthly check

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 12:23:17.117951
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('helper_check_off',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('at', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('person_id')
    )
    with op.batch_alter_table('screening', schema=None) as batch_op:
        batch_op.add_column(sa.Column('as_role', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('screening', schema=None) as batch_op:
        batch_op.drop_column('as_role')

    op.drop_table('helper_check_off')
