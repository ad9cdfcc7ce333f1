"""The typed result of an analysis: what MessageAnalyzer returns, what the platform stores (JSON) and shows.

TypedDicts, so that a result is plain JSON data as it is (stored in a JSON column, read by Jinja as it is)
and still typed for the code that writes and reads it.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

__all__ = ["AnalysisResult", "Place", "Repair", "SuggestedDepartment"]


class Place(TypedDict):
    """A place named in a message: its level (province … road) and its name as written."""

    level: str
    name: str


class Repair(TypedDict):
    """A cleaning step that changed the text (kind) and what it did (detail)."""

    kind: str
    detail: str


class SuggestedDepartment(TypedDict):
    """One of the platform's departments, ranked for a message (minyi.nlp.departments.rank_departments)."""

    id: int
    name: str
    score: float
    keywords: list[str]  # the department's keywords found in the message


class AnalysisResult(TypedDict):
    """MessageAnalyzer.analyze(): every suggestion for one message; empty values where a component is absent.

    `departments`: the top-5 department families (minyi.nlp.departments.route_families: (family, score), best
    first; an input of rank_departments, which ranks a platform's own departments).
    """

    domain: str | None  # None: no component, or the model abstained (其他/无法判断: see domain_confidence)
    domain_scores: dict[str, float]
    domain_confidence: NotRequired[float | None]  # the top domain score; below 0.5 the domain is None
    appeal_kind: str | None
    appeal_scores: dict[str, float]
    urgent: bool
    urgent_reasons: list[str]
    places: list[Place]
    departments: list[tuple[str, float]]
    clean_text: str
    repairs: list[Repair]
