"""benchmarks/bench_scale.py at a small volume (issue 13, part 5): the JSON it writes, nothing lost, no error.

The harness runs as it does by hand (a generated city, 2 web processes and a worker, the load from a second
process), only with 300 cases, 6 clients and 2 submissions/s for a few seconds. No time is asserted.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "teddycup2020"
PAGES = {"board", "case", "stats", "hot", "inbox", "dept_inbox", "dashboard"}
FIGURES = {"p50_ms", "p95_ms", "p99_ms", "rps", "errors"}

pytestmark = [
    pytest.mark.reliability,
    pytest.mark.shared_data,
    pytest.mark.skipif(not SHARED.exists(), reason="the shared messages are not here"),
]


def test_the_harness_at_300_cases_on_sqlite(tmp_path: Path) -> None:
    out = tmp_path / "scale.json"
    command = [sys.executable, str(ROOT / "benchmarks" / "bench_scale.py"), "--cases", "300", "--backend", "sqlite",
               "--seconds", "6", "--clients", "6", "--rate", "2", "--json", str(out)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(out.read_text(encoding="utf-8"))

    assert result["cases"] == 300
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
