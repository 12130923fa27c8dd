"""rumours: the group watch, its replies, and the weekly digest's subscribers

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 10:49:22.227914
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('rumour_subscriber',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('since', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('person_id')
    )
    op.create_table('rumour_reply',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('day', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('at', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['rumour_entry.id'], ),
    sa.ForeignKeyConstraint(['group_id'], ['groupchat.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('group_id', 'entry_id', 'day', name='uq_rumour_reply_day')
    )
    op.create_table('rumour_watch',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('on', sa.Boolean(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['group_id'], ['groupchat.id'], ),
    sa.PrimaryKeyConstraint('group_id')
    )


def downgrade() -> None:
    op.drop_table('rumour_watch')
    op.drop_table('rumour_reply')
    op.drop_table('rumour_subscriber')
