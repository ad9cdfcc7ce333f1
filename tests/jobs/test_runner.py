"""The catch-up of unanalysed messages (after a restart, a lost queue entry): live first, then history, all of it."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from minyi.core.db import make_engine, make_session_factory, transaction
from minyi.core.migrate import upgrade
from minyi.jobs.runner import catch_up, run_scheduled_tasks
from minyi.messages.analysis import unanalysed_message_ids
from minyi.messages.models import Message, MessageAnalysis
from tests import factories as f


class RecordingAnalyzer:
    """Remembers the order in which titles were analysed."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self._lock = threading.Lock()

    def analyze(self, title: str, body: str) -> dict[str, Any]:
        with self._lock:
            self.seen.append(title)
        return {"domain": "城乡建设", "urgent": False, "clean_text": title + body}


def _imported(session: Session, title: str) -> int:
    """A message as `minyi import` stores it (source 'import')."""
    message_id = f.message(session, title=title, submission_key=None).message.id
    session.execute(update(Message).where(Message.id == message_id).values(source="import"))
    return message_id


def test_live_messages_come_before_imported_history_newest_first(db: Session) -> None:
    history = [_imported(db, f"历史留言{i}") for i in range(3)]
    live = [f.message(db, title=f"新留言{i}", submission_key=None).message.id for i in range(3)]
    newer_history = _imported(db, "后导入的历史留言")
    first_page = unanalysed_message_ids(db, imported=False, limit=2)
    assert first_page == [live[2], live[1]]
    assert unanalysed_message_ids(db, imported=False, below_id=first_page[-1], limit=2) == [live[0]]
    assert unanalysed_message_ids(db, imported=True, limit=10) == [newer_history, *reversed(history)]


def _database(tmp_path: Path) -> sessionmaker[Session]:
    url = f"sqlite:///{tmp_path / 'jobs.sqlite3'}"
    upgrade(url)
    return make_session_factory(make_engine(url))


def test_the_catch_up_drains_the_whole_backlog_live_first(tmp_path: Path) -> None:
    factory = _database(tmp_path)
    with transaction(factory) as session:  # history imported before the live messages arrived
        for i in range(5):
            _imported(session, f"历史留言{i}")
        for i in range(3):
            f.message(session, title=f"新留言{i}", submission_key=None)
    analyzer = RecordingAnalyzer()
    done = catch_up(factory, analyzer, budget_seconds=60, batch=2)  # several batches per phase
    assert done == {"backlog_analysed": 8}  # the whole backlog, far beyond one batch
    assert analyzer.seen == ["新留言2", "新留言1", "新留言0", *(f"历史留言{i}" for i in reversed(range(5)))]
    with transaction(factory, write=False) as session:
        assert len(session.scalars(select(MessageAnalysis.message_id)).all()) == 8
    assert catch_up(factory, analyzer, budget_seconds=60) == {"backlog_analysed": 0}  # nothing analysed twice


def test_the_catch_up_stops_at_its_budget_and_the_next_pass_goes_on(tmp_path: Path) -> None:
    factory = _database(tmp_path)
    with transaction(factory) as session:
        for i in range(3):
            f.message(session, title=f"新留言{i}", submission_key=None)
    analyzer = RecordingAnalyzer()
    assert catch_up(factory, analyzer, budget_seconds=0) == {"backlog_analysed": 0}
    assert catch_up(factory, analyzer, budget_seconds=60) == {"backlog_analysed": 3}
    assert catch_up(factory, None, budget_seconds=60) == {"backlog_analysed": 0}  # no model: nothing to do


def test_run_jobs_runs_every_scheduled_task_once(tmp_path: Path) -> None:
    done = run_scheduled_tasks(_database(tmp_path))
    assert {"auto_closed", "hot_issues", "reports", "watch_alerts", "reminders", "contacts_erased"} <= set(done)
    assert done["similar_indexes"] == 2  # the public and the staff index, built by the worker
