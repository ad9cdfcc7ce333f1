"""Hot issues (热点问题): group messages that raise the same problem, score and explain each group.

``rank_hot_issues(records)`` is the entry point for the platform and the ``minyi hot`` command:
records are plain dicts (id, title, body, user, time, supports, optional place/opposes); the result
is the top hot issues, each with its rank, score, a short description, its period, its member ids
and a Chinese explanation of the score. The score (see ``HotIndex`` and docs/hot-issues.md) is

    score = 10 × ( ln(1 + P) + 0.25 ln(1 + S) + 0.3 (1 - 1/P) ln(1 + D / 30) + 0.5 ln(1 + R) )

with P distinct people, S supports, D the span in days and R the distinct people who wrote in the
last 30 days. ``SimilarIndex`` answers "可能相同的问题" while a citizen types.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from minyi.nlp._describe import explanation, people_label, problem_phrase, undoubled_words, where_label
from minyi.nlp._grouping import IssueGrouper, _extractor, message_places, places_clash
from minyi.nlp._textvec import HashedTfidf
from minyi.nlp.text import join_text, split_text

__all__ = [
    "HotIndex",
    "HotIssue",
    "IssueGrouper",
    "SimilarIndex",
    "evaluate",
    "rank_hot_issues",
    "same_problem_places",
    "similar",
    "validate_records",
]

_DAY = 86_400.0


@dataclass(frozen=True)
class HotIssue:
    """One hot issue: a group of messages about the same problem, ranked by its score."""

    rank: int
    score: float
    description: str
    start: datetime
    end: datetime
    members: list[Any]  # message ids, oldest first
    explanation: str
    people: int = 0
    messages: int = 0
    supports: int = 0
    opposes: int = 0
    recent: int = 0
    place: str = ""
    problem: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: times as "YYYY-MM-DD HH:MM:SS"."""
        return {
            "rank": self.rank,
            "score": self.score,
            "description": self.description,
            "start": _fmt(self.start),
            "end": _fmt(self.end),
            "members": list(self.members),
            "explanation": self.explanation,
            "people": self.people,
            "messages": self.messages,
            "supports": self.supports,
            "opposes": self.opposes,
            "recent": self.recent,
            "place": self.place,
            "problem": self.problem,
        }


