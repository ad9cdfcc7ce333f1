"""Same-issue grouping of a 100,000-message window, beside a naive pairwise baseline, in one process.

The window holds perturbed copies of the shared messages (see bench_dedup.py; here up to 8 % of the
characters are replaced -- ``--edit`` -- and half of the copies are truncated to 70-100 %), each
dated at its original's time plus up to 15 days. With ``--edit 0.3`` most copies are no longer near
duplicates of each other, so nearly every message reaches the costly steps: the worst case.
IssueGrouper runs its whole pipeline on the window: near duplicates, places, problem vectors,
candidate pairs, pair scores, average-linkage clusters, the second merge pass (the time of each step
is printed); it runs again without the merge pass, to show that pass's cost in the same run. The
naive baseline links every pair of messages whose TF-IDF cosine (scikit-learn, character bigrams)
reaches 0.3, computing all pairs of a 20,000-message subset, and is extrapolated quadratically to
the window.

    .venv/bin/python benchmarks/bench_grouping.py [--n 100000] [--baseline-n 20000] [--edit 0.08] [--seed 11]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # one core, set before numpy starts its thread pools

import argparse  # noqa: E402 - after pinning the threads
import random  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_dedup import PerturbedCorpus, load_originals, peak_rss_mb  # noqa: E402

from minyi.nlp.hot import IssueGrouper  # noqa: E402


def window(
    originals: list[str], days: list[float], n: int, seed: int, *, edit: float = 0.08
) -> tuple[list[str], list[float], np.ndarray]:
    corpus = PerturbedCorpus(originals, n, seed=seed, max_edit=edit, truncate=0.5)
    texts = list(corpus)
    rng = random.Random(seed)
    times = [days[s] + rng.uniform(0.0, 15.0) for s in corpus.sources.tolist()]
    return texts, times, corpus.sources


def naive_baseline(texts: list[str], *, threshold: float = 0.3) -> tuple[float, int]:
    """All-pairs TF-IDF cosine (character bigrams) + connected components: CPU seconds, groups of 2+."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from sklearn.feature_extraction.text import TfidfVectorizer

    began = time.process_time()
    matrix = TfidfVectorizer(analyzer="char", ngram_range=(2, 2), sublinear_tf=True).fit_transform(texts)
    rows, cols = [], []
    for start in range(0, matrix.shape[0], 2000):
        block = (matrix[start : start + 2000] @ matrix.T).toarray()
        r, c = np.nonzero(block >= threshold)
        keep = (r + start) < c
        rows.append(r[keep] + start)
        cols.append(c[keep])
    graph = coo_matrix(
        (np.ones(sum(map(len, rows))), (np.concatenate(rows), np.concatenate(cols))), shape=(len(texts), len(texts))
    )
    _, labels = connected_components(graph, directed=False)
    groups = int((np.bincount(labels) >= 2).sum())
    return time.process_time() - began, groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="messages in the window")
    parser.add_argument("--baseline-n", type=int, default=20_000, help="subset for the naive baseline")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--edit",
        type=float,
        default=0.08,
        help="max share of characters replaced per copy (0.3: copies stop being near duplicates)",
    )
    args = parser.parse_args()

    originals, days = load_originals()
    texts, times, sources = window(originals, days, args.n, args.seed, edit=args.edit)
    print(f"window: {len(texts):,} messages from {len(originals):,} originals; python {sys.version.split()[0]}")

    began, cpu_began = time.perf_counter(), time.process_time()
    grouper = IssueGrouper(progress=True).fit(texts, times=times)
    ours = time.perf_counter() - began
    ours_cpu = time.process_time() - cpu_began
    sizes = np.bincount(grouper.labels_)
    print(
        f"ours: {ours:.1f} s wall, {ours_cpu:.1f} s CPU for {len(texts):,} messages "
        f"({len(texts) / ours:,.0f} msg/s); "
        f"{len(grouper.representatives_):,} representatives after near duplicates, "
        f"{grouper.n_candidate_pairs_:,} candidate pairs, {(sizes >= 2).sum():,} groups of 2+, "
        f"largest {sizes.max():,}; peak RSS {peak_rss_mb():.0f} MB"
    )
    print("steps: " + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in grouper.timings_.items()))
    mixed = np.unique(np.stack((grouper.labels_, sources)), axis=1)
    print(
        f"copies of one original split over several groups: "
        f"{(np.bincount(mixed[1], minlength=len(originals)) > 1).sum():,} of {len(np.unique(sources)):,}"
    )

    cpu_began = time.process_time()
    first_pass = IssueGrouper(merge_threshold=None).fit(texts, times=times)
    first_cpu = time.process_time() - cpu_began
    print(
        f"without the second merge pass: {first_cpu:.1f} s CPU, "
        f"{(np.bincount(first_pass.labels_) >= 2).sum():,} groups of 2+ "
        f"(the merge pass costs {ours_cpu - first_cpu:+.1f} s CPU, {(ours_cpu - first_cpu) / first_cpu:+.0%})"
    )

    subset = texts[: args.baseline_n]
    naive, naive_groups = naive_baseline(subset)
    extrapolated = naive * (len(texts) / len(subset)) ** 2
    began = time.process_time()
    IssueGrouper().fit(subset, times=times[: args.baseline_n])
    ours_subset = time.process_time() - began
    print(
        f"naive baseline (all-pairs TF-IDF cosine >= 0.3, char bigrams): {naive:.1f} s CPU on {len(subset):,} "
        f"({naive_groups:,} groups of 2+; ours {ours_subset:.1f} s CPU on the same) -> extrapolated "
        f"{extrapolated:,.0f} s for {len(texts):,}; ratio naive/ours (CPU) {extrapolated / ours_cpu:,.0f}x"
    )


if __name__ == "__main__":
    main()
