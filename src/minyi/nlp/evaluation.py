"""Cross-validation: stratified folds, macro-F1, confusion matrices, top-k accuracy, and the CV of our models."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypedDict, Unpack

import numpy as np
import scipy.sparse as sp
from sklearn.metrics import confusion_matrix, f1_score
from sklearn.model_selection import StratifiedKFold

from minyi.nlp.departments import DepartmentSuggester
from minyi.nlp.domain import DomainClassifier
from minyi.nlp.features import TextFeatures

if TYPE_CHECKING:
    from minyi.nlp.training import TrainingData

__all__ = [
    "classification_report_dict",
    "cross_validate_departments",
    "cross_validate_domain",
    "format_confusion",
    "stratified_folds",
    "top_k_accuracy",
]


class DomainParams(TypedDict, total=False):
    """Keyword arguments of DomainClassifier that cross_validate_domain passes on (it sets keywords and features)."""

    C: float
    keyword_weight: float
    title_keyword_weight: float
    min_df: int
    class_weight: str | None
    temperature: float
    max_weights: int | None
    keyword_chars: int


class DepartmentParams(TypedDict, total=False):
    """Keyword arguments of DepartmentSuggester that cross_validate_departments passes on (it sets
    min_examples and features)."""

    C: float
    temperature: float
    max_weights: int | None


def stratified_folds(
    y: Sequence[str] | np.ndarray, n_splits: int = 5, random_state: int = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) index arrays of a shuffled stratified k-fold split."""
    y = np.asarray(y)
    splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    return list(splitter.split(np.zeros(len(y)), y))


