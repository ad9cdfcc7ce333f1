"""Training time only: read the shared data and the gold labels, and train the analyzer `minyi train` ships.

Nothing here runs when a message is analysed (that is minyi.nlp.pipeline); every component is imported
plainly, so that a broken module stops the training instead of shipping a model without it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minyi.nlp import appeal, routing_eval, urgency
from minyi.nlp.departments import extract_department, family_of
from minyi.nlp.domain import DomainClassifier, domain_from_reply
from minyi.nlp.io import read_messages
from minyi.nlp.keywords import load_taxonomy_keywords
from minyi.nlp.pipeline import MessageAnalyzer, clean_message
from minyi.nlp.places import PlaceExtractor
from minyi.nlp.text import split_text

__all__ = ["DATA_FILES", "DISTANT_WEIGHT", "TrainingData", "load_training_data", "train_default"]

DATA_FILES = ("messages_labeled", "messages_unlabeled", "messages_with_votes", "messages_with_replies")
DISTANT_WEIGHT = 0.1


@dataclass
class TrainingData:
    """Everything `minyi train` learns from, already cleaned as analyze() cleans."""

    all_texts: list[str] = field(default_factory=list)
    domain_texts: list[str] = field(default_factory=list)
    domain_labels: list[str] = field(default_factory=list)
    domain_weights: list[float] = field(default_factory=list)
    domain_gold: list[bool] = field(default_factory=list)  # True: a labelled message, False: distant/extra
    department_texts: list[str] = field(default_factory=list)
    department_labels: list[str | None] = field(default_factory=list)
    appeal_texts: list[str] = field(default_factory=list)
    appeal_labels: list[str] = field(default_factory=list)
    urgency_texts: list[str] = field(default_factory=list)
    urgency_labels: list[int] = field(default_factory=list)
    urgency_harm: list[int] = field(default_factory=list)  # urgency.harm_labels: 1 self-harm, 0 other, -1 unknown
    keywords: dict[str, dict[str, float]] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)


def _clean_message(title: str, body: str) -> str:
    return clean_message(title, body)[0].joined


def load_training_data(
    data_dir: str | Path,
    gold_dir: str | Path | None = None,
    *,
    extra_labels: str | Path | None = None,
    progress: Callable[[Iterable[Any], str], Iterable[Any]] | None = None,
) -> TrainingData:
    """Read the shared data (+ gold labels, + coordinators' extra labels) into TrainingData."""
    data_dir = Path(data_dir)
    bar = progress or (lambda items, _desc: items)
    data = TrainingData()
    rows: dict[str, list[dict[str, Any]]] = {}
    for stem in DATA_FILES:
        path = data_dir / f"{stem}.jsonl"
        data.files.append(path)
        rows[stem] = read_messages(path, unique_ids=False)
    data.files.append(data_dir / "taxonomy.csv")
    data.keywords = load_taxonomy_keywords(data_dir / "taxonomy.csv")
    cleaned: dict[str, list[str]] = {}
    for stem in DATA_FILES:
        cleaned[stem] = [_clean_message(r["title"], r["body"]) for r in bar(rows[stem], f"cleaning {stem}")]
        data.all_texts += cleaned[stem]
    labelled = set(cleaned["messages_labeled"])
    for text, row in zip(cleaned["messages_labeled"], rows["messages_labeled"], strict=True):
        _add_domain(data, text, row["category"], 1.0, gold=True)
    for text, row in zip(cleaned["messages_with_replies"], rows["messages_with_replies"], strict=True):
        reply = row.get("reply", "")
        domain = domain_from_reply(reply)
        if domain and text not in labelled:  # never a copy of a labelled message (keeps CV honest)
            _add_domain(data, text, domain, DISTANT_WEIGHT, gold=False)
        name = extract_department(reply)
        data.department_texts.append(text)
        data.department_labels.append(family_of(name) if name else None)
    if gold_dir is not None:
        _load_gold(data, data_dir, Path(gold_dir))
    if extra_labels is not None:
        _load_extra(data, Path(extra_labels))
    return data


def _add_domain(data: TrainingData, text: str, label: str, weight: float, *, gold: bool) -> None:
    data.domain_texts.append(text)
    data.domain_labels.append(label)
    data.domain_weights.append(weight)
    data.domain_gold.append(gold)


def _load_gold(data: TrainingData, data_dir: Path, gold_dir: Path) -> None:
    if (gold_dir / "appeal_kind.csv").is_file():
        texts, labels, _ = appeal.load_gold(data_dir, gold_dir)
        data.appeal_texts += [_clean_message(*split_text(t)) for t in texts]
        data.appeal_labels += list(labels)
        data.files.append(gold_dir / "appeal_kind.csv")
    if (gold_dir / "urgency.csv").is_file():
        texts, flags = urgency.load_gold_texts(data_dir, gold_dir)
        data.urgency_texts += [_clean_message(*split_text(t)) for t in texts]
        data.urgency_labels += [int(v) for v in flags]
        data.urgency_harm += urgency.harm_labels(flags)
        data.files.append(gold_dir / "urgency.csv")
    for name in (routing_eval.DEV_SET, routing_eval.TRAIN_SET):  # never the test set: it is only measured on
        if (gold_dir / name).is_file():
            for row in routing_eval.load_department_gold(data_dir, gold_dir, name):
                data.department_texts.append(_clean_message(row["title"], row["body"]))
                data.department_labels.append(row["label"])
            data.files.append(gold_dir / name)
    for name in urgency.WRITTEN_TRAINING_SETS:  # never urgency.BLIND_SET: it is only measured on
        if (gold_dir / name).is_file():
            texts, flags, categories = urgency.load_dev_set(gold_dir, name)
            data.urgency_texts += [_clean_message(*split_text(t)) for t in texts]
            data.urgency_labels += [int(v) for v in flags]
            data.urgency_harm += urgency.harm_labels(flags, categories)
            data.files.append(gold_dir / name)


def _load_extra(data: TrainingData, path: Path) -> None:
    """Coordinator corrections: JSON lines {"title","body","domain"?,"appeal_kind"?,"urgent"?,"department"?}."""
    data.files.append(path)
    with open(path, encoding="utf-8") as handle:
        for n, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                msg = f"{path}: line {n}: bad JSON ({exc.msg})"
                raise ValueError(msg) from None
            if not isinstance(row, dict):
                msg = f"{path}: line {n}: expected a JSON object"
                raise ValueError(msg)
            text = _clean_message(str(row.get("title") or ""), str(row.get("body") or ""))
            data.all_texts.append(text)
            if row.get("domain"):
                _add_domain(data, text, str(row["domain"]), 1.0, gold=False)
            if row.get("appeal_kind"):
                data.appeal_texts.append(text)
                data.appeal_labels.append(str(row["appeal_kind"]))
            if row.get("urgent") is not None:
                data.urgency_texts.append(text)
                data.urgency_labels.append(int(bool(row["urgent"])))
                data.urgency_harm += urgency.harm_labels([int(bool(row["urgent"]))])
            family = family_of(str(row.get("department") or ""))
            if family:
                data.department_texts.append(text)
                data.department_labels.append(family)


def train_default(data: TrainingData, *, progress: Callable[[str], None] | None = None) -> MessageAnalyzer:
    """The analyzer `minyi train` ships: every component trained on `data`."""
    say = progress or (lambda _msg: None)
    appeal_kinds = None  # fewer than two kinds labelled (no gold folder): no appeal-kind model
    if len(set(data.appeal_labels)) >= 2:
        say("appeal kind")
        appeal_kinds = appeal.AppealKindClassifier().fit(data.appeal_texts, data.appeal_labels)
    say("urgency")
    detector = urgency.UrgencyDetector(learned=True).fit(
        data.urgency_texts, data.urgency_labels or None, harm=data.urgency_harm or None
    )
    places = PlaceExtractor().fit(data.all_texts[:0])
    analyzer = MessageAnalyzer(
        domain=DomainClassifier(keywords=data.keywords), appeal=appeal_kinds, urgency=detector, places=places
    )
    return analyzer.fit(
        data.all_texts,
        domain_data=(data.domain_texts, data.domain_labels, data.domain_weights),
        department_data=(data.department_texts, data.department_labels),
        progress=progress,
    )
