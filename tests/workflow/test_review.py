"""审核后公开: what waits for review, and the coordinator's decision, with its events."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from minyi.stats.models import CaseFactsRow
from minyi.workflow import config, review, views
from minyi.workflow.models import CaseEvent
from tests import factories as f

ACCUSATION = {"title": "举报村支书", "body": "村支书王某某贪污扶贫款，把救济粮拿回自己家，请上级调查。"}


def _mode(db: Session, mode: str) -> None:
    config.update_settings(
        db,
        deadline_days=config.get_setting(db, "deadline_days"),
        auto_close_days=7,
        reopen_window_days=15,
        publish_mode=mode,
    )


def test_by_default_a_plain_message_is_public_at_once_and_an_accusation_waits(db: Session) -> None:
    plain = f.message(db)
    assert plain.message.is_public and plain.message.review == ""
    held = f.message(db, **ACCUSATION)
    assert not held.message.is_public and held.message.review == review.PENDING
    assert held.message.review_flags == "accusation" and review.flag_names(held.message) == ["指名道姓的指控"]
    submit = db.scalar(select(CaseEvent).where(CaseEvent.case_id == held.case.id, CaseEvent.kind == "submit"))
    assert submit is not None and submit.data.get("review") == "pending"
    assert views.list_public_cases(db, filters=views.BoardFilters()).total == 1  # only the plain one
    assert review.pending_count(db) == 1


def test_in_review_mode_every_public_message_waits_and_a_private_one_never_does(db: Session) -> None:
    _mode(db, "review")
    waiting = f.message(db)
    private = f.message(db, is_public=False)
    assert waiting.message.review == review.PENDING and waiting.message.review_flags == ""
    assert private.message.review == "" and not private.message.is_public
    assert review.pending_count(db) == 1
    with pytest.raises(ValidationFailed):
        _mode(db, "sometimes")


def test_a_coordinator_publishes_it_and_the_board_and_the_figures_follow(db: Session) -> None:
    held = f.message(db, **ACCUSATION)
    coordinator = f.user(db, role="coordinator")
    review.publish(db, actor=f.actor(coordinator), case_id=held.case.id)
    assert held.message.is_public and held.message.review == ""
    assert views.list_public_cases(db, filters=views.BoardFilters()).total == 1
    facts = db.get(CaseFactsRow, held.case.id)
    assert facts is not None and facts.is_public  # the statistics' place label follows
    event = db.scalar(select(CaseEvent).where(CaseEvent.case_id == held.case.id, CaseEvent.kind == "publish"))
    assert event is not None and event.data == {"flags": "accusation"} and event.actor_id == coordinator.id
    with pytest.raises(InvalidTransition):  # decided once
        review.publish(db, actor=f.actor(coordinator), case_id=held.case.id)


def test_a_coordinator_withholds_it_with_a_reason_the_citizen_reads_and_the_public_never_does(db: Session) -> None:
    held = f.message(db, **ACCUSATION)
    coordinator = f.user(db, role="coordinator")
    with pytest.raises(ValidationFailed):
        review.withhold(db, actor=f.actor(coordinator), case_id=held.case.id, reason="  ")
    review.withhold(db, actor=f.actor(coordinator), case_id=held.case.id, reason="涉及对个人的指控，已转纪检部门核查")
    assert held.message.review == review.WITHHELD and not held.message.is_public
    assert views.withheld_reason(db, held.case) == "涉及对个人的指控，已转纪检部门核查"
    event = db.scalar(select(CaseEvent).where(CaseEvent.case_id == held.case.id, CaseEvent.kind == "withhold"))
    assert event is not None and not event.is_public
    assert review.pending_count(db) == 0


def test_only_coordinators_and_admins_decide(db: Session) -> None:
    dept = f.department(db)
    held = f.message(db, **ACCUSATION)
    for role in ("handler", "supervisor"):
        user = f.user(db, role=role, dept=dept if role == "handler" else None)
        with pytest.raises(PermissionDenied):
            review.publish(db, actor=f.actor(user), case_id=held.case.id)
    review.publish(db, actor=f.actor(f.user(db, role="admin")), case_id=held.case.id)
