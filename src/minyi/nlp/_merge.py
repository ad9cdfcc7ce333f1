"""The second pass of the grouping: whole issues from groups that the first pass left split.

The first pass links messages two by two; one problem written in different words (油烟 / 噪音 from the
same ground-floor restaurants) or over two periods can end in two or three groups. Here each group is
summarised by its *keys* and by the mean of its members' problem vectors (its *centroid*).

Keys: the estates, communities and organisations named by at least a third of the members (*strong*
keys); the roads and streets so named in titles, and the place-like words (four to seven characters
ending in 公园, 广场, 路, 湖, 滩 …) written in at least half of the titles (*weak* keys: 月亮岛路,
洪山公园, 绿地海外滩 — names the place extractor may not know). Other shared words are no key: two
questions about one policy (人才购房补贴) are two issues in the hand-labelled pairs. A long road named
only in the bodies is no key either (it would join unrelated issues along it), nor is the name of an
authority (人民法院, 公安局: it would join unrelated cases).

Two groups that share a key are merged when their centroids, plus a little for agreeing problem
kinds (``_concepts``), are close enough (``threshold`` for a strong key, ``weak_threshold`` for a
weak one), their periods lie within ``max_days``, the places their titles name do not clash and
their organisations do not clash. Merges are made closest first and each is checked against the
centroid of the group merged so far, so that a chain of merges cannot glue two problems together.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np
from scipy.sparse import csr_matrix

from minyi.nlp._aliases import MIN_LENGTH
from minyi.nlp._concepts import profile_cosine
from minyi.nlp._organisations import clashing_organisations, organisations_clash

_MAX_GROUPS_PER_KEY = 30  # a key held by more groups is too common a name to prove anything
_TITLE_WORD = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]+")
# 3号线, 二期: words with numbers are shared by unrelated issues
_NUMBERED = re.compile(r"[0-9０-９一二三四五六七八九十]+[号期栋条路线区]?")
_AUTHORITY = re.compile(
    r"法院|政府|公安|派出所|分局|街道办|居委会|村委会|管理局|教育局|住建局|交警|城管|信访|"
    r"纪委|检察"
)
_PLACE_END = re.compile(r"公园|广场|花园|小区|社区|大道|路|街|村|城|苑|园|湾|府|庭|湖|岛|滩|山|桥")
_ADMIN = re.compile(r"[A-Z]\d{0,2}(?:市|区|县|州)|西地省")
# a word with a verb, a function word or a generic place word in it is a topic, not a place's name
# (请求道路 in 请求道路硬化, 农村公路, 老旧小区)
_NOT_A_NAME = re.compile(
    r"请|要求|希望|建议|关于|反映|投诉|咨询|的|了|在|和|与|对|把|被|是|为|给|将|让|何时|如何|"
    r"道路|马路|公路|铁路|线路|之路|出路|农村|乡村|城市|县城|城区|城乡|小区|社区|园区|校园|家园$|^[老旧]"
)


class _Keys:
    def __init__(
        self, strong: set[str], weak: set[str], fine: set[str], orgs: frozenset[str], regions: frozenset[str]
    ) -> None:
        self.strong, self.weak, self.fine, self.orgs, self.regions = strong, weak, fine, orgs, regions


def _title_words(title: str) -> set[str]:
    """Place-like words of four to seven characters in a title (绿地海外滩, 地海外滩, 洪山公园 …); never a
    word with a number or an authority's name."""
    words: set[str] = set()
    for run in _TITLE_WORD.findall(_NUMBERED.sub(" ", _ADMIN.sub(" ", title))):
        for m in _PLACE_END.finditer(run):
            words.update(run[m.end() - n : m.end()] for n in range(4, 8) if m.end() - n >= 0)
    return {w for w in words if not _AUTHORITY.search(w) and not _NOT_A_NAME.search(w)}


