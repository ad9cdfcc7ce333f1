"""MessageAnalyzer: one pass over a batch of messages — clean, segment, then every classifier.

analyze(title, body) -> dict with domain, domain_scores, appeal_kind, appeal_scores, urgent, urgent_reasons,
places, departments (top-3 [name, score]), clean_text, repairs. Components written by other modules are
optional: when one is missing (not installed, not trained) its keys are None / empty, never an exception.
The domain model and the department model share one TextFeatures pass (one segmentation, one matrix).
"""

from __future__ import annotations

import gc
import gzip
import importlib
import json
import logging
import pickle
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, clone

from minyi.nlp.departments import DepartmentSuggester, canonical_department, extract_department
from minyi.nlp.domain import DomainClassifier, TextFeatures, domain_from_reply, load_taxonomy_keywords, split_title
from minyi.nlp.io import read_messages

try:  # the full cleaning; a plain whitespace cleanup stands in if it cannot be imported
    from minyi.nlp.normalize import normalize as _normalize
except ImportError:  # pragma: no cover - depends on the work tree
    _normalize = None

__all__ = [
    "MODEL_PACKAGE",
    "MessageAnalyzer",
    "TrainingData",
    "clean",
    "dumps_model",
    "load_default_analyzer",
    "load_training_data",
    "loads_model",
    "optional_module",
    "train_default",
]

log = logging.getLogger(__name__)
MODEL_PACKAGE = "minyi.nlp.models"
MODEL_FILE = "default.pkl"
_WS = re.compile(r"\s+")
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r" ?\n[\s]*")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]+")


def clean(text: str, *, one_line: bool = False) -> tuple[str, list[dict[str, str]]]:
    """Cleaned text and the repairs made (normalize() when available); `one_line` for a title."""
    text = _CONTROL.sub(" ", text or "")
    repairs: list[dict[str, str]] = []
    if _normalize is not None:
        try:
            result = _normalize(text)
        except Exception:  # a cleaning bug must not lose the message: fall back to whitespace cleanup
            log.exception("normalize() failed; using whitespace cleanup")
        else:
            repairs = [{"kind": r.kind, "detail": r.detail} for r in result.repairs]
            text = result.text.strip()  # normalize() already collapses whitespace runs
            return (_WS.sub(" ", text) if one_line and "\n" in text else text), repairs
    if one_line:
        return _WS.sub(" ", text).strip(), repairs
    return _BLANK_LINES.sub("\n", _SPACES.sub(" ", text)).strip(), repairs


