"""personal data: contact erasure marks, citizens' contact requests, contact access audit log

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-04 18:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("message_contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("erasure_reason", sa.String(length=16), server_default="", nullable=False))
    op.create_table(
        "contact_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("new_name", sa.String(length=64), nullable=False),
        sa.Column("new_phone", sa.String(length=32), nullable=False),
        sa.Column("new_email", sa.String(length=254), nullable=False),
        sa.Column("new_address", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_contact_requests_case_id_cases")),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"], name=op.f("fk_contact_requests_decided_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_requests")),
    )
    with op.batch_alter_table("contact_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_requests_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_contact_requests_status_created_at", ["status", "created_at"], unique=False)
    op.create_table(
        "contact_access_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("what", sa.String(length=32), nullable=False),
        sa.Column("fields", sa.String(length=64), nullable=False),
        sa.Column("route", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_contact_access_log_case_id_cases")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_contact_access_log_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_access_log")),
    )
    with op.batch_alter_table("contact_access_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_access_log_created_at"), ["created_at"], unique=False)
        batch_op.create_index("ix_contact_access_log_user_id_created_at", ["user_id", "created_at"], unique=False)
        batch_op.create_index("ix_contact_access_log_case_id_created_at", ["case_id", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("contact_access_log", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_access_log_case_id_created_at")
        batch_op.drop_index("ix_contact_access_log_user_id_created_at")
        batch_op.drop_index(batch_op.f("ix_contact_access_log_created_at"))
    op.drop_table("contact_access_log")
    with op.batch_alter_table("contact_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_requests_status_created_at")
        batch_op.drop_index(batch_op.f("ix_contact_requests_case_id"))
    op.drop_table("contact_requests")
    with op.batch_alter_table("message_contacts", schema=None) as batch_op:
        batch_op.drop_column("erasure_reason")
        batch_op.drop_column("erased_at")
