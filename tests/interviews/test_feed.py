"""The shared poller of a web process: one query per poll whatever the number of streams, the public form of new
events only, each event once even when re-read in the look-back window, each stream its own session's items."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from minyi.interviews import services
from minyi.interviews.feed import InterviewFeed
from tests import factories as f
from tests.interviews.test_services import schedule


def test_one_poll_serves_every_stream_with_its_own_sessions_items(
    db: Session, session_factory: sessionmaker[Session]
) -> None:
    coordinator = f.user(db, role="coordinator")
    guest = f.user(db, role="handler", dept=f.department(db))
    first, second = schedule(db, coordinator), schedule(db, coordinator)
    feed = InterviewFeed(session_factory)
    assert feed.poll() == []  # announcing is not a live item: the pages show the schedule
    cursor = feed.arrivals
    waiting = feed.changed
    q = services.ask(db, interview_id=first.id, data={"body": "夜市能否延长营业时间？", "asker": "钱七"})
    services.ask(db, interview_id=second.id, data={"body": "另一场访谈的问题内容"})
    polls = feed.polls
    assert feed.poll() == []  # questions waiting for a moderator are not public: nothing to push
    services.approve(db, user=coordinator, question_id=q.id)
    services.answer(db, user=guest, question_id=q.id, body="夏季延长到零点。")
    items = feed.poll()
    assert [i.name for i in items] == ["question", "question"] and feed.polls == polls + 2
    assert items[-1].data["answers"][0]["body"] == "夏季延长到零点。" and items[-1].data["asker"] == "钱*"
    feed.deliver(items)
    assert waiting.is_set() and not feed.changed.is_set()  # the streams woke; the next wait is a new one
    streams = [feed.items_since(cursor, first.id) for _ in range(50)]  # fifty browsers read the same buffer
    assert all(found == items for _cursor, found in streams) and feed.polls == polls + 2
    assert feed.items_since(cursor, second.id)[1] == []
    assert feed.poll() == []  # re-reading the look-back window delivers nothing twice
