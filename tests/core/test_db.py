"""Ids from user input."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from minyi.core.db import get_by_id, parse_id
from minyi.departments.models import Department
from tests import factories as f


@pytest.mark.parametrize("raw", [None, "", "abc", "1.5", "-3", "0", 2**63, "9" * 30, [], 1.5e30])
def test_bad_ids_are_none(raw: object) -> None:
    assert parse_id(raw) is None


def test_good_ids(db: Session) -> None:
    dept = f.department(db)
    assert parse_id(str(dept.id)) == dept.id
    assert get_by_id(db, Department, str(dept.id)) is dept
    assert get_by_id(db, Department, "9" * 30) is None  # too large for the database: not an error
