"""代录入 as a use case: the citizen's checks all at once, the channel stored, the event and the audit record, the
same analysis and workflow as a web submission, the tracking link queued for e-mail — on a real database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.accounts.models import AuthEvent
from minyi.core.clock import travel
from minyi.core.errors import FieldErrors, PermissionDenied
from minyi.messages import analysis
from minyi.messages.models import Message, MessageAnalysis
from minyi.notifications.models import Delivery, Notice
from minyi.notifications.services import Outbound
from minyi.stats.models import CaseFactsRow
from minyi.web.serializers import public_detail
from minyi.workflow import services as workflow
from minyi.workflow import states, views
from minyi.workflow.events import SubmitPayload
from minyi.workflow.models import Case, CaseEvent
from tests import factories as f
from tests.messages.test_analysis import KeywordAnalyzer

NOW = datetime(2026, 12, 7, 2, 30, tzinfo=UTC)  # 10:30 in China
RECEIVED = datetime(2026, 12, 7, 0, 5, tzinfo=UTC)  # 08:05 in China: the call came in before it was typed


def _enter(db: Session, by: object, **overrides: object) -> object:
    with travel(NOW):
        return f.entered(db, by, received_at="2026-12-07T08:05", **overrides)


def test_an_entry_is_stored_with_its_channel_and_received_time(db: Session) -> None:
    coordinator = f.user(db, role="coordinator")
    done = _enter(db, coordinator, channel="letter", contact_email="zhang@example.cn")
    message, case = done.submission.message, done.submission.case
    assert (message.channel, message.source, message.created_at) == ("letter", "staff", RECEIVED)
    assert message.contact is not None and message.contact.email == "zhang@example.cn"
    assert case.status == states.SUBMITTED and case.received_at == RECEIVED
    assert done.channel_name == "信件" and done.emailed_to == ""  # e-mail is not configured
    assert done.tracking_url == f"http://testserver/track/{done.submission.tracking_token}"
    assert views.case_by_token(db, done.submission.tracking_token).id == case.id  # the link works


def test_the_submit_event_names_who_entered_it_and_the_channel(db: Session) -> None:
    coordinator = f.user(db, role="coordinator")
    case = _enter(db, coordinator, channel="visit").submission.case
    events = list(db.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)))
    assert len(events) == 1
    event = events[0]
    payload = event.payload
    assert isinstance(payload, SubmitPayload)
    assert (event.kind, event.to_status, event.actor_id) == ("submit", states.SUBMITTED, coordinator.id)
    assert coordinator.display_name in event.actor_label and event.created_at == RECEIVED
    assert (payload.source, payload.channel) == ("staff", "visit")
    assert payload.entered_at is not None and datetime.fromisoformat(payload.entered_at) == NOW


def test_the_entry_is_in_the_account_audit_trail(db: Session) -> None:
    coordinator = f.user(db, role="coordinator")
    case = _enter(db, coordinator).submission.case
    record = db.scalars(select(AuthEvent).where(AuthEvent.kind == "case_entered")).one()
    assert (record.user_id, record.username) == (coordinator.id, coordinator.username)
    assert record.detail == f"办件 {case.id}（电话）"


def test_every_invalid_field_is_reported_at_once_and_nothing_is_stored(db: Session) -> None:
    coordinator = f.user(db, role="coordinator")
    before = db.scalar(select(Message.id).order_by(Message.id.desc()).limit(1))
    with pytest.raises(FieldErrors) as caught, travel(NOW):
        f.entered(
            db,
            coordinator,
            title="短",
            body="太短",
            contact_email="not-an-address",
            channel="网站",
            received_at="2026-12-07T11:00",
        )
    fields = [field for field, _msg in caught.value.errors]
    assert fields == ["title", "body", "contact_email", "channel", "received_at"]
    assert db.scalar(select(Message.id).order_by(Message.id.desc()).limit(1)) == before
    assert db.scalar(select(AuthEvent.id).where(AuthEvent.kind == "case_entered")) is None


@pytest.mark.parametrize("role", ["handler", "supervisor"])
def test_only_coordinators_and_admins_enter_cases(db: Session, role: str) -> None:
    dept = f.department(db)
    with pytest.raises(PermissionDenied):
        _enter(db, f.user(db, role=role, dept=dept if role == "handler" else None))
    assert _enter(db, f.user(db, role="admin")).submission.case.id


def test_the_same_analysis_and_workflow_follow(db: Session) -> None:
    """An entered message is analysed by the same service as a web one (urgent, suggestions) and is handled by
    the same workflow: it waits in the triage list and is assigned, replied and rated like any other."""
    dept = f.department(db, domains=["城乡建设"])
    coordinator, handler = f.user(db, role="coordinator"), f.user(db, role="handler", dept=dept)
    text = {"title": "楼道燃气泄漏", "body": "三号楼楼道燃气味很重，已经一个小时了，请马上来人处理。"}
    web = f.message(db, **text)
    entered = _enter(db, coordinator, **text).submission
    rows = [analysis.analyse_message(db, message_id=s.message.id, analyzer=KeywordAnalyzer()) for s in (web, entered)]
    assert rows[0].result == rows[1].result and rows[1].urgent
    db.expire_all()
    assert db.get(Case, entered.case.id).urgent  # copied to the case in the same flush, as for a web message
    assert db.get(MessageAnalysis, entered.message.id) is not None
    actor = f.actor(coordinator)
    workflow.assign(db, actor=actor, case_id=entered.case.id, department_id=dept.id)
    workflow.accept(db, actor=f.actor(handler), case_id=entered.case.id)
    workflow.reply(db, actor=f.actor(handler), case_id=entered.case.id, body="经现场检查，燃气阀门已更换，隐患已排除。")
    workflow.rate(db, case=f.reload(db, entered.case), level="satisfied")
    assert f.reload(db, entered.case).status == states.CLOSED


def test_the_statistics_facts_carry_the_channel(db: Session) -> None:
    coordinator = f.user(db, role="coordinator")
    case = _enter(db, coordinator, channel="online").submission.case
    web = f.message(db).case
    facts = {
        row.case_id: row for row in db.scalars(select(CaseFactsRow).where(CaseFactsRow.case_id.in_([case.id, web.id])))
    }
    assert facts[case.id].channel == "online" and facts[web.id].channel == "website"
    assert facts[case.id].received_at == RECEIVED and str(facts[case.id].received_on) == "2026-12-07"


def test_the_public_sees_a_case_like_any_other(db: Session) -> None:
    coordinator = f.user(db, role="coordinator")
    case = _enter(db, coordinator).submission.case
    detail = public_detail(views.public_case(db, str(case.id))).model_dump_json()
    web = public_detail(views.public_case(db, str(f.message(db).case.id))).model_dump()
    assert coordinator.display_name not in detail and "phone" not in detail and "staff" not in detail
    assert set(public_detail(views.public_case(db, str(case.id))).model_dump()) == set(web)
    assert [e["kind"] for e in web["events"]] == ["submit"]


def test_the_tracking_link_is_queued_for_email_when_it_can_be(db: Session) -> None:
    coordinator = f.user(db, role="coordinator")
    email = Outbound(email=True, webhook_url="https://hooks.example.cn/minyi")
    done = _enter(db, coordinator, contact_email="li@example.cn", outbound=email)
    assert done.emailed_to == "li@example.cn"
    notice = db.scalars(select(Notice).where(Notice.case_id == done.submission.case.id)).one()
    assert notice.kind == "tracking_link" and done.tracking_url in notice.body and notice.link == ""
    deliveries = list(db.scalars(select(Delivery).where(Delivery.notice_id == notice.id)))
    assert [(d.channel, d.recipient) for d in deliveries] == [("email", "li@example.cn")]  # never the webhook
    assert _enter(db, coordinator, contact_email="", outbound=email).emailed_to == ""  # no address, no e-mail
    assert _enter(db, coordinator, contact_email="li@example.cn").emailed_to == ""  # e-mail not configured
