"""volunteer records

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-03 13:29:07.087603
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = '0027'
down_revision: str | None = '0026'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('volunteer_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('what', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('at', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('volunteer_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volunteer_record_person_id'), ['person_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('volunteer_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volunteer_record_person_id'))

    op.drop_table('volunteer_record')
