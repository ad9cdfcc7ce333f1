"""Contact data of cases closed longer than the retention period is erased, in batches, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from minyi.core.clock import utcnow
from minyi.core.settings import Settings
from minyi.messages.models import Message, MessageContact
from minyi.privacy.retention import erase_expired_batch, erase_expired_contacts
from minyi.workflow import services as workflow
from minyi.workflow.models import Case, CaseEvent
from tests import factories as f


def _closed_days_ago(db: Session, days: int) -> Case:
    sub, _handler = f.replied_case(db, f.department(db))
    workflow.rate(db, case=sub.case, level="satisfied")
    db.execute(update(Case).where(Case.id == sub.case.id).values(closed_at=utcnow() - timedelta(days=days)))
    return sub.case


def _contact(db: Session, case: Case) -> MessageContact:
    db.expire_all()
    return db.get(MessageContact, case.message_id)


def _erasures(db: Session, case: Case) -> list[CaseEvent]:
    return list(db.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "contact_erased")))


def test_contact_of_a_case_closed_past_the_period_is_erased_with_an_event(db: Session) -> None:
    old = _closed_days_ago(db, 400)
    body = old.message.body
    assert erase_expired_batch(db, retention_days=365) == 1
    contact = _contact(db, old)
    assert (contact.name, contact.phone, contact.email, contact.address) == ("", "", "", "")
    assert contact.erased_at is not None and contact.erasure_reason == "retention"
    (event,) = _erasures(db, old)
    assert not event.is_public and event.actor_label == "系统"
    assert event.data == {"reason": "retention", "retention_days": 365}
    assert "张三" not in repr(event.data) + event.reason and "13800138000" not in repr(event.data) + event.reason
    assert db.get(Message, old.message_id).body == body  # the citizen's words stay as written


def test_recent_open_and_unlimited_cases_keep_their_contact(db: Session) -> None:
    recent = _closed_days_ago(db, 100)
    open_case = f.message(db).case
    db.execute(update(Case).where(Case.id == open_case.id).values(updated_at=utcnow() - timedelta(days=900)))
    old = _closed_days_ago(db, 900)
    assert erase_expired_batch(db, retention_days=0) == 0  # 0 = keep forever
    assert erase_expired_batch(db, retention_days=365) == 1
    assert _contact(db, recent).phone == "13800138000"
    assert _contact(db, open_case).phone == "13800138000"
    assert _contact(db, old).phone == ""


def test_rejected_and_merged_cases_count_as_closed(db: Session) -> None:
    coordinator = f.user(db, role="coordinator")
    rejected = f.message(db).case
    workflow.reject(db, actor=f.actor(coordinator), case_id=rejected.id, reason="不属于本平台受理范围")
    target = f.message(db).case
    merged = f.message(db).case
    workflow.merge(db, actor=f.actor(coordinator), case_id=merged.id, into_case_id=target.id)
    long_ago = utcnow() - timedelta(days=500)
    db.execute(update(Case).where(Case.id == rejected.id).values(closed_at=long_ago))
    db.execute(update(Case).where(Case.id == merged.id).values(updated_at=long_ago))
    assert erase_expired_batch(db, retention_days=365) == 2
    assert _contact(db, rejected).erased_at is not None
    assert _contact(db, merged).erased_at is not None
    assert _contact(db, target).erased_at is None


def test_erasure_runs_in_batches_and_is_idempotent(session_factory: sessionmaker[Session], db: Session) -> None:
    cases = [_closed_days_ago(db, 400) for _ in range(5)]
    db.commit()
    assert erase_expired_contacts(session_factory, retention_days=365, batch_size=2) == 5
    assert erase_expired_contacts(session_factory, retention_days=365, batch_size=2) == 0
    db.expire_all()
    assert all(len(_erasures(db, c)) == 1 for c in cases)


def test_the_scheduler_runs_the_erasure(
    session_factory: sessionmaker[Session], db: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from minyi.core import settings as settings_module
    from minyi.jobs.runner import run_scheduled_tasks

    monkeypatch.setattr(settings_module, "get_settings", lambda: settings)
    old = _closed_days_ago(db, settings.contact_retention_days + 1)
    db.commit()
    assert run_scheduled_tasks(session_factory)["contacts_erased"] == 1
    assert _contact(db, old).erasure_reason == "retention"
