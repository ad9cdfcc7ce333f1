"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data_dir() -> Path:
    """../shared/data: skipped where absent (a user's machine), a failure where CI=true."""
    if not SHARED_DATA.is_dir():
        reason = f"shared data not found at {SHARED_DATA}: tests that need the real messages are skipped"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    return SHARED_DATA
