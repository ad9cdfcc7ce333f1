"""The audit line every change to an entry or an explanation writes (`KnowledgeAudit`, append-only)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.core.clock import utcnow
from minyi.core.db import append_only
from minyi.knowledge.models import Explanation, KnowledgeAudit, KnowledgeEntry
from minyi.workflow.actors import Actor

KIND_NAMES: dict[str, str] = {
    "created": "新建",
    "edited": "修改",
    "published": "发布",
    "draft": "改为草稿",
    "retired": "停用",
    "reviewed": "复核",
    "linked": "答复留言",
}


def record(
    session: Session,
    *,
    actor: Actor,
    kind: str,
    data: dict[str, Any],
    entry: KnowledgeEntry | None = None,
    explanation: Explanation | None = None,
    on_time: bool | None = None,
) -> KnowledgeAudit:
    """Append one audit line for an entry or an explanation."""
    subject, subject_id, department_id = (
        ("entry", entry.id, entry.department_id)
        if entry is not None
        else ("explanation", explanation.id if explanation else 0, explanation.department_id if explanation else None)
    )
    line = KnowledgeAudit(
        subject=subject,
        subject_id=subject_id,
        kind=kind,
        department_id=department_id,
        on_time=on_time,
        actor_id=actor.user_id,
        actor_label=actor.label,
        data={k: v for k, v in data.items() if v not in (None, "")},
        created_at=utcnow(),
    )
    session.add(line)
    session.flush()
    return line


def history(session: Session, *, subject: str, subject_id: int) -> list[KnowledgeAudit]:
    """An entry's or explanation's audit lines, oldest first (`ix_knowledge_audit_subject`)."""
    rows = select(KnowledgeAudit).where(KnowledgeAudit.subject == subject, KnowledgeAudit.subject_id == subject_id)
    return list(session.scalars(rows.order_by(KnowledgeAudit.id)))


append_only(KnowledgeAudit)
