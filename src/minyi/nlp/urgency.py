"""Urgency detection: flag messages that need action today.

Three kinds of urgency (see docs/labelling/urgency.md): acute danger to life or property, threats of
self-harm or violence, and the risk of a mass incident. The detector is a weighted phrase matcher:
one precompiled alternation finds every trigger phrase, each phrase adds its weight once, and a
mention in a hypothetical or negated clause ("一旦发生火灾", "目前没有倒塌危险") or a known non-acute
compound ("消防通道", "跳楼价", "塌方式") counts for little or nothing. A message is urgent when the
score reaches the threshold. Recall matters more than precision, so the threshold is low.

An optional learned part (``fit`` with labels) trains a logistic regression over the same phrase
hits; a message is then urgent when the rules *or* the model say so.
"""

from __future__ import annotations

import csv
import json
import re
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from ahocorasick_rs import AhoCorasick, Implementation, MatchKind

from minyi.nlp import _urgency_cues as cues
from minyi.nlp._hashing import KeyIndex
from minyi.nlp._matching import find_matches
from minyi.nlp.text import TITLE_BREAK, join_text, split_text

# phrase -> (kind, weight). Kinds: danger (life/property), harm (self-harm/violence), mass (mass
# incident). A weight of 0 marks a non-acute compound that shadows a trigger inside it (the
# alternation tries longer phrases first, so "消防通道" is consumed before "火" could match).
_TRIGGERS: dict[str, tuple[str, float]] = {
    # -- danger: structures and ground
    "塌陷": ("danger", 1.0),
    "坍塌": ("danger", 0.8),
    "垮塌": ("danger", 0.8),
    "倒塌": ("danger", 0.8),
    "塌方": ("danger", 0.6),
    "房倒屋塌": ("danger", 1.0),
    "房倒人亡": ("danger", 1.0),
    "危房": ("danger", 0.9),
    "危房改造": ("danger", 0.3),
    "摇摇欲坠": ("danger", 1.0),
    "地基下沉": ("danger", 1.0),
    "房屋下沉": ("danger", 1.0),
    "沉降": ("danger", 0.5),
    "墙体开裂": ("danger", 0.6),
    "房屋开裂": ("danger", 0.6),
    "严重开裂": ("danger", 0.6),
    "承重墙": ("danger", 0.5),
    "滑坡": ("danger", 0.8),
    "泥石流": ("danger", 1.0),
    "地质灾害": ("danger", 0.8),
    "山洪": ("danger", 0.8),
    "决堤": ("danger", 1.0),
    "防洪堤": ("danger", 0.6),
    "河堤": ("danger", 0.5),
    "险情": ("danger", 0.8),
    "随时可能": ("danger", 0.5),
    "随时会": ("danger", 0.4),
    # -- danger: fire, gas, electricity, water, falls, poison
    "火灾": ("danger", 0.5),
    "着火": ("danger", 0.6),
    "起火": ("danger", 0.6),
    "失火": ("danger", 0.6),
    "大火": ("danger", 0.5),
    "燃气泄漏": ("danger", 1.0),
    "煤气泄漏": ("danger", 1.0),
    "天然气泄漏": ("danger", 1.0),
    "漏气": ("danger", 0.8),
    "燃气味": ("danger", 0.8),
    "煤气味": ("danger", 0.8),
    "天然气味": ("danger", 0.8),
    "疑似泄漏": ("danger", 0.6),
    "爆炸": ("danger", 0.7),
    "触电": ("danger", 0.8),
    "漏电": ("danger", 0.6),
    "电击": ("danger", 0.6),
    "私拉乱接": ("danger", 0.5),
    "溺水": ("danger", 0.6),
    "溺亡": ("danger", 0.6),
    "坠落": ("danger", 0.6),
    "掉落": ("danger", 0.5),
    "脱落": ("danger", 0.3),
    "砸伤": ("danger", 0.6),
    "砸到": ("danger", 0.5),
    "中毒": ("danger", 0.5),
    "毒气": ("danger", 0.6),
    "甲醛": ("danger", 0.5),
    "生命危险": ("danger", 0.6),
    "人命关天": ("danger", 0.6),
    "生命安全": ("danger", 0.3),
    "安全隐患": ("danger", 0.2),
    "出人命": ("danger", 0.5),
    "伤亡": ("danger", 0.4),
    "身亡": ("danger", 0.3),
    "死亡": ("danger", 0.2),
    "电梯": ("danger", 0.1),
    "电梯故障": ("danger", 0.3),
    "困人": ("danger", 0.6),
    "关人": ("danger", 0.4),
    "跌落": ("danger", 0.6),
    "夺命": ("danger", 0.5),
    "险些": ("danger", 0.4),
    "差点": ("danger", 0.2),
    "危及": ("danger", 0.3),
    "饮用水": ("danger", 0.2),
    # -- harm: self-harm and violence
    "轻生": ("harm", 1.0),
    "自杀": ("harm", 1.0),
    "跳楼": ("harm", 1.0),
    "跳河": ("harm", 1.0),
    "寻短见": ("harm", 1.0),
    "寻死": ("harm", 1.0),
    "以死相逼": ("harm", 1.0),
    "同归于尽": ("harm", 1.0),
    "不想活": ("harm", 1.0),
    "活不下去": ("harm", 1.0),
    "生活不下去": ("harm", 0.6),
    "服毒": ("harm", 1.0),
    "喝农药": ("harm", 1.0),
    "极端行为": ("harm", 1.0),
    "过激行为": ("harm", 0.8),
    "控制不住": ("harm", 0.8),
    "拼命": ("harm", 0.5),
    "砍死": ("harm", 1.0),
    "杀死": ("harm", 0.8),
    "打死": ("harm", 0.8),
    "往死里打": ("harm", 1.0),
    "殴打": ("harm", 0.6),
    "欧打": ("harm", 0.6),
    "拳脚相加": ("harm", 0.6),
    "拳打脚踢": ("harm", 0.6),
    "大打出手": ("harm", 0.6),
    "打伤": ("harm", 0.6),
    "围殴": ("harm", 0.8),
    "群殴": ("harm", 0.8),
    "打人": ("harm", 0.4),
    "暴力": ("harm", 0.3),
    "恐吓": ("harm", 0.4),
    "威胁": ("harm", 0.2),
    "黑恶势力": ("harm", 0.3),
    "社会闲杂人员": ("harm", 0.5),
    "社会闲散人员": ("harm", 0.5),
    "打击报复": ("harm", 0.2),
    # -- mass incident
    "群体性事件": ("mass", 1.0),
    "群体事件": ("mass", 1.0),
    "群体性": ("mass", 0.8),
    "集体上访": ("mass", 1.0),
    "上访": ("mass", 0.2),
    "游行": ("mass", 0.8),
    "堵路": ("mass", 0.5),
    "围堵": ("mass", 0.5),
    "拉横幅": ("mass", 0.5),
    "横幅": ("mass", 0.3),
    "打砸": ("mass", 0.8),
    "冲突": ("mass", 0.5),
    "群情激愤": ("mass", 0.8),
    "矛盾激化": ("mass", 0.8),
    "日益尖锐": ("mass", 0.8),
    "日趋尖锐": ("mass", 0.8),
    "维稳": ("mass", 0.4),
    "聚集": ("mass", 0.2),
    # -- non-acute compounds that shadow a trigger (weight 0)
    "消防通道": ("none", 0.0),
    "生命通道": ("none", 0.0),
    "跳楼价": ("none", 0.0),
    "减轻": ("none", 0.0),
    "相关人": ("none", 0.0),
    "年轻": ("none", 0.0),
    "塌方式": ("none", 0.0),
    "慢性自杀": ("none", 0.0),
    "死亡率": ("none", 0.0),
    "暴力执法": ("none", 0.0),
    "暴力强拆": ("none", 0.0),
    "暴力拆除": ("none", 0.0),
    "冷暴力": ("none", 0.0),
    "威胁到": ("danger", 0.1),
    "杀死病毒": ("none", 0.0),
    "杀死细菌": ("none", 0.0),
    "杀死新冠": ("none", 0.0),
    "杀死癌细胞": ("none", 0.0),
    "打死也不": ("none", 0.0),
}

