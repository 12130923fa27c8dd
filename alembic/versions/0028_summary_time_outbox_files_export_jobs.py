"""summary time, outbox files, export jobs

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-03 15:08:32.824530
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = '0028'
down_revision: str | None = '0027'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('outbox_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('export_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('chat_id', sa.BigInteger(), nullable=True),
    sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('grid_ids', sa.JSON(), nullable=True),
    sa.Column('building_id', sa.Integer(), nullable=True),
    sa.Column('health', sa.Boolean(), nullable=False),
    sa.Column('timezone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('tables', sa.JSON(), nullable=False),
    sa.Column('since', models.base.UTCDateTime(), nullable=False),
    sa.Column('until', models.base.UTCDateTime(), nullable=False),
    sa.Column('fmt', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('row_counts', sa.JSON(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
    sa.Column('done_at', models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['building_id'], ['building.id'], ),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('export_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_export_job_person_id'), ['person_id'], unique=False)

    with op.batch_alter_table('community', schema=None) as batch_op:
        batch_op.add_column(sa.Column('summary_time', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False,
                                      server_default='18:00'))



def downgrade() -> None:
    with op.batch_alter_table('community', schema=None) as batch_op:
        batch_op.drop_column('summary_time')

    with op.batch_alter_table('export_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_export_job_person_id'))

    op.drop_table('export_job')
    op.drop_table('outbox_file')
