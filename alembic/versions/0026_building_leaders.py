"""building leaders

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03 13:23:08.642135
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = '0026'
down_revision: str | None = '0025'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('building_leader',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('appointed_by_id', sa.Integer(), nullable=True),
    sa.Column('appointed_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['appointed_by_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['building_id'], ['building.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('building_leader', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_building_leader_building_id'), ['building_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_building_leader_person_id'), ['person_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('building_leader', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_building_leader_person_id'))
        batch_op.drop_index(batch_op.f('ix_building_leader_building_id'))

    op.drop_table('building_leader')