# Words that make the rest of their clause hypothetical or preventive: they weaken a danger
# mention, but not a warning of violence or of a mass incident (the warning is the signal).
_HYPOTHETICAL = re.compile(
    r"一旦|万一|如果|如若|假如|倘若|若是|若|可能会|可能|容易|极易|会不会|是否|防止|避免|以免|以防|"
    r"预防|杜绝|隐患|以前|曾经|去年|前年|多年前|当年|如何|怎么"
)
# Words that negate the rest of their clause, whatever the kind of trigger.
_NEGATION = re.compile(r"没有|并未|未曾|暂未|尚未|从未|未发生|不会|不能|不是|不要|不让|不准|禁止|无任何")
_CLAUSE_END = frozenset("，。！？；,.!?;\n\r\t…")
_HEDGE_FACTOR = 0.3
_TITLE_FACTOR = 1.5
_LOOKBACK = 14


def _matcher(phrases: Iterable[str]) -> tuple[AhoCorasick, list[str]]:
    """An Aho-Corasick automaton that finds, left to right without overlaps, the longest phrase starting at each
    position, so compounds shadow their parts (the matches of one regex of the phrases longest first, found by
    a DFA in about half the time), and the phrases by pattern index."""
    ordered = sorted(set(phrases))
    return AhoCorasick(ordered, matchkind=MatchKind.LeftmostLongest, implementation=Implementation.DFA), ordered


