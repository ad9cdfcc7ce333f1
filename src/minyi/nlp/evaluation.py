"""Shared cross-validation helpers: stratified folds, macro-F1, confusion matrices, top-k accuracy."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score
from sklearn.model_selection import StratifiedKFold

__all__ = ["classification_report_dict", "format_confusion", "stratified_folds", "top_k_accuracy"]


def stratified_folds(y: Sequence[str], n_splits: int = 5, random_state: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) index arrays of a shuffled stratified k-fold split."""
    y = np.asarray(y)
    splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    return list(splitter.split(np.zeros(len(y)), y))


def classification_report_dict(y_true: Sequence[str], y_pred: Sequence[str],
                               labels: Sequence[str] | None = None) -> dict:
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
