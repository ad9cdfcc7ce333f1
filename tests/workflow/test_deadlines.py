"""One definition of overdue: the Python predicate and its SQL form agree; the deadline day is still on time."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.workflow import states
from minyi.workflow.deadlines import case_is_overdue, deadline_info, is_overdue, overdue_clause
from minyi.workflow.models import Case
from tests import factories as f

TODAY = date(2024, 6, 12)


@pytest.mark.parametrize(
    ("deadline", "running", "expected"),
    [
        (TODAY - timedelta(days=1), True, True),
        (TODAY, True, False),  # the deadline day itself is on time
        (TODAY + timedelta(days=1), True, False),
        (TODAY - timedelta(days=1), False, False),  # answered, returned, closed: no deadline runs
        (None, True, False),
    ],
)
def test_overdue_is_a_running_deadline_before_today(deadline: date | None, running: bool, expected: bool) -> None:
    assert is_overdue(deadline, today=TODAY, running=running) is expected


def test_the_sql_clause_selects_exactly_the_overdue_cases(db: Session) -> None:
    dept = f.department(db)
    cases = [f.case_in_progress(db, dept)[0].case for _ in range(3)] + [
        f.replied_case(db, dept)[0].case,
        f.message(db).case,
    ]
    for case, days in zip(cases, (-1, 0, 1, -5, -5), strict=True):
        case.deadline = TODAY + timedelta(days=days)
    db.flush()
    ids = [c.id for c in cases]
    in_sql = set(db.scalars(select(Case.id).where(Case.id.in_(ids), overdue_clause(TODAY))))
    in_python = {c.id for c in cases if case_is_overdue(c, today=TODAY)}
    assert in_sql == in_python == {cases[0].id}
    assert deadline_info(cases[0], today=TODAY).overdue
    assert not deadline_info(cases[3], today=TODAY).overdue and cases[3].status == states.REPLIED
