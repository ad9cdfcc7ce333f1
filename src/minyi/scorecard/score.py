"""The department score (考核) as a pure function: components normalised to 0–1, a weighted mean over the
components defined for the department, and a ranking of the departments with enough cases.

No database, no web: `services.py` reads the counts, this module turns them into scores. Every definition is
written out in docs/statistics.md (考核).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# Component code -> name shown on the pages, in display order. `repeats` counts against (a penalty).
COMPONENTS: dict[str, str] = {
    "on_time": "按时办结率",
    "satisfaction": "满意率",
    "callback": "回访满意率",
    "adoption": "建议采纳率",
    "knowledge": "知识库按期复核率",
    "repeats": "非重复投诉占比",  # 重复投诉 counts against: 1 − repeated ÷ complaints
}
PENALTIES = frozenset({"repeats"})
TIE_DIGITS = 9  # scores equal to 9 decimals are a tie (floats summed in another order may differ in the 16th)


@dataclass(frozen=True)
class ScoreInputs:
    """The counts behind one department's components in one period (numerator, denominator of each)."""

    department_id: int
    name: str
    cases: int  # messages received in the period (the minimum for ranking applies to this)
    on_time: int = 0
    due: int = 0
    satisfied: int = 0
    rated: int = 0
    callback_satisfied: int = 0
    callback_reached: int = 0
    adopted: int = 0
    decided: int = 0
    reviews_on_time: int = 0  # knowledge base: reviews done on or before the entry's review date
    reviews_due: int = 0  # … over reviews done plus published entries past their date, not reviewed
    repeats: int = 0  # 重复投诉: the period's complaints flagged as repeating an earlier one
    complaints: int = 0  # the period's complaints (flagged ones included)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole > 0 else None


def components_of(inputs: ScoreInputs) -> dict[str, float | None]:
    """Each component in 0–1 (higher is better), or None when its denominator is 0 (not defined)."""
    repeat_share = _share(inputs.repeats, inputs.complaints)
    return {
        "on_time": _share(inputs.on_time, inputs.due),
        "satisfaction": _share(inputs.satisfied, inputs.rated),
        "callback": _share(inputs.callback_satisfied, inputs.callback_reached),
        "adoption": _share(inputs.adopted, inputs.decided),
        "knowledge": _share(inputs.reviews_on_time, inputs.reviews_due),
        "repeats": None if repeat_share is None else 1 - repeat_share,
    }


def weighted_score(components: Mapping[str, float | None], weights: Mapping[str, int]) -> float | None:
    """The weighted mean of the defined components, in 0–100; the weights are renormalised over the components
    defined for this department (an undefined one neither helps nor hurts). None when no component with a
    positive weight is defined."""
    total = sum(weights.get(code, 0) for code, value in components.items() if value is not None)
    if total <= 0:
        return None
    points = sum(weights.get(code, 0) * value for code, value in components.items() if value is not None)
    return 100 * points / total


@dataclass(frozen=True)
class ScoredDepartment:
    """One department's line of the scorecard."""

    inputs: ScoreInputs
    components: dict[str, float | None]
    score: float | None
    rank: int | None = None  # None: not ranked (too few cases, or no component defined)


@dataclass(frozen=True)
class Ranking:
    """The ranked departments (best first) and the ones left out, with the weights and minimum used."""

    weights: dict[str, int]
    min_cases: int
    ranked: list[ScoredDepartment] = field(default_factory=list)
    too_few: list[ScoredDepartment] = field(default_factory=list)  # fewer cases than the minimum
    unscored: list[ScoredDepartment] = field(default_factory=list)  # enough cases, no weighted component defined


def rank_departments(inputs: Iterable[ScoreInputs], *, weights: Mapping[str, int], min_cases: int) -> Ranking:
    """Score every department; rank those with at least `min_cases` cases and a score: highest score first, ties
    (equal to `TIE_DIGITS` decimals) share a rank (1, 1, 3) and are listed by name, then id."""
    scored = [ScoredDepartment(i, c := components_of(i), weighted_score(c, weights)) for i in inputs]
    by_name = sorted(scored, key=lambda s: (s.inputs.name, s.inputs.department_id))
    eligible = [s for s in by_name if s.inputs.cases >= min_cases]
    too_few = [s for s in by_name if s.inputs.cases < min_cases]
    unscored = [s for s in eligible if s.score is None]
    ordered = sorted(
        (s for s in eligible if s.score is not None),
        key=lambda s: (-round(s.score or 0.0, TIE_DIGITS), s.inputs.name, s.inputs.department_id),
    )
    ranked: list[ScoredDepartment] = []
    for position, row in enumerate(ordered, 1):
        rank = position
        if ranked and round(ranked[-1].score or 0.0, TIE_DIGITS) == round(row.score or 0.0, TIE_DIGITS):
            rank = ranked[-1].rank or position  # a tie shares the rank of the first of its scores
        ranked.append(ScoredDepartment(row.inputs, row.components, row.score, rank))
    return Ranking(dict(weights), min_cases, ranked, too_few, unscored)


def ranking_json(ranking: Ranking) -> dict[str, object]:
    """The ranking for the JSON API: components as fractions (0..1) or null, scores in 0–100 or null."""

    def line(row: ScoredDepartment) -> dict[str, object]:
        i = row.inputs
        return {
            "rank": row.rank,
            "department_id": i.department_id,
            "department": i.name,
            "cases": i.cases,
            "score": row.score,
            "components": row.components,
            "repeats": i.repeats,
            "complaints": i.complaints,
        }

    return {
        "weights": ranking.weights,
        "min_cases": ranking.min_cases,
        "ranked": [line(r) for r in ranking.ranked],
        "not_ranked": [line(r) for r in ranking.too_few + ranking.unscored],
    }


def ranking_table(ranking: Ranking) -> tuple[list[str], list[list[object]]]:
    """The ranked departments as a table for downloads and workbooks: components in percent (two decimals, empty
    when undefined), the repeat counts and the score (0–100, two decimals)."""
    header = ["名次", "部门", "留言数", *[f"{name}（%）" for name in COMPONENTS.values()], "重复投诉", "投诉", "得分"]
    rows: list[list[object]] = []
    for row in ranking.ranked:
        i = row.inputs
        parts = [("" if (v := row.components[c]) is None else round(v * 100, 2)) for c in COMPONENTS]
        score = "" if row.score is None else round(row.score, 2)
        rows.append([row.rank, i.name, i.cases, *parts, i.repeats, i.complaints, score])
    return header, rows


def ranking_note(ranking: Ranking) -> str:
    """`参与排名的最少留言数：10；权重：按时办结率 30、…` — what a table of the ranking was computed with."""
    weights = "、".join(f"{name} {ranking.weights[code]}" for code, name in COMPONENTS.items())
    return f"参与排名的最少留言数：{ranking.min_cases}；权重：{weights}"
