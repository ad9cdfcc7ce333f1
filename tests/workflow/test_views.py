"""Case views: the tracking link, and what the public may see of a case."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from minyi.core.errors import NotFound
from minyi.workflow import services as wf
from minyi.workflow import views
from tests import factories as f


def test_tracking_token_finds_the_case_and_only_the_hash_is_stored(db: Session) -> None:
    sub = f.message(db)
    assert views.case_by_token(db, sub.tracking_token).id == sub.case.id
    assert sub.tracking_token not in sub.message.tracking_hash
    with pytest.raises(NotFound):
        views.case_by_token(db, sub.tracking_token[:-1] + ("A" if sub.tracking_token[-1] != "A" else "B"))


def test_public_case_hides_private_messages_and_internal_events(db: Session) -> None:
    private = f.message(db, is_public=False)
    with pytest.raises(NotFound):
        views.public_case(db, private.case.id)
    dept, other = f.department(db), f.department(db)
    sub, _c, handler = f.case_in_progress(db, dept)
    wf.return_case(
        db, actor=f.actor(handler), case_id=sub.case.id, reason="内部退回理由", suggested_department_id=other.id
    )
    view = views.public_case(db, sub.case.id)
    assert all(e.kind != "return" for e in view.events)
    staff_view = views.case_view(db, sub.case, public_only=False)
    assert any(e.kind == "return" for e in staff_view.events)
