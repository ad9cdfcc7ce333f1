"""The best and the weakest replies of a period, with the reasons behind each choice.

Each first reply is scored by the reply quality check (`minyi.nlp.reply_quality`: relevance,
completeness, explanation, tone, timeliness — each 0 to 1) plus what the record says: the citizen's
rating, a reopen, whether the reply met its deadline, and a very short reply. The report states the method.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from minyi.departments.models import Department
from minyi.messages.models import Message
from minyi.nlp.display import public_display
from minyi.nlp.reply_quality import ReplyChecker
from minyi.nlp.text import join_text
from minyi.reports.content import Period, ReplyExample
from minyi.stats.figures import CaseFacts
from minyi.stats.models import CaseFactsRow
from minyi.stats.services import read_facts
from minyi.workflow.models import Case, Reply

METHOD = (
    "答复质量检查（相关性、完整性、解释依据、语气、及时性，各 0–1 分）之和，加上办理记录："
    "群众评价（满意 / 不满意）、是否重办、是否按时答复、答复是否过短。"
)
QUALITY_WEIGHT = 2.0
SHORT_REPLY = 30  # characters: shorter than this rarely says what was done
RATING_NAMES = {"satisfied": "满意", "basically": "基本满意", "unsatisfied": "不满意"}
RATING_POINTS = {"satisfied": 3.0, "basically": 1.5, "unsatisfied": -3.0}


def _score(fact: CaseFacts, length: int) -> tuple[float, list[str]]:
    """Higher is better; the reasons are shown next to the example."""
    score, reasons = 0.0, []
    if fact.rating in RATING_POINTS:
        score += RATING_POINTS[fact.rating]
        reasons.append(f"群众评价：{RATING_NAMES[fact.rating]}")
    if fact.reopened:
        score -= 2
        reasons.append("群众不满意后重办")
    if fact.deadline_at_reply is not None and fact.replied_on is not None:
        on_time = fact.replied_on <= fact.deadline_at_reply
        score += 1 if on_time else -1.5
        reasons.append("按时答复" if on_time else f"超过办理时限（{fact.deadline_at_reply.isoformat()}）才答复")
    if fact.reply_days is not None:
        reasons.append(f"用时 {fact.reply_days} 个工作日")
    if length < SHORT_REPLY:
        score -= 2
        reasons.append(f"答复只有 {length} 字")
    return score, reasons


def reply_examples(
    session: Session, *, period: Period, count: int, where: tuple[ColumnElement[bool], ...] = ()
) -> tuple[list[ReplyExample], list[ReplyExample], str]:
    """(best, weakest, how they were chosen) among the public messages of the period that were replied (`where`:
    of one jurisdiction's subtree)."""
    replied_public = (CaseFactsRow.first_reply_at.is_not(None), CaseFactsRow.is_public.is_(True), *where)
    facts = {f.case_id: f for f in read_facts(session, start=period.start, end=period.end, where=replied_public)}
    if not facts:
        return [], [], METHOD
    rows = session.execute(
        select(Reply.case_id, Reply.body, Reply.created_at, Reply.id, Message.title, Message.body, Department.name)
        .join(Case, Case.id == Reply.case_id)
        .join(Message, Message.id == Case.message_id)
        .outerjoin(Department, Department.id == Reply.department_id)
        .where(Reply.case_id.in_(list(facts)))
        .order_by(Reply.case_id, Reply.created_at, Reply.id)
    ).all()
    first: dict[int, tuple[str, str, str, str]] = {}
    for case_id, body, _at, _id, title, text, department in rows:
        first.setdefault(case_id, (body or "", title, text or "", department or "未注明部门"))
    checker = ReplyChecker()
    scored = []
    for case_id, (body, title, text, department) in first.items():
        fact = facts[case_id]
        score, reasons = _score(fact, len(body.strip()))
        check = checker.check(join_text(title, text), body, workdays=fact.reply_days)
        score += QUALITY_WEIGHT * sum(f.score for f in check.findings)
        reasons = [
            f"{f.name}：{f.verdict_name}（{f.summary}）" for f in check.findings if f.criterion != "timeliness"
        ] + reasons
        on_time = (
            None
            if fact.deadline_at_reply is None or fact.replied_on is None
            else fact.replied_on <= fact.deadline_at_reply
        )
        scored.append(
            (
                score,
                case_id,
                ReplyExample(
                    case_id=case_id,
                    title=public_display(title),
                    department=department,
                    reply=public_display(body.strip())[:600],
                    days=fact.reply_days,
                    on_time=on_time,
                    rating=RATING_NAMES.get(fact.rating or ""),
                    reasons=reasons,
                ),
            )
        )
    scored.sort(key=lambda s: (-s[0], s[1]))
    best = [s[2] for s in scored[:count]]
    weakest = [s[2] for s in sorted(scored[count:], key=lambda s: (s[0], s[1]))[:count]]
    return best, weakest, METHOD
