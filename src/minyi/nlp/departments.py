"""Which department (部门) should handle a message: names found in official replies, a text model, the ranking.

extract_department() finds the answering department in a reply (its signature, "经X调查", "转交X办理" …);
minyi.nlp.department_names reads a name into its region, town and family (住建局, 教育局, 属地乡镇街道 …; the
families of docs/labelling/departments.md). DepartmentSuggester learns text -> family with a linear SVM.
route_families() ranks the families for a message: the learned probability, our routing words
(minyi.nlp._routing_cues), the bodies the message names and the domains each family serves; it abstains
("请人工分派") when the best family is weak or outside our families. rank_departments() is the one ranking of
a platform's own departments (the one stored and shown to coordinators): each department's family score,
the admin's keywords and domains, gated by jurisdiction (a town office only for messages that name its town;
a county's offices only for that county).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.svm import LinearSVC

from minyi.nlp._routing_cues import ROUTING_TABLE, named_families, title_and_body_cues
from minyi.nlp.department_names import OUTSIDE_FAMILY, parse_department, region_parts
from minyi.nlp.features import TextFeatures, sparsify
from minyi.nlp.result import Place, SuggestedDepartment
from minyi.nlp.text import split_text

__all__ = [
    "DepartmentCandidate",
    "DepartmentSuggester",
    "FamilyScore",
    "RoutingWeights",
    "extract_department",
    "family_of",
    "rank_departments",
    "route_families",
    "route_many",
    "route_scores",
    "routing_abstains",
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

    def scores(self, X: Iterable[str], *, base: sp.csr_matrix | None = None) -> np.ndarray:
        """Texts x classes_: every class's score (a softmax of the margins; rows sum to 1)."""
        return self._scores([str(t) for t in X], base)

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


def family_of(name: str) -> str | None:
    """The family a training label names: a department's name ("A7县住房和城乡建设局" -> 住建局), or a family
    itself (a coordinator's export may hold either); None for what is no handler of a listed family."""
    if name in ROUTING_TABLE:
        return name
    parsed = parse_department(name)
    if parsed is None or not parsed.handler or not parsed.family:
        return None
    return parsed.family


class FamilyScore(TypedDict):
    """A department family ranked for a message, and the evidence."""

    family: str
    score: float
    cues: list[str]  # our routing words found, and "点名:X" for a body the message names


@dataclass(frozen=True, slots=True)
class RoutingWeights:
    """How route_many adds up the evidence for a family; ROUTING_WEIGHTS is the one shipped."""

    learned: float  # x the learned probability
    cues: float  # x (1 - exp(-0.5 n)) for n routing words (a word in the title counts twice)
    domains: float  # x the predicted probability of the domains the family serves
    named: float  # when the message names a body of the family ("请市园林管理局…")


# Chosen by 5-fold CV on gold/departments_train.csv, the training labels, never on a scored gold set
# (routing_eval.weight_grid, benchmarks/routing_weights.py; docs/nlp.md "Department routing figures"). Since the
# learned part is trained with those 2,700 labels it carries more than the routing words (was 2.0 : 1.0 : 0.3 : 0.5).
ROUTING_WEIGHTS = RoutingWeights(learned=2.5, cues=0.25, domains=0.15, named=0.25)
RELATIVE_FLOOR = 0.3  # a family scoring less than this share of the best is no alternative worth showing
CUE_CHARS = 200  # routing words and named bodies are read in the title and the body's first characters (speed)
ABSTAIN_BELOW = 0.15  # a best family scoring less is no suggestion: 请人工分派 (0.3 before the weights were halved)


_FAMILY_NAMES = list(ROUTING_TABLE)
_FAMILY_COLUMN = {family: j for j, family in enumerate(_FAMILY_NAMES)}
_DOMAIN_NAMES = sorted({d for domains, _ in ROUTING_TABLE.values() for d in domains})
_DOMAIN_COLUMN = {d: j for j, d in enumerate(_DOMAIN_NAMES)}
_SERVES = np.zeros((len(_DOMAIN_NAMES), len(_FAMILY_NAMES)))  # domain x family: 1 where the family serves it
for _j, (_domains, _) in enumerate(ROUTING_TABLE.values()):
    for _d in _domains:
        _SERVES[_DOMAIN_COLUMN[_d], _j] = 1.0


