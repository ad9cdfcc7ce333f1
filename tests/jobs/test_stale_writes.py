"""What changes while a worker computes is not clobbered by its result (docs/scale.md, defect 2).

A task reads, computes outside any transaction, then writes; while it is held in its compute step another
process (a second worker, a web request: `LiveDatabase.other_factory`, with a short busy timeout of its own)
changes what it read. The held task's write must then keep the newer state: an analysis or a snapshot stored
meanwhile from a later reading, a watch deleted, a case answered, a report stored by another worker.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.accounts.models import User
from minyi.core.db import transaction
from minyi.hot.models import HotIssue
from minyi.jobs import runner
from minyi.notifications import services as notes
from minyi.watches import services as watches
from minyi.watches.models import Watch
from minyi.workflow import services as workflow
from minyi.workflow.models import Case
from tests import factories as f
from tests.jobs.live import WAIT_S, Gate, LiveDatabase, paused
from tests.jobs.test_write_lock import (
    MIXER,
    LabelAnalyzer,
    _analyses,
    _hold_pure,
    _imported,
    _message,
    _overdue,
    _settings,
    _watchers,
    arrange,
)


@pytest.mark.parametrize("if_missing", [False, True], ids=["queued", "catch-up"])
def test_an_analysis_stored_meanwhile_from_a_later_reading_is_kept(live: LiveDatabase, if_missing: bool) -> None:
    message_id = arrange(live, _message)
    gate, other = Gate(), live.other_factory()
    slow = LabelAnalyzer("A", gate)
    with paused(lambda: runner.analyse(live.factory, slow, message_id, if_missing=if_missing), gate) as run:
        assert runner.analyse(other, LabelAnalyzer("B"), message_id, if_missing=False)  # another worker, after
    assert run.result is True
    assert _analyses(live) == {message_id: "B"}  # not overwritten by the one read earlier


def test_an_analysis_read_later_replaces_one_read_earlier_that_was_stored_meanwhile(live: LiveDatabase) -> None:
    message_id = arrange(live, _message)
    early_gate, late_gate, first_worker, second_worker = Gate(), Gate(), live.other_factory(), live.other_factory()
    early = LabelAnalyzer("early", early_gate)
    late = LabelAnalyzer("late", late_gate)
    with (
        paused(lambda: runner.analyse(first_worker, early, message_id, if_missing=False), early_gate) as first,
        paused(lambda: runner.analyse(second_worker, late, message_id, if_missing=False), late_gate),
    ):
        early_gate.opened.set()  # the one read first stores first
        assert first.done.wait(WAIT_S) and first.error is None
        assert _analyses(live) == {message_id: "early"}
    assert _analyses(live) == {message_id: "late"}  # the newer reading wins


def test_an_imported_message_analysed_meanwhile_keeps_that_analysis(live: LiveDatabase) -> None:
    ids = arrange(live, lambda s: _imported(s, 3))
    gate, other = Gate(), live.other_factory()
    with paused(lambda: runner.analyse_batch(live.factory, LabelAnalyzer("batch", gate), ids), gate) as run:
        runner.analyse(other, LabelAnalyzer("live"), ids[1], if_missing=False)
    assert run.result == 2
    assert _analyses(live) == {ids[0]: "batch", ids[1]: "live", ids[2]: "batch"}


def test_a_hot_issue_snapshot_stored_meanwhile_is_not_replaced_by_an_older_one(
    live: LiveDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    import minyi.nlp.hot

    arrange(live, lambda s: [f.message(s, title=MIXER[0], body=MIXER[1] + f"（{i}）") for i in range(3)])
    gate, other = Gate(), live.other_factory()
    _hold_pure(monkeypatch, minyi.nlp.hot, "rank_hot_issues", gate)
    with paused(lambda: runner.hot_issues(live.factory), gate):
        with transaction(other) as session:  # a citizen writes about it once more
            newest = f.message(session, title=MIXER[0], body=MIXER[1] + "（又一次）").case.id
        runner.hot_issues(other)  # another worker's later run, not held
    with transaction(live.factory, write=False) as session:
        stored = list(session.scalars(select(HotIssue)))
        assert len({i.computed_at for i in stored}) == 1  # one snapshot, replaced as a whole
        assert any(newest in i.case_ids for i in stored)  # the newer one


def test_a_similar_cases_index_built_meanwhile_is_not_replaced_by_an_older_one(
    live: LiveDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    from minyi.nlp.hot import SimilarIndex

    arrange(live, lambda s: f.message(s, title=MIXER[0], body=MIXER[1]))
    gate, other = Gate(), live.other_factory()
    _hold_pure(monkeypatch, SimilarIndex, "fit", gate)
    with paused(lambda: runner.similar_index(live.factory), gate) as run:
        with transaction(other) as session:  # a new case: the index read before it is out of date
            f.message(session, title="公交线路调整建议", body="建议12路公交延长到新区。")
        assert runner.similar_index(other) == {"similar_indexes": 2}
    assert run.result == {"similar_indexes": 0}  # both kept: built from a later reading
    assert runner.similar_index(live.factory) == {"similar_indexes": 0}  # what is stored is up to date


def test_a_watch_deleted_meanwhile_gets_no_alert(live: LiveDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
    me = arrange(live, lambda s: _watchers(s, ["幸福路", "路灯"]))
    gate, other = Gate(), live.other_factory()
    _hold_pure(monkeypatch, watches, "_matches", gate, skip=1)  # the first watch is planned already
    with transaction(live.factory, write=False) as session:
        first, second = session.scalars(select(Watch.id).order_by(Watch.id)).all()
    with paused(lambda: runner.watches(live.factory), gate) as run, transaction(other) as session:
        watches.delete_watch(session, user=session.get(User, me), watch_id=first)
    assert run.result == {"watch_alerts": 1}
    assert live.count("SELECT count(*) FROM notices WHERE kind = 'watch'") == 1
    assert live.count("SELECT count(*) FROM notices WHERE dedup_key LIKE :key", key=f"watch:{second}:%") == 1


def _answer(session: Session, case_id: int) -> None:
    """The case's department answers it (a handler's reply): its deadline no longer runs."""
    case = session.get(Case, case_id)
    assert case is not None and case.department is not None
    handler = f.user(session, role="handler", dept=case.department)
    workflow.reply(session, actor=f.actor(handler), case_id=case_id, body="经核实，井盖已于今日更换，感谢反映。")


def test_a_case_answered_meanwhile_is_not_escalated(
    live: LiveDatabase, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    answered, late = arrange(live, lambda s: _overdue(s, 2))
    gate, other = Gate(), live.other_factory()
    _hold_pure(monkeypatch, notes, "workdays_between", gate)  # both cases read as overdue
    settings = _settings(tmp_path, live)
    with paused(lambda: notes.run_deadline_tasks(live.factory, settings), gate) as run, transaction(other) as session:
        _answer(session, answered)
    assert run.result["escalations"] == 1
    escalated = "SELECT count(*) FROM case_events WHERE kind = 'escalate' AND case_id = :case"
    assert live.count(escalated, case=answered) == 0 and live.count(escalated, case=late) == 1
    assert live.count("SELECT count(*) FROM cases WHERE id = :case AND status = 'replied'", case=answered) == 1


def test_a_report_stored_meanwhile_by_another_worker_is_kept(
    live: LiveDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    from minyi.reports import services as reports

    gate, other = Gate(), live.other_factory()
    _hold_pure(monkeypatch, reports, "render_html", gate)
    with paused(lambda: runner.reports(live.factory), gate) as run:
        assert runner.reports(other) == {"reports": 2}
    assert run.result == {"reports": 0}  # nothing stored twice, nothing failed
    assert live.count("SELECT count(*) FROM stored_reports") == 2
