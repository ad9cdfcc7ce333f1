"""Pacing of the tasks whose cost grows with the volume (runner.Pacer): a task that ran D seconds rests
PACE_FACTOR x D, so that a city's similar-cases index is not rebuilt every minute on one core."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from minyi.core.db import make_engine, make_session_factory, transaction
from minyi.core.migrate import upgrade
from minyi.core.settings import Settings
from minyi.hot.models import SimilarIndexSnapshot
from minyi.jobs import runner
from minyi.jobs.tasks import Jobs
from tests import factories as f


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_paced_task_rests_nine_times_its_last_run() -> None:
    clock = FakeClock()
    pacer = runner.Pacer(clock=clock)
    assert pacer.due("similar_index")  # never ran

    def slow() -> dict[str, int]:
        clock.now += 10.0  # a 10-second run
        return {"similar_indexes": 1}

    assert pacer.run("similar_index", slow) == {"similar_indexes": 1}
    clock.now += 89.0
    assert not pacer.due("similar_index")  # 89 s after a 10 s run: resting
    clock.now += 1.0
    assert pacer.due("similar_index")  # 90 s: due again
    pacer.run("deadlines", slow)
    assert pacer.due("deadlines")  # not a paced task: always due


def test_the_worker_skips_a_resting_rebuild_and_an_admin_can_force_it(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'p.db'}", secret_key="pace")
    upgrade(settings.database_url)
    factory = make_session_factory(make_engine(settings.database_url))
    jobs = Jobs(settings, factory)
    clock = FakeClock()
    jobs.pacer = runner.Pacer(clock=clock)
    with transaction(factory) as session:
        f.message(session, title="小区门口积水严重", submission_key=None)
    first = jobs.run_scheduled("similar_index", force=True)
    assert first is not None and first["similar_indexes"] >= 1
    jobs.pacer._last["similar_index"] = (clock.now, 30.0)  # as if that build had taken 30 s
    with transaction(factory) as session:
        f.message(session, title="路灯坏了一个月", submission_key=None)  # the index is out of date again
        built = session.scalars(select(SimilarIndexSnapshot.stamp)).all()
    assert jobs.run_scheduled("similar_index") == {"similar_index_paced": 1}  # resting: not rebuilt
    with transaction(factory, write=False) as session:
        assert session.scalars(select(SimilarIndexSnapshot.stamp)).all() == built
    forced = jobs.run_scheduled("similar_index", force=True)  # the admin's "run now" is never paced
    assert forced is not None and forced["similar_indexes"] >= 1
