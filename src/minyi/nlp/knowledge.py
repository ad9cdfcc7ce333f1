"""Knowledge-base search (知识库): which question-and-answer entries answer a citizen's message.

Chinese has no spaces, so an entry is indexed by its character bigrams (a single character stands for a
one-character run; letters and digits are whole tokens) and ranked by BM25. The platform stores the same
terms in an inverted index in SQL (``minyi.knowledge``) and ranks the postings it reads with ``rank``;
``KnowledgeIndex`` keeps them in memory for the evaluation and the benchmark's baseline.

Query terms found in more than ``max_df_share`` of the entries (``问题``, ``小区``…) are skipped while enough
rarer ones remain, and at most ``max_terms`` of the rarest are read: a query reads a bounded number of postings
whatever the size of the knowledge base.

The figure: ``evaluate`` on held-out pairs (``gold/hot_pairs.csv``): an entry made from one message of a pair,
queried with the OTHER message (never its own text), among distractor entries made from every message with an
official reply; top-3 hit rate. See docs/knowledge.md.
"""

from __future__ import annotations

import csv
import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from minyi.nlp.pii import mask_pii

_RUN = re.compile(r"[\u3400-\u9fff]+|[a-z0-9]+")
# Field weights of an entry (the question names the problem; the answer adds the department's words).
QUESTION_WEIGHT = 2.0
DETAILS_WEIGHT = 1.0
ANSWER_WEIGHT = 0.5
K1, B = 1.2, 0.75


def terms(text: str) -> Counter[str]:
    """Character bigrams of the Chinese runs of `text` (a lone character as itself) and its latin/digit tokens."""
    folded = unicodedata.normalize("NFKC", text or "").lower()
    out: Counter[str] = Counter()
    for run in _RUN.findall(folded):
        if not "\u3400" <= run[0] <= "\u9fff":
            out[run[:16]] += 1
        elif len(run) == 1:
            out[run] += 1
        else:
            out.update(run[i : i + 2] for i in range(len(run) - 1))
    return out


def entry_terms(question: str, details: str = "", answer: str = "") -> dict[str, float]:
    """An entry's weighted term frequencies: question, details and answer weighted by field."""
    weighted: dict[str, float] = {}
    for text, weight in ((question, QUESTION_WEIGHT), (details, DETAILS_WEIGHT), (answer, ANSWER_WEIGHT)):
        for term, count in terms(text).items():
            weighted[term] = weighted.get(term, 0.0) + weight * count
    return weighted


def entry_length(weighted: Mapping[str, float]) -> float:
    """The document length BM25 normalises by (the sum of weighted frequencies)."""
    return float(sum(weighted.values()))


@dataclass(frozen=True)
class QueryPlan:
    """The query terms worth reading postings for, with their BM25 inverse document frequencies."""

    idf: dict[str, float]


def plan_query(
    text: str, document_frequency: Mapping[str, int], n_entries: int, *, max_df_share: float = 0.1, max_terms: int = 200
) -> QueryPlan:
    """Choose the query's terms: known ones, the very common skipped while at least 4 rarer remain, rarest first."""
    known = [(document_frequency[t], t) for t in terms(text) if document_frequency.get(t)]
    known.sort()
    rare = [(df, t) for df, t in known if df <= max_df_share * max(n_entries, 1)]
    chosen = (rare if len(rare) >= 4 else known)[:max_terms]
    return QueryPlan({t: math.log(1.0 + (n_entries - df + 0.5) / (df + 0.5)) for df, t in chosen})


def rank(
    plan: QueryPlan,
    postings: Iterable[tuple[str, int, float, float]],
    avg_length: float,
    *,
    k: int = 5,
    exclude: Iterable[int] = (),
) -> list[tuple[int, float]]:
    """BM25: (entry id, score) of the ``k`` best entries from the postings read (term, entry id, weighted tf, the
    entry's length)."""
    scores: dict[int, float] = {}
    avg = avg_length or 1.0
    for term, entry_id, tf, length in postings:
        idf = plan.idf.get(term)
        if idf is None:
            continue
        norm = K1 * (1.0 - B + B * length / avg)
        scores[entry_id] = scores.get(entry_id, 0.0) + idf * tf * (K1 + 1.0) / (tf + norm)
    for skip in exclude:
        scores.pop(skip, None)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:k]


