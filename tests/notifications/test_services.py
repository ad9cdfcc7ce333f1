"""Deadline reminders and automatic 督办: on time, once, through the state machine, into the right inboxes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from minyi.core.clock import CHINA_TZ, travel
from minyi.core.errors import NotFound, ValidationFailed
from minyi.core.settings import Settings
from minyi.core.workdays import add_workdays
from minyi.notifications import services as notes
from minyi.notifications.channels import EmailChannel
from minyi.notifications.models import Delivery, Notice, Notification
from minyi.workflow import services as workflow
from minyi.workflow.models import CaseEvent
from tests import factories as f

START = datetime(2024, 3, 4, 10, 0, tzinfo=CHINA_TZ)  # a Monday with no holiday in the next 13 working days
OUT = notes.Outbound()


def _at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=CHINA_TZ)


@pytest.fixture
def world(db: Session) -> dict:
    """A department with two handlers (one inactive), a supervisor, and a case in progress since START."""
    dept = f.department(db, name="市城管局")
    supervisor = f.user(db, role="supervisor")
    with travel(START):
        sub, _coord, handler = f.case_in_progress(db, dept)
    other = f.user(db, role="handler", dept=dept)
    gone = f.user(db, role="handler", dept=dept)
    gone.is_active = False
    db.flush()
    case = f.reload(db, sub.case)
    return {"dept": dept, "case": case, "handlers": [handler, other], "gone": gone, "supervisor": supervisor}


def _inbox(db: Session, user_id: int) -> list[Notification]:
    return notes.list_notifications(db, user_id=user_id)


def test_reminder_one_working_day_before_the_deadline_once(db: Session, world: dict) -> None:
    case = world["case"]
    assert case.deadline == add_workdays(START.date(), 13)
    two_before = _at(case.deadline - timedelta(days=2))  # Tuesday before a Thursday deadline: 2 working days
    with travel(two_before):
        assert notes.send_deadline_reminders(db, remind_workdays=1, outbound=OUT) == 0
    with travel(_at(case.deadline - timedelta(days=1))):
        assert notes.send_deadline_reminders(db, remind_workdays=1, outbound=OUT) == 1
        assert notes.send_deadline_reminders(db, remind_workdays=1, outbound=OUT) == 0  # idempotent
    with travel(_at(case.deadline)):
        assert notes.send_deadline_reminders(db, remind_workdays=1, outbound=OUT) == 0  # same deadline: once
    for handler in world["handlers"]:
        [row] = _inbox(db, handler.id)
        assert row.notice.kind == notes.REMINDER and f"办件 {case.id}" in row.notice.title
        assert case.deadline.isoformat() in row.notice.body and "市城管局" in row.notice.body
    assert _inbox(db, world["gone"].id) == [] and _inbox(db, world["supervisor"].id) == []


def test_reminder_window_is_configurable(db: Session, world: dict) -> None:
    case = world["case"]
    with travel(_at(add_workdays(START.date(), 10))):  # 3 working days left
        assert notes.send_deadline_reminders(db, remind_workdays=2, outbound=OUT) == 0
        assert notes.send_deadline_reminders(db, remind_workdays=3, outbound=OUT) == 1
    assert db.scalar(select(Notice.dedup_key)) == f"deadline_reminder:{case.id}:{case.deadline.isoformat()}"


def test_an_approved_extension_earns_a_new_reminder(db: Session, world: dict) -> None:
    case, handler = world["case"], world["handlers"][0]
    with travel(_at(case.deadline - timedelta(days=1))):
        assert notes.send_deadline_reminders(db, remind_workdays=1, outbound=OUT) == 1
        request = workflow.request_extension(db, actor=f.actor(handler), case_id=case.id, days=5, reason="需要现场勘查")
        workflow.decide_extension(db, actor=f.actor(world["supervisor"]), extension_id=request.id, approve=True)
    case = f.reload(db, case)
    with travel(_at(case.deadline - timedelta(days=1))):
        assert notes.send_deadline_reminders(db, remind_workdays=1, outbound=OUT) == 1
    assert len(_inbox(db, handler.id)) == 2


def test_overdue_case_is_escalated_once_by_the_system_through_the_state_machine(db: Session, world: dict) -> None:
    case = world["case"]
    with travel(_at(case.deadline, 20)):
        assert notes.escalate_overdue(db, outbound=OUT) == 0  # the deadline day itself is not late
    late = _at(add_workdays(case.deadline, 2))
    with travel(late):
        assert notes.escalate_overdue(db, outbound=OUT) == 1
        assert notes.escalate_overdue(db, outbound=OUT) == 0
    with travel(late + timedelta(days=7)):
        assert notes.escalate_overdue(db, outbound=OUT) == 0
    case = f.reload(db, case)
    assert case.escalated and case.status == "in_progress"
    [event] = db.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "escalate")).all()
    assert event.actor_label == "系统" and event.actor_id is None and event.is_public
    assert event.from_status == event.to_status == "in_progress"
    assert "2 个工作日" in event.reason and "系统自动督办" in event.reason
    assert event.created_at == late.astimezone(UTC)
    for user in [world["supervisor"], *world["handlers"]]:
        [row] = _inbox(db, user.id)
        assert row.notice.kind == notes.ESCALATION


def test_cases_already_told_are_left_out_of_the_plan_in_sql(db: Session, world: dict) -> None:
    """An overdue case escalated long ago is not read again at every run: the plan's query leaves it out (an
    anti-join on the notice's key for the case's current deadline), not a filter after reading every case."""
    case = world["case"]
    with travel(_at(case.deadline - timedelta(days=1))):
        assert [p.case_id for p in notes.plan_deadline_reminders(db, remind_workdays=1, today=case.deadline)] == [
            case.id
        ]
        assert notes.send_deadline_reminders(db, remind_workdays=1, outbound=OUT) == 1
        assert notes._due_cases(db, kind=notes.REMINDER) == []
    late = add_workdays(case.deadline, 2)
    with travel(_at(late)):
        assert [c.id for c in notes._due_cases(db, kind=notes.ESCALATION)] == [case.id]
        assert notes.escalate_overdue(db, outbound=OUT) == 1
        assert notes._due_cases(db, kind=notes.ESCALATION) == []
        assert notes.plan_escalations(db, today=late) == []


def test_replied_closed_and_unassigned_cases_are_never_escalated(db: Session, world: dict) -> None:
    handler = world["handlers"][0]
    with travel(START):
        workflow.reply(db, actor=f.actor(handler), case_id=world["case"].id, body="已安排人员现场处理，感谢反映。")
        f.message(db)  # submitted, no deadline
    with travel(START + timedelta(days=90)):
        assert notes.escalate_overdue(db, outbound=OUT) == 0
        assert notes.send_deadline_reminders(db, remind_workdays=200, outbound=OUT) == 0


def test_reopened_case_gets_a_new_deadline_and_a_new_escalation(db: Session) -> None:
    dept = f.department(db)
    f.user(db, role="supervisor")
    with travel(START):
        sub, _coord, handler = f.case_in_progress(db, dept)
    first = f.reload(db, sub.case).deadline
    with travel(_at(first + timedelta(days=3))):
        assert notes.escalate_overdue(db, outbound=OUT) == 1
        workflow.reply(db, actor=f.actor(handler), case_id=sub.case.id, body="已处理完毕，感谢您的反映和监督。")
        workflow.rate(db, case=f.reload(db, sub.case), level="unsatisfied", comment="没有解决")
        workflow.reopen(db, case=f.reload(db, sub.case), reason="问题依旧存在")
        db.flush()  # reload() expires the session: keep the new deadline
    second = f.reload(db, sub.case).deadline
    assert second > first
    with travel(_at(second + timedelta(days=3))):
        assert notes.escalate_overdue(db, outbound=OUT) == 1
    assert len(db.scalars(select(CaseEvent).where(CaseEvent.kind == "escalate")).all()) == 2


def test_outbound_deliveries_are_queued_only_for_configured_channels(db: Session, world: dict) -> None:
    handler, other = world["handlers"]
    notes.update_preferences(db, user_id=handler.id, email="handler@example.org", email_enabled="1")
    notes.update_preferences(db, user_id=other.id, email="other@example.org", email_enabled="")
    outbound = notes.Outbound(email=True, webhook_url="http://127.0.0.1:9/hook")
    with travel(_at(world["case"].deadline)):
        notes.send_deadline_reminders(db, remind_workdays=1, outbound=outbound)
    rows = {(d.channel, d.recipient, d.status) for d in db.scalars(select(Delivery))}
    assert rows == {("email", "handler@example.org", "pending"), ("webhook", "http://127.0.0.1:9/hook", "pending")}


class _Recorder:
    name = "webhook"

    def __init__(self, fail: bool = False) -> None:
        self.sent: list[tuple[str, str]] = []
        self.fail = fail

    def send(self, recipient: str, notice: notes.OutgoingNotice) -> None:
        if self.fail:
            raise notes.DeliveryError("HTTP 500")
        self.sent.append((recipient, notice.title))


def test_run_deadline_tasks_sends_once_and_retries_failures(
    session_factory: sessionmaker[Session], db: Session, world: dict, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = Settings(
        data_dir=tmp_path,
        database_url="sqlite://",
        secret_key="k",
        webhook_url="http://127.0.0.1:9/hook",
        public_url="https://minyi.example",
    )
    db.commit()
    broken = _Recorder(fail=True)
    monkeypatch.setattr(notes, "outbound_channels", lambda _s: {"webhook": broken})
    with travel(_at(add_workdays(world["case"].deadline, 1))):
        result = notes.run_deadline_tasks(session_factory, settings)
        assert result == {"reminders": 0, "escalations": 1, "delivered": 0, "delivery_failures": 1}
        working = _Recorder()
        monkeypatch.setattr(notes, "outbound_channels", lambda _s: {"webhook": working})
        assert notes.run_deadline_tasks(session_factory, settings)["delivered"] == 1
        assert notes.run_deadline_tasks(session_factory, settings) == {
            "reminders": 0,
            "escalations": 0,
            "delivered": 0,
            "delivery_failures": 0,
        }
    assert working.sent == [("http://127.0.0.1:9/hook", f"【督办】办件 {world['case'].id} 已超过办理时限")]
    delivery = db.scalar(select(Delivery))
    db.refresh(delivery)
    assert delivery.status == "sent" and delivery.attempts == 2 and delivery.last_error == ""


def test_a_delivery_is_given_up_after_max_attempts(
    session_factory: sessionmaker[Session], db: Session, world: dict
) -> None:
    with travel(_at(add_workdays(world["case"].deadline, 1))):
        notes.escalate_overdue(db, outbound=notes.Outbound(webhook_url="http://127.0.0.1:9/hook"))
    db.commit()
    broken = _Recorder(fail=True)
    for _ in range(notes.MAX_ATTEMPTS + 2):
        notes.deliver_pending(session_factory, channels={"webhook": broken})
    delivery = db.scalar(select(Delivery))
    db.refresh(delivery)
    assert delivery.status == "failed" and delivery.attempts == notes.MAX_ATTEMPTS and "HTTP 500" in delivery.last_error


def test_inbox_read_marks_and_ownership(db: Session, world: dict) -> None:
    handler, other = world["handlers"]
    with travel(_at(add_workdays(world["case"].deadline, 1))):
        notes.escalate_overdue(db, outbound=OUT)
    [mine] = _inbox(db, handler.id)
    with pytest.raises(NotFound):
        notes.mark_read(db, user_id=other.id, notification_id=mine.id)
    with pytest.raises(NotFound):
        notes.mark_read(db, user_id=handler.id, notification_id="abc")
    assert notes.unread_count(db, user_id=handler.id) == 1
    notes.mark_read(db, user_id=handler.id, notification_id=mine.id)
    assert notes.unread_count(db, user_id=handler.id) == 0 and notes.unread_count(db, user_id=other.id) == 1
    assert notes.mark_all_read(db, user_id=other.id) == 1 and notes.unread_count(db, user_id=other.id) == 0


@pytest.mark.parametrize(
    ("email", "enabled", "message"),
    [
        ("not-an-address", "1", "格式不正确"),
        ("", "1", "请填写电子邮箱"),
        ("a@b.c\x00", "", "控制字符"),
        ("x" * 300 + "@example.org", "", "最多"),
    ],
)
def test_preferences_reject_bad_addresses(db: Session, email: str, enabled: str, message: str) -> None:
    user = f.user(db, role="supervisor")
    notes.update_preferences(db, user_id=user.id, email="kept@example.org", email_enabled="1")
    with pytest.raises(ValidationFailed, match=message):
        notes.update_preferences(db, user_id=user.id, email=email, email_enabled=enabled)
    kept = notes.preferences(db, user_id=user.id)
    assert (kept.email, kept.email_enabled) == ("kept@example.org", True)


class _Mailbox:
    """An e-mail channel that keeps what it was asked to send (or fails)."""

    name = "email"

    def __init__(self, fail: bool = False) -> None:
        self.sent: list[tuple[str, notes.OutgoingNotice]] = []
        self.fail = fail

    def send(self, recipient: str, notice: notes.OutgoingNotice) -> None:
        if self.fail:
            raise notes.DeliveryError("mail server down")
        self.sent.append((recipient, notice))


def _entered_with_email(db: Session) -> tuple[int, str]:
    coordinator = f.user(db, role="coordinator")
    done = f.entered(db, coordinator, contact_email="citizen@example.cn", outbound=notes.Outbound(email=True))
    db.commit()
    return done.submission.case.id, done.tracking_url


def test_a_tracking_link_is_emailed_once_then_erased_from_the_queue(
    session_factory: sessionmaker[Session], db: Session
) -> None:
    case_id, url = _entered_with_email(db)
    mailbox = _Mailbox()
    assert notes.deliver_pending(session_factory, channels={"email": mailbox}) == {
        "delivered": 1,
        "delivery_failures": 0,
    }
    [(recipient, sent)] = mailbox.sent
    assert recipient == "citizen@example.cn" and sent.case_id == case_id and sent.url == ""
    assert url in sent.body and f"编号 {case_id}" in sent.title and "电话" in sent.body
    mail = EmailChannel(host="localhost", port=25, sender="minyi@example.cn")._message(recipient, sent)
    assert url in mail.get_content()
    notice = db.scalar(select(Notice).where(Notice.case_id == case_id))
    delivery = db.scalar(select(Delivery).where(Delivery.notice_id == notice.id))
    db.refresh(notice)
    db.refresh(delivery)
    assert notice.body == "" and url not in notice.title  # the secret link is gone once sent
    assert delivery.status == "sent" and delivery.recipient == ""
    assert db.scalar(select(Notification).where(Notification.notice_id == notice.id)) is None  # in no staff inbox
    assert notes.deliver_pending(session_factory, channels={"email": mailbox})["delivered"] == 0  # once


def test_a_tracking_link_is_kept_for_retries_and_erased_when_given_up(
    session_factory: sessionmaker[Session], db: Session
) -> None:
    case_id, url = _entered_with_email(db)
    down = _Mailbox(fail=True)
    notes.deliver_pending(session_factory, channels={"email": down})
    notice = db.scalar(select(Notice).where(Notice.case_id == case_id))
    db.refresh(notice)
    assert url in notice.body  # a failed attempt is retried: the link waits
    for _ in range(notes.MAX_ATTEMPTS):
        notes.deliver_pending(session_factory, channels={"email": down})
    delivery = db.scalar(select(Delivery).where(Delivery.notice_id == notice.id))
    db.refresh(notice)
    db.refresh(delivery)
    assert (
        delivery.status == "failed"
        and delivery.attempts == notes.MAX_ATTEMPTS
        and "mail server down" in delivery.last_error
    )
    assert notice.body == "" and delivery.recipient == ""


def test_a_reminder_names_the_case_as_the_public_sees_it(db: Session) -> None:
    dept = f.department(db, name="市水务局")
    with travel(START):
        sub, _coord, handler = f.case_in_progress(db, dept, title="13912345678家门口水管爆了")
    case = f.reload(db, sub.case)
    with travel(_at(case.deadline - timedelta(days=1))):
        assert notes.send_deadline_reminders(db, remind_workdays=1, outbound=OUT) == 1
    [row] = _inbox(db, handler.id)
    assert "13912345678" not in row.notice.body and "139****5678" in row.notice.body