def route_families(
    text: str,
    *,
    domain_scores: Mapping[str, float],
    learned: Mapping[str, float] | None = None,
    k: int = 5,
) -> list[FamilyScore]:
    """The top-k department families for a message (a joined title + body), best first (route_many for one)."""
    classes = list(learned or {})
    matrix = np.array([[float((learned or {})[c]) for c in classes]]) if classes else None
    return route_many([text], domain_scores=[domain_scores], learned=matrix, classes=classes, k=k)[0]


def route_many(
    texts: Sequence[str],
    *,
    domain_scores: Sequence[Mapping[str, float]],
    learned: np.ndarray | None = None,
    classes: Sequence[str] = (),
    k: int = 5,
    weights: RoutingWeights = ROUTING_WEIGHTS,
) -> list[list[FamilyScore]]:
    """The top-k department families for each message (joined title + body), best first, in one vectorised
    pass: `weights.learned` x the learned probability (`learned`: texts x `classes`, e.g. DepartmentSuggester's
    scores) + `weights.cues` x (1 - exp(-0.5 n)) for n routing words (a word in the title counts twice; the body
    is read to CUE_CHARS; a salutation is not read) + `weights.domains` x the probability of the domains the
    family serves + `weights.named` when the message names a body of the family.

    An alternative scoring under RELATIVE_FLOOR x the best is not shown, unless a word of its own is in the
    title ("…局长滥用职权": 纪委监委 beside a confident 教育局).

    A family with no learned probability (below 0.1), no routing word, no named body and none of its domains
    likely (below 0.1) is never proposed: one large family (教育局) is not offered for everything."""
    n = len(texts)
    if n == 0:
        return []
    domains = np.zeros((n, len(_DOMAIN_NAMES)))
    for i, row in enumerate(domain_scores):
        for domain, value in row.items():
            column = _DOMAIN_COLUMN.get(domain)
            if column is not None:
                domains[i, column] = float(value)
    scores, found = _family_scores(texts, domains, learned, classes, weights)
    out: list[list[FamilyScore]] = []
    for (in_title, in_body, bodies), ranked in zip(found, _ranked(scores, k, found), strict=True):
        families: list[FamilyScore] = []
        for family, score in ranked:
            cues = list(dict.fromkeys(in_title.get(family, []) + in_body.get(family, [])))
            if family in bodies:
                cues.append(f"点名:{family}")
            families.append(FamilyScore(family=family, score=score, cues=cues))
        out.append(families)
    return out


def route_scores(
    texts: Sequence[str],
    *,
    domain_proba: np.ndarray,
    domain_classes: Sequence[str],
    learned: np.ndarray | None = None,
    classes: Sequence[str] = (),
    k: int = 5,
    weights: RoutingWeights = ROUTING_WEIGHTS,
) -> list[list[tuple[str, float]]]:
    """route_many's (family, score) pairs without the cue words (what the analyzer keeps), with the domain
    scores as a matrix (`domain_proba`: texts x `domain_classes`) rather than one mapping per text."""
    n = len(texts)
    if n == 0:
        return []
    domains = np.zeros((n, len(_DOMAIN_NAMES)))
    pairs = [(j, _DOMAIN_COLUMN[str(d)]) for j, d in enumerate(domain_classes) if str(d) in _DOMAIN_COLUMN]
    if pairs and len(domain_proba):
        known, columns = (list(x) for x in zip(*pairs, strict=True))
        domains[:, columns] = np.asarray(domain_proba, dtype=np.float64)[:, known]
    scores, found = _family_scores(texts, domains, learned, classes, weights)
    return _ranked(scores, k, found)


_Found = tuple[dict[str, list[str]], dict[str, list[str]], list[str]]  # routing words in title, in body; bodies named


