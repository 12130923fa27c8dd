"""glance days and the indexes of last heard from

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-03 16:07:18.532351
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = '0029'
down_revision: str | None = '0028'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('glance_day',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('section', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('area_key', 'section', 'day', name='uq_glance_day')
    )
    with op.batch_alter_table('healthreport', schema=None) as batch_op:
        batch_op.create_index('ix_health_household_time', ['household_id', 'created_at'], unique=False)
        batch_op.create_index('ix_health_person_time', ['person_id', 'created_at'], unique=False)

    with op.batch_alter_table('noticedelivery', schema=None) as batch_op:
        batch_op.create_index('ix_notice_delivery_household', ['household_id', 'acked_at'], unique=False)
        batch_op.create_index('ix_notice_delivery_person', ['person_id', 'acked_at'], unique=False)

    with op.batch_alter_table('supplyrequest', schema=None) as batch_op:
        batch_op.create_index('ix_supply_household_time', ['household_id', 'created_at'], unique=False)

    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.create_index('ix_task_household', ['household_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index('ix_task_household')

    with op.batch_alter_table('supplyrequest', schema=None) as batch_op:
        batch_op.drop_index('ix_supply_household_time')

    with op.batch_alter_table('noticedelivery', schema=None) as batch_op:
        batch_op.drop_index('ix_notice_delivery_person')
        batch_op.drop_index('ix_notice_delivery_household')

    with op.batch_alter_table('healthreport', schema=None) as batch_op:
        batch_op.drop_index('ix_health_person_time')
        batch_op.drop_index('ix_health_household_time')

    op.drop_table('glance_day')
