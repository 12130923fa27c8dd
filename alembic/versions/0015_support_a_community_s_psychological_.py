"""support: a community's psychological hotline and crisis alerts

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 11:02:45.427466
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('crisis_alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('told', sa.Integer(), nullable=False),
    sa.Column('at', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('crisis_alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crisis_alert_person_id'), ['person_id'], unique=False)

    with op.batch_alter_table('community', schema=None) as batch_op:
        batch_op.add_column(sa.Column('support_hotline', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False,
                                      server_default='12356'))



def downgrade() -> None:
    with op.batch_alter_table('community', schema=None) as batch_op:
        batch_op.drop_column('support_hotline')

    with op.batch_alter_table('crisis_alert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crisis_alert_person_id'))

    op.drop_table('crisis_alert')
