"""Every change to a registered source writes one line of the account audit: who, which source, what changed."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from tests import factories as f

from minyi.accounts.models import AuthEvent
from minyi.collect.source_log import command_line
from minyi.collect.sources import add_source, remove_source, resume_source, run_soon, update_source
from minyi.core.errors import FieldErrors


def _lines(db: Session) -> list[AuthEvent]:
    return list(db.scalars(select(AuthEvent).where(AuthEvent.kind.like("source_%")).order_by(AuthEvent.id)))


def test_each_change_is_one_audit_line_with_its_actor_and_what_changed(db: Session) -> None:
    admin = f.user(db, role="admin", username="src.admin")
    source = add_source(db, name="河西新闻网", kind="feed", url="http://127.0.0.1/rss.xml", place="河西区", actor=admin)
    update_source(db, source_id=source.id, actor=admin, place="河东区", weight="3", name="河西新闻网")
    update_source(db, source_id=source.id, actor=admin, place="河东区")  # nothing changed: no line
    run_soon(db, source_id=source.id, actor=admin)
    remove_source(db, source_id=source.id, actor=admin)
    remove_source(db, source_id=source.id, actor=admin)  # already stopped: no second line
    resume_source(db, source_id=source.id, actor="命令行（ops）")
    lines = _lines(db)
    assert [e.kind for e in lines] == [
        "source_added",
        "source_changed",
        "source_queued",
        "source_stopped",
        "source_resumed",
    ]
    assert all(e.actor_id == admin.id and e.username == "src.admin" for e in lines[:4])
    assert lines[4].actor_id is None and lines[4].username == "命令行（ops）"
    assert all(e.detail.startswith(f"河西新闻网（#{source.id}）") for e in lines)
    assert "RSS/Atom 订阅 http://127.0.0.1/rss.xml" in lines[0].detail and "地区：河西区" in lines[0].detail
    assert lines[1].detail.endswith("地区：河西区 → 河东区；权重：1 → 3")
    assert source.active and source.next_run_at is not None


def test_a_rejected_edit_changes_nothing_and_writes_nothing(db: Session) -> None:
    admin = f.user(db, role="admin")
    source = add_source(db, name="论坛", kind="list", url="http://127.0.0.1/", actor=admin)
    try:
        update_source(db, source_id=source.id, actor=admin, name="", url="ftp://x", weight="0", place="河西区")
    except FieldErrors as errors:
        assert {field for field, _ in errors.errors} == {"name", "url", "weight"}
    else:  # pragma: no cover - the edit must be refused
        raise AssertionError("an invalid edit was accepted")
    assert (source.name, source.place, source.weight) == ("论坛", "", 1)
    assert [e.kind for e in _lines(db)] == ["source_added"]


def test_a_long_detail_is_cut_to_the_audit_column(db: Session) -> None:
    add_source(db, name="长网址", kind="page", url="http://127.0.0.1/" + "a" * 300, actor=command_line())
    (line,) = _lines(db)
    assert len(line.detail) == 200 and line.detail.endswith("…")
    assert line.username.startswith("命令行（") and line.actor_id is None