def _named(names_per_member: list[set[str]], need: int) -> set[str]:
    """Names held (as such or as the end of a longer name: 魅力之城 in 东路魅力之城) by ``need`` members."""
    full = {n for names in names_per_member for n in names}
    counts: Counter[str] = Counter()
    for names in names_per_member:
        counts.update({n[k:] for n in names for k in range(len(n) - MIN_LENGTH + 1)} & full)
    return {n for n, c in counts.items() if c >= need}


def _keys(members: np.ndarray, places: Sequence, titles: Sequence[str]) -> _Keys:
    need = max(1, math.ceil(len(members) / 3))
    rows = members.tolist()
    main_fine = _named([{n for n in places[k].primary_fine if len(n) >= MIN_LENGTH} for k in rows], need)
    main_strong = _named(
        [{n for n in places[k].strong & places[k].primary_fine if len(n) >= MIN_LENGTH} for k in rows], need
    )
    main_orgs = _named([set(places[k].organisations) for k in rows], need)
    words: Counter[str] = Counter()
    for k in rows:
        words.update(_title_words(titles[k]))
    half = math.ceil(len(rows) / 2)
    in_titles = {n for n in main_fine if any(n in titles[k] for k in rows)}
    weak = (in_titles - main_strong) | {w for w, c in words.items() if c >= half}
    titled_strong = {n for n in main_strong if any(n in titles[k] for k in rows)}  # not one read in bodies only
    # regions and districts (A市/A7县 letters; A2区 / A4区) named by at least half of those that name one
    regions: Counter[str] = Counter(r for k in rows for r in places[k].regions)
    named = sum(bool(places[k].regions) for k in rows)
    districts: Counter[str] = Counter(d for k in rows for d in places[k].districts)
    with_district = sum(bool(places[k].districts) for k in rows)
    main_regions = frozenset(r for r, c in regions.items() if 2 * c >= named) | frozenset(
        f"district:{d}" for d, c in districts.items() if 2 * c >= with_district
    )
    return _Keys(titled_strong | main_orgs, weak, in_titles, clashing_organisations(main_orgs), main_regions)


def _centroids(labels: np.ndarray, problem: csr_matrix, n_groups: int) -> csr_matrix:
    member_of = csr_matrix(
        (np.ones(len(labels), dtype=np.float32), (labels, np.arange(len(labels)))), shape=(n_groups, len(labels))
    )
    sums = (member_of @ problem).tocsr()
    used, local = np.unique(sums.indices, return_inverse=True)  # a product then never touches 2**20 columns
    return csr_matrix((sums.data, local.astype(np.int32), sums.indptr), shape=(n_groups, len(used)))


