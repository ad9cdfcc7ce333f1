"""The public board at 10,000 and 100,000 cases (a million by hand): the board as shipped against the one it replaced.

For each `--cases N` a fresh database (SQLite in a temporary folder; `--backend postgresql`: a private server,
started as bench_scale.py starts one) gets bench_scale.py's synthetic city — N cases over the past year, texts
drawn from the shared messages — or `--database-url` names one already generated and migrated. Then, in the same
process and on the same data, each page goes through the app `--repeat` times after a warm-up, each way:

- ours: the board as shipped (the bigram index of migration 0016, the count stopped at 10,001, the page cut on
  the date index or taken from the matches);
- LIKE: the board before it: a LIKE '%word%' per word over the masked text, a count of every match, the page an
  OFFSET into the whole join sorted by date.

Prints the median and slowest time of each way, their ratio, the total each shows, and whether both show the same
cases on the page (the same ids in the same order).

    .venv/bin/python benchmarks/bench_board.py [--cases 10000 100000] [--backend sqlite|postgresql] [--repeat 5]
    .venv/bin/python benchmarks/bench_board.py --database-url sqlite:////tmp/city.sqlite3
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.core.db import make_engine, make_session_factory
from minyi.core.migrate import upgrade
from minyi.core.settings import Settings
from minyi.messages.models import Message
from minyi.web.app import create_app
from minyi.workflow import views
from minyi.workflow.models import Case

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_scale  # the synthetic city and the private PostgreSQL server

PAGES = [
    "/board",
    "/board?q=路灯",
    "/board?q=问题",  # a word in almost half of the messages
    "/board?q=路灯&status=closed",
    "/board?domain=卫生计生",
    "/board?page=400",
    "/board?q=问题&page=400",
    "/api/v1/cases?q=路灯",
]


def like_board(session: Session, *, filters: views.BoardFilters, per_page: int = views.PER_PAGE) -> views.Page:
    """`views.list_public_cases` as it was before migration 0016 (the baseline)."""
    query = select(Case).join(Message).where(Message.is_public.is_(True))
    if filters.domain:
        query = query.where(Message.domain == filters.domain)
    if filters.appeal_kind:
        query = query.where(Message.appeal_kind == filters.appeal_kind)
    if filters.department_id:
        query = query.where(Case.department_id == filters.department_id)
    if filters.status:
        query = query.where(Case.status == filters.status)
    for term in filters.q.split()[:5]:
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Message.public_search_text.like(f"%{escaped}%", escape="\\"))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = query.order_by(Message.created_at.desc(), Case.id.desc()).offset((filters.page - 1) * per_page)
    items = list(session.scalars(page.limit(per_page)).unique())
    shown = views.Page(items=items, total=total, page=filters.page, per_page=per_page)
    shown.pages = max(1, -(-total // per_page))  # no cap on the pages before
    return shown


def _time(client: TestClient, url: str, repeat: int) -> tuple[list[float], str]:
    answer = client.get(url)  # warm-up
    assert answer.status_code == 200, (url, answer.status_code)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        answer = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    return times, answer.text


def _shown(text: str) -> tuple[str, list[str]]:
    """The total a page shows and its case ids in order (the board page or the API's JSON)."""
    total = re.search(r'共 ([\d,+]+) 条|"total":(\d+)', text)
    ids = re.findall(r'href="/cases/(\d+)"|\{"id":(\d+)', text)
    return (total.group(1) or total.group(2)) if total else "?", ["".join(i) for i in ids]


def measure(database_url: str, repeat: int) -> None:
    engine = make_engine(database_url)
    data_dir = tempfile.TemporaryDirectory(prefix="minyi-board-")
    settings = Settings(
        data_dir=Path(data_dir.name),
        database_url=database_url,
        secret_key="bench-board",  # noqa: S106 (a throwaway app in this process)
        run_scheduler=False,
        run_analysis=False,
    )
    app = create_app(settings, make_session_factory(engine), start_background=False)
    ours_board = views.list_public_cases
    print(f"{'page':34} {'ours ms (max)':>15} {'LIKE ms (max)':>15} {'ratio':>7}  total ours / LIKE  same page")
    with TestClient(app) as client:
        for url in PAGES:
            ours, ours_text = _time(client, url, repeat)
            views.list_public_cases = like_board  # type: ignore[assignment]
            try:
                like, like_text = _time(client, url, repeat)
            finally:
                views.list_public_cases = ours_board
            (ours_total, ours_ids), (like_total, like_ids) = _shown(ours_text), _shown(like_text)
            ratio = statistics.median(like) / statistics.median(ours)
            print(
                f"{url:34} {statistics.median(ours):8.1f} ({max(ours):5.0f}) {statistics.median(like):8.1f} "
                f"({max(like):5.0f}) {ratio:6.1f}x  {ours_total:>8} / {like_total:<8} {ours_ids == like_ids}"
            )
    engine.dispose()
    data_dir.cleanup()


@contextmanager
def database(backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'city.sqlite3'}"
        return
    with bench_scale.postgres_server(Path(tempfile.mkdtemp(prefix="minyi-board-pg-"))) as base:  # its own owner
        yield f"postgresql+psycopg://{base}/minyi_scale"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", help="an already generated city (its size is what it holds)")
    args = parser.parse_args(argv)
    if args.database_url:
        measure(args.database_url, args.repeat)
        return
    for n in args.cases:
        with tempfile.TemporaryDirectory(prefix="minyi-board-") as tmp, database(args.backend, Path(tmp)) as url:
            upgrade(url)
            started = time.perf_counter()
            city: dict[str, Any] = bench_scale.generate(url, n)
            seconds = time.perf_counter() - started
            print(f"\n{n:,} cases ({city['events']:,} events) on {args.backend}, generated in {seconds:.0f} s")
            print(f"median of {args.repeat} single requests after a warm-up (slowest in brackets)")
            measure(url, args.repeat)


if __name__ == "__main__":
    main()
