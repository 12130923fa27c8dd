"""rumours: the corrections library and residents' questions

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 10:33:35.314608
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('rumour_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('verdict', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('claims', sa.JSON(), nullable=False),
    sa.Column('correction', sa.JSON(), nullable=False),
    sa.Column('source_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('source_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('withdrawn_at', models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('rumour_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rumour_entry_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rumour_entry_status'), ['status'], unique=False)

    op.create_table('rumour_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('answered_at', models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.ForeignKeyConstraint(['entry_id'], ['rumour_entry.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rumour_question', schema=None) as batch_op:
        batch_op.create_index('ix_rumour_question_open', ['community_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_rumour_question_person_id'), ['person_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('rumour_question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rumour_question_person_id'))
        batch_op.drop_index('ix_rumour_question_open')

    op.drop_table('rumour_question')
    with op.batch_alter_table('rumour_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rumour_entry_status'))
        batch_op.drop_index(batch_op.f('ix_rumour_entry_community_id'))

    op.drop_table('rumour_entry')
