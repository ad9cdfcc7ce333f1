"""Message services: validation, idempotency, rate limit, the text kept exactly as written."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from minyi.core.clock import travel
from minyi.core.errors import Conflict, FieldErrors, RateLimited, ValidationFailed
from minyi.messages import services as ms
from tests import factories as f


def test_text_is_stored_exactly_as_written(db: Session) -> None:
    body = "  第一行\n\t第二行：全角，标点！😀  "
    sub = f.message(db, body=body)
    assert sub.message.body == body
    assert sub.message.contact.phone == "13800138000"


def test_a_citizen_may_leave_the_kind_open_and_chooses_only_their_own_kinds(db: Session) -> None:
    from minyi.nlp.labels import APPEAL_KINDS, CITIZEN_KINDS

    assert f.message(db, appeal_kind="").message.appeal_kind == ""  # 不确定: the coordinator decides
    assert set(CITIZEN_KINDS) < set(APPEAL_KINDS) and not {"misconception", "confusion"} & set(CITIZEN_KINDS)
    for kind in CITIZEN_KINDS:
        assert f.message(db, appeal_kind=kind).message.appeal_kind == kind


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("title", None, "请填写标题"),
        ("title", 42, "必须是文本"),
        ("title", "标" * 81, "最多 80"),
        ("body", "太短了", "至少 10"),
        ("body", "x" * 1_000_000, "最多 5000"),
        ("appeal_kind", "misconception", "诉求类型"),  # the staff's judgement, not a citizen's choice
        ("appeal_kind", "nonsense", "诉求类型"),
        ("domain", "火星事务", "领域"),
        ("place_text", "地" * 201, "最多 200"),
        ("contact_email", "a@b", "邮箱"),
        ("submission_key", "短", "表单标识"),
    ],
)
def test_invalid_fields_are_refused_with_a_chinese_reason(
    db: Session, field: str, value: object, expected: str
) -> None:
    with pytest.raises(ValidationFailed, match=expected) as info:
        f.message(db, **{field: value})
    assert info.value.field == field


def test_only_emoji_or_only_english_is_accepted_as_text(db: Session) -> None:
    assert f.message(db, body="😀" * 12).message.id
    assert f.message(db, title="Broken lamp", body="The street lamp has been broken for a week.").message.id


def test_same_submission_key_is_a_conflict(db: Session) -> None:
    f.message(db, submission_key="same-key-0001")
    with pytest.raises(Conflict, match="请勿重复提交"):
        f.message(db, submission_key="same-key-0001")


def test_rate_limit_counts_recent_submissions_per_client(db: Session) -> None:
    for _ in range(2):
        ms.store_message(db, data=_valid(), client_hash="client-a", rate_limit=2)
    with pytest.raises(RateLimited):
        ms.store_message(db, data=_valid(), client_hash="client-a", rate_limit=2)
    ms.store_message(db, data=_valid(), client_hash="client-b", rate_limit=2)


def _valid() -> dict[str, str]:
    return {"title": "测试标题四字", "body": "这是一条用于测试的留言内容。", "appeal_kind": "inquiry"}


# --- 代录入: a staff entry's own fields -------------------------------------------------------------------

NOW = datetime(2026, 12, 7, 2, 30, tzinfo=UTC)  # 10:30 in China


def _entry(**overrides: object) -> dict[str, object]:
    return _valid() | {"channel": "phone", "received_at": "2026-12-07T09:15"} | overrides


def test_the_received_time_is_read_in_china_and_stored_in_utc() -> None:
    values = ms.validate_entry(_entry(), now=NOW)
    assert values["received_at"] == datetime(2026, 12, 7, 1, 15, tzinfo=UTC)
    assert values["channel"] == "phone" and values["message"]["title"] == _valid()["title"]
    for text in ("2026-12-07 09:15", "2026-12-07T09:15:30", " 2026-12-07T10:30 "):
        assert ms.received_at_field(text, now=NOW) <= NOW


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", "请填写收到时间"),
        (None, "请填写收到时间"),
        ("2026-12-07T10:31", "不能晚于现在（2026-12-07 10:30）"),
        ("2027-01-01T00:00", "不能晚于现在"),
        ("2026-08-01T09:00", "不能早于 90 天前"),
        ("2026-02-30T09:00", "格式不正确"),
        ("2026-12-07T25:00", "格式不正确"),
        ("07/12/2026 09:00", "格式不正确"),
        ("2026-12-07", "格式不正确"),
        ("2026-12-07T09:15+08:00", "格式不正确"),
    ],
)
def test_a_bad_received_time_is_a_clear_error(value: object, expected: str) -> None:
    with pytest.raises(ValidationFailed, match=re.escape(expected)) as caught:
        ms.received_at_field(value, now=NOW)
    assert caught.value.field == "received_at"


def test_every_field_of_an_entry_is_reported_at_once() -> None:
    data = _entry(title="短", contact_phone="abc", channel="fax", received_at="2027-01-01T08:00")
    with pytest.raises(FieldErrors) as caught:
        ms.validate_entry(data, now=NOW)
    assert [field for field, _msg in caught.value.errors] == ["title", "contact_phone", "channel", "received_at"]


def test_a_staff_entry_has_no_rate_limit_and_keeps_its_submission_key(db: Session) -> None:
    with travel(NOW):
        first = ms.store_entered_message(db, data=_entry(submission_key="entry-key-0001"))
        for _ in range(3):
            ms.store_entered_message(db, data=_entry())
        with pytest.raises(Conflict):
            ms.store_entered_message(db, data=_entry(submission_key="entry-key-0001"))
    assert first.message.source == "staff" and first.message.channel == "phone"
    assert first.message.created_at == datetime(2026, 12, 7, 1, 15, tzinfo=UTC)
    assert f.message(db).message.channel == "website"  # a citizen's own submission
