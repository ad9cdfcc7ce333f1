"""Domain (领域) classification: a linear SVM over TextFeatures (features.py) + taxonomy keyword scores
(keywords.py), and domain_from_reply (the distant supervision).

What makes it work on only 414 labelled messages (see docs/nlp.md for the figures):
- TextFeatures: word (rjieba) and char 1-3-gram TF-IDF of the whole text and of the title, with the
  vocabulary and IDF learned on all ~10k shared messages (label-free); computed with NumPy, not per-doc
  Python loops, so that predict stays fast.
- KeywordScorer: per-domain scores from the official taxonomy's level-2/level-3 terms (keyword seeds).
- Distant supervision: messages whose official reply names a department of one domain (教育局 -> 教育文体 …)
  are added to the training data with a small weight (see domain_from_reply).

Abstention (其他/无法判断, issue 12): the labelled data holds seven domains, so a message about the police,
the courts, household registration or land is forced into one of them, and English, nonsense or a
two-word message gets a label all the same. `decide` answers None (the platform's "no domain": staff pick
one, statistics count it under 未分类) when the top softmax score is below `min_confidence` (0.5) or the
text has fewer than `min_chars` (8) Chinese characters; the top score is returned as the confidence.
Figures (docs/nlp.md): by CV on the 414 labelled messages, coverage 0.92 and accuracy on the answered
0.94 (0.91 without abstention); abstention on the 40 inputs of gold/domain_outside.csv.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.svm import LinearSVC

from minyi.nlp.features import TextFeatures, sparsify
from minyi.nlp.keywords import KeywordScorer
from minyi.nlp.text import split_text

__all__ = ["DomainClassifier", "domain_from_reply", "load_outside"]


@lru_cache(maxsize=4)
def _enough_chinese(n: int) -> re.Pattern[str]:
    """Matches (at the start) a text with at least n Chinese characters; stops at the n-th."""
    return re.compile(f"(?:[^\u4e00-\u9fff]*[\u4e00-\u9fff]){{{n}}}")


class DomainClassifier(ClassifierMixin, BaseEstimator):
    """Linear SVM over TextFeatures + keyword scores of the whole text and of the title.

    `min_confidence` / `min_chars`: when `decide` abstains (see the module docstring); class attributes
    too, so that models pickled before they existed abstain the same way.
    """

    min_confidence: float = 0.5
    min_chars: int = 8

    def __init__(
        self,
        *,
        keywords: dict[str, dict[str, float]] | None = None,
        C: float = 1.0,
        keyword_weight: float = 0.5,
        title_keyword_weight: float = 1.0,
        min_df: int = 2,
        class_weight: str | None = "balanced",
        temperature: float = 0.3,
        max_weights: int | None = 50000,
        keyword_chars: int = 3000,
        features: TextFeatures | None = None,
        min_confidence: float = 0.5,
        min_chars: int = 8,
    ) -> None:
        self.min_confidence = min_confidence
        self.min_chars = min_chars
        self.keywords = keywords
        self.C = C
        self.keyword_weight = keyword_weight
        self.title_keyword_weight = title_keyword_weight
        self.min_df = min_df
        self.class_weight = class_weight
        self.temperature = temperature
        self.max_weights = max_weights
        self.keyword_chars = keyword_chars
        self.features = features

    def fit(
        self,
        X: Iterable[str],
        y: Sequence[str],
        *,
        sample_weight: Sequence[float] | None = None,
        unlabeled: Iterable[str] | None = None,
        base: sp.csr_matrix | None = None,
    ) -> DomainClassifier:
        """Learn from labelled texts; `unlabeled` texts only widen the vocabulary and IDF (no labels used).

        A `features` parameter that is already fitted is used as it is (shared across CV folds), and then
        `base` may hold its transform of X.
        """
        texts = [str(t) for t in X]
        if self.features is not None and hasattr(self.features, "word_vocab_"):
            self.features_ = self.features
        else:
            every_text = texts + [str(t) for t in (unlabeled or [])]
            self.features_ = TextFeatures(min_df=self.min_df).fit(every_text)
        self.keyword_scorer_ = KeywordScorer(keywords=self.keywords, max_chars=self.keyword_chars).fit()
        matrix = self._matrix(texts, base=base if self.features_ is self.features else None)
        svm = LinearSVC(C=self.C, class_weight=self.class_weight, random_state=0)
        svm.fit(matrix, np.asarray(y), sample_weight)
        self.classes_ = svm.classes_
        coef, intercept = svm.coef_, svm.intercept_
        if coef.shape[0] == 1:  # binary: LinearSVC keeps one row for the positive class
            coef, intercept = np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
        self.coef_ = sparsify(coef, self.max_weights)
        self.intercept_ = intercept.astype(np.float32)
        return self

    def use_features(self, features: TextFeatures, old_columns: np.ndarray) -> DomainClassifier:
        """Switch to a restricted TextFeatures (see TextFeatures.restrict); keyword columns are kept."""
        n_old = self.coef_.shape[1] - 2 * len(self.keyword_scorer_.domains_)
        keep = np.concatenate([old_columns, np.arange(n_old, self.coef_.shape[1])])
        self.coef_ = self.coef_[:, keep].tocsr()
        self.features_ = self.features = features
        return self

    def _matrix(
        self, texts: Sequence[str], tokens: Sequence[Sequence[str]] | None = None, base: sp.csr_matrix | None = None
    ) -> sp.csr_matrix:
        if base is None:
            base = self.features_.transform(texts, tokens=tokens)
        return sp.hstack([base, sp.csr_matrix(self._keyword_block(texts))], format="csr", dtype=np.float32)

    def _keyword_block(self, texts: Sequence[str]) -> np.ndarray:
        titles = [split_text(t)[0] for t in texts]
        full = self.keyword_scorer_.transform(texts)
        title = self.keyword_scorer_.transform(titles)
        return np.hstack([self.keyword_weight * full, self.title_keyword_weight * title])

    def decision_function(
        self,
        X: Iterable[str],
        *,
        tokens: Sequence[Sequence[str]] | None = None,
        base: sp.csr_matrix | None = None,
    ) -> np.ndarray:
        """Margins, one column per class; `base` = features_.transform(X) when already computed."""
        texts = [str(t) for t in X]
        if base is None:
            base = self.features_.transform(texts, tokens=tokens)
        dense = self.__dict__.get("_dense_coef")
        if dense is None or dense.shape[0] != self.coef_.shape[1]:
            dense = self.__dict__["_dense_coef"] = self.coef_.T.toarray()
        n_base = base.shape[1]
        return np.asarray(base @ dense[:n_base]) + self._keyword_block(texts) @ dense[n_base:] + self.intercept_

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.pop("_dense_coef", None)
        return state

    def predict_proba(
        self,
        X: Iterable[str],
        *,
        tokens: Sequence[Sequence[str]] | None = None,
        base: sp.csr_matrix | None = None,
    ) -> np.ndarray:
        """Softmax of the margins (a score that sums to 1, not a calibrated probability)."""
        margins = self.decision_function(X, tokens=tokens, base=base) / self.temperature
        margins -= margins.max(axis=1, keepdims=True)
        expd = np.exp(margins)
        return expd / expd.sum(axis=1, keepdims=True)

    def decide(self, texts: Sequence[str], proba: np.ndarray) -> tuple[list[str | None], list[float]]:
        """The domain of each text, or None where the model abstains (其他/无法判断), and the confidence
        (the top softmax score); `proba` = predict_proba(texts)."""
        best = proba.argmax(axis=1)
        confidence = proba[np.arange(len(best)), best].astype(np.float64)
        enough = _enough_chinese(self.min_chars).match  # min_chars Chinese characters among the first 400
        classes = [str(c) for c in self.classes_]
        names: list[str | None] = [
            classes[j] if c >= self.min_confidence and enough(text, 0, 400) else None
            for text, j, c in zip(texts, best.tolist(), confidence.tolist(), strict=True)
        ]
        return names, confidence.tolist()

    def predict(
        self,
        X: Iterable[str],
        *,
        tokens: Sequence[Sequence[str]] | None = None,
        base: sp.csr_matrix | None = None,
    ) -> np.ndarray:
        return self.classes_[np.argmax(self.decision_function(X, tokens=tokens, base=base), axis=1)]


# Departments named in official replies -> the domain they handle (distant supervision, label-free).
_REPLY_DOMAIN_PATTERNS = {
    "教育文体": r"教育局|教育厅|文体|文化|体育局|招生|学校",
    "劳动和社会保障": r"人社局|人力资源和社会保障|社保|医保|社会保险|劳动监察|就业",
    "卫生计生": r"卫生|卫计|卫健|计生|医院|食药监|食品药品|疾控",
    "环境保护": r"环保局|环境保护局|生态环境|环境监测|环境执法",
    "交通运输": r"交通运输局|交通局|运管|公路局|出租车|客运|邮政",
    "城乡建设": r"住房和城乡建设|住建|城管|规划局|房产|城乡建设|住房保障|公积金|物业|街道",
    "商贸旅游": r"商务局|旅游|市场监督管理|工商|质监|质量技术监督|物价",
}
_REPLY_DOMAIN_RES = {d: re.compile(p) for d, p in _REPLY_DOMAIN_PATTERNS.items()}


def domain_from_reply(reply: str) -> str | None:
    """The domain implied by the departments an official reply names, when exactly one domain is implied."""
    if not reply:
        return None
    found = [d for d, pattern in _REPLY_DOMAIN_RES.items() if pattern.search(reply)]
    return found[0] if len(found) == 1 else None


def load_outside(gold_dir: Path) -> list[tuple[str, str, str]]:
    """(kind, title, body) of gold/domain_outside.csv: inputs outside the seven labelled domains, nonsense,
    English and very short texts, on which the domain classifier should abstain; [] when the file is absent."""
    path = Path(gold_dir) / "domain_outside.csv"
    if not path.is_file():
        return []
    with open(path, encoding="utf-8", newline="") as f:
        return [(r["kind"], r["title"], r["body"]) for r in csv.DictReader(f)]
