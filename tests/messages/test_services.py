"""Message services: validation, idempotency, rate limit, the text kept exactly as written."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from minyi.core.errors import Conflict, RateLimited, ValidationFailed
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
