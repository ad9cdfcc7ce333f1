"""在线访谈: online interviews, their questions and answers, and their event log (the live feed)

Revision ID: 0027
Revises: 0025
Create Date: 2026-12-05 00:00:00

`interviews` (the public list by start time; the worker's sessions left open, by status and end time), `interview_questions` (the queue and the public page by session,
state and position; the per-client rate limit by client and time; merged questions by the kept one),
`interview_answers` (by question) and `interview_events` (append-only; replay by session and id, the pollers read
by primary key). New tables only: nothing to backfill.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0025"
branch_labels = None
depends_on = None


def _when(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "interviews",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("leader", sa.String(100), nullable=False),
        sa.Column("guests", sa.String(300), nullable=False),
        sa.Column("departments", sa.String(300), nullable=False),
        _when("starts_at"),
        _when("ends_at"),
        sa.Column("status", sa.String(16), nullable=False),
        _when("cases_made_at", nullable=True),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        _when("created_at"),
    )
    op.create_index("ix_interviews_starts", "interviews", ["starts_at", "id"])
    op.create_index("ix_interviews_status_ends", "interviews", ["status", "ends_at"])
    op.create_table(
        "interview_questions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("interview_id", sa.Integer(), sa.ForeignKey("interviews.id"), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("asker", sa.String(30), nullable=False),
        sa.Column("client_hash", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("merged_into_id", sa.Integer(), sa.ForeignKey("interview_questions.id"), nullable=True),
        sa.Column("merged_count", sa.Integer(), nullable=False),
        sa.Column("answer_count", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=True),
        _when("created_at"),
    )
    op.create_index("ix_interview_questions_queue", "interview_questions", ["interview_id", "state", "position", "id"])
    op.create_index("ix_interview_questions_client", "interview_questions", ["client_hash", "created_at"])
    op.create_index("ix_interview_questions_merged", "interview_questions", ["merged_into_id"])
    op.create_table(
        "interview_answers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("question_id", sa.Integer(), sa.ForeignKey("interview_questions.id"), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("guest", sa.String(100), nullable=False),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        _when("created_at"),
    )
    op.create_index("ix_interview_answers_question", "interview_answers", ["question_id", "id"])
    op.create_table(
        "interview_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("interview_id", sa.Integer(), sa.ForeignKey("interviews.id"), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("actor_label", sa.String(100), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        _when("created_at"),
    )
    op.create_index("ix_interview_events_interview", "interview_events", ["interview_id", "id"])


def downgrade() -> None:
    op.drop_table("interview_events")
    op.drop_table("interview_answers")
    op.drop_table("interview_questions")
    op.drop_table("interviews")
