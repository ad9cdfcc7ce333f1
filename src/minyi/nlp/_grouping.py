"""Same-issue grouping: different words, same problem, same place, overlapping period.

Steps (``IssueGrouper.fit``):

1. Near duplicates (reposts, small edits) are collapsed first (``NearDuplicateDetector``); the rest
   works on one representative per duplicate cluster, with the cluster's time interval.
2. Each representative gets its places (``PlaceExtractor`` on the title and the start of the body)
   and a *problem* vector: TF-IDF of character bigrams of the text with the place names masked
   out, so that two messages about the same estate but different problems do not look alike.
3. Candidate pairs come from blocking: two messages are compared only when they share a fine place
   (street, community, estate, road) or one of their few most distinctive problem bigrams.
4. A candidate pair scores its problem cosine, plus ``place_bonus`` when a place named in one
   message's title (or opening) appears in the other; it scores 0 when both name fine places and
   none is shared, when both name districts and none is shared, or when their periods lie more
   than ``max_days`` apart.
5. Pairs scoring at least ``threshold`` link messages; each connected set of links is cut by
   average linkage (so one chain of weak links cannot glue two problems together) at
   ``threshold``.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

from minyi.nlp._aliases import resolve_aliases
from minyi.nlp._concepts import kinds_disagree, kinds_matrix
from minyi.nlp._merge import merge_groups
from minyi.nlp._organisations import clashing_organisations, organisations, organisations_clash
from minyi.nlp._textvec import HashedTfidf, split_title
from minyi.nlp.dedup import NearDuplicateDetector

FINE_LEVELS = ("street", "community", "estate", "road")
STRONG_LEVELS = ("community", "estate")  # a shared estate says more than a shared (long) road or street
_ANON_ADMIN = re.compile(r"[A-Z]\d{0,2}(?:市|区|县|州)|西地省")
_OPENING_CHARS = 300  # places are read from the title and this many characters of the body
_MAX_LINKAGE = 3000  # bigger linked sets are first split by their weakest links (linkage is O(m^2))
_PAIR_ROWS = 5_000  # rows per block when counting shared keys
_KINDS_TRUSTED = 0.1  # under this problem similarity, a shared place links only messages of one kind


@dataclass(frozen=True)
class MessagePlaces:
    """Place names of one message: in its title or opening (primary), anywhere read (all)."""

    primary_fine: frozenset[str]
    all_fine: frozenset[str]
    strong: frozenset[str]  # estate and community names among all_fine, and known place names
    districts: frozenset[str]
    cities: frozenset[str]
    names: tuple[str, ...]  # every name found, longest first (for masking)
    organisations: frozenset[str] = frozenset()  # companies, platforms, schools named in the title
    regions: frozenset[str] = frozenset()  # prefectures (the letter of A市/A7县) or real cities named


_ANON_REGION = re.compile(r"([A-Z])\d{0,2}[市区县州]")


def regions_of(names: Iterable[tuple[str, str]]) -> frozenset[str]:
    """Regions of (level, name) pairs: the prefecture letter of an anonymised city or district (A市,
    A7县 -> A; D12市 -> D) or a real city's name. Two messages naming regions, none shared, are about
    two places (maternity pay in K市 and in L市; road surfacing in A7县 and in L4县)."""
    out = set()
    for level, name in names:
        m = _ANON_REGION.fullmatch(name)
        if m:
            out.add(m.group(1))
        elif level == "city":
            out.add(name)
    return frozenset(out)


def _extractor():
    from minyi.nlp.places import PlaceExtractor

    return PlaceExtractor()


def _is_fine(place: dict[str, str]) -> bool:
    """A street/community/estate/road, not an anonymised district read as (part of) one.

    The extractor sometimes returns "K9县" or "A6区新城" (for A6区新城国际花都) as an estate: such a
    name names no place precisely and would glue unrelated messages together.
    """
    return place["level"] in FINE_LEVELS and not _ANON_ADMIN.match(place["name"])


# an estate or community written with its kind word, read when the extractor finds no fine place in a
# title (it misses "魅力之城小区…" at the start of a title); the stem is cut after the last road, street,
# district or function word before it
_TITLE_ESTATE = re.compile(r"([\u4e00-\u9fffA-Za-z0-9]{2,12}?)(小区|社区|花园|家园|公寓)")
_STEM_CUT = re.compile(
    r".*(?:[路街道巷区县市镇乡村的了在和与及对把被是有要给从向于即该这那个]|关于|反映|投诉|举报|请求|"
    r"希望|建议|咨询|请问|要求|附近|周边|旁边)"
)
_NOT_A_NAME = re.compile(r"^(?:我们|我家|我的|本|该|这个|这|那个|所在|整个|老旧|新建|周边|附近|全|各|多个|某|每个)")


def title_estates(title: str) -> set[str]:
    """Estate and community names written with 小区/社区/花园 … in a title (魅力之城 in 魅力之城小区临街…)."""
    found = set()
    for m in _TITLE_ESTATE.finditer(_ANON_ADMIN.sub(" ", title)):
        stem = m.group(1)
        cut = _STEM_CUT.match(stem)
        stem = stem[cut.end() :] if cut else stem
        if len(stem) >= 2 and not _NOT_A_NAME.match(stem):
            found.add(stem if m.group(2) in ("小区", "社区") else stem + m.group(2))
    return found


def message_places(text: str, extra: Iterable[str] = (), *, extractor=None) -> MessagePlaces:
    """Places of ``title + "\\n" + body``; ``extra`` are known place names (e.g. a form field)."""
    extractor = extractor or _extractor()
    title, body = split_title(text)
    in_title = extractor.extract(title)
    in_opening = extractor.extract(body[:_OPENING_CHARS])
    fine_title = {p["name"] for p in in_title if _is_fine(p)}
    if not fine_title:
        in_title = in_title + [{"level": "estate", "name": n} for n in title_estates(title) if len(n) >= 3]
        fine_title = {p["name"] for p in in_title if _is_fine(p)}
    fine_opening = {p["name"] for p in in_opening if _is_fine(p)}
    extra_names = {e.strip() for e in extra if e and e.strip()}
    primary = (fine_title or fine_opening) | extra_names
    orgs = organisations(title)
    everything = in_title + in_opening
    districts = {p["name"] for p in in_title if p["level"] == "district"} or {
        p["name"] for p in in_opening[:2] if p["level"] == "district"
    }
    cities = {p["name"] for p in everything if p["level"] == "city"}
    names = sorted({p["name"] for p in everything} | extra_names | orgs, key=len, reverse=True)
    strong = {p["name"] for p in everything if _is_fine(p) and p["level"] in STRONG_LEVELS} | extra_names
    regions = regions_of((p["level"], p["name"]) for p in everything if p["level"] in ("city", "district"))
    return MessagePlaces(
        frozenset(primary),
        frozenset(fine_title | fine_opening | extra_names),
        frozenset(strong),
        frozenset(districts),
        frozenset(cities),
        tuple(names),
        frozenset(orgs),
        regions,
    )


def mask_places(text: str, places: MessagePlaces) -> str:
    """The text with its place names (and anonymised admin names) replaced by a space."""
    for name in places.names:
        if len(name) >= 2:
            text = text.replace(name, " ")
    return _ANON_ADMIN.sub(" ", text)


def _suffixes(names: Iterable[str]) -> frozenset[str]:
    """The names and their suffixes of three characters or more (万科魅力之城 -> 魅力之城, 力之城 ...)."""
    return frozenset(n[k:] for n in names for k in range(max(len(n) - 2, 1)))


class _Sets:
    """Rows of name sets as a padded integer matrix (one id per name), for vectorised overlap tests.

    Padding differs between the two sides of a test (-1 left, -2 right) so that it never matches.
    """

    _MAX_WIDTH = 24  # a message naming more places than this is junk; keep some of its names

    def __init__(self, rows: Sequence[frozenset[str]], vocab: dict[str, int]) -> None:
        width = min(max((len(r) for r in rows), default=0), self._MAX_WIDTH)
        self.ids = np.full((len(rows), max(width, 1)), -1, dtype=np.int32)
        for k, row in enumerate(rows):
            ids = sorted(vocab.setdefault(name, len(vocab)) for name in row)[:width]
            self.ids[k, : len(ids)] = ids
        self.nonempty = self.ids[:, 0] >= 0
        self.width = (self.ids >= 0).sum(axis=1)

    def right(self) -> np.ndarray:
        return np.where(self.ids >= 0, self.ids, -2)


def _overlap(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Row-wise: does left[k] share an id with right[k]? (right padded with -2)."""
    return (left[:, :, None] == right[:, None, :]).any(axis=(1, 2))