_TRIGGER_MATCHER, _TRIGGER_PHRASES = _matcher(_TRIGGERS)
# Probability at which the learned layer flags a message. Chosen by cross-validation across writers (train on
# one writer's sets, measure on another's; see docs/nlp.md "Urgency"), with the char n-grams below.
MODEL_THRESHOLD = 0.35
# A second logistic regression over the same features learns self-harm alone (every written self-harm row against
# every other row: dangers of other kinds and near misses alike) and flags from HARM_THRESHOLD: veiled despair by a
# new writer is what the one danger model missed most (leave-one-writer-out on training set 3: 313/320 -> 318/320 at
# 0.5, for 0.6 points more of the shared messages flagged; docs/nlp.md "Urgency").
HARM_THRESHOLD = 0.5
# The learned layer also reads the counts of the char unigrams and bigrams of the first NGRAM_CHARS
# characters (title first). Their block is scaled by NGRAM_SCALE before the (one, shared) L2 penalty: a
# weaker penalty on the words than on the cue counts (chosen by the same cross-validation).
NGRAM_CHARS = 160
NGRAM_SCALE = 2.0
NGRAM_MIN_DF = 2
# The trigger phrases are looked for in the first TRIGGER_CHARS characters (title + body): 7 % of the shared
# messages are longer, and their tails cost a third of the trigger scan.
TRIGGER_CHARS = 1000
# The plain-word cues are looked for in the first CUE_CHARS characters (300 before the n-grams: 200 gives the same
# cross-validated figures and pays for the n-gram lookup).
CUE_CHARS = 200
# With the learned layer, the trigger score still flags on its own from this score (it keeps the real urgent
# set's recall: 0.89 instead of 0.67 by CV, for 3.7 more points of dev near misses flagged).
RULE_THRESHOLD = 1.0
_PHRASES: tuple[str, ...] = tuple(sorted(p for p, (_, w) in _TRIGGERS.items() if w > 0))
_PHRASE_INDEX: dict[str, int] = {p: i for i, p in enumerate(_PHRASES)}


@dataclass(frozen=True)
class _Hit:
    phrase: str
    kind: str
    weight: float  # effective weight after hedging and the title boost
    hedged: bool


def _clause_prefix(text: str, start: int) -> str:
    """The part of the clause before position ``start`` (at most _LOOKBACK characters)."""
    window = text[max(0, start - _LOOKBACK) : start]
    for j in range(len(window) - 1, -1, -1):
        if window[j] in _CLAUSE_END:
            return window[j + 1 :]
    return window


def _scan(title: str, body: str) -> list[_Hit]:
    """All trigger hits, one per phrase, keeping the strongest occurrence of each."""
    best: dict[str, _Hit] = {}
    for part, boost in ((title, _TITLE_FACTOR), (body, 1.0)):
        for index, start, end in find_matches(_TRIGGER_MATCHER, part):
            phrase = _TRIGGER_PHRASES[index]
            kind, weight = _TRIGGERS[phrase]
            if weight <= 0:
                continue
            prefix = _clause_prefix(part, start)
            hedged = (
                _NEGATION.search(prefix) is not None
                or (kind == "danger" and _HYPOTHETICAL.search(prefix) is not None)
                or cues.is_comparison(prefix, part[end : end + 8])
            )
            effective = weight * boost * (_HEDGE_FACTOR if hedged else 1.0)
            old = best.get(phrase)
            if old is None or effective > old.weight:
                best[phrase] = _Hit(phrase, kind, effective, hedged)
    return sorted(best.values(), key=lambda h: (-h.weight, h.phrase))


# predict() and then explain() on the flagged messages of a batch (what the analyzer does) scan each text
# once: both read these caches, keyed by the text itself (no fitted state lives in them).
_scan_cached = lru_cache(maxsize=2048)(_scan)
_analyse_cached = lru_cache(maxsize=2048)(cues.analyse)
# The learned layer's probabilities of the last batch predict() saw, by (detector, text): a probability depends
# only on the text and the fitted model, and explain() is called right after predict() on the same batch.
_LAST_PROBA: dict[tuple[int, str], tuple[float, float]] = {}


_BIGRAM_MARK = np.uint64(1) << np.uint64(42)
_PAIR_WEIGHTS: weakref.WeakKeyDictionary[KeyIndex, dict[bool, dict[str, float]]] = weakref.WeakKeyDictionary()


def _pair_weights(index: KeyIndex, weights: np.ndarray, *, harm: bool = False) -> dict[str, float]:
    """The positive weights of a fitted model's Chinese word pairs, by pair ("漏电" -> 0.8): built on the first
    explanation, kept while the model lives (``harm``: the self-harm model's, which shares the index)."""
    tables = _PAIR_WEIGHTS.setdefault(index, {})
    table = tables.get(harm)
    if table is None:
        table = {}
        for key, w in zip(index.keys.tolist(), weights.tolist(), strict=True):
            pair = chr((key >> 21) & 0x1FFFFF) + chr(key & 0x1FFFFF)
            if w > 0 and all("\u4e00" <= ch <= "\u9fff" for ch in pair):
                table[pair] = w
        tables[harm] = table
    return table


# In the n-gram head, digits read as one digit (dates and numbers are style, not danger) and the title break as a
# break between texts (no pair across it), so that the n-grams learn words rather than how one writer lays out a
# message. Done on the code points in NumPy (str.translate would cost more than the whole lookup).
_DIGITS = (np.uint64(ord("1")), np.uint64(ord("9")), np.uint64(ord("0")))
_WIDE_DIGITS = (np.uint64(ord("１")), np.uint64(ord("９")), np.uint64(ord("０")))


_UNI_TABLE = 0x10001  # code points of the Basic Multilingual Plane, and one always-zero cell for the rest


