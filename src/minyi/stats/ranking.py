"""通报: the children of a jurisdiction ranked on the same figures as /stats, each child's subtree aggregated.

One GROUP BY over `case_facts` (the parent's subtree, by the case's jurisdiction), each jurisdiction then rolled up
to the child whose subtree holds it: the rows add up exactly to the parent's figures (counts and reply-day
histograms are additive). The parent's own cases (held at its level, not sent down) are one more row, 本级直接办理,
outside the ranking. Definitions: docs/statistics.md; the ranking: docs/jurisdictions.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.jurisdictions.models import Jurisdiction
from minyi.jurisdictions.services import ROOT_ID, children, scope_path, within
from minyi.stats.aggregates import Scope, Tally, merged, tallies
from minyi.stats.figures import Figures
from minyi.stats.models import CaseFactsRow as F

OWN_LEVEL = "本级直接办理"
# The figures a ranking may be ordered by: (name, True when higher is better). Counts of problems rank fewest first.
RANK_BY: dict[str, tuple[str, bool]] = {
    "on_time_rate": ("按时办结率", True),
    "reply_rate": ("回复率", True),
    "satisfaction_rate": ("满意率", True),
    "received": ("留言数", True),
    "overdue_open": ("超期未答复", False),
    "dissatisfied": ("不满意", False),
    "reopened": ("重办数", False),
}
DEFAULT_RANK_BY = "on_time_rate"


@dataclass(frozen=True)
class RankRow:
    """One child (its whole subtree), or the parent's own cases (`jurisdiction` None, `rank` None)."""

    label: str
    figures: Figures
    slug: str | None = None  # the child's public address (None: the parent's own cases)
    rank: int | None = None  # 1 = best; equal values share a rank (并列); None: not ranked (no value, or own level)
    tied: bool = False


@dataclass(frozen=True)
class Ranking:
    """The ranked children of a parent for a period, the parent's own cases, and their total (plain values: the
    ranking is cached across requests)."""

    parent_id: int
    parent_name: str
    order: str
    rows: list[RankRow]
    own: RankRow | None
    total: Figures

    @property
    def order_label(self) -> str:
        """The figure the rows are ordered by, in words."""
        return RANK_BY[self.order][0]

    @property
    def explanation(self) -> str:
        """How the order and the ties are decided, in words (shown under the table)."""
        name, higher = RANK_BY[self.order]
        way = "从高到低" if higher else "从少到多"
        return (
            f"按{name}{way}排列；{name}相同的并列同一名次（标“并列”），并列者按留言数从多到少、再按名称列出；"
            f"{name}无法计算（“—”，分母为 0）的不参与排名，列在最后。各行为该辖区及其下级的全部办件，"
            f"与“{OWN_LEVEL}”一行相加即为本辖区合计。"
        )


def parse_order(raw: Any) -> str:
    """The ranking's figure from a query parameter (anything unknown: the default, 按时办结率)."""
    text = str(raw or "")
    return text if text in RANK_BY else DEFAULT_RANK_BY


def _value(figures: Figures, order: str) -> float | int | None:
    value: float | int | None = getattr(figures, order)
    return value


def _ranked(rows: list[RankRow], order: str) -> list[RankRow]:
    """Rows in order with their ranks: equal values share the rank of the first of them (1, 2, 2, 4)."""
    higher = RANK_BY[order][1]
    valued = [r for r in rows if _value(r.figures, order) is not None]
    unvalued = [r for r in rows if _value(r.figures, order) is None]

    def key(row: RankRow) -> tuple[float, int, str]:
        value = float(_value(row.figures, order) or 0)
        return (-value if higher else value, -row.figures.received, row.label)

    valued.sort(key=key)
    unvalued.sort(key=lambda r: (-r.figures.received, r.label))
    ranked: list[RankRow] = []
    for position, row in enumerate(valued, 1):
        value = _value(row.figures, order)
        previous = ranked[-1] if ranked else None
        same = previous is not None and _value(previous.figures, order) == value
        rank = previous.rank if same and previous is not None else position
        tied = sum(1 for r in valued if _value(r.figures, order) == value) > 1
        ranked.append(RankRow(row.label, row.figures, row.slug, rank, tied))
    return ranked + unvalued


def _holder(path_of: dict[int, str], kids: list[Jurisdiction], jurisdiction_id: int | None) -> Jurisdiction | None:
    """The child whose subtree holds a jurisdiction (None: the parent itself)."""
    path = path_of.get(jurisdiction_id if jurisdiction_id is not None else ROOT_ID, "")
    return next((k for k in kids if path.startswith(k.path)), None)


def rank_children(
    session: Session, *, parent: Jurisdiction, start: date, end: date, today: date, order: str = DEFAULT_RANK_BY
) -> Ranking:
    """The ranking of `parent`'s children for the cases received in [start, end] (China dates)."""
    clause = within(F.jurisdiction_id, scope_path(parent))
    groups = tallies(session, Scope(start, end, today, where=() if clause is None else (clause,)), F.jurisdiction_id)
    kids = [k for k in children(session, parent.id) if k.is_active or k.id in groups]
    ids = [i for i in groups if i is not None]
    paths = select(Jurisdiction.id, Jurisdiction.path).where(Jurisdiction.id.in_(ids))
    path_of: dict[int, str] = {int(i): str(p) for i, p in session.execute(paths)} if ids else {}
    path_of[ROOT_ID] = f"/{ROOT_ID}/"
    per_child: dict[int, Tally] = {k.id: Tally() for k in kids}
    own = Tally()
    for jurisdiction_id, tally in groups.items():
        holder = _holder(path_of, kids, jurisdiction_id)
        (own if holder is None else per_child[holder.id]).add(tally)
    rows = [RankRow(k.name, per_child[k.id].figures(), k.slug) for k in kids]
    own_row = RankRow(OWN_LEVEL, own.figures()) if own.counts["received"] else None
    total = merged([*per_child.values(), own]).figures()
    ranked = _ranked(rows, order)
    return Ranking(parent_id=parent.id, parent_name=parent.name, order=order, rows=ranked, own=own_row, total=total)
