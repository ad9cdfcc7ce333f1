"""Random case histories played through the real services at travelled times, with what the generator did."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from minyi.callbacks import services as callbacks
from minyi.callbacks.models import CallbackTask
from minyi.core.clock import CHINA_TZ, travel
from minyi.core.workdays import add_workdays
from minyi.suggestions import services as suggestions
from minyi.workflow import services as workflow
from tests import factories as f

KINDS = ("complaint", "inquiry", "suggestion")  # 13, 3 and 13 working days
PLACES = ("", "幸福路小区", "人民路12号", "联系13812345678的门口", " 幸福路小区 ")
DOMAINS = ("城乡建设", "环境保护", None)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), CHINA_TZ)


@dataclass
class Known:
    """What the generator did to one case: the answers the statistics must give."""

    day: date
    domain: str | None
    kind: str
    dept: int | None = None
    rejected: bool = False
    merged: bool = False
    deadline: date | None = None  # in force at the first reply (or now, when unreplied)
    replied_on: date | None = None
    extensions: int = 0
    escalated: bool = False
    reopened: bool = False
    rating: str | None = None
    adoption: str | None = None  # 吸纳: the decision on a suggestion
    called_back: bool = False  # 回访 (minyi.callbacks): attempted, reached, the latest reached one's answers
    callback_reached: bool = False
    callback_resolved: str | None = None
    callback_satisfaction: str | None = None


DECISIONS = ("adopted", "partly", "planned", "not_adopted")


@dataclass
class World:
    db: Session
    coordinator: object
    supervisor: object
    depts: list = field(default_factory=list)
    handlers: list = field(default_factory=list)


def history(w: World, rng: random.Random, day: date, *, call_backs: bool = True) -> list[Known]:
    """One case through a random path of the real services, at real (travelled) times (plus a merge target);
    without `call_backs`, no 回访 (a log as releases before migration 0024 wrote it)."""
    kind, domain = rng.choice(KINDS), rng.choice(DOMAINS)
    known = Known(day=day, domain=domain, kind=kind)
    coord, sup = f.actor(w.coordinator), f.actor(w.supervisor)
    minute = rng.randrange(60)
    where = random.Random(day.toordinal() * 60 + minute)  # places apart from `rng`: the histories stay as they were
    place, public = where.choice(PLACES), where.random() < 0.8
    with travel(at(day, 9, minute)):
        sub = f.message(
            w.db,
            appeal_kind=kind,
            domain=domain or "",
            title=f"测试留言{rng.randrange(10**6)}",
            place_text=place,
            is_public=public,
        )
    cid = sub.case.id
    path = rng.choice(["pending", "rejected", "merged", "open", "replied", "replied", "replied", "replied"])
    if path == "pending":
        return [known]
    with travel(at(day, 10)):
        if path == "rejected":
            workflow.reject(w.db, actor=coord, case_id=cid, reason="不属于受理范围的事项")
            known.rejected = True
            return [known]
        if path == "merged":
            target = f.message(w.db)  # a 城乡建设 complaint, left pending
            workflow.merge(w.db, actor=coord, case_id=cid, into_case_id=target.case.id)
            known.merged = True
            return [known, Known(day=day, domain="城乡建设", kind="complaint")]
        d = rng.randrange(len(w.depts))
        if rng.random() < 0.2:  # first to another department, which returns it
            other = (d + 1) % len(w.depts)
            workflow.assign(w.db, actor=coord, case_id=cid, department_id=w.depts[other].id)
            workflow.return_case(w.db, actor=f.actor(w.handlers[other]), case_id=cid, reason="不属于本部门职责")
        workflow.assign(w.db, actor=coord, case_id=cid, department_id=w.depts[d].id)
        known.dept, known.deadline = w.depts[d].id, add_workdays(day, 13 if kind != "inquiry" else 3)
        if rng.random() < 0.2:  # transferred: the deadline keeps running
            d = (d + 1) % len(w.depts)
            workflow.transfer(w.db, actor=coord, case_id=cid, department_id=w.depts[d].id, reason="职责调整")
            known.dept = w.depts[d].id
        handler = f.actor(w.handlers[d])
        workflow.accept(w.db, actor=handler, case_id=cid)
        if rng.random() < 0.3:
            ext = rng.randrange(1, 6)
            request = workflow.request_extension(w.db, actor=handler, case_id=cid, days=ext, reason="需要现场核查")
            approve = rng.random() < 0.7
            workflow.decide_extension(w.db, actor=sup, extension_id=request.id, approve=approve, note="理由充分")
            if approve:
                known.extensions += 1
                known.deadline = add_workdays(known.deadline, ext)
    if rng.random() < 0.3:
        with travel(at(day + timedelta(days=1), 11)):
            workflow.escalate(w.db, actor=sup, case_id=cid, reason="请加快办理")
            known.escalated = True
    w.db.flush()
    if path == "open":
        return [known]
    reply_day = day + timedelta(days=rng.randrange(2 if known.escalated else 0, 30))
    with travel(at(reply_day, 23 if reply_day == day else rng.choice([8, 15, 23]), 59)):
        workflow.reply(w.db, actor=handler, case_id=cid, body="经核实，相关问题已经处理完毕，感谢您的监督。")
        w.db.flush()
        known.replied_on = reply_day
    decide = random.Random(cid * 7919)  # its own stream: the histories above stay as they were
    if kind == "suggestion" and decide.random() < 0.8:
        decision = decide.choice(DECISIONS)
        commitment = {"what": "按建议整改落实到位", "due_on": (reply_day + timedelta(days=30)).isoformat()}
        with travel(at(reply_day, 23, 59) + timedelta(seconds=30)):
            suggestions.decide(
                w.db,
                actor=handler,
                case_id=cid,
                decision=decision,
                reason="经研究作出如下决定。",
                commitments=[commitment] if decision in {"adopted", "partly"} else [],
            )
            w.db.flush()
        known.adoption = decision
    if rng.random() < 0.6:
        level = rng.choice(["satisfied", "basically", "unsatisfied"])
        with travel(at(reply_day + timedelta(days=1), 12)):
            workflow.rate(w.db, case=f.reload(w.db, sub.case), level=level)
            w.db.flush()
            known.rating = level
        if level == "unsatisfied" and rng.random() < 0.7:
            with travel(at(reply_day + timedelta(days=2), 12)):
                workflow.reopen(w.db, case=f.reload(w.db, sub.case), reason="问题没有解决")
                w.db.flush()
                known.reopened = True
            with travel(at(reply_day + timedelta(days=5), 12)):
                workflow.reply(w.db, actor=handler, case_id=cid, body="再次核查后已彻底整改，请您监督。")
                w.db.flush()
                if rng.random() < 0.5:
                    workflow.rate(w.db, case=f.reload(w.db, sub.case), level="satisfied")
                    known.rating = "satisfied"
    if call_backs:
        call_back(w, known, cid, reply_day + timedelta(days=10))
    return [known]


def call_back(w: World, known: Known, cid: int, day: date) -> None:
    """回访 of a closed complaint, drawn apart from `rng` (the histories stay as they were): sometimes not reached
    first, then reached with its answers; an unresolved one sometimes sent back (重办)."""
    task = w.db.get(CallbackTask, cid)
    draw = random.Random(f"{known.day}|{day}|{known.kind}|{known.rating}")  # not the id: PostgreSQL's ids run on
    if task is None or task.state != "due" or draw.random() < 0.2:
        return
    coord = f.actor(w.coordinator)
    with travel(at(day, 10)):
        for _attempt in range(draw.randrange(0, 3)):
            callbacks.record_callback(w.db, actor=coord, case_id=cid, reached=False, note="无人接听")
            known.called_back = True
        if draw.random() < 0.75:
            resolved, level = draw.choice(["yes", "yes", "no"]), draw.choice(["satisfied", "basically", "unsatisfied"])
            reopen = resolved == "no" and draw.random() < 0.5
            callbacks.record_callback(
                w.db, actor=coord, case_id=cid, reached=True, resolved=resolved, satisfaction=level, reopen=reopen
            )
            known.called_back = known.callback_reached = True
            known.callback_resolved, known.callback_satisfaction = resolved, level
        w.db.flush()


def edges(w: World) -> list[Known]:
    """Replies at 23:59 on the deadline day (on time) and at 00:01 the day after (late), in China's time."""
    cases = []
    for late in (False, True):
        day = date(2024, 4, 8)
        with travel(at(day, 9)):
            sub = f.message(w.db, appeal_kind="inquiry", domain="环境保护")
            workflow.assign(w.db, actor=f.actor(w.coordinator), case_id=sub.case.id, department_id=w.depts[0].id)
            workflow.accept(w.db, actor=f.actor(w.handlers[0]), case_id=sub.case.id)
        deadline = add_workdays(day, 3)
        moment = at(deadline + timedelta(days=1), 0, 1) if late else at(deadline, 23, 59)
        with travel(moment):
            workflow.reply(w.db, actor=f.actor(w.handlers[0]), case_id=sub.case.id, body="已经答复，感谢您的反映。")
        cases.append(
            Known(
                day=day,
                domain="环境保护",
                kind="inquiry",
                dept=w.depts[0].id,
                deadline=deadline,
                replied_on=moment.date(),
            )
        )
    return cases


def praises(w: World) -> list[Known]:
    """表扬: two acknowledged by the department's thanks (closed at once, counted as replied), one still open."""
    cases = []
    for n, thanked in enumerate((True, True, False)):
        day = date(2024, 5, 6 + n)
        with travel(at(day, 9)):
            sub = f.message(w.db, appeal_kind="praise", domain="城乡建设")
            workflow.assign(w.db, actor=f.actor(w.coordinator), case_id=sub.case.id, department_id=w.depts[1].id)
        known = Known(day=day, domain="城乡建设", kind="praise", dept=w.depts[1].id, deadline=add_workdays(day, 13))
        if thanked:
            with travel(at(day, 15)):
                body = "感谢您对我们工作的肯定，我们将继续努力。"
                workflow.acknowledge(w.db, actor=f.actor(w.handlers[1]), case_id=sub.case.id, body=body)
            known.replied_on = day
        cases.append(known)
    w.db.flush()
    return cases
