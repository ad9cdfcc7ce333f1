"""Which department (部门) should handle a message: names found in official replies, a text model, the ranking.

extract_department() finds the answering department in a reply (its signature, "经X调查", "转交X办理" …);
canonical_department() strips the region (A7县/市/区 …) and unifies aliases (住房和城乡建设局 -> 住建局), so
that the same kind of department across counties is one class. DepartmentSuggester learns text -> department
kind with a linear SVM and ranks the top-k kinds. rank_departments() is the one ranking of a platform's own
departments (the one stored and shown to coordinators): the predicted domain's probability, the admin's
keywords (the admin's rules: Department.domains and .keywords) and the kind the model learned.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.svm import LinearSVC

from minyi.nlp.features import TextFeatures, sparsify
from minyi.nlp.result import SuggestedDepartment

__all__ = [
    "DepartmentCandidate",
    "DepartmentSuggester",
    "canonical_department",
    "extract_department",
    "rank_departments",
]

_REGION = r"(?:中共)?(?:西地省|[A-Z]\d{0,2}(?:市|区|县)|[省市区县])?"
_SUFFIX = (
    r"(?:管理委员会|委员会|办公室|街道办事处|街道办|街道|镇人民政府|乡人民政府|人民政府|镇政府|乡政府"
    r"|管理处|大队|支队|分局|中心|局|委)"
)
_ORG = rf"(?P<org>{_REGION}[\u4e00-\u9fa5]{{1,14}}?{_SUFFIX})"
_DATE = r"(?:\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日?)"
_SPACE = r"[\s\u3000\xa0]"
_PATTERNS = (
    # the signature at the end: "… A7县教育局 2018年8月27日"
    re.compile(rf"{_ORG}{_SPACE}*{_DATE}?{_SPACE}*[。.]?{_SPACE}*$"),
    # "经马望堆街道进行调查", "已转交县财政局核实", "由区城管局办理"
    re.compile(
        rf"(?:经|由|转至|转交至|转交|转由|交由|责成|已转交至|已转交|已转至|已转|已交办|已交|交办){_ORG}"
        rf"(?:进行|迅速|立即|对|调查|核实|办理|处理|核处|现场|组织|[。，、])"
    ),
    # "…，A7县交通运输局接到留言后…"
    re.compile(rf"(?:^|[，。！：；\s]){_ORG}(?:迅速|立即|高度重视|接到|收到|对此|针对|进行了)"),
)
# a department named with its region at least twice in the reply
_MENTION = re.compile(rf"(?:[A-Z]\d{{0,2}}(?:市|区|县)|(?<![\u4e00-\u9fa5])[市区县])[\u4e00-\u9fa5]{{1,10}}?{_SUFFIX}")
_BARE_SUFFIXES = frozenset({"分局", "中心", "大队", "支队", "管理处", "办公室", "委员会", "管理委员会", "街道办"})
_NOT_A_NAME = re.compile(r"[我您你的了对过被将已该此其]|^(?:有关|相关|上级|所在|当地|各)")
_ALIASES = (
    (re.compile(r"住房和城乡建设局|住房城乡建设局|城乡建设局|建设局"), "住建局"),
    (re.compile(r"城市管理和行政执法局|城市管理局|城管执法局"), "城管局"),
    (re.compile(r"人力资源和社会保障局|人力资源社会保障局"), "人社局"),
    (re.compile(r"环境保护局|生态环境局"), "环保局"),
    (re.compile(r"交通局$"), "交通运输局"),
    (re.compile(r"卫生和计划生育委员会|卫生计生委|卫计委|卫计局|卫生局|卫健局"), "卫健委"),
    (re.compile(r"公安局交警大队|公安局交通警察大队|交通警察大队"), "交警大队"),
    (re.compile(r"街道办事处$|街道办$"), "街道"),
    (re.compile(r"镇人民政府$|镇政府$"), "镇"),
    (re.compile(r"乡人民政府$|乡政府$"), "乡"),
)
_STRIP_REGION = re.compile(r"^(?:中共)?(?:西地省|[A-Z]\d{0,2}(?:市|区|县)|[省市区县](?!场|政|委|民))+")


def extract_department(reply: str) -> str | None:
    """The department that answered, as the reply names it, or None when it names none."""
    text = (reply or "").strip()[-5000:]
    if not text:
        return None
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            name = match.group("org")
            if _is_name(name):
                return name
    mentions = Counter(m for m in _MENTION.findall(text) if _is_name(m))
    if mentions:
        name, count = mentions.most_common(1)[0]
        if count >= 2:
            return name
    return None


def _is_name(name: str) -> bool:
    """A department's name, not a bare suffix ("分局") nor a phrase ("我局", "对您反映的问题我局")."""
    core = _STRIP_REGION.sub("", name)
    return len(core) >= 2 and core not in _BARE_SUFFIXES and not _NOT_A_NAME.search(core)


def canonical_department(name: str) -> str:
    """The kind of department without its region.

    "A7县住房和城乡建设局" -> "住建局"; "A7县泉塘街道办事处" -> "泉塘街道".
    """
    core = _STRIP_REGION.sub("", name.strip()) or name.strip()
    for pattern, replacement in _ALIASES:
        core = pattern.sub(replacement, core)
    return core