def _family_scores(
    texts: Sequence[str],
    domains: np.ndarray,
    learned: np.ndarray | None,
    classes: Sequence[str],
    weights: RoutingWeights = ROUTING_WEIGHTS,
) -> tuple[np.ndarray, list[_Found]]:
    """Every family's score for each text (rounded to 3 decimals; -inf without evidence) and the cues found:
    (routing words in the title, in the body, bodies named). `domains`: texts x _DOMAIN_NAMES."""
    n, width = len(texts), len(_FAMILY_NAMES)
    cells: list[int] = []  # text * width + family column, once per routing word (twice for the title's)
    named_cells: list[int] = []
    found: list[_Found] = []
    for i, text in enumerate(texts):
        title, body = split_text(text)
        body = body[:CUE_CHARS]
        in_title, in_body = title_and_body_cues(title, body)
        bodies = named_families(f"{title}\n{body}")
        row = i * width
        for family, words in in_title.items():
            cells += [row + _FAMILY_COLUMN[family]] * (2 * len(words))
        for family, words in in_body.items():
            cells += [row + _FAMILY_COLUMN[family]] * len(words)
        named_cells += [row + _FAMILY_COLUMN[family] for family in bodies]
        found.append((in_title, in_body, bodies))
    counts = np.bincount(np.asarray(cells, dtype=np.int64), minlength=n * width).astype(np.float64).reshape(n, width)
    flat = np.zeros(n * width, dtype=bool)
    flat[np.asarray(named_cells, dtype=np.int64)] = True
    named = flat.reshape(n, width)
    probability = np.zeros((n, width))
    if learned is not None and len(classes):
        for j, name in enumerate(classes):
            column = _FAMILY_COLUMN.get(str(name))
            if column is not None:
                probability[:, column] = learned[:, j]
    domain_part = domains @ _SERVES
    scores = (
        weights.learned * probability
        + weights.cues * (1.0 - np.exp(-0.5 * counts))
        + weights.domains * domain_part
        + weights.named * named
    )
    evidence = (probability >= 0.1) | (counts > 0) | named | (domain_part >= 0.1)
    return np.where(evidence, np.round(scores, 3), -np.inf), found


def _ranked(scores: np.ndarray, k: int, found: Sequence[_Found]) -> list[list[tuple[str, float]]]:
    """The top-k (family, score) of each row of `scores`, best first, down to RELATIVE_FLOOR x the best (a family
    under it still shown when a routing word of its own is in the title: `found`, from _family_scores)."""
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    top = np.take_along_axis(scores, order, axis=1).tolist()
    out: list[list[tuple[str, float]]] = []
    for (in_title, _, _), row, values in zip(found, order.tolist(), top, strict=True):
        ranked: list[tuple[str, float]] = []
        floor = RELATIVE_FLOOR * values[0] if row else 0.0
        for j, score in zip(row, values, strict=True):
            if score == -np.inf:
                break
            if score < floor and not in_title.get(_FAMILY_NAMES[j]):
                continue  # weak beside the best, and the title does not name its matter
            ranked.append((_FAMILY_NAMES[j], score))
        out.append(ranked)
    return out


def routing_abstains(families: Sequence[FamilyScore] | Sequence[tuple[str, float]]) -> bool:
    """Whether a family ranking is too weak to suggest: none, the best below ABSTAIN_BELOW, or the best is
    outside our families (a court, the post office …): the coordinator assigns by hand (请人工分派)."""
    if not families:
        return True
    best = families[0]
    name, score = (best["family"], best["score"]) if isinstance(best, dict) else best
    return name == OUTSIDE_FAMILY or float(score) < ABSTAIN_BELOW


KEYWORD_SCORE = 0.5  # per admin keyword found, at most 1.0 in all
ADMIN_DOMAIN_WEIGHT = 0.3  # the predicted probability of the domains the admin gave the department
MIN_DEPARTMENT_SCORE = 0.05  # below this a department is noise, not a suggestion
LOCAL_BONUS = 0.1  # a department of the region the message names
_COUNTY = re.compile(r"[A-Z]\d+(?:区|县|市)|[\u4e00-\u9fa5]{2,4}(?:区|县)")  # a county or district, not a city
_REGION_IN_TEXT = re.compile(r"[A-Z]\d{0,2}(?:市|区|县)|[\u4e00-\u9fa5]{2,4}?(?:省|市|区|县)")


