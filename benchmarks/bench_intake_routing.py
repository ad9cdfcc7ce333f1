"""What placing a message in the jurisdiction tree adds to a submission (minyi.jurisdictions.routing).

A fresh SQLite database (a temporary folder, every migration) gets a province's tree under the root: `--cities`
cities of `--districts` districts of `--streets` streets, each street with `--areas` community names (defaults:
14 × 9 × 10 × 20, about 1,400 jurisdictions and 25,000 names). Then, in the same process and on the same
messages (half naming a street's community, half naming no place), `--messages` submissions, one transaction
each (`workflow.intake.submit_message`, as the form and the API call it), run three ways:

- baseline: the submission without any routing (the routing step replaced by "the root, no reason");
- ours: the area index kept per process (`cached_area_index`: one aggregate to see whether the tree changed);
- naive: the area index built again for every submission (every name read and compiled).

Prints the median CPU time (the machine is shared) per submission of each way, the difference to the baseline
in milliseconds, their ratios, and the median time of the routing step alone.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_intake_routing.py [--messages 300]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from minyi.core.db import make_engine
from minyi.core.migrate import upgrade
from minyi.jurisdictions.routing import Address, Routed, cached_area_index, index_builds
from minyi.jurisdictions.services import ROOT_ID, area_index, create_jurisdiction
from minyi.workflow import intake
from minyi.workflow.intake import submit_message


def build_tree(session: Session, *, cities: int, districts: int, streets: int, areas: int) -> list[str]:
    """The province's tree; returns one community name per street (for the messages)."""
    names: list[str] = []
    for c in range(cities):
        city = create_jurisdiction(session, name=f"C{c}市", level="city", parent_id=ROOT_ID, slug=f"c{c}")
        for d in range(districts):
            district = create_jurisdiction(
                session, name=f"C{c}D{d}区", level="district", parent_id=city.id, slug=f"c{c}-d{d}"
            )
            for s in range(streets):
                communities = [f"C{c}D{d}S{s}第{k}社区" for k in range(areas)]
                create_jurisdiction(
                    session,
                    name=f"C{c}D{d}S{s}街道",
                    level="street",
                    parent_id=district.id,
                    slug=f"c{c}-d{d}-s{s}",
                    areas=communities,
                )
                names.append(communities[0])
    session.commit()
    return names


def messages(names: list[str], count: int) -> list[dict[str, Any]]:
    rng = random.Random(17)
    out = []
    for i in range(count):
        place = rng.choice(names) if i % 2 == 0 else ""
        body = f"{place or '我们小区'}门口的路灯已经坏了两周，晚上出行很不安全，请尽快维修。编号{i}"
        out.append({"title": "小区门口路灯不亮", "body": body, "place_text": place, "is_public": True})
    return out


@contextmanager
def routing_by(route: Callable[..., Routed]) -> Iterator[None]:
    """`intake.route_message` replaced for one run."""
    original = intake.route_message
    intake.route_message = route  # type: ignore[assignment]
    try:
        yield
    finally:
        intake.route_message = original  # type: ignore[assignment]


def no_routing(_session: Session, **_kw: Any) -> Routed:
    return Routed(None, "")


def rebuilt_every_time(session: Session, *, address: Any, texts: Any) -> Routed:
    placed = area_index(session).place(*texts)
    return Routed(placed.jurisdiction_id if placed else None, placed.reason if placed else "")


def submit_once(factory: sessionmaker[Session], values: dict[str, Any], route: Callable[..., Routed] | None) -> float:
    """One submission in its own transaction; the CPU time of `submit_message` (its checks, inserts and flushes),
    not of the commit, which is the same for every way and on a shared disk only adds noise."""
    with factory() as session, routing_by(route or ORIGINAL):
        began = time.process_time()  # CPU time: the machine is shared, a wall clock would time the neighbours
        submit_message(session, data=values, source="bench")
        spent = time.process_time() - began
        session.commit()
    return spent


def routing_step(factory: sessionmaker[Session], data: list[dict[str, Any]]) -> float:
    """The median CPU time (ms) of `route_message` alone, as a submission calls it, over the messages."""
    spent = []
    with factory() as session:
        for values in data:
            texts = (values["title"], values["place_text"], values["body"])
            began = time.process_time()
            ORIGINAL(session, address=Address(), texts=texts)
            spent.append(time.process_time() - began)
    return statistics.median(spent) * 1000


ORIGINAL = intake.route_message
WAYS: dict[str, Callable[..., Routed] | None] = {"baseline": no_routing, "ours": None, "naive": rebuilt_every_time}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--naive-every", type=int, default=10, help="the naive way on every n-th message only")
    parser.add_argument("--cities", type=int, default=14)
    parser.add_argument("--districts", type=int, default=9)
    parser.add_argument("--streets", type=int, default=10)
    parser.add_argument("--areas", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        engine = make_engine(url)
        factory = sessionmaker(engine, expire_on_commit=False)
        with factory() as session:
            names = build_tree(
                session, cities=args.cities, districts=args.districts, streets=args.streets, areas=args.areas
            )
            began = time.perf_counter()
            cached_area_index(session)
            build_ms = (time.perf_counter() - began) * 1000
        count = len(names) + args.cities * (1 + args.districts)
        print(f"tree: {count} jurisdictions, {len(names) * args.areas} area names")
        print(f"building the area index once: {build_ms:.1f} ms")
        for values in messages(names, 10):  # warm every way
            for route in WAYS.values():
                submit_once(factory, dict(values), route)
        builds = index_builds()
        times: dict[str, list[float]] = {name: [] for name in WAYS}
        for i, values in enumerate(messages(names, args.messages)):
            order = list(WAYS)[i % 3 :] + list(WAYS)[: i % 3]  # interleaved: the machine's noise falls on all
            for name in order:
                if name != "naive" or i % args.naive_every == 0:
                    times[name].append(submit_once(factory, dict(values, title=f"{values['title']}{name}"), WAYS[name]))
        assert index_builds() == builds, "the index was built again although the tree did not change"
        step = routing_step(factory, messages(names, 200))
        results = {name: statistics.median(spent) * 1000 for name, spent in times.items()}
        for name, value in results.items():
            print(f"{name:>8}: median {value:.2f} ms per submission ({len(times[name])} submissions)")
        base = results["baseline"]
        print(f"ours - baseline: {results['ours'] - base:+.2f} ms per submission (ratio {results['ours'] / base:.2f})")
        print(f"naive / ours: {results['naive'] / results['ours']:.1f}×")
        print(f"the routing step alone (cached index: the aggregate and the placement): median {step:.3f} ms")
        engine.dispose()


if __name__ == "__main__":
    main()