def _fmt(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class HotIndex:
    """The hot-issue score: weights of its four terms and the window of "recent"."""

    people_weight: float = 1.0
    support_weight: float = 0.25
    span_weight: float = 0.3
    growth_weight: float = 0.5
    window_days: int = 30

    def score(self, *, people: int, supports: int, span_days: float, recent_people: int) -> float:
        """10 × (w_p ln(1+P) + w_s ln(1+S) + w_d (1 - 1/P) ln(1+D/30) + w_r ln(1+R)), rounded to 0.1.

        The span counts only as far as several people keep raising the problem: one person writing
        again and again for a year earns no persistence.
        """
        persistence = (1.0 - 1.0 / people) * math.log1p(max(span_days, 0.0) / 30.0) if people > 0 else 0.0
        value = (
            self.people_weight * math.log1p(people)
            + self.support_weight * math.log1p(max(supports, 0))
            + self.span_weight * persistence
            + self.growth_weight * math.log1p(recent_people)
        )
        return round(10.0 * value, 1)


def validate_records(records: Sequence[dict[str, Any]]) -> None:
    """Raise ValueError naming the record (1-based) and the problem: id missing or repeated, bad time."""
    seen: dict[Any, int] = {}
    for n, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise ValueError(f"record {n}: expected a dict, got {type(record).__name__}")
        if record.get("id") is None:
            raise ValueError(f"record {n}: missing id")
        if record["id"] in seen:
            raise ValueError(f"record {n}: duplicate id {record['id']!r} (first in record {seen[record['id']]})")
        seen[record["id"]] = n
        if not isinstance(record.get("time"), datetime):
            raise ValueError(f"record {n} (id {record['id']!r}): time must be a datetime, got {record.get('time')!r}")
        if not isinstance(record.get("title") or "", str) or not isinstance(record.get("body") or "", str):
            raise ValueError(f"record {n} (id {record['id']!r}): title and body must be text")
        supports = record.get("supports", 0) or 0
        if not isinstance(supports, int) or isinstance(supports, bool) or supports < 0:
            raise ValueError(f"record {n} (id {record['id']!r}): supports must be a non-negative integer")


def _text(record: dict[str, Any]) -> str:
    return join_text(record.get("title") or "", record.get("body") or "")


def _person(record: dict[str, Any], n: int) -> str:
    user = record.get("user")
    return f"user:{user}" if user not in (None, "") else f"anonymous:{n}"  # anonymous: one person each


def rank_hot_issues(
    records: Sequence[dict[str, Any]],
    *,
    now: datetime | None = None,
    top: int = 20,
    index: HotIndex | None = None,
    grouper: IssueGrouper | None = None,
    progress: bool = False,
) -> list[HotIssue]:
    """The ``top`` hot issues among ``records`` (see the module docstring).

    records: dicts with id, title, body, user (None = anonymous), time (datetime), supports (int),
    optional opposes (int) and place (str, a known place name). now: the reference time of "recent"
    (default: the latest message). Raises ValueError on bad records (see ``validate_records``).
    """
    validate_records(records)
    if top < 1:
        raise ValueError("top must be at least 1")
    if not records:
        return []
    index = index or HotIndex()
    grouper = grouper or IssueGrouper(progress=progress)
    seconds = np.array([r["time"].timestamp() for r in records])
    places = [[r["place"]] if r.get("place") else [] for r in records]
    texts = [_text(r) for r in records]
    labels = grouper.fit(texts, times=seconds / _DAY, places=places).labels_
    reference = now.timestamp() if now else float(seconds.max())
    tallies = [_tally(records, members, seconds, reference, index) for members in _groups(labels)]
    tallies.sort(key=lambda t: (-t.score, -t.people, -len(t.members), seconds[t.members[0]]))
    return [_issue(t, rank, records, texts, places, index) for rank, t in enumerate(tallies[:top], start=1)]


def _groups(labels: np.ndarray) -> list[np.ndarray]:
    order = np.argsort(labels, kind="stable")
    return np.split(order, np.flatnonzero(np.diff(labels[order])) + 1) if len(order) else []


@dataclass(frozen=True)
class _Tally:
    """The numbers of one group (its members sorted by time) and its score."""

    members: np.ndarray
    people: int
    supports: int
    opposes: int
    span_days: float
    recent: int
    score: float


def _voices(records: Sequence[dict[str, Any]], members: list[int]) -> dict[int, str]:
    """Message -> the person it counts for: its writer, or the first writer of the same text word for word
    (the same title and body under two user ids is one voice, not two)."""
    first: dict[tuple[str, str], str] = {}
    out = {}
    for k in members:
        key = ("".join((records[k].get("title") or "").split()), "".join((records[k].get("body") or "").split()))
        out[k] = first.setdefault(key, _person(records[k], k))
    return out


def _tally(
    records: Sequence[dict[str, Any]], members: np.ndarray, seconds: np.ndarray, reference: float, index: HotIndex
) -> _Tally:
    members = members[np.argsort(seconds[members], kind="stable")]
    voice = _voices(records, members.tolist())
    people = len(set(voice.values()))
    recent_window = reference - index.window_days * _DAY
    recent = [k for k in members.tolist() if recent_window < seconds[k] <= reference]
    recent_people = len({voice[k] for k in recent})
    supports = sum(int(records[k].get("supports") or 0) for k in members.tolist())
    opposes = sum(int(records[k].get("opposes") or 0) for k in members.tolist())
    span_days = float(seconds[members[-1]] - seconds[members[0]]) / _DAY
    score = index.score(people=people, supports=supports, span_days=span_days, recent_people=recent_people)
    return _Tally(members, people, supports, opposes, span_days, len(recent), score)


def _issue(
    tally: _Tally,
    rank: int,
    records: Sequence[dict[str, Any]],
    texts: Sequence[str],
    known: Sequence[list[str]],
    index: HotIndex,
) -> HotIssue:
    """A ranked issue with its description (places are read only for the issues shown)."""
    members = tally.members.tolist()
    titles = [split_text(texts[k])[0].strip() for k in members]
    extractor = _extractor()
    member_places = [message_places(texts[k], known[k], extractor=extractor) for k in members]
    where, fine_place = where_label(member_places, titles)
    problem = problem_phrase(titles, member_places, fine_place)
    group = "" if fine_place else people_label(titles)
    group = "" if group in problem else group  # never "K2区员工 / 拖欠员工工资"
    head = undoubled_words("".join(x for x in (where, group) if x))
    return HotIssue(
        rank=rank,
        score=tally.score,
        description=f"{head} / {problem}" if head else problem,
        start=records[members[0]]["time"],
        end=records[members[-1]]["time"],
        members=[records[k]["id"] for k in members],
        explanation=explanation(
            people=tally.people,
            messages=len(members),
            supports=tally.supports,
            opposes=tally.opposes,
            span_days=tally.span_days,
            recent=tally.recent,
            window_days=index.window_days,
        ),
        people=tally.people,
        messages=len(members),
        supports=tally.supports,
        opposes=tally.opposes,
        recent=tally.recent,
        place=where,
        problem=problem,
    )


# -- "可能相同的问题" while a citizen types ---------------------------------------------------------
class SimilarIndex:
    """Finds existing cases similar to a new text: TF-IDF of character bigrams (title counted twice).

    ``fit(texts, ids=None)`` then ``query(text, k)`` -> [(id, score)], best first, scores in [0, 1].
    With ``place_aware`` a case whose places clash with the query's (different estate or district)
    has its score halved. A query costs about a millisecond for a few thousand cases.
    """

    def __init__(self, *, min_score: float = 0.12, place_aware: bool = True, clash_factor: float = 0.5) -> None:
        self.min_score = min_score
        self.place_aware = place_aware
        self.clash_factor = clash_factor

    def get_params(self, deep: bool = True) -> dict[str, object]:
        return {"min_score": self.min_score, "place_aware": self.place_aware, "clash_factor": self.clash_factor}

    def fit(self, X: Sequence[str], y: object = None, *, ids: Sequence[Any] | None = None) -> SimilarIndex:
        texts = [t if isinstance(t, str) else "" for t in X]
        if ids is not None and len(ids) != len(texts):
            raise ValueError("ids must have one entry per text")
        self.vectorizer_ = HashedTfidf(n_features=2**20)
        # feature -> cases (an inverted index): a query reads only the postings of its own n-grams
        self.postings_ = self.vectorizer_.fit_transform(texts).T.tocsr()
        self.ids_ = list(ids) if ids is not None else list(range(len(texts)))
        self.places_ = [message_places(t) for t in texts] if self.place_aware else None
        return self

    def query(self, text: str, k: int = 5) -> list[tuple[Any, float]]:
        if not isinstance(text, str) or not text.strip() or not self.ids_ or k < 1:
            return []
        vector = self.vectorizer_.transform([text])
        scores = np.asarray(self.postings_[vector.indices].T @ vector.data, dtype=np.float64).ravel()
        candidates = np.flatnonzero(scores >= self.min_score * (self.clash_factor if self.place_aware else 1))
        if self.places_ is not None and len(candidates):
            mine = message_places(text)
            for c in candidates:
                if places_clash(mine, self.places_[c]):
                    scores[c] *= self.clash_factor
        candidates = candidates[scores[candidates] >= self.min_score]
        best = candidates[np.argsort(-scores[candidates], kind="stable")[:k]]
        return [(self.ids_[c], round(float(scores[c]), 4)) for c in best]


def similar(query_title_body: str, candidates: Iterable[tuple[Any, str]], k: int = 5) -> list[tuple[Any, float]]:
    """One-off "可能相同的问题": (id, score) of the ``k`` candidates most similar to the query text.

    Fits a ``SimilarIndex`` each call (without place checks, to stay fast); a page that answers
    many queries over the same cases should keep a fitted ``SimilarIndex`` instead.
    """
    pairs = list(candidates)
    index = SimilarIndex(place_aware=False).fit([t for _, t in pairs], ids=[i for i, _ in pairs])
    return index.query(query_title_body, k)


def same_problem_places(text: str, others: Sequence[str]) -> list[bool]:
    """For each of ``others``, whether it may speak of the same problem as ``text`` as far as places and
    organisations tell (texts are ``title + "\n" + body``): when both name a fine place (estate, community, road),
    a district or region, or an organisation (a school, a hospital, a platform), they name the same one — the rule
    of the grouping's second pass (``_merge``) and of ``places_clash``."""
    extractor = _extractor()
    mine = message_places(text, extractor=extractor)
    return [not places_clash(mine, message_places(other, extractor=extractor)) for other in others]


# -- evaluation on the hand-labelled pairs ----------------------------------------------------------
def evaluate(data_dir: Path, gold_dir: Path, *, grouper: IssueGrouper | None = None) -> dict[str, float]:
    """Pairwise precision/recall of the grouping on gold/hot_pairs.csv (source,id_a,id_b,same).

    Every source file named in the gold file is grouped whole (times included); a pair counts as
    predicted "same" when both messages end in one issue.
    """
    data_dir = Path(data_dir)
    messages_dir = data_dir / "teddycup2020" if (data_dir / "teddycup2020").is_dir() else data_dir
    with open(Path(gold_dir) / "hot_pairs.csv", encoding="utf-8", newline="") as f:
        gold = list(csv.DictReader(f))
    same_pred, same_true = [], []
    for source in sorted({row["source"] for row in gold}):
        with open(messages_dir / f"{source}.jsonl", encoding="utf-8") as f:
            rows = [json.loads(line) for line in f]
        position = {row["id"]: k for k, row in enumerate(rows)}
        days = [datetime.strptime(r["time"], "%Y-%m-%d %H:%M:%S").timestamp() / _DAY for r in rows]
        labels = (grouper or IssueGrouper()).fit([join_text(r["title"], r["body"]) for r in rows], times=days).labels_
        for row in (r for r in gold if r["source"] == source):
            a, b = position[int(row["id_a"])], position[int(row["id_b"])]
            same_pred.append(bool(labels[a] == labels[b]))
            same_true.append(row["same"].strip() == "1")
    predicted, truth = np.array(same_pred), np.array(same_true)
    hits = int((predicted & truth).sum())
    precision = hits / max(int(predicted.sum()), 1)
    recall = hits / max(int(truth.sum()), 1)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(f1, 3),
        "n": len(truth),
        "same": int(truth.sum()),
    }
