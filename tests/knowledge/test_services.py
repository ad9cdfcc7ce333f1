"""Knowledge-base use cases on the real database: entries, the SQL index, review dates and upkeep."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.core.clock import china_today
from minyi.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from minyi.knowledge import services as kb
from minyi.knowledge.audit import history
from minyi.knowledge.index import search_ids
from minyi.knowledge.models import KnowledgeEntry, KnowledgeTerm, KnowledgeTermCount
from minyi.knowledge.upkeep import department_upkeep
from minyi.nlp.knowledge import KnowledgeIndex
from tests import factories as f

ENTRIES = [
    ("公积金贷款需要哪些材料", "办理住房公积金贷款需要身份证、购房合同、首付款发票和收入证明，到公积金中心窗口办理。"),
    ("人才购房补贴怎么申请", "符合条件的人才在购房后一年内通过人才网提交申请，审核通过后发放购房补贴。"),
    ("小区噪音扰民向哪里投诉", "夜间施工噪音请拨打生态环境局热线，社会生活噪音由公安派出所处理。"),
]


def _entry(db: Session, actor, dept, question: str, answer: str, **extra) -> KnowledgeEntry:
    data = {"question": question, "answer": answer, "department_id": dept.id, "status": "published"} | extra
    return kb.create_entry(db, actor=actor, data=data)


@pytest.fixture
def handler(db: Session):
    dept = f.department(db)
    return f.user(db, role="handler", dept=dept), dept


def test_search_finds_the_entry_for_a_question_in_other_words(db: Session, handler) -> None:
    user, dept = handler
    made = [_entry(db, f.actor(user), dept, q, a) for q, a in ENTRIES]
    hits = kb.search(db, text="请问申请住房公积金贷款要准备什么材料？", k=3)
    assert hits[0][0].id == made[0].id
    assert kb.search(db, text="人才买房的补贴如何申领", k=1)[0][0].id == made[1].id


def test_sql_index_ranks_as_the_in_memory_index(db: Session, handler) -> None:
    user, dept = handler
    made = [_entry(db, f.actor(user), dept, q, a) for q, a in ENTRIES]
    index = KnowledgeIndex().fit([(q, "", a) for q, a in ENTRIES], ids=[e.id for e in made])
    for query in ("公积金贷款材料", "噪音扰民投诉", "购房补贴"):
        assert [i for i, _ in search_ids(db, query, k=3)] == [i for i, _ in index.query(query, 3)]


def test_drafts_and_retired_entries_are_not_searched_and_keep_their_text(db: Session, handler) -> None:
    user, dept = handler
    actor = f.actor(user)
    entry = _entry(db, actor, dept, *ENTRIES[0])
    draft = _entry(db, actor, dept, *ENTRIES[1], status="draft")
    assert not kb.search(db, text="人才购房补贴", k=3) or kb.search(db, text="人才购房补贴", k=3)[0][0].id != draft.id
    kb.set_status(db, actor=actor, entry_id=entry.id, status="retired", reason="政策已调整")
    assert kb.search(db, text="公积金贷款材料", k=3) == []
    assert db.scalars(select(KnowledgeTerm).where(KnowledgeTerm.entry_id == entry.id)).all() == []
    assert db.get(KnowledgeTermCount, "公积").entries == 0
    with pytest.raises(NotFound):
        kb.load_entry(db, entry.id)  # not public any more
    assert kb.load_entry(db, entry.id, actor=actor).answer == ENTRIES[0][1]  # kept
    assert [h.kind for h in history(db, subject="entry", subject_id=entry.id)] == ["created", "retired"]
    with pytest.raises(ValidationFailed):
        kb.set_status(db, actor=actor, entry_id=draft.id, status="retired", reason="")


def test_handler_writes_only_for_their_department(db: Session, handler) -> None:
    user, _dept = handler
    other = f.department(db)
    with pytest.raises(PermissionDenied):
        _entry(db, f.actor(user), other, *ENTRIES[0])
    supervisor = f.user(db, role="supervisor")
    with pytest.raises(PermissionDenied):
        _entry(db, f.actor(supervisor), other, *ENTRIES[0])


def test_bad_input_is_refused_field_by_field(db: Session, handler) -> None:
    user, dept = handler
    with pytest.raises(ValidationFailed) as caught:
        kb.create_entry(
            db, actor=f.actor(user), data={"question": "", "answer": "短", "department_id": dept.id, "review_due": "x"}
        )
    assert {field for field, _ in caught.value.errors} == {"question", "answer", "review_due"}
    assert db.scalar(select(KnowledgeEntry).limit(1)) is None


def test_edit_is_audited_and_reindexed(db: Session, handler) -> None:
    user, dept = handler
    entry = _entry(db, f.actor(user), dept, *ENTRIES[0])
    data = {"question": "公积金提取需要哪些材料", "answer": ENTRIES[0][1], "department_id": dept.id}
    kb.update_entry(
        db, actor=f.actor(user), entry_id=entry.id, data=data | {"review_due": entry.review_due.isoformat()}
    )
    lines = history(db, subject="entry", subject_id=entry.id)
    assert lines[-1].kind == "edited" and "question" in lines[-1].data["changes"]
    assert kb.search(db, text="公积金提取", k=1)[0][0].id == entry.id


def test_entry_from_a_replied_case_masks_personal_data(db: Session) -> None:
    dept = f.department(db)
    sub, handler = f.replied_case(db, dept)
    sub.message.body += "联系电话13800138000"
    draft = kb.draft_from_case(db, actor=f.actor(handler), case_id=sub.case.id)
    assert "13800138000" not in draft.details and "138****8000" in draft.details
    assert draft.answer.startswith("经核实") and draft.department_id == dept.id
    entry = kb.create_entry(
        db, actor=f.actor(handler), data=draft.__dict__ | {"status": "published", "source_case_id": sub.case.id}
    )
    assert entry.source_case_id == sub.case.id


def test_a_case_without_reply_cannot_become_an_entry(db: Session) -> None:
    dept = f.department(db)
    sub, _coord, handler = f.case_in_progress(db, dept)
    with pytest.raises(InvalidTransition):
        kb.draft_from_case(db, actor=f.actor(handler), case_id=sub.case.id)


def test_stale_entries_and_upkeep(db: Session, handler) -> None:
    user, dept = handler
    actor = f.actor(user)
    fresh = _entry(db, actor, dept, *ENTRIES[0])
    stale = _entry(db, actor, dept, *ENTRIES[1])
    stale.review_due = china_today() - timedelta(days=3)  # the date passed without a review
    db.flush()
    assert kb.stale_count(db, department_id=dept.id) == 1
    assert [e.id for e in kb.department_entries(db, department_id=dept.id, stale_only=True).items] == [stale.id]
    kb.review_entry(db, actor=actor, entry_id=fresh.id)  # on time
    figures = department_upkeep(db, dept.id)
    assert (figures.on_time, figures.late, figures.stale) == (1, 0, 1) and figures.share == 0.5
    kb.review_entry(db, actor=actor, entry_id=stale.id)  # late
    figures = department_upkeep(db, dept.id)
    assert (figures.on_time, figures.late, figures.stale) == (1, 1, 0)
    assert kb.stale_count(db, department_id=dept.id) == 0


def test_helpful_is_a_counter(db: Session, handler) -> None:
    user, dept = handler
    entry = _entry(db, f.actor(user), dept, *ENTRIES[0])
    kb.count_helpful(db, entry_id=entry.id)
    assert kb.count_helpful(db, entry_id=entry.id).helpful_count == 2


def test_public_list_is_paged(db: Session, handler) -> None:
    user, dept = handler
    for n in range(kb.PER_PAGE + 2):
        _entry(db, f.actor(user), dept, f"第{n}个常见问题的标题", "这是一个足够长的答案内容。")
    first, second = kb.public_entries(db, page=1), kb.public_entries(db, page=2)
    assert (len(first.items), len(second.items), first.total, first.pages) == (kb.PER_PAGE, 2, kb.PER_PAGE + 2, 2)
    with pytest.raises(ValidationFailed):
        kb.public_entries(db, page="0")


def test_a_term_counted_meanwhile_by_another_transaction_is_counted_up(db: Session, handler) -> None:
    from minyi.knowledge.index import _add_new_terms

    db.add(KnowledgeTermCount(term="并发", entries=1))
    db.flush()
    _add_new_terms(db, ["并发", "新词"])  # "并发" looked new to this transaction: the insert fails, it counts up
    db.expire_all()
    assert (db.get(KnowledgeTermCount, "并发").entries, db.get(KnowledgeTermCount, "新词").entries) == (2, 1)


def test_a_handler_cannot_make_an_entry_from_another_departments_case(db: Session) -> None:
    sub, _handler = f.replied_case(db, f.department(db))
    stranger = f.user(db, role="handler", dept=f.department(db))
    with pytest.raises(PermissionDenied):
        kb.draft_from_case(db, actor=f.actor(stranger), case_id=sub.case.id)
