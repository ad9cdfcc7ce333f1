"""Which cases a member of staff may list: their jurisdiction and those below it (issue 17's isolation), as SQL
clauses for lists of cases or of rows tied to a case, and the scope of an account."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute

from minyi.accounts.models import User
from minyi.jurisdictions.services import scope_path, within
from minyi.workflow.models import Case


def of_user(user: User | None) -> str:
    """The scope of an account (`jurisdictions.services.scope_path`): "" for the root's staff (everything)."""
    return scope_path(user.jurisdiction) if user is not None else ""


def cases_within(scope: str) -> list[ColumnElement[bool]]:
    """The WHERE clauses that keep the cases (`Case` in the query) within `scope`: none for the root's staff."""
    subtree = within(Case.jurisdiction_id, scope)
    return [] if subtree is None else [subtree]


def case_ids_within(column: InstrumentedAttribute[Any] | Any, scope: str) -> list[ColumnElement[bool]]:
    """The WHERE clauses that keep rows whose `column` names a case (a call-back task, a flag, a notice) to the
    cases within `scope`: a semi-join on the cases' jurisdiction index, none for the root's staff."""
    subtree = within(Case.jurisdiction_id, scope)
    return [] if subtree is None else [column.in_(select(Case.id).where(subtree))]