class DepartmentSuggester(BaseEstimator):
    """Top-k department kinds for a message text (a linear SVM over TextFeatures), an input of rank_departments.

    Departments with fewer than `min_examples` training texts are dropped (listed in dropped_).
    """

    def __init__(
        self,
        *,
        C: float = 0.5,
        min_examples: int = 3,
        temperature: float = 0.3,
        max_weights: int | None = 3000,
        features: TextFeatures | None = None,
    ) -> None:
        self.C = C
        self.min_examples = min_examples
        self.temperature = temperature
        self.max_weights = max_weights
        self.features = features

    def fit(self, X: Iterable[str], y: Sequence[str | None]) -> DepartmentSuggester:
        texts = [str(t) for t in X]
        labels = list(y)
        counts = Counter(d for d in labels if d)
        kept = {d for d, c in counts.items() if c >= self.min_examples}
        self.dropped_ = sorted(d for d in counts if d not in kept)
        rows = [i for i, d in enumerate(labels) if d in kept]
        if self.features is not None and hasattr(self.features, "word_vocab_"):
            self.features_ = self.features
        else:
            self.features_ = TextFeatures().fit(texts)
        self.classes_ = np.array(sorted(kept), dtype=object)
        if len(self.classes_) < 2:
            self.coef_ = sp.csr_matrix((len(self.classes_), self.features_.n_base_features), dtype=np.float32)
            self.intercept_ = np.zeros(len(self.classes_), dtype=np.float32)
            return self
        matrix = self.features_.transform([texts[i] for i in rows])
        svm = LinearSVC(C=self.C, class_weight="balanced", random_state=0)
        svm.fit(matrix, np.array([labels[i] for i in rows]))
        coef, intercept = svm.coef_, svm.intercept_
        if coef.shape[0] == 1:
            coef, intercept = np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
        self.coef_ = sparsify(coef, self.max_weights)
        self.intercept_ = intercept.astype(np.float32)
        return self

    def use_features(self, features: TextFeatures, old_columns: np.ndarray) -> DepartmentSuggester:
        """Switch to a restricted TextFeatures (see TextFeatures.restrict)."""
        self.coef_ = self.coef_[:, old_columns].tocsr()
        self.features_ = self.features = features
        return self

    def decision_function(self, X: Iterable[str], *, base: sp.csr_matrix | None = None) -> np.ndarray:
        """Margins per department; `base` = features_.transform(X) when already computed."""
        if base is None:
            base = self.features_.transform([str(t) for t in X])
        return (base @ self.coef_.T).toarray() + self.intercept_

    def suggest(
        self,
        X: Iterable[str],
        k: int = 3,
        *,
        base: sp.csr_matrix | None = None,
    ) -> list[list[tuple[str, float]]]:
        """Top-k (department kind, score) per text, scores a softmax of the margins (they sum to 1)."""
        texts = [str(t) for t in X]
        if not texts:
            return []
        scores = self._scores(texts, base)
        names = list(self.classes_)
        top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        best = np.round(np.take_along_axis(scores, top, axis=1).astype(np.float64), 4).tolist()
        return [
            [(names[j], v) for j, v in zip(row, values, strict=True)]
            for row, values in zip(top.tolist(), best, strict=True)
        ]

    def _scores(self, texts: list[str], base: sp.csr_matrix | None) -> np.ndarray:
        if len(self.classes_) == 0:
            return np.zeros((len(texts), 0))
        margins = self.decision_function(texts, base=base) / self.temperature
        margins -= margins.max(axis=1, keepdims=True)
        expd = np.exp(margins)
        return expd / expd.sum(axis=1, keepdims=True)


@dataclass(frozen=True, slots=True)
class DepartmentCandidate:
    """One of the platform's departments as its admin describes it: the domains (领域) it handles, its keywords."""

    id: int
    name: str
    domains: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


MIN_DEPARTMENT_SCORE = 0.05  # below this a department is noise, not a suggestion
KEYWORD_SCORE = 0.5  # per keyword found, at most 1.0 in all
LEARNED_WEIGHT = 1.0  # the learned kind's probability on the domain probability's scale (docs/nlp.md: measured)


def rank_departments(
    candidates: Iterable[DepartmentCandidate],
    *,
    text: str,
    domain_scores: Mapping[str, float],
    learned: Iterable[tuple[str, float]] = (),
    learned_weight: float = LEARNED_WEIGHT,
    k: int = 3,
) -> list[SuggestedDepartment]:
    """The top-k of the platform's departments for a message: the predicted probability of the domains a
    department handles, plus 0.5 per keyword of it found in `text` (at most 1.0), plus `learned_weight` times the
    score the model gives its kind (`learned`: (kind, score) pairs, e.g. AnalysisResult["departments"]; a
    department's kind is canonical_department(name)). Ties go to the lower id."""
    kinds = {str(name): float(score) for name, score in learned}
    ranked: list[SuggestedDepartment] = []
    for dept in candidates:
        domain_part = sum(float(domain_scores.get(d, 0.0)) for d in dept.domains)
        hits = [w for w in dept.keywords if w and w in text]
        score = domain_part + min(1.0, KEYWORD_SCORE * len(hits))
        if learned_weight and kinds:
            score += learned_weight * kinds.get(canonical_department(dept.name), 0.0)
        if score >= MIN_DEPARTMENT_SCORE:
            ranked.append(SuggestedDepartment(id=dept.id, name=dept.name, score=round(score, 3), keywords=hits))
    ranked.sort(key=lambda r: (-r["score"], r["id"]))
    return ranked[:k]
