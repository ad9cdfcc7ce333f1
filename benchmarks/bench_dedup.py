"""Near-duplicate detection at scale: 1,000,000 messages resampled from the shared data and perturbed.

Each synthetic message is a shared message (all four files, ~10,000 originals) with random character
substitutions (0-4 % of its characters), 0-3 inserted phrases, sometimes a prefix (转发：, 再次反映：)
and, three times in ten, a truncation to 70-100 % of its length. The corpus is generated lazily,
chunk by chunk, so the texts are never all in memory; the detector keeps only its signatures and
band index.

Prints, in one process: our time (signatures + LSH + clusters; generation time excluded and shown
apart; wall and CPU time, since the 2 cores are shared), peak memory (ru_maxrss) and the size of the
learned arrays, cluster quality against the known source of every message, and beside it
- the naive baseline: pairwise TF-IDF cosine (scikit-learn, character 3-grams) on a 20,000-message
  subset, extrapolated quadratically to the full size, with the ratio;
- datasketch's MinHash (64 permutations, pure Python) on 5,000 messages, extrapolated linearly.

    .venv/bin/python benchmarks/bench_dedup.py [--n 1000000] [--baseline-n 20000] [--seed 7]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # one core, set before numpy starts its thread pools

import argparse  # noqa: E402 - after pinning the threads
import json  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from minyi.nlp.dedup import NearDuplicateDetector  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "teddycup2020"
FILES = ("messages_labeled", "messages_unlabeled", "messages_with_votes", "messages_with_replies")
_FILLER = "的了是在我有和人这中大为上个国不以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后"
_INSERTS = ("！", "？", "请领导重视", "急", "再次反映", "谢谢", "望尽快解决", "，", "（续）", "@相关部门")
_PREFIXES = ("转发：", "再次反映：", "【急】", "")
CHUNK = 10_000


def load_originals(data: Path = DATA) -> tuple[list[str], list[float]]:
    """title + "\\n" + body and time (days) of every shared message (duplicated ids kept once)."""
    from datetime import datetime

    texts, days, seen = [], [], set()
    for stem in FILES:
        with open(data / f"{stem}.jsonl", encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                key = (row["title"], row["body"])
                if key in seen:
                    continue
                seen.add(key)
                texts.append(f"{row['title']}\n{row['body']}")
                days.append(datetime.strptime(row["time"], "%Y-%m-%d %H:%M:%S").timestamp() / 86400)
    return texts, days


def perturb(text: str, rng: random.Random, *, max_edit: float = 0.04, truncate: float = 0.3) -> str:
    """Random substitutions, insertions, a prefix and sometimes a truncation (see the module docstring)."""
    if rng.random() < truncate:
        text = text[: max(8, int(len(text) * rng.uniform(0.7, 1.0)))]
    chars = list(text)
    for _ in range(int(len(chars) * rng.uniform(0.0, max_edit))):
        chars[rng.randrange(len(chars))] = rng.choice(_FILLER)
    for _ in range(rng.randrange(4)):
        chars.insert(rng.randrange(len(chars) + 1), rng.choice(_INSERTS))
    prefix = rng.choice(_PREFIXES) if rng.random() < 0.1 else ""
    return prefix + "".join(chars)


class PerturbedCorpus:
    """``n`` perturbed copies of the originals, generated chunk by chunk (a lazy sequence of str).

    ``sources[k]`` is the original of message k; ``generation_seconds`` the time spent generating.
    """

    def __init__(self, originals: list[str], n: int, *, seed: int, **perturbation: float) -> None:
        self.originals, self.n, self.seed, self.perturbation = originals, n, seed, perturbation
        self.sources = np.random.default_rng(seed).integers(0, len(originals), size=n).astype(np.int32)
        self.generation_seconds = 0.0
        self.generation_cpu_seconds = 0.0

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Iterator[str]:
        for start in range(0, self.n, CHUNK):
            began, cpu_began = time.perf_counter(), time.process_time()
            rng = random.Random(self.seed * 1_000_003 + start)
            chunk = [
                perturb(self.originals[s], rng, **self.perturbation)
                for s in self.sources[start : start + CHUNK].tolist()
            ]
            self.generation_seconds += time.perf_counter() - began
            self.generation_cpu_seconds += time.process_time() - cpu_began
            yield from chunk

    def take(self, count: int) -> list[str]:
        out = []
        for text in self:
            out.append(text)
            if len(out) == count:
                break
        return out


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def cluster_quality(labels: np.ndarray, sources: np.ndarray) -> dict[str, float]:
    """How well clusters follow the known source of each message."""
    pairs = np.unique(np.stack((sources.astype(np.int64), labels)), axis=1)
    per_source = np.bincount(sources)
    # for each source: the share of its copies in its biggest cluster
    key = sources.astype(np.int64) * (labels.max() + 1) + labels
    _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    biggest = np.zeros(len(per_source), dtype=np.int64)
    np.maximum.at(biggest, sources, counts[inverse])
    multi = per_source >= 2
    sources_per_cluster = np.bincount(pairs[1])
    return {
        "clusters": float(len(np.unique(labels))),
        "distinct_sources": float((per_source > 0).sum()),
        "copies_in_main_cluster": float(biggest[multi].sum() / per_source[multi].sum()),
        "clusters_mixing_sources": float((sources_per_cluster > 1).sum()),
        "largest_cluster": float(np.bincount(labels).max()),
    }


def naive_baseline(texts: list[str], *, threshold: float = 0.7) -> tuple[float, int]:
    """Pairwise TF-IDF cosine over character 3-grams: CPU seconds and pairs found."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    began = time.process_time()
    matrix = TfidfVectorizer(analyzer="char", ngram_range=(3, 3), sublinear_tf=True).fit_transform(texts)
    found = 0
    for start in range(0, matrix.shape[0], 2000):
        block = (matrix[start : start + 2000] @ matrix.T).toarray()
        rows, cols = np.nonzero(block >= threshold)
        found += int(((rows + start) < cols).sum())
    return time.process_time() - began, found