class MessageAnalyzer(BaseEstimator):
    """All per-message suggestions. Components are fitted estimators (or None for a missing one).

    fit() trains the components it owns (shared features, domain, departments) from keyword arguments;
    appeal/urgency/places come already fitted from their modules. ``batch_size``: messages per
    vectorised batch; 512 measured ~4% faster than 256 or 1,024 (NumPy call overhead against cache).
    """

    def __init__(self, *, features: TextFeatures | None = None, domain: DomainClassifier | None = None,
                 departments: DepartmentSuggester | None = None, appeal: Any = None, urgency: Any = None,
                 places: Any = None, rules: Mapping[str, Iterable[str]] | None = None,
                 max_chars: int = 20000, batch_size: int = 512) -> None:
        self.features = features
        self.domain = domain
        self.departments = departments
        self.appeal = appeal
        self.urgency = urgency
        self.places = places
        self.rules = rules
        self.max_chars = max_chars
        self.batch_size = batch_size

    def fit(self, X: Iterable[str], y: object = None, *,  # noqa: N803 - scikit-learn's name
            domain_data: tuple[Sequence[str], Sequence[str], Sequence[float]] | None = None,
            department_data: tuple[Sequence[str], Sequence[str | None]] | None = None,
            progress: Callable[[str], None] | None = None) -> MessageAnalyzer:
        """X: every text available (label-free vocabulary); domain_data: (texts, labels, weights);
        department_data: (texts, department names)."""
        say = progress or (lambda _msg: None)
        say("features")
        features = clone(self.features) if self.features is not None else TextFeatures()
        features.fit(list(X))
        self.domain_ = self.departments_ = None
        if domain_data is not None:
            say("domain")
            texts, labels, weights = domain_data
            base = clone(self.domain) if self.domain is not None else DomainClassifier()
            self.domain_ = base.set_params(features=features).fit(texts, labels, sample_weight=weights)
        if department_data is not None:
            say("departments")
            texts, names = department_data
            base = clone(self.departments) if self.departments is not None else DepartmentSuggester()
            self.departments_ = base.set_params(features=features).fit(texts, names)
        self.features_ = self._shrink(features)
        self.appeal_, self.urgency_, self.places_ = self.appeal, self.urgency, self.places
        return self

    def _shrink(self, features: TextFeatures) -> TextFeatures:
        """Keep only the feature columns some model uses (a small file and small lookup tables)."""
        n_base = features.n_base_features
        used = [m.coef_[:, :n_base].tocsr().indices for m in (self.domain_, self.departments_) if m is not None]
        if not used:
            return features
        small, old = features.restrict(np.unique(np.concatenate(used)))
        for model in (self.domain_, self.departments_):
            if model is not None:
                model.use_features(small, old)
        return small

    def analyze(self, title: str, body: str, *, rules: Mapping[str, Iterable[str]] | None = None) -> dict[str, Any]:
        """Suggestions for one message."""
        return self.analyze_many([(title, body)], rules=rules)[0]

    def analyze_many(self, messages: Iterable[tuple[str, str]], *,
                     rules: Mapping[str, Iterable[str]] | None = None) -> list[dict[str, Any]]:
        """Suggestions for many (title, body) pairs, computed in vectorised batches."""
        pairs = [(_as_text(t), _as_text(b)) for t, b in messages]
        out: list[dict[str, Any]] = []
        for start in range(0, len(pairs), self.batch_size):
            out.extend(self._batch(pairs[start:start + self.batch_size], rules))
        return out

    def _batch(self, pairs: list[tuple[str, str]], rules: Mapping[str, Iterable[str]] | None) -> list[dict[str, Any]]:
        cleaned = [self._clean_pair(t, b) for t, b in pairs]
        texts = [c[0] for c in cleaned]
        results = [{"clean_text": text, "repairs": repairs, "domain": None, "domain_scores": {},
                    "appeal_kind": None, "appeal_scores": {}, "urgent": False, "urgent_reasons": [],
                    "places": [], "departments": []} for text, repairs in cleaned]
        live = [i for i, t in enumerate(texts) if t.strip()]
        if not live:
            return results
        live_texts = [texts[i] for i in live]
        base = self.features_.transform(live_texts) if self._owns_models() else None
        domains = self._domains(live_texts, base, [results[i] for i in live])
        self._departments(live_texts, base, domains, rules, [results[i] for i in live])
        self._appeal(live_texts, [results[i] for i in live])
        self._urgency(live_texts, [results[i] for i in live])
        self._places(live_texts, [results[i] for i in live])
        return results

    def _owns_models(self) -> bool:
        return getattr(self, "domain_", None) is not None or getattr(self, "departments_", None) is not None

    def _clean_pair(self, title: str, body: str) -> tuple[str, list[dict[str, str]]]:
        clean_title, title_repairs = clean(title[:1000], one_line=True)
        clean_body, body_repairs = clean(body[: self.max_chars])
        text = f"{clean_title}\n{clean_body}" if clean_title or clean_body else ""
        return text, title_repairs + body_repairs

    def _domains(self, texts: list[str], base: Any, results: list[dict[str, Any]]) -> list[str | None]:
        model = getattr(self, "domain_", None)
        if model is None:
            return [None] * len(texts)
        proba = model.predict_proba(texts, base=base)
        names = [str(c) for c in model.classes_]
        chosen = [names[j] for j in proba.argmax(axis=1).tolist()]
        rounded = np.round(np.asarray(proba, dtype=np.float64), 4).tolist()
        for r, row, name in zip(results, rounded, chosen, strict=True):
            r["domain"] = name
            r["domain_scores"] = dict(zip(names, row, strict=True))
        return chosen

    def _departments(self, texts: list[str], base: Any, domains: list[str | None],
                     rules: Mapping[str, Iterable[str]] | None, results: list[dict[str, Any]]) -> None:
        model = getattr(self, "departments_", None)
        if model is None:
            return
        top = model.suggest(texts, k=3, rules=rules if rules is not None else self.rules, domains=domains, base=base)
        for r, ranked in zip(results, top, strict=True):
            r["departments"] = [[name, score] for name, score in ranked]

    def _appeal(self, texts: list[str], results: list[dict[str, Any]]) -> None:
        model = getattr(self, "appeal_", None)
        if model is None:
            return
        proba = _guarded(lambda: np.asarray(model.predict_proba(texts)), "appeal kind")
        if proba is None:
            return
        names = [str(c) for c in model.classes_]
        best = proba.argmax(axis=1).tolist()
        for r, row, j in zip(results, np.round(np.asarray(proba, dtype=np.float64), 4).tolist(), best, strict=True):
            r["appeal_kind"] = names[j]
            r["appeal_scores"] = dict(zip(names, row, strict=True))

    def _urgency(self, texts: list[str], results: list[dict[str, Any]]) -> None:
        model = getattr(self, "urgency_", None)
        if model is None:
            return
        flags = _guarded(lambda: list(model.predict(texts)), "urgency")
        if flags is None:
            return
        for r, text, flag in zip(results, texts, flags, strict=True):
            r["urgent"] = bool(flag)
            if flag:
                r["urgent_reasons"] = _guarded(lambda t=text: list(model.explain(t)), "urgency reasons") or []

    def _places(self, texts: list[str], results: list[dict[str, Any]]) -> None:
        model = getattr(self, "places_", None)
        if model is None:
            return
        found = _guarded(lambda: list(model.transform(texts)), "places")
        if found is None:
            return
        for r, places in zip(results, found, strict=True):
            r["places"] = list(places)