def merge_groups(
    labels: np.ndarray,
    problem: csr_matrix,
    places: Sequence,
    titles: Sequence[str],
    kinds: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    *,
    threshold: float,
    weak_threshold: float,
    max_days: float,
    min_kinds: float = 0.5,
    kinds_weight: float = 0.08,
) -> np.ndarray:
    """Labels after merging groups that share a key and have close problem centroids."""
    n_groups = int(labels.max(initial=-1)) + 1
    if n_groups < 2:
        return labels
    order = np.argsort(labels, kind="stable")
    groups = np.split(order, np.flatnonzero(np.diff(labels[order])) + 1)
    keys = [_keys(m, places, titles) for m in groups]
    pairs = _pairs_sharing_a_key(keys)
    if not pairs:
        return labels
    sums = _centroids(labels, problem, n_groups)
    left = np.array([a for a, _b, _s in pairs])
    right = np.array([b for _a, b, _s in pairs])
    norms = np.sqrt(np.asarray(sums.multiply(sums).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    cosine = np.asarray(sums[left].multiply(sums[right]).sum(axis=1)).ravel() / (norms[left] * norms[right])
    need = np.array([threshold if is_strong else weak_threshold for _a, _b, is_strong in pairs])
    g_start = np.array([np.nanmin(start[m]) if np.isfinite(start[m]).any() else np.nan for m in groups])
    g_end = np.array([np.nanmax(end[m]) if np.isfinite(end[m]).any() else np.nan for m in groups])
    parent = list(range(n_groups))
    vectors = {g: sums[g] for g in set(left.tolist()) | set(right.tolist())}
    profiles = {g: kinds[groups[g]].sum(axis=0).astype(np.float64) for g in vectors}
    agree = np.array(
        [profile_cosine(profiles[a], profiles[b]) for a, b in zip(left.tolist(), right.tolist(), strict=True)]
    )
    cosine = cosine + kinds_weight * agree
    for k in np.argsort(-cosine, kind="stable").tolist():
        if cosine[k] < need[k]:
            continue
        a, b = _root(parent, int(left[k])), _root(parent, int(right[k]))
        if a == b or not _compatible(keys[a], keys[b], g_start, g_end, a, b, max_days):
            continue
        va, vb = vectors[a], vectors[b]
        agreement = profile_cosine(profiles[a], profiles[b])
        if _cos(va, vb) + kinds_weight * agreement < need[k] or agreement < min_kinds:
            continue  # the groups merged so far have drifted apart, or name other kinds of problem
        parent[b] = a
        vectors[a] = va + vb
        profiles[a] = profiles[a] + profiles[b]
        keys[a] = _Keys(
            keys[a].strong | keys[b].strong,
            keys[a].weak | keys[b].weak,
            keys[a].fine | keys[b].fine,
            keys[a].orgs | keys[b].orgs,
            keys[a].regions | keys[b].regions,
        )
        g_start[a], g_end[a] = np.nanmin([g_start[a], g_start[b]]), np.nanmax([g_end[a], g_end[b]])
    roots = np.array([_root(parent, g) for g in range(n_groups)])
    return np.unique(roots, return_inverse=True)[1][labels]


def _root(parent: list[int], g: int) -> int:
    while parent[g] != g:
        parent[g] = parent[parent[g]]
        g = parent[g]
    return g


def _cos(a: csr_matrix, b: csr_matrix) -> float:
    denominator = math.sqrt(float(a.data @ a.data) * float(b.data @ b.data))
    return float((a @ b.T).sum()) / denominator if denominator else 0.0


def _compatible(a: _Keys, b: _Keys, start: np.ndarray, end: np.ndarray, i: int, j: int, max_days: float) -> bool:
    """Periods within ``max_days``, no clash of main places (none shared, by suffix), of regions (A市 /
    K市) or of organisations."""
    gap = max(start[i] - end[j], start[j] - end[i])
    if gap > max_days or organisations_clash(a.orgs, b.orgs):
        return False
    ra, rb = {r for r in a.regions if ":" not in r}, {r for r in b.regions if ":" not in r}
    da, db = a.regions - ra, b.regions - rb
    if (ra and rb and not ra & rb) or (da and db and not da & db):
        return False
    if a.fine and b.fine:
        return any(x.endswith(y) or y.endswith(x) for x in a.fine for y in b.fine)
    return True


def _pairs_sharing_a_key(keys: Sequence[_Keys]) -> list[tuple[int, int, bool]]:
    """Group pairs (a < b, strong?) where a key of one equals a key of the other or ends it (魅力之城 ~
    万科魅力之城); a pair is strong when it shares a strong key."""
    holders: dict[str, list[int]] = defaultdict(list)
    for g, key in enumerate(keys):
        for name in key.strong | key.weak:
            holders[name].append(g)
    found: dict[tuple[int, int], bool] = {}
    for g, key in enumerate(keys):
        for name in key.strong | key.weak:
            for k in range(len(name) - MIN_LENGTH + 1):
                others = holders.get(name[k:], ())
                if len(others) > _MAX_GROUPS_PER_KEY:
                    continue
                for h in others:
                    if h != g:
                        pair = (min(g, h), max(g, h))
                        is_strong = name in key.strong and name[k:] in keys[h].strong
                        found[pair] = found.get(pair, False) or is_strong
    return [(a, b, s) for (a, b), s in sorted(found.items())]