def datasketch_seconds(texts: list[str]) -> float:
    """datasketch MinHash (64 permutations) + MinHashLSH on the same 3-gram shingles: CPU seconds."""
    from datasketch import MinHash, MinHashLSH

    from minyi.nlp._ngrams import codepoints

    began = time.process_time()
    lsh = MinHashLSH(threshold=0.5, num_perm=64)
    for k, text in enumerate(texts):
        cps, _ = codepoints([text])
        folded = "".join(map(chr, cps.tolist()))
        sketch = MinHash(num_perm=64)
        sketch.update_batch([folded[i : i + 3].encode() for i in range(len(folded) - 2)])
        lsh.query(sketch)
        lsh.insert(str(k), sketch)
    return time.process_time() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="messages to generate")
    parser.add_argument("--baseline-n", type=int, default=20_000, help="subset for the naive baseline")
    parser.add_argument("--datasketch-n", type=int, default=5_000, help="subset for datasketch")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    originals, _ = load_originals()
    corpus = PerturbedCorpus(originals, args.n, seed=args.seed)
    print(f"originals: {len(originals):,}; synthetic messages: {args.n:,}; python {sys.version.split()[0]}")
    rss_before = peak_rss_mb()

    began, cpu_began = time.perf_counter(), time.process_time()
    detector = NearDuplicateDetector(progress=True).fit(corpus)
    total = time.perf_counter() - began
    ours = total - corpus.generation_seconds
    ours_cpu = time.process_time() - cpu_began - corpus.generation_cpu_seconds
    learned_mb = sum(getattr(detector, k).nbytes for k in ("signatures_", "band_keys_", "band_order_", "labels_"))
    quality = cluster_quality(detector.labels_, corpus.sources)
    print(
        f"ours: {ours:.1f} s wall, {ours_cpu:.1f} s CPU for {args.n:,} messages ({args.n / ours:,.0f} msg/s; "
        f"generation {corpus.generation_seconds:.1f} s excluded); near duplicates {detector.n_duplicates_:,}"
    )
    print(
        f"memory: peak RSS {peak_rss_mb():.0f} MB (before fit {rss_before:.0f} MB); learned arrays "
        f"{learned_mb / 2**20:.0f} MB (signatures {detector.signatures_.nbytes / 2**20:.0f} MB)"
    )
    print("quality: " + ", ".join(f"{k} {v:,.3f}" if v < 10 else f"{k} {v:,.0f}" for k, v in quality.items()))

    subset = PerturbedCorpus(originals, args.baseline_n, seed=args.seed + 1).take(args.baseline_n)
    naive, naive_pairs = naive_baseline(subset)
    extrapolated = naive * (args.n / args.baseline_n) ** 2
    began = time.process_time()
    ours_subset = NearDuplicateDetector().fit(subset)
    ours_subset_seconds = time.process_time() - began
    print(
        f"naive baseline (pairwise TF-IDF cosine >= 0.7, char 3-grams): {naive:.1f} s CPU on {args.baseline_n:,} "
        f"({naive_pairs:,} pairs; ours {ours_subset_seconds:.2f} s CPU, {ours_subset.n_duplicates_:,} near "
        f"duplicates) -> extrapolated {extrapolated:,.0f} s ({extrapolated / 3600:.1f} h) for {args.n:,}; "
        f"ratio naive/ours (CPU) {extrapolated / ours_cpu:,.0f}x"
    )
    small = subset[: args.datasketch_n]
    sketch_seconds = datasketch_seconds(small)
    began = time.process_time()
    NearDuplicateDetector().fit(small)
    ours_small = time.process_time() - began
    print(
        f"datasketch MinHash+LSH (64 perm): {sketch_seconds:.2f} s CPU on {len(small):,} "
        f"-> {sketch_seconds * args.n / len(small):,.0f} s extrapolated; ours {ours_small:.2f} s CPU on the same; "
        f"ratio {sketch_seconds / ours_small:.0f}x"
    )


if __name__ == "__main__":
    main()