def rank_departments(
    candidates: Iterable[DepartmentCandidate],
    *,
    text: str,
    domain_scores: Mapping[str, float],
    learned: Iterable[tuple[str, float]] = (),
    places: Sequence[Place] = (),
    k: int = 3,
) -> list[SuggestedDepartment]:
    """The top-k of the platform's departments for a message.

    A department scores its family's routing score (`learned`: (family, score) pairs, AnalysisResult
    ["departments"]), plus 0.5 per admin keyword found in `text` (at most 1.0), plus 0.3 × the predicted
    probability of the domains the admin gave it. Jurisdiction gates it first: a town or street office only
    when the message names its town; a department of a named county or district only when the message
    names that region (or one inside its city), or names no region and no department of the same family
    serves the whole platform or city. The board's
    own operators (电子政务管理办公室 …) are never proposed. Ties go to the lower id."""
    families = {str(name): float(score) for name, score in learned}
    found_regions = _message_regions(text, places)
    parsed = [(dept, parse_department(dept.name)) for dept in candidates]
    free_families = {p.family for _, p in parsed if p is not None and p.family and _wide(p.region)}
    ranked: list[SuggestedDepartment] = []
    for dept, name in parsed:
        family = name.family if name is not None else ""
        if name is not None and not name.handler:
            continue
        if name is not None and not _in_jurisdiction(name, text, found_regions, free_families):
            continue
        hits = [w for w in dept.keywords if w and w in text]
        score = families.get(family, 0.0) if family else 0.0
        score += min(1.0, KEYWORD_SCORE * len(hits))
        score += ADMIN_DOMAIN_WEIGHT * sum(float(domain_scores.get(d, 0.0)) for d in dept.domains)
        if name is not None and _specific(name.region) and _region_named(name.region, text, found_regions):
            score += LOCAL_BONUS  # the district's own office before the city's
        if score >= MIN_DEPARTMENT_SCORE:
            ranked.append(SuggestedDepartment(id=dept.id, name=dept.name, score=round(score, 3), keywords=hits))
    ranked.sort(key=lambda r: (-r["score"], r["id"]))
    return ranked[:k]


def _specific(region: str) -> bool:
    """A named region ("A7县", "东湖区"), not the bare 市/区/县 of a platform's own departments."""
    return len(region) > 1


def _town_named(town: str, text: str) -> bool:
    """The message names the town: in full ("泉塘街道"), or its stem followed by a word of place ("泉塘街",
    "泉塘社区"); a bare stem is not enough ("路口镇" is not named by "双拥路口")."""
    if town in text:
        return True
    stem = re.sub(r"(?:镇|乡|街道)$", "", town)
    return len(stem) >= 2 and re.search(re.escape(stem) + r"(?:镇|乡|街|办|社区|片区)", text) is not None


def _wide(region: str) -> bool:
    """A body for the whole platform or a whole city ("", "市", "A市", "西地省"), not a county's or district's."""
    return not _specific(region) or _last_region(region).endswith(("市", "省"))


def _last_region(region: str) -> str:
    """The region that places a department: the last coded one ("A6区经开区" -> A6区: a development zone's name
    is shared by many cities), else the last one named."""
    parts = region_parts(region)
    coded = [part for part in parts if part[0].isascii()]
    return (coded or [p for p in parts if len(p) > 1] or [region])[-1]


def _region_named(region: str, text: str, regions: set[str]) -> bool:
    last = _last_region(region)
    return last in regions or last in text


def _covers(region: str, regions: set[str]) -> bool:
    """An anonymised city covers its counties and districts: A市 covers A3区 and A7县 (issue 17 brings the
    jurisdiction tree that decides this for real names)."""
    city = re.fullmatch(r"([A-Z])市", region)
    if city is None:
        return False
    return any(re.match(rf"{city.group(1)}\d+", r) for r in regions)


def _message_regions(text: str, places: Sequence[Place]) -> set[str]:
    regions = {p["name"] for p in places if p.get("level") in {"province", "city", "district", "county"}}
    regions.update(_REGION_IN_TEXT.findall(text))
    return regions


def _in_jurisdiction(name: Any, text: str, regions: set[str], free_families: set[str]) -> bool:
    if name.town and not _town_named(name.town, text):
        return False
    if _specific(name.region):
        if _region_named(name.region, text, regions) or _covers(_last_region(name.region), regions):
            return True
        if name.town and not any(_COUNTY.fullmatch(r) for r in regions):
            return True  # the town is named and no other county or district: its county may be left out
        return not regions and (_wide(name.region) or name.family not in free_families)
    return True
