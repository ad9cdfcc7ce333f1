"""The staff case page's view service: what each role sees, and who may not see it at all."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from minyi.console.services import staff_case_page
from minyi.core.errors import DomainError
from tests import factories as f


def test_the_coordinator_sees_the_triage_actions_and_no_extension_queue(db: Session) -> None:
    sub = f.message(db)
    page = staff_case_page(db, user=f.user(db, role="coordinator"), case_id=sub.case.id)
    assert page.case.id == sub.case.id and {"assign", "reject"} <= page.actions
    assert page.extensions == [] and page.view.events and not page.deadline.overdue


def test_a_handler_of_another_department_cannot_open_the_page(db: Session) -> None:
    dept, other = f.department(db), f.department(db)
    sub, _coordinator, handler = f.case_in_progress(db, dept)
    assert "reply" in staff_case_page(db, user=handler, case_id=sub.case.id).actions
    with pytest.raises(DomainError) as refused:
        staff_case_page(db, user=f.user(db, role="handler", dept=other), case_id=sub.case.id)
    assert refused.value.status_code in {403, 404}
