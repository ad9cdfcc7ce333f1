"""Reply templates and the draft check, through the services on a real database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from minyi.core.clock import utcnow
from minyi.core.errors import NotFound, PermissionDenied, ValidationFailed
from minyi.replies import services as replies
from minyi.replies.models import ReplyTemplate
from tests import factories as f

GOOD = (
    "您好！经核实，幸福路小区门口路灯因电缆老化损坏，根据《城市照明管理规定》，我局已于今日更换电缆，"
    "路灯已恢复照明。如有问题请拨打热线0731-12319。感谢您的支持！"
)


def test_check_reply_uses_the_message_and_real_working_days(db: Session) -> None:
    dept = f.department(db)
    sub, _coord, handler = f.case_in_progress(db, dept)
    result = replies.check_reply(db, case_id=sub.case.id, body=GOOD, actor=f.actor(handler))
    assert result.check["relevance"].verdict == "pass" and result.workdays == 0
    assert result.check["timeliness"].verdict == "pass"
    late = replies.check_reply(
        db, case_id=sub.case.id, body=GOOD, actor=f.actor(handler), now=utcnow() + timedelta(days=120)
    )
    assert late.workdays > 60 and late.check["timeliness"].verdict == "fail"
    assert late.to_dict()["findings"][4]["criterion"] == "timeliness"


def test_empty_drafts_get_a_clear_result(db: Session) -> None:
    sub, _c, handler = f.case_in_progress(db, f.department(db))
    for body in ["", "   ", None]:
        result = replies.check_reply(db, case_id=sub.case.id, body=body, actor=f.actor(handler))
        assert result.check.verdict == "fail" and result.check["relevance"].summary == "答复为空"
    with pytest.raises(ValidationFailed, match="文本"):
        replies.check_reply(db, case_id=sub.case.id, body=["列表"], actor=f.actor(handler))


def test_pasting_the_question_and_huge_drafts(db: Session) -> None:
    sub, _c, handler = f.case_in_progress(db, f.department(db))
    pasted = replies.check_reply(db, case_id=sub.case.id, body=sub.message.body, actor=f.actor(handler))
    assert pasted.check["relevance"].verdict == "fail"
    longest = replies.check_reply(db, case_id=sub.case.id, body=(GOOD * 100)[:10_000], actor=f.actor(handler))
    assert len(longest.check.findings) == 5
    with pytest.raises(ValidationFailed, match="最多 10000"):
        replies.check_reply(db, case_id=sub.case.id, body="字" * 10_001, actor=f.actor(handler))


def test_check_reply_respects_department_boundaries(db: Session) -> None:
    sub, _c, _h = f.case_in_progress(db, f.department(db))
    outsider = f.user(db, role="handler", dept=f.department(db))
    with pytest.raises(PermissionDenied):
        replies.check_reply(db, case_id=sub.case.id, body=GOOD, actor=f.actor(outsider))
    with pytest.raises(NotFound):
        replies.check_reply(db, case_id="nope", body=GOOD, actor=f.actor(outsider))


def test_template_crud_with_checks_and_roles(db: Session) -> None:
    dept, other = f.department(db), f.department(db)
    handler = f.user(db, role="handler", dept=dept)
    saved = replies.create_template(
        db, actor=f.actor(handler), department_id=str(dept.id), appeal_kind="complaint", title="路灯维修", body=GOOD
    )
    assert saved.template.id and saved.check.verdict == "pass"
    assert [f_.criterion for f_ in saved.check.findings] == ["completeness", "explanation", "tone"]
    with pytest.raises(PermissionDenied):
        replies.create_template(
            db, actor=f.actor(handler), department_id=other.id, appeal_kind="", title="越权", body=GOOD
        )
    with pytest.raises(PermissionDenied):  # only admins write templates for every department
        replies.create_template(db, actor=f.actor(handler), department_id="", appeal_kind="", title="全部", body=GOOD)
    admin = f.user(db, role="admin")
    shared = replies.create_template(
        db,
        actor=f.actor(admin),
        department_id="",
        appeal_kind="",
        title="通用",
        body="您好，您反映的问题已收悉，我们将认真调查处理。",
    )
    assert shared.check["completeness"].verdict != "pass"  # no contact, no time: the gaps are shown
    updated = replies.update_template(
        db,
        actor=f.actor(handler),
        template_id=saved.template.id,
        appeal_kind="inquiry",
        title="路灯维修（咨询）",
        body=GOOD,
    )
    assert updated.template.appeal_kind == "inquiry"
    replies.retire_template(db, actor=f.actor(handler), template_id=saved.template.id, reason="政策已更新")
    kept = db.get(ReplyTemplate, saved.template.id)
    assert kept is not None and not kept.is_active and kept.retired_reason == "政策已更新"
    assert {t.title for t in replies.templates_for_manager(db, actor=f.actor(handler))} == {"路灯维修（咨询）", "通用"}


BAD_TEMPLATES = [
    ("title", "", "请填写模板名称"),
    ("title", "名" * 101, "最多 100"),
    ("body", "太短", "至少 10"),
    ("body", "字" * 10_001, "最多 10000"),
    ("appeal_kind", "nonsense", "诉求类型"),
    ("department_id", "999999", "部门不存在"),
    ("department_id", "abc", "部门"),
    ("body", "含有\x00控制字符的模板内容", "控制字符"),
]


def test_template_validation(db: Session) -> None:
    admin = f.user(db, role="admin")
    for field, value, error in BAD_TEMPLATES:
        data = {"department_id": "", "appeal_kind": "", "title": "模板", "body": GOOD} | {field: value}
        with pytest.raises(ValidationFailed, match=error):
            replies.create_template(db, actor=f.actor(admin), **data)
    assert db.query(ReplyTemplate).count() == 0
    with pytest.raises(NotFound):
        replies.update_template(db, actor=f.actor(admin), template_id="x", appeal_kind="", title="t", body=GOOD)


def test_templates_for_a_case_match_department_and_kind(db: Session) -> None:
    dept, other = f.department(db), f.department(db)
    sub, _c, handler = f.case_in_progress(db, dept)  # a complaint
    admin = f.actor(f.user(db, role="admin"))
    for title, d, kind in [
        ("本部门投诉", dept.id, "complaint"),
        ("本部门咨询", dept.id, "inquiry"),
        ("他部门", other.id, ""),
        ("通用", "", ""),
    ]:
        replies.create_template(db, actor=admin, department_id=d, appeal_kind=kind, title=title, body=GOOD)
    titles = [t.title for t in replies.templates_for_case(db, case_id=sub.case.id, actor=f.actor(handler))]
    assert titles == ["本部门投诉", "通用"]
