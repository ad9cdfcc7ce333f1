"""The worker never holds the write lock while it computes (docs/scale.md, defect 2).

Each task runs in a thread of its own on a live database, held by a gate in its pure compute step (the text
pipeline, the grouping of hot issues, the fit of the similar-cases index, the rendering of a report; for the
watches and deadlines, in the middle of reading what to send). While it is held, another process writes and
commits with a short busy timeout (`LiveDatabase.probe_write`); then the task goes on and its results are
checked. The tasks that write many rows are held between two of their writing transactions as well: no single
transaction writes them all. Nothing here measures or asserts a time.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from minyi.core.clock import CHINA_TZ, travel
from minyi.core.db import transaction
from minyi.core.settings import Settings
from minyi.hot import periods
from minyi.hot.models import HotIssue, HotPeriod, SimilarIndexSnapshot
from minyi.jobs import runner
from minyi.messages.models import Message, MessageAnalysis
from minyi.nlp.result import AnalysisResult
from minyi.reports.models import StoredReport
from minyi.watches import services as watches
from tests import factories as f
from tests.jobs.live import Gate, LiveDatabase, paused

MIXER = ("丽发新城小区旁搅拌站夜间噪音扰民", "丽发新城小区附近的搅拌站每天夜里施工，噪音很大，粉尘也多，居民无法休息。")
LONG_AGO = datetime(2024, 3, 4, 10, 0, tzinfo=CHINA_TZ)  # cases accepted then are long overdue today


class LabelAnalyzer:
    """A deterministic stand-in for the model whose domain names the worker that ran it; may pause at a gate."""

    def __init__(self, label: str, gate: Gate | None = None) -> None:
        self.label, self.gate = label, gate

    def analyze(self, title: str, body: str) -> AnalysisResult:
        if self.gate is not None:
            self.gate.pause()
        return AnalysisResult(
            domain=self.label,
            domain_scores={self.label: 0.9},
            appeal_kind="complaint",
            appeal_scores={},
            urgent="燃气" in title + body,
            urgent_reasons=[],
            places=[],
            departments=[],
            clean_text=title + body,
            repairs=[],
        )


def arrange(live: LiveDatabase, fn: Any) -> Any:
    """Run `fn(session)` in a committed transaction of its own."""
    with transaction(live.factory) as session:
        return fn(session)


def _message(session: Session, title: str = "小区门口路灯不亮", **kw: Any) -> int:
    return f.message(session, title=title, submission_key=None, **kw).message.id


def _imported(session: Session, n: int) -> list[int]:
    ids = [_message(session, f"历史留言{i}") for i in range(n)]
    session.execute(update(Message).where(Message.id.in_(ids)).values(source="import"))
    return ids


def _analyses(live: LiveDatabase) -> dict[int, str | None]:
    with transaction(live.factory, write=False) as session:
        rows = session.scalars(select(MessageAnalysis))
        return {r.message_id: r.result.get("domain") for r in rows}


def _mixer(session: Session, n: int) -> list[int]:
    ids = []
    for i in range(n):
        sub = f.message(session, title=MIXER[0] + "！" * (i % 3), body=MIXER[1] + f"第{i + 1}次反映了，请尽快处理。")
        ids.append(sub.case.id)
    f.message(session, title="公交线路调整建议", body="建议12路公交延长到新区，方便上班族通勤。")
    return ids


# --- the compute step runs without the write lock ----------------------------------------------------------


def test_a_message_is_analysed_without_the_write_lock(live: LiveDatabase) -> None:
    message_id = arrange(live, _message)
    gate = Gate()
    with paused(lambda: runner.analyse(live.factory, LabelAnalyzer("A", gate), message_id, if_missing=False), gate):
        live.assert_no_connection_held()  # the pipeline runs outside any transaction
        live.probe_write()
    assert _analyses(live) == {message_id: "A"}


def test_imported_messages_are_analysed_without_the_write_lock(live: LiveDatabase) -> None:
    ids = arrange(live, lambda s: _imported(s, 3))
    gate = Gate()
    with paused(lambda: runner.analyse_batch(live.factory, LabelAnalyzer("A", gate), ids), gate) as run:
        live.assert_no_connection_held()
        live.probe_write()
    assert run.result == 3 and _analyses(live) == dict.fromkeys(ids, "A")


def _hold_pure(monkeypatch: pytest.MonkeyPatch, target: Any, name: str, gate: Gate, *, skip: int = 0) -> None:
    monkeypatch.setattr(target, name, gate.holding(getattr(target, name), skip=skip))


def test_hot_issues_are_grouped_without_the_write_lock(live: LiveDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
    import minyi.nlp.hot

    ids = arrange(live, lambda s: _mixer(s, 4))
    gate = Gate()
    _hold_pure(monkeypatch, minyi.nlp.hot, "rank_hot_issues", gate)
    with paused(lambda: runner.hot_issues(live.factory), gate) as run:
        live.assert_no_connection_held()
        live.probe_write()
    assert run.result["hot_issues"] >= 1
    with transaction(live.factory, write=False) as session:
        top = session.scalars(select(HotIssue).order_by(HotIssue.rank)).first()
        assert top is not None and set(ids) <= set(top.case_ids)


def test_a_period_is_grouped_without_the_write_lock(live: LiveDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
    import minyi.nlp.hot

    with travel(LONG_AGO):
        ids = arrange(live, lambda s: _mixer(s, 3))
    period = periods.Period(LONG_AGO.date(), LONG_AGO.date())
    period_id = arrange(live, lambda s: periods.view_period(s, period=period).row.id)
    gate = Gate()
    _hold_pure(monkeypatch, minyi.nlp.hot, "rank_hot_issues", gate)
    with paused(lambda: runner.hot_period(live.factory, period_id), gate) as run:
        live.assert_no_connection_held()
        live.probe_write()
    assert run.result >= 1
    with transaction(live.factory, write=False) as session:
        row = session.get(HotPeriod, period_id)
        assert row is not None and row.status == periods.DONE and set(ids) <= set(row.issues[0]["case_ids"])


def test_the_similar_cases_index_is_built_without_the_write_lock(
    live: LiveDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    from minyi.hot import services as hot
    from minyi.nlp.hot import SimilarIndex

    ids = arrange(live, lambda s: _mixer(s, 3))
    gate = Gate()
    _hold_pure(monkeypatch, SimilarIndex, "fit", gate)
    with paused(lambda: runner.similar_index(live.factory), gate) as run:
        live.assert_no_connection_held()
        live.probe_write()
    assert run.result == {"similar_indexes": 2}
    with transaction(live.factory, write=False) as session:
        assert len(session.scalars(select(SimilarIndexSnapshot.kind)).all()) == 2
        hits = hot.similar_cases(session, text="丽发新城搅拌站晚上噪音太大，吵得睡不着", k=5)
        assert hits and {c.id for c, _ in hits} <= set(ids)


def test_reports_are_rendered_without_the_write_lock(live: LiveDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
    from minyi.reports import services as reports

    arrange(live, lambda s: _mixer(s, 2))
    gate = Gate()
    _hold_pure(monkeypatch, reports, "render_html", gate)
    with paused(lambda: runner.reports(live.factory), gate) as run:
        live.assert_no_connection_held()
        live.probe_write()
    assert run.result == {"reports": 2}  # last month's and last week's
    assert live.count("SELECT count(*) FROM stored_reports") == 2
    with transaction(live.factory, write=False) as session:
        assert all(r.html for r in session.scalars(select(StoredReport)))


def _watchers(session: Session, values: list[str]) -> int:
    """A supervisor watching each keyword; then a message matching all of them. The supervisor's id."""
    me = f.user(session, role="supervisor")
    for value in values:
        watches.create_watch(session, user=me, kind="keyword", value=value)
    f.message(session, title="幸福路路灯又坏了", body="幸福路的路灯又不亮了，晚上出行不安全。")
    return me.id


