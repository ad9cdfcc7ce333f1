"""merge the notifications/imports branch (0003) and the hot-issues branch (0004)

Revision ID: 0005
Revises: 0003, 0004
Create Date: 2026-11-26 09:30:00
"""

from __future__ import annotations

revision = "0005"
down_revision = ("0003", "0004")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
