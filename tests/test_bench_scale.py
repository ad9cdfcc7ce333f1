"""benchmarks/bench_scale.py at a small volume (issue 13, part 5): the JSON it writes, nothing lost, no error.

The harness runs as it does by hand (a generated city, 2 web processes and a worker, the load from a second
process), only with 300 cases, 6 clients and 2 submissions/s for a few seconds; and with `--levels` (issue 17: a
province of 14 cities and 120 districts), whose kept database is then read. No time is asserted.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "teddycup2020"
PAGES = {"board", "case", "stats", "hot", "inbox", "dept_inbox", "dashboard"}
FIGURES = {"p50_ms", "p95_ms", "p99_ms", "rps", "errors"}

pytestmark = [pytest.mark.reliability, pytest.mark.shared_data]


@pytest.fixture
def shared_messages(shared_data_dir: Path) -> Path:
    """The harness reads the shared messages: skipped where absent, a failure where CI=true."""
    if not SHARED.exists():
        reason = f"the shared messages are not at {SHARED}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    return SHARED


@pytest.mark.usefixtures("shared_messages")
def test_the_harness_at_300_cases_on_sqlite(tmp_path: Path) -> None:
    out = tmp_path / "scale.json"
    command = [sys.executable, str(ROOT / "benchmarks" / "bench_scale.py"), "--cases", "300", "--backend", "sqlite",
               "--seconds", "6", "--clients", "6", "--rate", "2", "--json", str(out)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(out.read_text(encoding="utf-8"))

    assert result["cases"] == 300
    assert result["levels"] is None  # one flat city
    assert result["events"] >= 300  # every case has its submit event; the settled ones 5 to 8
    assert isinstance(result["generate_s"], int | float)
    assert set(result["pages"]) == PAGES
    for name, figures in [*result["pages"].items(), ("submit", result["submit"])]:
        assert set(figures) >= FIGURES, name
        assert figures["errors"] == 0, (name, result["error_samples"])
    assert all(result["pages"][page]["count"] > 0 for page in ("board", "inbox", "dept_inbox", "dashboard"))
    assert result["submit"]["acknowledged"] > 0
    assert result["lost"] == 0
    assert set(result["rss_mb"]) == {"web", "worker"}
    assert all(mb > 0 for mb in result["rss_mb"].values())


LEVEL_PAGES = {"inbox_city", "inbox_district", "j_board", "j_stats"}


@pytest.mark.usefixtures("shared_messages")
def test_the_harness_with_levels_at_300_cases_on_sqlite(tmp_path: Path) -> None:
    """--levels: the province's tree, departments, staff and cases as written, checked in the kept database."""
    out = tmp_path / "scale.json"
    command = [sys.executable, str(ROOT / "benchmarks" / "bench_scale.py"), "--cases", "300", "--backend", "sqlite",
               "--seconds", "6", "--clients", "16", "--rate", "2", "--levels", "--keep",
               "--json", str(out)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(out.read_text(encoding="utf-8"))
    folder = Path(result["folder"])
    try:
        assert result["cases"] == 300
        assert set(result["pages"]) == PAGES | LEVEL_PAGES
        for name, figures in [*result["pages"].items(), ("submit", result["submit"])]:
            assert set(figures) >= FIGURES, name
            assert figures["errors"] == 0, (name, result["error_samples"])
        # every client role browsed: a page answered, or for a route of another part not merged yet, its 404
        for page in ("board", "inbox", "inbox_city", "inbox_district", "dept_inbox", "dashboard"):
            assert result["pages"][page]["count"] > 0, page
        for page in ("j_board", "j_stats"):
            assert result["pages"][page]["count"] + result["pages"][page]["missing_route"] > 0, page
        assert result["submit"]["acknowledged"] > 0
        assert result["lost"] == 0

        levels = result["levels"]
        assert levels["jurisdictions"] == {"province": 1, "city": 14, "district": 120}
        assert sum(levels["cases"].values()) == 300
        with sqlite3.connect(folder / "minyi.sqlite3") as db:
            by_level = dict(db.execute("SELECT level, count(*) FROM jurisdictions GROUP BY level").fetchall())
            assert by_level == {"province": 1, "city": 14, "district": 120}
            root = db.execute("SELECT name, parent_id, path FROM jurisdictions WHERE id = 1").fetchone()
            assert root == ("X省", None, "/1/")
            # the tree holds together: each path is its parent's path and its own id
            orphans = db.execute(
                "SELECT count(*) FROM jurisdictions j LEFT JOIN jurisdictions p ON p.id = j.parent_id "
                "WHERE j.parent_id IS NOT NULL AND (p.id IS NULL OR j.path != p.path || j.id || '/')"
            ).fetchone()[0]
            assert orphans == 0
            slugs = db.execute("SELECT count(DISTINCT slug) FROM jurisdictions").fetchone()[0]
            assert slugs == 135
            # every generated case is in a jurisdiction that exists, with its reason; the live ones (routed by
            # the product: the root until routing is merged) in one that exists or NULL (the root)
            generated = db.execute(
                "SELECT j.level, count(*), sum(c.jurisdiction_reason != '') FROM cases c "
                "JOIN jurisdictions j ON j.id = c.jurisdiction_id WHERE c.id <= 300 GROUP BY j.level"
            ).fetchall()
            counts = {level: n for level, n, _ in generated}
            assert sum(counts.values()) == 300
            assert all(n == with_reason for _, n, with_reason in generated)
            assert counts == levels["cases"]
            assert counts["district"] > counts["city"] > counts["province"] > 0
            dangling = db.execute(
                "SELECT count(*) FROM cases c LEFT JOIN jurisdictions j ON j.id = c.jurisdiction_id "
                "WHERE c.jurisdiction_id IS NOT NULL AND j.id IS NULL"
            ).fetchone()[0]
            assert dangling == 0
            # the jurisdictions' public boards hold the generated public cases (COPY bypasses the ORM's hook): one
            # row per jurisdiction above the root that holds each (a district's case: its district and its city)
            expected = db.execute(
                "SELECT coalesce(sum(CASE j.level WHEN 'district' THEN 2 WHEN 'city' THEN 1 ELSE 0 END), 0) "
                "FROM cases c JOIN messages m ON m.id = c.message_id JOIN jurisdictions j ON j.id = c.jurisdiction_id "
                "WHERE c.id <= 300 AND m.is_public"
            ).fetchone()[0]
            board = db.execute("SELECT count(*) FROM jurisdiction_board WHERE case_id <= 300").fetchone()[0]
            assert board == expected > 0
            # a case's department serves the jurisdiction that holds it
            mismatched = db.execute(
                "SELECT count(*) FROM cases c JOIN departments d ON d.id = c.department_id "
                "WHERE c.id <= 300 AND d.jurisdiction_id != c.jurisdiction_id"
            ).fetchone()[0]
            assert mismatched == 0
            departments = dict(
                db.execute(
                    "SELECT j.level, count(*) FROM departments d JOIN jurisdictions j ON j.id = d.jurisdiction_id "
                    "GROUP BY j.level"
                ).fetchall()
            )
            assert departments == {"province": 4, "city": 14 * 6, "district": 120 * 21}
            assert db.execute("SELECT count(*) FROM departments WHERE jurisdiction_id IS NULL").fetchone()[0] == 0
            staff = dict(
                db.execute(
                    "SELECT u.username, j.level FROM users u JOIN jurisdictions j ON j.id = u.jurisdiction_id"
                ).fetchall()
            )
            assert staff["bench-coordinator-province"] == "province"
            assert staff["bench-coordinator-city"] == "city"
            assert staff["bench-coordinator-district"] == "district"
            handlers = [level for name, level in staff.items() if name.startswith("bench-handler-")]
            assert handlers and set(handlers) == {"district"}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
