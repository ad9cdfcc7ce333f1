"""`core.db.append_only`: logs and audit lines are refused any rewrite or delete at flush."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from minyi.knowledge.audit import record
from minyi.workflow.actors import Actor


def test_an_audit_line_is_never_rewritten_or_deleted(db: Session) -> None:
    line = record(db, actor=Actor.system(), kind="created", data={"question": "如何办理居住证"})
    line.kind = "edited"
    with pytest.raises(RuntimeError, match=r"KnowledgeAudit .* is append-only"):
        db.flush()
    db.rollback()
    line = record(db, actor=Actor.system(), kind="created", data={"question": "如何办理居住证"})
    db.delete(line)
    with pytest.raises(RuntimeError, match="append-only"):
        db.flush()
