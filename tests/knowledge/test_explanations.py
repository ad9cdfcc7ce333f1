"""Explanations (政策解读 / 辟谣): written once, linked to open messages, each answered by a reply event."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from minyi.knowledge import explanations as ex
from minyi.stats.models import CaseFactsRow
from minyi.workflow import services as workflow
from minyi.workflow.models import CaseEvent
from tests import factories as f

RUMOUR = {
    "kind": "rumour",
    "title": "关于“自来水含有害物质”的说明",
    "body": "近期网传本市自来水含有害物质，经水质检测中心检测，出厂水和管网水各项指标均符合国家标准，请放心饮用。",
}


def _misconception(db: Session, coordinator, dept):
    sub = f.message(db, title="听说自来水有毒不能喝", body="网上说我们这里的自来水有毒，是真的吗？家里老人很担心。")
    workflow.assign(
        db, actor=f.actor(coordinator), case_id=sub.case.id, department_id=dept.id, appeal_kind="misconception"
    )
    return sub


def test_linked_cases_are_replied_by_the_explanation(db: Session) -> None:
    dept = f.department(db)
    coordinator = f.user(db, role="coordinator")
    item = ex.create_explanation(db, actor=f.actor(coordinator), data=RUMOUR | {"department_id": dept.id})
    first, second = (
        _misconception(db, coordinator, dept),
        f.message(db, title="自来水有毒吗", body="自来水是不是有毒？网上都在这么传。"),
    )
    offered = {c.case.id for c in ex.candidates(db, actor=f.actor(coordinator), explanation=item)}
    assert first.case.id in offered  # an open 错误看法 message
    answered = ex.link_cases(
        db, actor=f.actor(coordinator), explanation_id=item.id, case_ids=[first.case.id, second.case.id]
    )
    assert {c.status for c in answered} == {"replied"}
    event = db.scalars(select(CaseEvent).where(CaseEvent.case_id == first.case.id, CaseEvent.kind == "reply")).one()
    assert event.payload.explanation_id == item.id and event.is_public
    assert workflow.latest_reply(db, first.case).body.startswith("【辟谣】")
    assert item.linked_count == 2
    assert ex.explanations_of(db, [first.case.id, second.case.id])[second.case.id].id == item.id
    assert db.get(CaseFactsRow, first.case.id).first_reply_at is not None  # counted as a reply in the statistics
    rating = workflow.rate(db, case=f.reload(db, first.case), level="satisfied")
    assert rating.reply_id == event.payload.reply_id


def test_all_or_none_and_only_open_cases(db: Session) -> None:
    dept = f.department(db)
    coordinator = f.user(db, role="coordinator")
    item = ex.create_explanation(db, actor=f.actor(coordinator), data=RUMOUR)
    replied, _handler = f.replied_case(db, dept)
    with pytest.raises(InvalidTransition):
        ex.link_cases(db, actor=f.actor(coordinator), explanation_id=item.id, case_ids=[replied.case.id])
    with pytest.raises(ValidationFailed):
        ex.link_cases(db, actor=f.actor(coordinator), explanation_id=item.id, case_ids=["x"])


def test_only_coordinators_write_and_edits_are_audited(db: Session) -> None:
    handler = f.user(db, role="handler", dept=f.department(db))
    with pytest.raises(PermissionDenied):
        ex.create_explanation(db, actor=f.actor(handler), data=RUMOUR)
    coordinator = f.user(db, role="coordinator")
    item = ex.create_explanation(db, actor=f.actor(coordinator), data=RUMOUR)
    ex.update_explanation(db, actor=f.actor(coordinator), explanation_id=item.id, data=RUMOUR | {"kind": "policy"})
    assert item.kind == "policy"
    with pytest.raises(ValidationFailed):
        ex.create_explanation(db, actor=f.actor(coordinator), data=RUMOUR | {"kind": "gossip", "body": ""})
    assert ex.public_explanations(db, kind="policy").total == 1