def _rowwise_dot(a: csr_matrix, b: csr_matrix, i: np.ndarray, j: np.ndarray, batch: int = 20_000) -> np.ndarray:
    """a[i[k]] . b[j[k]] for every k."""
    out = np.empty(len(i), dtype=np.float32)
    for s in range(0, len(i), batch):
        out[s : s + batch] = np.asarray(a[i[s : s + batch]].multiply(b[j[s : s + batch]]).sum(axis=1)).ravel()
    return out


def _compact_columns(rows: csr_matrix) -> csr_matrix:
    """The same rows over only the columns they use (a product then never touches 2**20 columns)."""
    used, local = np.unique(rows.indices, return_inverse=True)
    return csr_matrix((rows.data, local.astype(np.int32), rows.indptr), shape=(rows.shape[0], len(used)))


class PairScorer:
    """Scores pairs of representatives from their problem vectors, places and periods.

    Two place names match when one ends with the other (万科魅力之城 and 魅力之城; the extractor
    often glues a developer's or a road's name in front of an estate's).
    """

    _BATCH = 50_000

    def __init__(
        self,
        problem: csr_matrix,
        places: Sequence[MessagePlaces],
        start: np.ndarray,
        end: np.ndarray,
        *,
        place_bonus: float,
        max_days: float,
        weak_place_factor: float = 1 / 3,
        min_problem: float = 0.07,
        kinds: np.ndarray | None = None,
        unplaced_min: float = 0.0,
        unplaced_anywhere_min: float = 0.0,
    ) -> None:
        self.problem, self.start, self.end, self.min_problem = problem, start, end, min_problem
        self.unplaced_min, self.unplaced_anywhere_min = unplaced_min, unplaced_anywhere_min
        self.kinds = kinds if kinds is not None else np.zeros((problem.shape[0], 1), dtype=bool)
        self.place_bonus, self.max_days, self.weak_place_factor = place_bonus, max_days, weak_place_factor
        vocab: dict[str, int] = {}
        self.sets = {
            "primary": _Sets([p.primary_fine for p in places], vocab),
            "primary_suffixes": _Sets([_suffixes(p.primary_fine) for p in places], vocab),
            "all": _Sets([p.all_fine for p in places], vocab),
            "all_suffixes": _Sets([_suffixes(p.all_fine) for p in places], vocab),
            "strong": _Sets([p.strong for p in places], vocab),
            "strong_suffixes": _Sets([_suffixes(p.strong) for p in places], vocab),
            "districts": _Sets([p.districts for p in places], vocab),
            "regions": _Sets([p.regions for p in places], vocab),
            "orgs": _Sets([p.organisations for p in places], vocab),
            "orgs_suffixes": _Sets([_suffixes(p.organisations) for p in places], vocab),
            "clashing_orgs": _Sets([clashing_organisations(p.organisations) for p in places], vocab),
            "clashing_orgs_suffixes": _Sets(
                [_suffixes(clashing_organisations(p.organisations)) for p in places], vocab
            ),
        }
        self.right = {name: s.right() for name, s in self.sets.items()}
        self.has_primary, self.has_district = self.sets["primary"].nonempty, self.sets["districts"].nonempty
        self.has_region = self.sets["regions"].nonempty
        self.anchored = self.sets["all"].nonempty | self.sets["orgs"].nonempty
        self.silent = ~self.anchored & ~self.has_region & ~self.has_district

    def _overlap(self, left: str, right: str, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        out = np.zeros(len(i), dtype=bool)
        lefts, rights = self.sets[left], self.sets[right]
        both = np.flatnonzero(lefts.nonempty[i] & rights.nonempty[j])
        if len(both):  # most pairs name no place on one side: only the others are compared
            a, b = i[both], j[both]
            out[both] = _overlap(lefts.ids[a, : lefts.width[a].max()], self.right[right][b, : rights.width[b].max()])
        return out

    def shared_place(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """A place named in the title/opening of one message matches a place named in the other."""
        out = np.zeros(len(i), dtype=bool)
        for a, b in ((i, j), (j, i)):
            out |= self._overlap("primary", "all_suffixes", a, b) | self._overlap("primary_suffixes", "all", a, b)
        return out

    def shared_strong_place(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Both name the same estate or community."""
        return self._overlap("strong", "strong_suffixes", i, j) | self._overlap("strong_suffixes", "strong", i, j)

    def shared_organisation(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Both titles name the same company, platform, school or hospital (58车贷, 涉外经济学院)."""
        return self._overlap("orgs", "orgs_suffixes", i, j) | self._overlap("orgs_suffixes", "orgs", i, j)

    def organisations_clash(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Both name a school, hospital or platform, and none of one is named by the other."""
        both = self.sets["clashing_orgs"].nonempty[i] & self.sets["clashing_orgs"].nonempty[j]
        shared = self._overlap("clashing_orgs", "clashing_orgs_suffixes", i, j) | self._overlap(
            "clashing_orgs_suffixes", "clashing_orgs", i, j
        )
        return both & ~shared

    def _adjust(self, text: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Add the place bonus, zero the pairs whose places, regions or organisations clash or whose
        periods lie too far apart. The bonus needs a problem similarity of at least ``min_problem``: a
        shared place alone does not make one issue of a manhole cover and gambling machines at one
        address, nor does it when the two messages name kinds of problem (``_concepts``) and share
        none. A pair that shares no fine place and no organisation (a topic, not a place: road
        surfacing, maternity pay) needs a problem similarity of ``unplaced_min`` and one region named
        by both, or ``unplaced_anywhere_min`` when one of them names no region."""
        shared = self.shared_place(i, j)
        strong = np.zeros(len(i), dtype=bool)
        strong[shared] = self.shared_strong_place(i[shared], j[shared])
        organisation = self.shared_organisation(i, j)  # counts like an estate, never clashes
        strong |= organisation
        both_fine = self.has_primary[i] & self.has_primary[j]
        district_clash = self.has_district[i] & self.has_district[j] & ~self._overlap("districts", "districts", i, j)
        gap = np.maximum(0.0, np.maximum(self.start[i] - self.end[j], self.start[j] - self.end[i]))
        shared |= organisation
        clash = (both_fine | district_clash) & ~shared
        both_regions = self.has_region[i] & self.has_region[j]
        same_region = both_regions & self._overlap("regions", "regions", i, j)
        clash |= both_regions & ~same_region
        # a message naming nothing may join one anchored at a fine place or organisation (the group
        # keeps its place); two that name nothing, or two regions' worth of nothing, need more
        anchored = (self.silent[i] & self.anchored[j]) | (self.silent[j] & self.anchored[i])
        unplaced = ~shared & (
            (text < self.unplaced_min) | (~(same_region | anchored) & (text < self.unplaced_anywhere_min))
        )
        one_kind = (text >= _KINDS_TRUSTED) | ~kinds_disagree(self.kinds[i], self.kinds[j])
        shared &= (text >= self.min_problem) & one_kind
        out = text + self.place_bonus * np.where(strong, 1.0, self.weak_place_factor) * shared
        out[clash | unplaced] = 0.0
        out[self.organisations_clash(i, j)] = 0.0
        out[gap > self.max_days] = 0.0
        return out

    def score(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Scores of the pairs (i[k], j[k])."""
        out = np.empty(len(i), dtype=np.float64)
        for s in range(0, len(i), self._BATCH):
            a, b = i[s : s + self._BATCH], j[s : s + self._BATCH]
            out[s : s + self._BATCH] = self._adjust(_rowwise_dot(self.problem, self.problem, a, b), a, b)
        return out

    def score_all_pairs(self, members: np.ndarray) -> np.ndarray:
        """Condensed scores (scipy's pdist order) of every pair among ``members``."""
        a, b = np.triu_indices(len(members), k=1)
        block = _compact_columns(self.problem[members])
        text = (block @ block.T).toarray()[a, b]
        out = np.empty(len(a), dtype=np.float64)
        for s in range(0, len(a), self._BATCH):
            out[s : s + self._BATCH] = self._adjust(
                text[s : s + self._BATCH], members[a[s : s + self._BATCH]], members[b[s : s + self._BATCH]]
            )
        return out


def candidate_pairs(
    problem: csr_matrix, places: Sequence[MessagePlaces], *, keys_per_message: int, max_block: int, min_shared: int = 2
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j) sharing a fine place, or ``min_shared`` of their top problem bigrams.

    Keys shared by more than ``max_block`` messages are ignored (they would make quadratic blocks).
    """
    n = problem.shape[0]
    # the top problem features of each row: sort by (row, -weight), keep the first few of each row
    lengths = np.diff(problem.indptr)
    row_of = np.repeat(np.arange(n, dtype=np.int64), lengths)
    order = np.argsort(row_of - problem.data.astype(np.float64))  # by row, then by weight descending
    rank = np.arange(len(order)) - np.repeat(problem.indptr[:-1], lengths)
    top = order[rank < keys_per_message]
    rows, cols = [row_of[top]], [problem.indices[top].astype(np.int64)]
    offset = problem.shape[1]
    vocab: dict[str, int] = {}
    for r, p in enumerate(places):
        ids = [offset + vocab.setdefault(name, len(vocab)) for name in _suffixes(p.all_fine | p.organisations)]
        cols.append(np.asarray(ids, dtype=np.int64))
        rows.append(np.full(len(ids), r, dtype=np.int64))
    row = np.concatenate(rows) if rows else np.empty(0, dtype=np.int64)
    col = np.concatenate(cols) if cols else np.empty(0, dtype=np.int64)
    weight = np.where(col >= offset, float(min_shared), 1.0).astype(np.float32)  # one shared place suffices
    _, col = np.unique(col, return_inverse=True)
    keys = csr_matrix((weight, (row, col)), shape=(n, int(col.max(initial=-1)) + 1))
    df = np.bincount(keys.indices, minlength=keys.shape[1])
    keys = keys[:, np.flatnonzero((df >= 2) & (df <= max_block))].tocsr()
    present = (keys > 0).T.astype(np.float32).tocsr()
    lefts, rights = [], []
    for start in range(0, n, _PAIR_ROWS):  # row blocks bound the memory of the co-occurrence counts
        shared = (keys[start : start + _PAIR_ROWS] @ present).tocoo()
        keep = (shared.row + start < shared.col) & (shared.data >= min_shared)
        lefts.append(shared.row[keep].astype(np.int64) + start)
        rights.append(shared.col[keep].astype(np.int64))
    if not lefts:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return np.concatenate(lefts), np.concatenate(rights)


def cluster_links(
    n: int, i: np.ndarray, j: np.ndarray, scorer: PairScorer, *, threshold: float, edge_scores: np.ndarray | None = None
) -> np.ndarray:
    """Labels: connected sets of links, each cut by average linkage on its full score matrix.

    Sets of up to ``_SMALL_SET`` members are scored in one vectorised call; bigger ones one by one
    (a sparse block product); a set of more than ``_MAX_LINKAGE`` members is first split by
    dropping its weakest links (average linkage is quadratic in memory).
    """
    sets = _components(n, i, j)
    if edge_scores is not None:
        sets = _split_big_sets(sets, i, j, edge_scores, threshold)
    labels = sets.astype(np.int64)
    next_label = int(labels.max(initial=-1)) + 1
    order = np.argsort(sets, kind="stable")
    groups = [m for m in np.split(order, np.flatnonzero(np.diff(sets[order])) + 1) if len(m) > 2]
    small = [m for m in groups if len(m) <= _SMALL_SET]
    condensed = _small_set_scores(small, scorer)
    for members, sim in [
        *zip(small, condensed, strict=True),
        *((m, scorer.score_all_pairs(m)) for m in groups if len(m) > _SMALL_SET),
    ]:
        tree = linkage(1.0 - np.clip(sim, 0.0, 1.0), method="average")
        parts = fcluster(tree, t=1.0 - threshold, criterion="distance")
        labels[members] = next_label + parts - 1
        next_label += int(parts.max())
    _, labels = np.unique(labels, return_inverse=True)
    return labels


_SMALL_SET = 40


def _components(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    graph = coo_matrix((np.ones(len(i), dtype=np.int8), (i, j)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def _split_big_sets(sets: np.ndarray, i: np.ndarray, j: np.ndarray, scores: np.ndarray, threshold: float) -> np.ndarray:
    """Raise the link threshold inside sets bigger than ``_MAX_LINKAGE`` until none is."""
    cut = threshold
    while (sizes := np.bincount(sets)).max(initial=0) > _MAX_LINKAGE and cut < 1.0:
        cut += 0.05
        big = sizes[sets] > _MAX_LINKAGE
        keep = ~big[i] | (scores >= cut)
        sets = _components(len(sets), i[keep], j[keep])
        scores, i, j = scores[keep], i[keep], j[keep]
    return sets


def _small_set_scores(groups: list[np.ndarray], scorer: PairScorer) -> list[np.ndarray]:
    """Condensed score vectors of every pair within each small set, from one scoring call."""
    if not groups:
        return []
    lefts, rights, bounds = [], [], [0]
    for members in groups:
        a, b = np.triu_indices(len(members), k=1)
        lefts.append(members[a])
        rights.append(members[b])
        bounds.append(bounds[-1] + len(a))
    scores = scorer.score(np.concatenate(lefts), np.concatenate(rights))
    return [scores[bounds[k] : bounds[k + 1]] for k in range(len(groups))]


class IssueGrouper:
    """Groups messages that raise the same problem at the same place in an overlapping period.

    ``fit(texts, times=..., places=...)``: texts are ``title + "\\n" + body``; times are days as
    floats (e.g. POSIX seconds / 86400) or None when unknown; places are optional known place names
    per message (e.g. a form field). After fitting: ``labels_`` (one issue id per message),
    ``duplicate_labels_`` (near-duplicate clusters), ``representatives_`` (one message index per
    near-duplicate cluster) with ``representative_places_``, ``n_candidate_pairs_`` and ``timings_``
    (seconds per step).
    """

    def __init__(
        self,
        *,
        threshold: float = 0.2,
        place_bonus: float = 0.15,
        max_days: float = 365.0,
        linkage_threshold: float | None = None,
        duplicate_threshold: float = 0.5,
        keys_per_message: int = 6,
        min_shared_keys: int = 2,
        max_block: int = 400,
        min_problem: float = 0.07,
        merge_threshold: float | None = 0.1,
        weak_merge_threshold: float = 0.25,
        unplaced_min: float = 0.25,
        unplaced_anywhere_min: float = 0.4,
        progress: bool = False,
    ) -> None:
        self.unplaced_min = unplaced_min
        self.unplaced_anywhere_min = unplaced_anywhere_min
        self.threshold = threshold
        self.linkage_threshold = linkage_threshold
        self.place_bonus = place_bonus
        self.max_days = max_days
        self.duplicate_threshold = duplicate_threshold
        self.keys_per_message = keys_per_message
        self.min_shared_keys = min_shared_keys
        self.max_block = max_block
        self.min_problem = min_problem
        self.merge_threshold = merge_threshold
        self.weak_merge_threshold = weak_merge_threshold
        self.progress = progress

    def get_params(self, deep: bool = True) -> dict[str, object]:
        return {
            k: getattr(self, k)
            for k in (
                "threshold",
                "place_bonus",
                "max_days",
                "linkage_threshold",
                "duplicate_threshold",
                "min_shared_keys",
                "keys_per_message",
                "max_block",
                "min_problem",
                "merge_threshold",
                "weak_merge_threshold",
                "unplaced_min",
                "unplaced_anywhere_min",
                "progress",
            )
        }

    def set_params(self, **params: object) -> IssueGrouper:
        for key, value in params.items():
            setattr(self, key, value)
        return self

    def fit(
        self,
        X: Sequence[str],
        y: object = None,
        *,
        times: Sequence[float | None] | npt.NDArray[np.float64] | None = None,
        places: Sequence[Iterable[str]] | None = None,
    ) -> IssueGrouper:
        texts = list(X)
        n = len(texts)
        day = (
            np.asarray([np.nan if t is None else float(t) for t in times], dtype=np.float64)
            if times is not None
            else np.full(n, np.nan)
        )
        if len(day) != n or (places is not None and len(places) != n):
            raise ValueError("times and places must have one entry per text")
        extractor = _extractor()
        known = places if places is not None else [()] * n
        timings: dict[str, float] = {}
        clock = _Clock(timings)
        dup = NearDuplicateDetector(threshold=self.duplicate_threshold).fit(texts).labels_
        clock.lap("duplicates")
        title_places = _title_places_cache(texts, known, extractor)
        dup = _split_by_place(dup, title_places)
        _, reps, rep_of = np.unique(dup, return_index=True, return_inverse=True)
        clock.lap("split duplicates by place")
        start, end = _cluster_periods(day, rep_of, len(reps))
        rep_places = [
            message_places(texts[r], known[r], extractor=extractor) for r in _progress(reps, self.progress, "places")
        ]
        rep_titles, rep_bodies = zip(*(split_title(texts[r]) for r in reps), strict=True) if len(reps) else ((), ())
        rep_places = resolve_aliases(rep_places, rep_titles)
        # kinds are read with the names masked: 泉塘小学 names no kind of problem, 食堂 in its title does
        kinds = kinds_matrix(
            [mask_places(t, p) for t, p in zip(rep_titles, rep_places, strict=True)],
            [mask_places(b[:200], p) for b, p in zip(rep_bodies, rep_places, strict=True)],
        )
        clock.lap("places")
        problem = HashedTfidf().fit_transform([mask_places(texts[r], p) for r, p in zip(reps, rep_places, strict=True)])
        clock.lap("problem vectors")
        i, j = candidate_pairs(
            problem,
            rep_places,
            keys_per_message=self.keys_per_message,
            max_block=self.max_block,
            min_shared=self.min_shared_keys,
        )
        clock.lap("candidate pairs")
        scorer = PairScorer(
            problem,
            rep_places,
            start,
            end,
            place_bonus=self.place_bonus,
            max_days=self.max_days,
            min_problem=self.min_problem,
            kinds=kinds,
            unplaced_min=self.unplaced_min,
            unplaced_anywhere_min=self.unplaced_anywhere_min,
        )
        scores = scorer.score(i, j)
        linked = scores >= self.threshold
        clock.lap("pair scores")
        cut = self.threshold if self.linkage_threshold is None else self.linkage_threshold
        rep_labels = cluster_links(len(reps), i[linked], j[linked], scorer, threshold=cut, edge_scores=scores[linked])
        clock.lap("clusters")
        if self.merge_threshold is not None:
            rep_labels = merge_groups(
                rep_labels,
                problem,
                rep_places,
                rep_titles,
                kinds,
                start,
                end,
                threshold=self.merge_threshold,
                weak_threshold=self.weak_merge_threshold,
                max_days=self.max_days,
            )
            clock.lap("merge groups")
        self.labels_ = rep_labels[rep_of]
        self.duplicate_labels_ = dup
        self.representatives_ = reps
        self.representative_places_ = rep_places
        self.n_candidate_pairs_ = len(i)
        self.timings_ = timings
        return self

    def fit_predict(
        self,
        X: Sequence[str],
        y: object = None,
        *,
        times: Sequence[float | None] | npt.NDArray[np.float64] | None = None,
        places: Sequence[Iterable[str]] | None = None,
    ) -> np.ndarray:
        return self.fit(X, times=times, places=places).labels_


class _Clock:
    """Records the seconds each step of ``fit`` takes (``timings_``)."""

    def __init__(self, timings: dict[str, float]) -> None:
        self.timings, self.last = timings, time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.timings[step] = round(now - self.last, 3)
        self.last = now


def _title_places_cache(texts: Sequence[str], known: Sequence[Iterable[str]], extractor):
    """k -> places of message k's title (and known places), cached by title: cheap enough for every copy."""
    cache: dict[tuple[str, tuple[str, ...]], MessagePlaces] = {}

    def places_of(k: int) -> MessagePlaces:
        key = (split_title(texts[k])[0], tuple(known[k]))
        if key not in cache:
            cache[key] = message_places(key[0] + "\n", key[1], extractor=extractor)
        return cache[key]

    return places_of


def places_clash(a: MessagePlaces, b: MessagePlaces) -> bool:
    """Both name fine places (or districts) and none of one matches the other, or both name a school,
    hospital or platform and none of one is named by the other (see PairScorer)."""
    if organisations_clash(clashing_organisations(a.organisations), clashing_organisations(b.organisations)):
        return True
    if a.regions and b.regions and not a.regions & b.regions:
        return True
    shared = any(
        bool(x.primary_fine & _suffixes(y.all_fine) or _suffixes(x.primary_fine) & y.all_fine)
        for x, y in ((a, b), (b, a))
    )
    if shared:
        return False
    both_fine = bool(a.primary_fine and b.primary_fine)
    return both_fine or bool(a.districts and b.districts and not a.districts & b.districts)


def _split_by_place(dup: np.ndarray, places_of) -> np.ndarray:
    """Split near-duplicate clusters whose members' titles name clashing places (one letter, many estates)."""
    out = dup.copy()
    next_label = int(dup.max(initial=-1)) + 1
    order = np.argsort(dup, kind="stable")
    bounds = np.flatnonzero(np.diff(dup[order])) + 1
    for members in np.split(order, bounds):
        if len(members) < 2:
            continue
        anchors: list[tuple[MessagePlaces, int]] = [(places_of(int(members[0])), int(dup[members[0]]))]
        for k in members[1:].tolist():
            mine = places_of(k)
            label = next((lab for anchor, lab in anchors if not places_clash(anchor, mine)), None)
            if label is None:
                label, next_label = next_label, next_label + 1
                anchors.append((mine, label))
            out[k] = label
    return out


def _cluster_periods(day: np.ndarray, cluster: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Earliest and latest day of each cluster (unknown days are ignored; all unknown -> NaN)."""
    start = np.full(k, np.inf)
    end = np.full(k, -np.inf)
    known = ~np.isnan(day)
    np.minimum.at(start, cluster[known], day[known])
    np.maximum.at(end, cluster[known], day[known])
    missing = ~np.isfinite(start)
    start[missing] = np.nan
    end[missing] = np.nan
    return start, end


def _progress(items: Sequence[Any] | np.ndarray, enabled: bool, desc: str) -> Iterable:
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=desc, file=sys.stderr, leave=False)