def _guarded(fn: Callable[[], Any], what: str) -> Any:
    """Run one component; a failure is logged and leaves that component's keys empty."""
    try:
        return fn()
    except Exception:
        log.exception("%s failed on a batch", what)
        return None


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def title_of(text: str) -> str:
    """The title part of a title + "\\n" + body text."""
    return split_title(text)[0]


def dumps_model(analyzer: MessageAnalyzer) -> bytes:
    """The bytes of a model file: a gzip-compressed pickle."""
    return gzip.compress(pickle.dumps(analyzer, protocol=pickle.HIGHEST_PROTOCOL), compresslevel=6, mtime=0)


def loads_model(data: bytes) -> MessageAnalyzer:
    """The analyzer in a model file written by dumps_model() (a plain pickle is accepted too)."""
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    analyzer = pickle.loads(data)  # noqa: S301 - our own artifact, shipped inside the package
    if not isinstance(analyzer, MessageAnalyzer):
        msg = "the model file does not hold a MessageAnalyzer"
        raise TypeError(msg)
    _rebuild_rule_components(analyzer)
    return analyzer


def _rebuild_rule_components(analyzer: MessageAnalyzer) -> None:
    """Rule-based parts (urgency without a learned model, places) are rebuilt from the current code with
    their saved parameters, so that a model file never freezes old rules."""
    for name in ("urgency_", "places_"):
        component = getattr(analyzer, name, None)
        if component is None or getattr(component, "model_", None) is not None:
            continue
        try:
            setattr(analyzer, name, type(component)(**component.get_params()).fit([]))
        except Exception:  # keep the saved one: it worked when the model was trained
            log.exception("could not rebuild %s; using the saved one", name)


@lru_cache(maxsize=1)
def load_default_analyzer() -> MessageAnalyzer:
    """The analyzer shipped in the package (src/minyi/nlp/models/default.pkl), loaded once."""
    data = resources.files(MODEL_PACKAGE).joinpath(MODEL_FILE).read_bytes()
    analyzer = loads_model(data)
    # The model's ~100k Python objects live as long as the process: take them (and whatever else is
    # alive by now) out of the cyclic collector's scans, which otherwise cost ~2% of analysis time.
    gc.freeze()
    return analyzer


# ---------------------------------------------------------------- training from the shared data (train time only)

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
    keywords: dict[str, dict[str, float]] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)


def optional_module(name: str) -> Any:
    """minyi.nlp.<name>, or None while that component is not there yet."""
    try:
        return importlib.import_module(f"minyi.nlp.{name}")
    except ImportError:
        return None


def _clean_message(title: str, body: str) -> str:
    return f"{clean(title, one_line=True)[0]}\n{clean(body)[0]}"


def load_training_data(data_dir: str | Path, gold_dir: str | Path | None = None, *,
                       extra_labels: str | Path | None = None,
                       progress: Callable[[Iterable[Any], str], Iterable[Any]] | None = None) -> TrainingData:
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
        data.department_labels.append(canonical_department(name) if name else None)
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
    appeal = optional_module("appeal")
    if appeal is not None and (gold_dir / "appeal_kind.csv").is_file():
        texts, labels, _ = appeal.load_gold(data_dir, gold_dir)
        data.appeal_texts += [_clean_message(*split_raw(t)) for t in texts]
        data.appeal_labels += list(labels)
        data.files.append(gold_dir / "appeal_kind.csv")
    urgency = optional_module("urgency")
    if urgency is not None and (gold_dir / "urgency.csv").is_file():
        texts, labels = urgency.load_gold_texts(data_dir, gold_dir)
        data.urgency_texts += [_clean_message(*split_raw(t)) for t in texts]
        data.urgency_labels += [int(v) for v in labels]
        data.files.append(gold_dir / "urgency.csv")


def split_raw(text: str) -> tuple[str, str]:
    """(title, body) of a raw title + "\n" + body text."""
    title, _, body = text.partition("\n")
    return title, body


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
            if row.get("department"):
                data.department_texts.append(text)
                data.department_labels.append(str(row["department"]))


def train_default(data: TrainingData, *, progress: Callable[[str], None] | None = None) -> MessageAnalyzer:
    """The analyzer `minyi train` ships: every component trained on `data`."""
    say = progress or (lambda _msg: None)
    appeal_module, urgency_module, places_module = (optional_module(n) for n in ("appeal", "urgency", "places"))
    appeal = urgency = places = None
    if appeal_module is not None and len(set(data.appeal_labels)) >= 2:
        say("appeal kind")
        appeal = appeal_module.AppealKindClassifier().fit(data.appeal_texts, data.appeal_labels)
    if urgency_module is not None:
        say("urgency")
        urgency = urgency_module.UrgencyDetector().fit(data.urgency_texts, data.urgency_labels or None)
    if places_module is not None:
        places = places_module.PlaceExtractor().fit(data.all_texts[:0])
    analyzer = MessageAnalyzer(domain=DomainClassifier(keywords=data.keywords), appeal=appeal, urgency=urgency,
                               places=places)
    return analyzer.fit(data.all_texts, domain_data=(data.domain_texts, data.domain_labels, data.domain_weights),
                        department_data=(data.department_texts, data.department_labels), progress=progress)
