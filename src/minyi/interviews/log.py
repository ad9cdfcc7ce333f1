"""The append-only event line every change writes (`InterviewEvent`): the audit trail and the live feed."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from minyi.core.clock import utcnow
from minyi.interviews.models import InterviewEvent
from minyi.workflow.actors import Actor

KIND_NAMES: dict[str, str] = {
    "scheduled": "发布预告",
    "started": "开始访谈",
    "ended": "结束访谈",
    "asked": "群众提问",
    "approved": "审核通过",
    "hidden": "隐藏",
    "merged": "合并到相似问题",
    "merge_kept": "合并了相似问题",
    "moved": "调整顺序",
    "answered": "嘉宾答复",
    "case_made": "转为办件",
}


def record(
    session: Session, *, interview_id: int, kind: str, actor: Actor, question_id: int | None = None, **data: Any
) -> InterviewEvent:
    """Append one event (flushed, so that its id, the feed's sequence, is known)."""
    line = InterviewEvent(
        interview_id=interview_id,
        question_id=question_id,
        kind=kind,
        actor_id=actor.user_id,
        actor_label=actor.label,
        data={k: v for k, v in data.items() if v not in (None, "")},
        created_at=utcnow(),
    )
    session.add(line)
    session.flush()
    return line
