"""The hot issues of one jurisdiction's subtree (`/j/<slug>/hot`): the current snapshot, seen from there.

The worker groups the whole window once (`services.recompute_hot_issues`, the heaviest task it runs: tens of
seconds at 100,000 cases). Grouping again for each of a province's ~135 jurisdictions would multiply that cost;
the issues of a subtree are instead the stored issues with at least one member case in it, each with its members
recounted within it (a case is in it when `jurisdiction_board` lists it there, one primary-key range per page).
An issue keeps its place in the citywide ranking, so a district sees which of the platform's hot issues it holds
and how many of their voices are its own. What this leaves out: a problem hot within one street only, not
among the platform's top issues, is not shown on that street's page.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.hot.models import HotIssue
from minyi.hot.services import current_hot_issues
from minyi.workflow.jurisdiction_board import JurisdictionBoardRow

IN_CHUNK = 500


@dataclass(frozen=True)
class LocalIssue:
    """A hot issue as a jurisdiction sees it: its members within the subtree, newest ranking first."""

    issue: HotIssue
    rank: int  # its rank on this page
    case_ids: list[int]  # the members held within the subtree, in the issue's order

    @property
    def share(self) -> str:
        """How many of the issue's cases are the subtree's, in words."""
        return f"{len(self.case_ids)} / {len(self.issue.case_ids or [])}"


def held_within(session: Session, jurisdiction_id: int, case_ids: list[int]) -> set[int]:
    """Which of these cases are public cases of the subtree of `jurisdiction_id` (never the root)."""
    held: set[int] = set()
    unique = sorted(set(case_ids))
    for i in range(0, len(unique), IN_CHUNK):
        query = select(JurisdictionBoardRow.case_id).where(
            JurisdictionBoardRow.jurisdiction_id == jurisdiction_id,
            JurisdictionBoardRow.case_id.in_(unique[i : i + IN_CHUNK]),
        )
        held |= set(session.scalars(query))
    return held


def hot_issues_within(session: Session, jurisdiction_id: int) -> list[LocalIssue]:
    """The current hot issues that have member cases within the subtree, with those members only."""
    issues = current_hot_issues(session)
    held = held_within(session, jurisdiction_id, [int(c) for i in issues for c in i.case_ids or []])
    local = [(i, [int(c) for c in i.case_ids or [] if int(c) in held]) for i in issues]
    return [LocalIssue(issue=i, rank=n, case_ids=ids) for n, (i, ids) in enumerate([x for x in local if x[1]], 1)]