def test_watches_are_read_without_the_write_lock(live: LiveDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
    arrange(live, lambda s: _watchers(s, ["幸福路", "路灯"]))
    gate = Gate()
    _hold_pure(monkeypatch, watches, "_matches", gate, skip=1)  # while the second watch's matches are read
    with paused(lambda: runner.watches(live.factory), gate) as run:
        live.probe_write()
    assert run.result == {"watch_alerts": 2}
    assert live.count("SELECT count(*) FROM notices WHERE kind = 'watch'") == 2
    assert runner.watches(live.factory) == {"watch_alerts": 0}  # once


def _overdue(session: Session, n: int) -> list[int]:
    dept = f.department(session, name="市城管局")
    f.user(session, role="supervisor")
    with travel(LONG_AGO):
        return [f.case_in_progress(session, dept, title=f"井盖松动{i}")[0].case.id for i in range(n)]


def _settings(tmp_path: Path, live: LiveDatabase) -> Settings:
    return Settings(data_dir=tmp_path, database_url=live.url, secret_key="k")


def test_deadlines_are_planned_without_the_write_lock(
    live: LiveDatabase, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from minyi.notifications import services as notes

    ids = arrange(live, lambda s: _overdue(s, 2))
    gate = Gate()
    _hold_pure(monkeypatch, notes, "workdays_between", gate)  # how late the first case is: after it was read
    with paused(lambda: notes.run_deadline_tasks(live.factory, _settings(tmp_path, live)), gate) as run:
        live.probe_write()
    assert run.result["escalations"] == 2
    events = "SELECT count(*) FROM case_events WHERE kind = 'escalate' AND case_id IN (:a, :b)"
    assert live.count(events, a=ids[0], b=ids[1]) == 2  # every 督办 in the event log
    assert live.count("SELECT count(*) FROM cases WHERE escalated") == 2


# --- many rows: written in batches of short transactions ------------------------------------------------


def _hold_between_commits(live: LiveDatabase, gate: Gate, count_sql: str, total: int) -> None:
    """Pause the worker right after a commit that stored some of its `total` rows but not all."""

    def after_commit(_session: Session) -> None:
        if not gate.used and 0 < live.count(count_sql) < total:
            gate.pause()

    event.listen(live.factory, "after_commit", after_commit)


def test_escalations_are_written_in_batches(
    live: LiveDatabase, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from minyi.notifications import services as notes

    arrange(live, lambda s: _overdue(s, 5))
    monkeypatch.setattr(notes, "DEADLINE_BATCH", 2, raising=False)
    gate = Gate()
    _hold_between_commits(live, gate, "SELECT count(*) FROM case_events WHERE kind = 'escalate'", 5)
    with paused(lambda: notes.run_deadline_tasks(live.factory, _settings(tmp_path, live)), gate) as run:
        live.probe_write()
    assert run.result["escalations"] == 5
    assert live.count("SELECT count(*) FROM notices WHERE kind = 'escalation'") == 5


def test_watch_alerts_are_written_in_batches(live: LiveDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
    arrange(live, lambda s: _watchers(s, ["幸福路", "路灯", "出行"]))
    monkeypatch.setattr(watches, "SCAN_BATCH", 1, raising=False)
    gate = Gate()
    _hold_between_commits(live, gate, "SELECT count(*) FROM notices WHERE kind = 'watch'", 3)
    with paused(lambda: runner.watches(live.factory), gate) as run:
        live.probe_write()
    assert run.result == {"watch_alerts": 3}


def test_imported_analyses_are_written_in_batches(live: LiveDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = arrange(live, lambda s: _imported(s, 5))
    monkeypatch.setattr(runner, "IMPORT_WRITE_BATCH", 2, raising=False)
    gate = Gate()
    _hold_between_commits(live, gate, "SELECT count(*) FROM message_analyses", 5)
    with paused(lambda: runner.analyse_batch(live.factory, LabelAnalyzer("A"), ids), gate) as run:
        live.probe_write()
    assert run.result == 5 and _analyses(live) == dict.fromkeys(ids, "A")
