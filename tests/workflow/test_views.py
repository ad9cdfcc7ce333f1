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


def test_the_newest_few_are_listed_without_counting_the_board(db: Session) -> None:
    from sqlalchemy import event

    subs = [f.message(db, title=f"最近的留言第{i}条") for i in range(3)]
    f.message(db, title="不公开的留言", is_public=False)
    statements: list[str] = []
    engine = db.get_bind()
    listen = lambda *a: statements.append(a[2])  # noqa: E731 — (conn, cursor, statement, …)
    event.listen(engine, "before_cursor_execute", listen)
    try:
        page = views.list_public_cases(db, filters=views.BoardFilters(), per_page=2, counted=False)
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    assert [c.id for c in page.items] == [subs[2].case.id, subs[1].case.id] and page.total == 2
    assert not any("count(" in s.lower() for s in statements)  # one query: the page, no count of the board
    counted = views.list_public_cases(db, filters=views.BoardFilters(), per_page=2)
    assert counted.total >= 3 and [c.id for c in counted.items] == [c.id for c in page.items]
