"""宣介 and 廓清/引导纠正: the knowledge base (知识库) and public explanations (政策解读 / 辟谣)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05 09:15:49

`knowledge_entries`: questions and answers per department with their review date and status; `knowledge_terms` and
`knowledge_term_counts`: the inverted index of the published ones (character bigrams, BM25); `explanations` and
`explanation_links`: an explanation and the cases it answers (one per case); `knowledge_audit`: who changed what.
New tables only: nothing existing changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "knowledge_term_counts",
        sa.Column("term", sa.String(length=16), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("term", name=op.f("pk_knowledge_term_counts")),
    )
    op.create_table(
        "explanations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("linked_count", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_explanations_created_by_id_users")),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_explanations_department_id_departments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_explanations")),
    )
    with op.batch_alter_table("explanations", schema=None) as batch_op:
        batch_op.create_index("ix_explanations_created", ["created_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_explanations_department_id"), ["department_id"], unique=False)
        batch_op.create_index("ix_explanations_kind_created", ["kind", "created_at", "id"], unique=False)

    op.create_table(
        "knowledge_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("on_time", sa.Boolean(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=100), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_knowledge_audit_actor_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_audit")),
    )
    with op.batch_alter_table("knowledge_audit", schema=None) as batch_op:
        batch_op.create_index(
            "ix_knowledge_audit_department_kind", ["department_id", "kind", "created_at"], unique=False
        )
        batch_op.create_index("ix_knowledge_audit_subject", ["subject", "subject_id", "id"], unique=False)

    op.create_table(
        "knowledge_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=200), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("review_due", sa.Date(), nullable=False),
        sa.Column("source_case_id", sa.Integer(), nullable=True),
        sa.Column("helpful_count", sa.Integer(), nullable=False),
        sa.Column("term_length", sa.Float(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_knowledge_entries_created_by_id_users")),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_knowledge_entries_department_id_departments")
        ),
        sa.ForeignKeyConstraint(
            ["source_case_id"], ["cases.id"], name=op.f("fk_knowledge_entries_source_case_id_cases")
        ),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name=op.f("fk_knowledge_entries_updated_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_entries")),
    )
    with op.batch_alter_table("knowledge_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_knowledge_entries_department_status_due", ["department_id", "status", "review_due"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_knowledge_entries_source_case_id"), ["source_case_id"], unique=False)
        batch_op.create_index("ix_knowledge_entries_status_due", ["status", "review_due"], unique=False)
        batch_op.create_index("ix_knowledge_entries_status_length", ["status", "term_length"], unique=False)
        batch_op.create_index("ix_knowledge_entries_status_updated", ["status", "updated_at", "id"], unique=False)

    op.create_table(
        "explanation_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("explanation_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("linked_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_explanation_links_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["explanation_id"], ["explanations.id"], name=op.f("fk_explanation_links_explanation_id_explanations")
        ),
        sa.ForeignKeyConstraint(["linked_by_id"], ["users.id"], name=op.f("fk_explanation_links_linked_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_explanation_links")),
        sa.UniqueConstraint("case_id", name=op.f("uq_explanation_links_case_id")),
    )
    with op.batch_alter_table("explanation_links", schema=None) as batch_op:
        batch_op.create_index("ix_explanation_links_explanation", ["explanation_id", "case_id"], unique=False)

    op.create_table(
        "knowledge_terms",
        sa.Column("term", sa.String(length=16), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("tf", sa.Float(), nullable=False),
        sa.Column("length", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["knowledge_entries.id"], name=op.f("fk_knowledge_terms_entry_id_knowledge_entries")
        ),
        sa.PrimaryKeyConstraint("term", "entry_id", name=op.f("pk_knowledge_terms")),
    )
    with op.batch_alter_table("knowledge_terms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_knowledge_terms_entry_id"), ["entry_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("knowledge_terms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_knowledge_terms_entry_id"))

    op.drop_table("knowledge_terms")
    with op.batch_alter_table("explanation_links", schema=None) as batch_op:
        batch_op.drop_index("ix_explanation_links_explanation")

    op.drop_table("explanation_links")
    with op.batch_alter_table("knowledge_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_knowledge_entries_status_updated")
        batch_op.drop_index("ix_knowledge_entries_status_length")
        batch_op.drop_index("ix_knowledge_entries_status_due")
        batch_op.drop_index(batch_op.f("ix_knowledge_entries_source_case_id"))
        batch_op.drop_index("ix_knowledge_entries_department_status_due")

    op.drop_table("knowledge_entries")
    with op.batch_alter_table("knowledge_audit", schema=None) as batch_op:
        batch_op.drop_index("ix_knowledge_audit_subject")
        batch_op.drop_index("ix_knowledge_audit_department_kind")

    op.drop_table("knowledge_audit")
    with op.batch_alter_table("explanations", schema=None) as batch_op:
        batch_op.drop_index("ix_explanations_kind_created")
        batch_op.drop_index(batch_op.f("ix_explanations_department_id"))
        batch_op.drop_index("ix_explanations_created")

    op.drop_table("explanations")
    op.drop_table("knowledge_term_counts")