def _head_codes(texts: Sequence[str], n_chars: int) -> tuple[np.ndarray, np.ndarray]:
    """(doc index, code point) of the first ``n_chars`` characters of each stripped text (digits as 0, the title
    break as a break), texts joined by a 0."""
    parts = [t.strip()[:n_chars].replace("\x00", " ") for t in texts]
    codes = np.frombuffer("\x00".join(parts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
    for low, high, zero in (_DIGITS, _WIDE_DIGITS):
        codes[(codes >= low) & (codes <= high)] = zero
    codes[codes == np.uint64(10)] = 0
    lengths = np.fromiter((len(p) + 1 for p in parts), dtype=np.int64, count=len(parts))
    return np.repeat(np.arange(len(parts), dtype=np.int64), lengths)[: codes.size], codes


def _ngram_keys(texts: Sequence[str], n_chars: int) -> tuple[np.ndarray, np.ndarray]:
    """(doc index, key) of every char unigram and bigram of the first ``n_chars`` characters of each stripped
    text, in NumPy (no Python loop per character). A unigram's key is its code point; a bigram's is both code
    points (21 bits each) with bit 42 set. Repeats are kept: the learned layer reads counts."""
    if not texts:
        return np.zeros(0, np.int64), np.zeros(0, np.uint64)
    doc, codes = _head_codes(texts, n_chars)
    live = codes != 0
    pair = live[:-1] & live[1:]
    keys = np.concatenate([codes[live], (codes[:-1][pair] << np.uint64(21)) | codes[1:][pair] | _BIGRAM_MARK])
    return np.concatenate([doc[live], doc[:-1][pair]]), keys


def _ngram_matrix(texts: Sequence[str], n_chars: int, index: KeyIndex) -> Any:
    """Document x n-gram count matrix (scipy CSR) over the n-grams of ``index``."""
    import scipy.sparse as sp

    docs, keys = _ngram_keys(texts, n_chars)
    pos = index.lookup(keys)
    keep = pos >= 0
    m = sp.csr_matrix(
        (np.ones(int(keep.sum())), (docs[keep], pos[keep])), shape=(len(texts), index.keys.size), dtype=np.float64
    )
    m.sum_duplicates()
    return m


def _split(text: str) -> tuple[str, str]:
    """A message is title + "\\n" + body; a text without a newline is all body."""
    title, body = split_text(text)
    return (title, body) if TITLE_BREAK in text and len(title) <= 120 else ("", text)


class UrgencyDetector:
    """Flags messages that need action today; ``explain`` says why.

    threshold: the score (sum of trigger weights) at which a message is urgent.
    learned: when True and ``fit`` gets labels, a logistic regression over the trigger hits is
        trained and a message is urgent when the rules or the model say so.
    model_threshold: probability at which the learned part flags a message.
    C: inverse regularisation strength of the learned part.
    max_chars: only the first ``max_chars`` characters are read (bounds the cost of hostile input).
    """

    def __init__(
        self,
        *,
        threshold: float = 0.8,
        learned: bool = False,
        model_threshold: float = MODEL_THRESHOLD,
        C: float = 1.0,
        max_chars: int = 20_000,
        cue_chars: int = CUE_CHARS,
        rule_threshold: float = RULE_THRESHOLD,
        ngram_chars: int = NGRAM_CHARS,
        ngram_scale: float = NGRAM_SCALE,
    ) -> None:
        self.threshold = threshold
        self.learned = learned
        self.model_threshold = model_threshold
        self.C = C
        self.max_chars = max_chars
        self.cue_chars = cue_chars
        self.rule_threshold = rule_threshold
        self.ngram_chars = ngram_chars
        self.ngram_scale = ngram_scale

    # -- scikit-learn contract -------------------------------------------------------------
    def get_params(self, deep: bool = True) -> dict[str, object]:
        return {
            "threshold": self.threshold,
            "learned": self.learned,
            "model_threshold": self.model_threshold,
            "C": self.C,
            "max_chars": self.max_chars,
            "cue_chars": getattr(self, "cue_chars", CUE_CHARS),
            "rule_threshold": getattr(self, "rule_threshold", RULE_THRESHOLD),
            "ngram_chars": getattr(self, "ngram_chars", NGRAM_CHARS),
            "ngram_scale": getattr(self, "ngram_scale", NGRAM_SCALE),
        }

    def set_params(self, **params: object) -> UrgencyDetector:
        for key, value in params.items():
            setattr(self, key, value)
        return self

    def fit(
        self, X: Sequence[str], y: Sequence[int] | None = None, harm: Sequence[int] | None = None
    ) -> UrgencyDetector:
        """Rules need no training; with labels and ``learned=True`` the model part is trained. ``harm`` (1 self-harm,
        0 anything else, -1 unknown: left out) also trains the self-harm model over the same features."""
        self.model_ = None
        self.harm_coef_: np.ndarray | None = None
        self.ngram_index_: KeyIndex | None = None
        if self.learned and y is not None and len(set(int(v) for v in y)) == 2:
            import scipy.sparse as sp
            from sklearn.linear_model import LogisticRegression

            texts = [self._text(t) for t in X]
            rows = self._features(texts)
            n_chars, scale = getattr(self, "ngram_chars", NGRAM_CHARS), getattr(self, "ngram_scale", NGRAM_SCALE)
            blocks = [sp.csr_matrix(rows)]
            index = None
            if n_chars > 0 and scale > 0:
                docs, keys = _ngram_keys(texts, n_chars)
                pairs = np.unique((docs.astype(np.uint64) << np.uint64(43)) | keys)
                found, df = np.unique(pairs & ((np.uint64(1) << np.uint64(43)) - np.uint64(1)), return_counts=True)
                index = KeyIndex(found[df >= NGRAM_MIN_DF])
                blocks.append(_ngram_matrix(texts, n_chars, index) * scale)
            matrix = sp.hstack(blocks).tocsr()
            model = LogisticRegression(C=self.C, class_weight="balanced", max_iter=5000)
            model.fit(matrix, np.asarray(y, dtype=int))
            self.model_ = model
            coef = np.asarray(model.coef_[0], dtype=np.float64)
            self.coef_ = coef[: rows.shape[1]]
            self.intercept_ = float(model.intercept_[0])
            harm_coef = None
            known = np.asarray(harm if harm is not None else [], dtype=int)
            if known.size == len(texts) and set(known[known >= 0].tolist()) == {0, 1}:
                rows_known = np.flatnonzero(known >= 0)
                harm_model = LogisticRegression(C=self.C, class_weight="balanced", max_iter=5000)
                harm_model.fit(matrix[rows_known], known[rows_known])
                harm_coef = np.asarray(harm_model.coef_[0], dtype=np.float64)
                self.harm_coef_ = harm_coef[: rows.shape[1]]
                self.harm_intercept_ = float(harm_model.intercept_[0])
            if index is not None:
                weights = coef[rows.shape[1] :] * scale
                keys = index.keys
                # unigrams of the Basic Multilingual Plane: a direct table by code point (one gather at run time)
                uni = keys < np.uint64(_UNI_TABLE - 1)
                table = np.zeros(_UNI_TABLE, dtype=np.float64)
                table[keys[uni].astype(np.int64)] = weights[uni]
                self.unigram_weights_ = table
                strong = np.abs(weights) >= 1e-3  # the rest changes no probability
                if harm_coef is not None:  # one index for both models: one lookup per batch
                    harm_weights = harm_coef[rows.shape[1] :] * scale
                    harm_table = np.zeros(_UNI_TABLE, dtype=np.float64)
                    harm_table[keys[uni].astype(np.int64)] = harm_weights[uni]
                    self.harm_unigram_weights_ = harm_table
                    strong |= np.abs(harm_weights) >= 1e-3
                strong &= keys & _BIGRAM_MARK != 0
                self.ngram_index_ = KeyIndex(keys[strong])
                self.ngram_weights_ = weights[strong].astype(np.float64)
                if harm_coef is not None:
                    self.harm_ngram_weights_ = harm_weights[strong].astype(np.float64)
        self.n_features_ = len(FEATURE_NAMES)
        return self

    def score(self, text: str) -> float:
        """The rule score of one message (title + "\\n" + body)."""
        return sum(h.weight for h in _scan(*_split(self._text(text)[:TRIGGER_CHARS])))

    def predict(self, X: Sequence[str]) -> list[bool]:
        """Self-harm cues first (always urgent), then the learned layer when trained, else the rule score."""
        texts = [self._text(t) for t in X]
        if getattr(self, "model_", None) is None or not texts:
            return [bool(cues.self_harm(self._head(t))) or self.score(t) >= self.threshold for t in texts]
        rows, harm = self._features_and_harm(texts, cut=True)
        proba, harm_proba = self._probas(rows, texts)
        _LAST_PROBA.clear()  # explain() on this batch's flagged messages reads the probabilities from here
        _LAST_PROBA.update(
            ((id(self), t), (p, q)) for t, p, q in zip(texts, proba.tolist(), harm_proba.tolist(), strict=True)
        )
        rules = rows[:, len(cues.FEATURE_NAMES) : len(cues.FEATURE_NAMES) + 3].sum(axis=1)  # unhedged trigger score
        hedged = rows[:, len(cues.FEATURE_NAMES) + 3 :].sum(axis=1)
        harm_threshold = self._harm_threshold()
        return [
            bool(h)
            or bool(p >= self.model_threshold)
            or bool(hp >= harm_threshold)
            or bool(r + q >= self.rule_threshold)
            for h, p, hp, r, q in zip(harm, proba, harm_proba, rules, hedged, strict=True)
        ]

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        """The learned layer's probability of danger (a plain dot product: cheap at run time)."""
        texts = [self._text(t) for t in X]
        return self._probas(self._features(texts), texts)[0]

    def harm_proba(self, X: Sequence[str]) -> np.ndarray:
        """The self-harm model's probability (zeros for a model trained without self-harm labels)."""
        texts = [self._text(t) for t in X]
        return self._probas(self._features(texts), texts)[1]

    def _harm_threshold(self) -> float:
        """HARM_THRESHOLD, or never (above any probability) when there is no self-harm model."""
        return HARM_THRESHOLD if getattr(self, "harm_coef_", None) is not None else 2.0

    def _probas(self, rows: np.ndarray, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The danger model's and the self-harm model's probabilities (the second all 0 without that model)."""
        main, harm = self._ngram_scores(texts)
        proba = 1.0 / (1.0 + np.exp(-(rows @ self.coef_ + self.intercept_ + main)))
        harm_coef = getattr(self, "harm_coef_", None)
        if harm_coef is None:
            return np.asarray(proba), np.zeros(len(texts))
        harm_proba = 1.0 / (1.0 + np.exp(-(rows @ harm_coef + self.harm_intercept_ + harm)))
        return np.asarray(proba), np.asarray(harm_proba)

    def _ngram_scores(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The n-gram part of both learned scores: the weights of the n-grams of each text's head, summed
        (unigrams: one gather by code point; bigrams: one batch lookup shared by both models; zero for a model
        trained before the n-grams existed)."""
        index = getattr(self, "ngram_index_", None)
        if index is None or not len(texts):
            return np.zeros(len(texts)), np.zeros(len(texts))
        doc, codes = _head_codes(texts, self.ngram_chars)
        # no masks: a separator (code 0) has weight 0 in the unigram table, and a pair with a separator is in no
        # index (lookup -1, which reads the 0 appended to the weights)
        cells = np.minimum(codes, _UNI_TABLE - 1).astype(np.intp)
        pos = index.lookup((codes[:-1] << np.uint64(21)) | codes[1:] | _BIGRAM_MARK)
        out: list[np.ndarray] = []
        for uni, pairs in (
            (self.unigram_weights_, self.ngram_weights_),
            (getattr(self, "harm_unigram_weights_", None), getattr(self, "harm_ngram_weights_", None)),
        ):
            if uni is None or pairs is None:
                out.append(np.zeros(len(texts)))
                continue
            score = np.bincount(doc, weights=uni[cells], minlength=len(texts))
            out.append(score + np.bincount(doc[:-1], weights=np.append(pairs, 0.0)[pos], minlength=len(texts)))
        return out[0], out[1]

    def _head(self, text: str) -> str:
        return text[: getattr(self, "cue_chars", 300)]

    def explain(self, text: str) -> list[str]:
        """Why: self-harm cues first, then the plain danger cues by kind, then the trigger phrases that count
        (hedged ones marked), strongest first; when none of them is plain, the learned layer's word pairs."""
        text = self._text(text)
        _, harm, found = _analyse_cached(self._head(text))
        out = [f"自伤/轻生：{c}" for c in dict.fromkeys(harm)]
        seen = set(out)
        for c in found:
            reason = f"{_KIND_NAMES[c.kind]}：{c.text}"
            if c.kind not in ("present", "harm", "weak") and not c.context and reason not in seen:
                seen.add(reason)
                out.append(reason)
        hits = _scan_cached(*_split(text[:TRIGGER_CHARS]))
        out += [h.phrase + ("（假设或否定语境）" if h.hedged else "") for h in hits if h.weight >= 0.05]
        if all(r.endswith("（假设或否定语境）") for r in out):
            out += self._model_reason(text)
        elif not harm:  # the self-harm model's flag is said first even beside other danger cues
            out = [r for r in self._model_reason(text) if r.startswith("学习模型：轻生迹象")] + out
        return list(dict.fromkeys(out))

    def _model_reason(self, text: str) -> list[str]:
        """The learned models that flag a message, with their probability and the strongest word pairs behind
        them ("学习模型：轻生迹象 0.71（别找、先走）", "学习模型：危险措辞 0.62（线头、漏电、孩子）"); nothing when
        neither flags it."""
        index = getattr(self, "ngram_index_", None)
        if getattr(self, "model_", None) is None or index is None:
            return []
        cached = _LAST_PROBA.get((id(self), text))
        if cached is None:
            rows = self._features([text])
            p_main, p_harm = self._probas(rows, [text])
            cached = (float(p_main[0]), float(p_harm[0]))
        p, hp = cached
        out = []
        head = text.strip()[: self.ngram_chars]
        for prob, threshold, weights_, label in (
            (hp, self._harm_threshold(), getattr(self, "harm_ngram_weights_", None), "轻生迹象"),
            (p, self.model_threshold, self.ngram_weights_, "危险措辞"),
        ):
            if prob < threshold or weights_ is None:
                continue
            weights = _pair_weights(index, weights_, harm=label == "轻生迹象")
            found = {pair: weights[pair] for pair in {head[i : i + 2] for i in range(len(head) - 1)} if pair in weights}
            pairs = "、".join(sorted(found, key=lambda k: (-found[k], k))[:3])
            out.append(f"学习模型：{label} {prob:.2f}" + (f"（{pairs}）" if pairs else ""))
        return out

    def _text(self, value: object) -> str:
        return _as_text(value)[: getattr(self, "max_chars", 20_000)]

    # -- features for the learned part ------------------------------------------------------
    def _features(self, X: Sequence[str]) -> np.ndarray:
        """Plain-word cue features (see _urgency_cues.FEATURE_NAMES) + the trigger score per kind."""
        return self._features_and_harm(X)[0]

    def _features_and_harm(self, X: Sequence[str], *, cut: bool = False) -> tuple[np.ndarray, list[list[str]]]:
        """Feature rows and plain self-harm cues; ``cut``: the texts already went through ``_text``."""
        n_cues = len(cues.FEATURE_NAMES)
        slots = {(kind, hedged): n_cues + k + (3 if hedged else 0) for k, kind in enumerate(("danger", "harm", "mass"))
                 for hedged in (False, True)}  # fmt: skip
        head = getattr(self, "cue_chars", 300)
        rows: list[list[float]] = []
        harm: list[list[str]] = []
        for text in X:
            if not cut:
                text = self._text(text)
            row, hits, _ = _analyse_cached(text[:head])
            row = [*row, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
            harm.append(hits)
            for h in _scan_cached(*_split(text[:TRIGGER_CHARS])):
                row[slots[h.kind, h.hedged]] += h.weight
            rows.append(row)
        return np.array(rows, dtype=float).reshape(len(rows), len(FEATURE_NAMES)), harm


FEATURE_NAMES: tuple[str, ...] = (
    *cues.FEATURE_NAMES,
    "trigger_danger",
    "trigger_harm",
    "trigger_mass",
    "trigger_danger_hedged",
    "trigger_harm_hedged",
    "trigger_mass_hedged",
)
_KIND_NAMES = {
    "harm": "自伤/轻生",
    "fire": "火情",
    "gas": "燃气/一氧化碳",
    "electricity": "用电",
    "collapse": "垮塌/坠落",
    "flood": "水险",
    "violence": "暴力/威胁",
    "children": "儿童",
    "elderly": "老人/残障",
    "poison": "中毒/饮水",
    "road": "道路",
    "weak": "弱信号",
    "present": "正在发生",
}


def _as_text(value: object) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


# -- evaluation on the hand-labelled set -------------------------------------------------------
def _messages_dir(data_dir: Path) -> Path:
    sub = Path(data_dir) / "teddycup2020"
    return sub if sub.is_dir() else Path(data_dir)


def load_gold_texts(data_dir: Path, gold_dir: Path) -> tuple[list[str], list[int]]:
    """Texts (title + "\\n" + body) and labels of gold/urgency.csv, in file order."""
    with open(Path(gold_dir) / "urgency.csv", encoding="utf-8", newline="") as f:
        gold = [(r["source"], int(r["id"]), int(r["label"])) for r in csv.DictReader(f)]
    texts = _read_texts(_messages_dir(data_dir), {(s, i) for s, i, _ in gold})
    keep = [(texts[(s, i)], label) for s, i, label in gold if (s, i) in texts]
    return [t for t, _ in keep], [label for _, label in keep]


def _read_texts(messages_dir: Path, keys: set[tuple[str, int]]) -> dict[tuple[str, int], str]:
    out: dict[tuple[str, int], str] = {}
    for source in sorted({s for s, _ in keys}):
        path = messages_dir / f"{source}.jsonl"
        if not path.is_file():
            continue
        with open(path, encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                key = (source, int(row["id"]))
                if key in keys:
                    out[key] = join_text(row.get("title") or "", row.get("body") or "")
    return out


def _prf(y_true: Sequence[int], y_pred: Sequence[bool]) -> dict[str, float]:
    tp = sum(1 for t, p in zip(y_true, y_pred, strict=True) if t and p)
    fp = sum(1 for t, p in zip(y_true, y_pred, strict=True) if not t and p)
    fn = sum(1 for t, p in zip(y_true, y_pred, strict=True) if t and not p)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


# Written sets the learned layer is trained on: the development set, our own extra and training paraphrases, and
# blind sets 1-4 (spent: blind set 1 used for development since 2026-12-04; blind set 2 retired into training
# after its two measurements, on 2026-12-05; blind sets 3 and 4 each after its one measurement, on 2026-12-05).
# Never gold/urgency_blind5.csv: it is only measured on, by urgency_report --blind.
WRITTEN_TRAINING_SETS = (
    "urgency_dev.csv",
    "urgency_extra.csv",
    "urgency_train.csv",
    "urgency_train2.csv",
    "urgency_train3.csv",
    "urgency_blind.csv",
    "urgency_blind2.csv",
    "urgency_blind3.csv",
    "urgency_blind4.csv",
)
BLIND_SET = "urgency_blind5.csv"


def load_dev_set(gold_dir: Path, name: str = "urgency_dev.csv") -> tuple[list[str], list[int], list[str]]:
    """A written set (gold/urgency_dev.csv by default): texts (title + "\\n" + body), labels (1 danger) and
    categories."""
    with open(Path(gold_dir) / name, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return (
        [join_text(r["title"], r["body"]) for r in rows],
        [int(r["label"] == "danger") for r in rows],
        [r["category"] for r in rows],
    )


def cross_validate_dev(
    texts: Sequence[str],
    labels: Sequence[int],
    categories: Sequence[str],
    *,
    extra: tuple[Sequence[str], Sequence[int]] = ((), ()),
    folds: int = 5,
    seed: int = 0,
) -> list[bool]:
    """Out-of-fold flags of the learned detector on the development set (stratified by category); each fold
    is trained on the other folds plus ``extra`` (texts, labels) — the real urgent set in `minyi train`."""
    from sklearn.model_selection import StratifiedKFold

    out = [False] * len(texts)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    harm, extra_harm = harm_labels(labels, categories), harm_labels(extra[1])
    for train, test in splitter.split(np.zeros(len(labels)), list(categories)):
        det = UrgencyDetector(learned=True).fit(
            [texts[i] for i in train] + list(extra[0]),
            [labels[i] for i in train] + list(extra[1]),
            harm=[harm[i] for i in train] + extra_harm,
        )
        for i, p in zip(test, det.predict([texts[i] for i in test]), strict=True):
            out[i] = p
    return out


WrittenSet = tuple[Sequence[str], Sequence[int], Sequence[str]]


def harm_labels(labels: Sequence[int], categories: Sequence[str] | None = None) -> list[int]:
    """Self-harm labels for the self-harm model: 1 for a self_harm row, 0 for any other row of a written set (its
    category is known); for a set without categories (the real urgent set, coordinators' corrections), 0 for a
    message that is not urgent and -1 (left out) for an urgent one, whose kind is not recorded."""
    if categories is None:
        return [0 if not int(y) else -1 for y in labels]
    return [int(c == "self_harm") for c in categories]


def cross_validate_sets(
    sets: Mapping[str, WrittenSet],
    *,
    extra: tuple[Sequence[str], Sequence[int]] = ((), ()),
    folds: int = 5,
    seed: int = 0,
) -> dict[str, list[bool]]:
    """Out-of-fold flags of the learned detector on several written sets pooled (stratified by set and
    category); each fold is trained on the other folds of every set plus ``extra`` (the real urgent set)."""
    from sklearn.model_selection import StratifiedKFold

    index = [(name, i) for name, (texts, _, _) in sets.items() for i in range(len(texts))]
    texts = [sets[n][0][i] for n, i in index]
    labels = [int(sets[n][1][i]) for n, i in index]
    strata = [f"{n}:{sets[n][2][i]}" for n, i in index]
    harm = harm_labels(labels, [sets[n][2][i] for n, i in index])
    extra_harm = harm_labels(extra[1])
    flags = [False] * len(index)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(np.zeros(len(labels)), strata):
        det = UrgencyDetector(learned=True).fit(
            [texts[i] for i in train] + list(extra[0]),
            [labels[i] for i in train] + list(extra[1]),
            harm=[harm[i] for i in train] + extra_harm,
        )
        for i, p in zip(test, det.predict([texts[i] for i in test]), strict=True):
            flags[i] = p
    out: dict[str, list[bool]] = {name: [False] * len(s[0]) for name, s in sets.items()}
    for (name, i), flag in zip(index, flags, strict=True):
        out[name][i] = flag
    return out


def leave_one_set_out(
    sets: Mapping[str, WrittenSet], held_out: str, *, extra: tuple[Sequence[str], Sequence[int]] = ((), ())
) -> list[bool]:
    """Flags on ``held_out`` of a detector trained on every other set plus ``extra``: how the learned layer
    does on a writer it has never read (the sets were written by different people)."""
    train = [n for n in sets if n != held_out]
    texts = [t for n in train for t in sets[n][0]] + list(extra[0])
    labels = [int(v) for n in train for v in sets[n][1]] + [int(v) for v in extra[1]]
    harm = [h for n in train for h in harm_labels(sets[n][1], sets[n][2])] + harm_labels(extra[1])
    return UrgencyDetector(learned=True).fit(texts, labels, harm=harm).predict(list(sets[held_out][0]))


def evaluate(data_dir: Path, gold_dir: Path, *, folds: int = 5, seed: int = 0) -> dict:
    """Precision/recall/F1 of the rules on gold/urgency.csv, and of rules + model by k-fold CV."""
    texts, labels = load_gold_texts(data_dir, gold_dir)
    rules = _prf(labels, UrgencyDetector().fit(texts).predict(texts))
    from sklearn.model_selection import StratifiedKFold

    cv_pred = [False] * len(texts)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(np.zeros(len(labels)), labels):
        det = UrgencyDetector(learned=True).fit([texts[i] for i in train], [labels[i] for i in train])
        for i, p in zip(test, det.predict([texts[i] for i in test]), strict=True):
            cv_pred[i] = p
    learned = _prf(labels, cv_pred)
    out = {
        **{k: rules[k] for k in ("precision", "recall", "f1")},
        "n": len(texts),
        "positives": sum(labels),
        "rules": rules,
        "rules_plus_model_cv": learned,
    }
    if (Path(gold_dir) / "urgency_dev.csv").is_file():
        from minyi.nlp.urgency_report import figures

        dev_texts, dev_labels, cats = load_dev_set(gold_dir)
        extra_texts, extra_labels = list(texts), list(labels)
        for name in WRITTEN_TRAINING_SETS[1:]:  # the other written sets, as in `minyi train`
            if (Path(gold_dir) / name).is_file():
                more = load_dev_set(gold_dir, name)
                extra_texts += more[0]
                extra_labels += more[1]
        flags = cross_validate_dev(
            dev_texts, dev_labels, cats, extra=(extra_texts, extra_labels), folds=folds, seed=seed
        )
        out["dev_cv"] = figures(dev_labels, flags, cats, per_category=True)
    return out
