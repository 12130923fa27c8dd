"""support self help written in the chat

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 12:42:15.777555
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('self_help_text',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('topic', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.ForeignKeyConstraint(['updated_by_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('community_id', 'topic', 'locale', name='uq_self_help_text')
    )
    with op.batch_alter_table('self_help_text', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_self_help_text_community_id'), ['community_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('self_help_text', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_self_help_text_community_id'))

    op.drop_table('self_help_text')