class KnowledgeIndex:
    """An in-memory inverted index of entries (question, details, answer), ranked as the platform ranks them.

    After ``fit``: ``postings_`` (term -> list of (entry id, weighted tf)), ``lengths_``, ``avg_length_``,
    ``df_`` and ``ids_``.
    """

    def __init__(self, *, max_df_share: float = 0.1, max_terms: int = 200) -> None:
        self.max_df_share = max_df_share
        self.max_terms = max_terms

    def get_params(self, deep: bool = True) -> dict[str, object]:
        return {"max_df_share": self.max_df_share, "max_terms": self.max_terms}

    def fit(
        self, X: Sequence[tuple[str, str, str]], y: object = None, *, ids: Sequence[int] | None = None
    ) -> KnowledgeIndex:
        self.ids_ = list(ids) if ids is not None else list(range(len(X)))
        self.postings_: dict[str, list[tuple[int, float]]] = {}
        self.lengths_: dict[int, float] = {}
        for entry_id, (question, details, answer) in zip(self.ids_, X, strict=True):
            weighted = entry_terms(question, details, answer)
            self.lengths_[entry_id] = entry_length(weighted)
            for term, tf in weighted.items():
                self.postings_.setdefault(term, []).append((entry_id, tf))
        self.df_ = {term: len(p) for term, p in self.postings_.items()}
        self.avg_length_ = sum(self.lengths_.values()) / max(len(self.lengths_), 1)
        return self

    def query(self, text: str, k: int = 5, *, exclude: Iterable[int] = ()) -> list[tuple[int, float]]:
        """(entry id, score) of the ``k`` entries that best answer `text`."""
        plan = plan_query(text, self.df_, len(self.ids_), max_df_share=self.max_df_share, max_terms=self.max_terms)
        read = ((t, i, tf, self.lengths_[i]) for t in plan.idf for i, tf in self.postings_[t])
        return rank(plan, read, self.avg_length_, k=k, exclude=exclude)


def naive_scores(text: str, entries: Sequence[tuple[str, str, str]], k: int = 5) -> list[tuple[int, float]]:
    """The baseline: score every entry from scratch (the same BM25, no index) — what the index saves."""
    return KnowledgeIndex(max_df_share=1.0, max_terms=10_000).fit(entries).query(text, k)


# -- evaluation on held-out pairs -------------------------------------------------------------------------------
def _read_jsonl(path: Path) -> list[dict[str, object]]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _entry_of(message: Mapping[str, object], answer: str = "") -> tuple[str, str, str]:
    """An entry made from a message as the 设为常见问题 button makes it: masked title, masked body, the reply."""
    return (mask_pii(str(message["title"]).strip()), mask_pii(" ".join(str(message["body"]).split())), answer)


def evaluate(
    data_dir: Path, gold_dir: Path, *, index: KnowledgeIndex | None = None, k: int = 3
) -> dict[str, float | int]:
    """Top-``k`` hit rate on held-out pairs: each "same" pair of gold/hot_pairs.csv in both directions.

    The knowledge base holds an entry made from every message with an official reply (question, details, the
    reply as answer) and one from every message of a "same" pair; each message of a pair queries it, its own entry
    excluded, and hits when the entry of its partner is among the ``k`` first. ``hit_any`` also counts any entry
    of a message labelled "same" as the query's.
    """
    data_dir = Path(data_dir)
    messages_dir = data_dir / "teddycup2020" if (data_dir / "teddycup2020").is_dir() else data_dir
    with open(Path(gold_dir) / "hot_pairs.csv", encoding="utf-8", newline="") as handle:
        pairs = [r for r in csv.DictReader(handle) if r["same"].strip() == "1"]
    by_id: dict[int, dict[str, object]] = {}
    for source in sorted({r["source"] for r in pairs}):
        by_id.update({int(str(m["id"])): m for m in _read_jsonl(messages_dir / f"{source}.jsonl")})
    replied = _read_jsonl(messages_dir / "messages_with_replies.jsonl")
    gold_ids = sorted({int(r[c]) for r in pairs for c in ("id_a", "id_b")})
    entries = [_entry_of(m, str(m.get("reply") or "")) for m in replied] + [_entry_of(by_id[i]) for i in gold_ids]
    entry_ids = [-(n + 1) for n in range(len(replied))] + gold_ids  # distractors get negative ids
    fitted = (index or KnowledgeIndex()).fit(entries, ids=entry_ids)
    partners: dict[int, set[int]] = {}
    for r in pairs:
        a, b = int(r["id_a"]), int(r["id_b"])
        partners.setdefault(a, set()).add(b)
        partners.setdefault(b, set()).add(a)
    hits = hits_any = queries = 0
    for r in pairs:
        for query_id, target in ((int(r["id_b"]), int(r["id_a"])), (int(r["id_a"]), int(r["id_b"]))):
            message = by_id[query_id]
            found = [i for i, _ in fitted.query(f"{message['title']}\n{message['body']}", k, exclude=[query_id])]
            queries += 1
            hits += target in found
            hits_any += bool(partners[query_id] & set(found))
    return {
        f"top{k}": round(hits / max(queries, 1), 3),
        f"top{k}_any_same": round(hits_any / max(queries, 1), 3),
        "queries": queries,
        "pairs": len(pairs),
        "entries": len(entries),
    }


if __name__ == "__main__":  # python -m minyi.nlp.knowledge [DATA_DIR] [GOLD_DIR]: the held-out pairs figure
    import sys

    arguments = [*sys.argv[1:], "../shared/data", "gold"]
    print(evaluate(Path(arguments[0]), Path(arguments[1])))