def classification_report_dict(
    y_true: Sequence[str] | np.ndarray, y_pred: Sequence[str] | np.ndarray, labels: Sequence[str] | None = None
) -> dict:
    """macro_f1, accuracy, per-class F1 and the confusion matrix (rows = truth, columns = prediction)."""
    y_true = np.asarray(y_true, dtype=object)
    y_pred = np.asarray(y_pred, dtype=object)
    labels = list(labels) if labels is not None else sorted(set(y_true))
    per_class = f1_score(y_true, y_pred, labels=labels, average=None, zero_division=0)
    return {
        "n": len(y_true),
        "macro_f1": float(np.mean(per_class)) if len(labels) else 0.0,
        "accuracy": float(np.mean(y_true == y_pred)) if len(y_true) else 0.0,
        "per_class_f1": {label: round(float(f), 4) for label, f in zip(labels, per_class, strict=True)},
        "labels": labels,
        "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }


def format_confusion(matrix: Sequence[Sequence[int]], labels: Sequence[str]) -> str:
    """A plain-text confusion matrix: rows are the truth, columns the prediction (numbered as the rows)."""
    width = max((len(str(v)) for row in matrix for v in row), default=1) + 1
    lines = ["truth \\ predicted " + "".join(f"{i + 1:>{width}}" for i in range(len(labels)))]
    for i, (label, row) in enumerate(zip(labels, matrix, strict=True)):
        lines.append(f"{i + 1:>2} {label:<14}" + "".join(f"{v:>{width}}" for v in row))
    return "\n".join(lines)


def top_k_accuracy(y_true: Sequence[str], ranked: Sequence[Sequence[str]], k: int) -> float:
    """Share of items whose true label is among the first k ranked names."""
    if not len(y_true):
        return 0.0
    hits = sum(1 for truth, names in zip(y_true, ranked, strict=True) if truth in list(names)[:k])
    return hits / len(y_true)


def cross_validate_domain(
    data: TrainingData,
    *,
    n_splits: int = 5,
    random_state: int = 0,
    features: TextFeatures | None = None,
    outside: Sequence[tuple[str, str, str]] = (),
    **params: Unpack[DomainParams],
) -> dict:
    """Stratified k-fold CV of the domain classifier on the labelled messages only.

    Besides the forced choice (macro-F1, accuracy), `abstention` reports the classifier's 其他/无法判断
    (DomainClassifier.decide): coverage and accuracy on the answered messages, and on `outside` ((kind, title,
    body) inputs outside the labelled domains, domain.load_outside) the share each fold's model abstains on.

    Each fold trains on its labelled part plus every distant/extra example (none of them is a copy of a
    labelled message); the TextFeatures vocabulary/IDF is fitted once on all texts, which uses no label.
    """
    features = features or TextFeatures().fit(data.all_texts)
    gold = [i for i, g in enumerate(data.domain_gold) if g]
    other = [i for i, g in enumerate(data.domain_gold) if not g]
    texts = [data.domain_texts[i] for i in gold]
    y = np.array([data.domain_labels[i] for i in gold], dtype=object)
    other_texts = [data.domain_texts[i] for i in other]
    other_y = [data.domain_labels[i] for i in other]
    other_w = [data.domain_weights[i] for i in other]
    both = features.transform(texts + other_texts)
    features, old = features.restrict(np.unique(both.indices))  # same model, far fewer columns: faster fits
    both = both[:, old].tocsr()
    base, other_base = both[: len(texts)], both[len(texts) :]
    predicted = np.empty(len(y), dtype=object)
    answered = np.zeros(len(y), dtype=bool)
    outside_texts = _outside_texts(outside)
    outside_abstained = np.zeros(len(outside_texts))
    for train, test in stratified_folds(y, n_splits, random_state):
        model = DomainClassifier(keywords=data.keywords, features=features, **params)
        model.fit(
            [texts[i] for i in train] + other_texts,
            list(y[train]) + other_y,
            sample_weight=[1.0] * len(train) + other_w,
            base=sp.vstack([base[train], other_base], format="csr"),
        )
        test_texts = [texts[i] for i in test]
        proba = model.predict_proba(test_texts, base=base[test])
        predicted[test] = model.classes_[proba.argmax(axis=1)]
        answered[test] = [name is not None for name in model.decide(test_texts, proba)[0]]
        if outside_texts:
            names, _ = model.decide(outside_texts, model.predict_proba(outside_texts))
            outside_abstained += [name is None for name in names]
    report = classification_report_dict(y, predicted)
    report["extra_training_examples"] = len(other)
    kinds = [kind for kind, _, _ in outside]
    report["abstention"] = {
        "coverage": float(answered.mean()) if len(y) else 0.0,
        "abstained": int((~answered).sum()),
        "accuracy_answered": float(np.mean(y[answered] == predicted[answered])) if answered.any() else 0.0,
        "outside_n": len(outside_texts),
        "outside_abstained": float(outside_abstained.mean() / n_splits) if outside_texts else 0.0,
        "outside_by_kind": {
            kind: float(np.mean([a / n_splits for k, a in zip(kinds, outside_abstained, strict=True) if k == kind]))
            for kind in dict.fromkeys(kinds)
        },
    }
    return report


def _outside_texts(outside: Sequence[tuple[str, str, str]]) -> list[str]:
    """The texts of `outside` cleaned as the training data is (title + "\n" + body)."""
    from minyi.nlp.pipeline import clean_message

    return [clean_message(title, body)[0].joined for _, title, body in outside]


def cross_validate_departments(
    data: TrainingData,
    *,
    n_splits: int = 3,
    random_state: int = 0,
    min_examples: int = 3,
    features: TextFeatures | None = None,
    **params: Unpack[DepartmentParams],
) -> dict:
    """Top-1/top-3 accuracy of DepartmentSuggester by stratified k-fold CV over the replies that name a
    department; departments with fewer than `min_examples` replies are dropped from both sides."""
    counts = Counter(d for d in data.department_labels if d)
    kept = [i for i, d in enumerate(data.department_labels) if d and counts[d] >= min_examples]
    texts = [data.department_texts[i] for i in kept]
    y = np.array([data.department_labels[i] for i in kept], dtype=object)
    features = features or TextFeatures().fit(data.all_texts)
    ranked: list[list[str]] = [[] for _ in kept]
    for train, test in stratified_folds(y, n_splits, random_state):
        model = DepartmentSuggester(features=features, min_examples=1, **params)
        model.fit([texts[i] for i in train], list(y[train]))
        for i, top in zip(test, model.suggest([texts[i] for i in test], k=3), strict=True):
            ranked[i] = [name for name, _ in top]
    named = sum(1 for d in data.department_labels if d)
    return {
        "replies": len(data.department_labels),
        "replies_naming_a_department": named,
        "n": len(y),
        "departments": len(set(y)),
        "dropped_departments": sum(1 for c in counts.values() if c < min_examples),
        "dropped_examples": named - len(y),
        "min_examples": min_examples,
        "folds": n_splits,
        "top1": top_k_accuracy(list(y), ranked, 1),
        "top3": top_k_accuracy(list(y), ranked, 3),
        "most_common": counts.most_common(10),
    }
