"""Full per-message analysis vs the naive baseline, on every shared message, in one process on one core.

Ours: MessageAnalyzer (normalize + rjieba + shared sparse features + domain/departments + appeal kind +
urgency + places), batched. Baseline: pure-Python jieba + scikit-learn TfidfVectorizer + LinearSVC
(predict only, trained on the labelled set). Also: rjieba vs jieba words/s, and OpenCC C++ vs a pure-Python
converter when one is installed. Prints messages/s per core for both and their ratio.

    .venv/bin/python benchmarks/bench_analysis.py [--data ../shared/data/teddycup2020] [--limit N]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS"):
    os.environ[_var] = "1"  # one core: set before numpy/scipy/rjieba start their thread pools

import argparse  # noqa: E402 - after pinning the threads
import importlib  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "teddycup2020"
FILES = ("messages_labeled", "messages_unlabeled", "messages_with_votes", "messages_with_replies")


def load(data: Path) -> tuple[list[tuple[str, str]], list[str], list[str]]:
    messages: list[tuple[str, str]] = []
    labelled: list[str] = []
    labels: list[str] = []
    for stem in FILES:
        with open(data / f"{stem}.jsonl", encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                messages.append((row["title"], row["body"]))
                if stem == "messages_labeled":
                    labelled.append(f"{row['title']}\n{row['body']}")
                    labels.append(row["category"])
    return messages, labelled, labels


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    """CPU seconds of this process (one thread), so that other work on a shared machine counts less."""
    start = time.process_time()
    result = fn()
    return time.process_time() - start, result


def best_of(n: int, fn: Callable[[], object]) -> float:
    return min(timed(fn)[0] for _ in range(n))


def ours(messages: list[tuple[str, str]]) -> tuple[object, Callable[[], object]]:
    from minyi.nlp.pipeline import load_default_analyzer

    analyzer = load_default_analyzer()
    analyzer.analyze_many(messages[:300])  # warm-up: lazy tables, jieba dictionary
    return analyzer, lambda: analyzer.analyze_many(messages)


def breakdown(analyzer: object, messages: list[tuple[str, str]]) -> None:
    """Microseconds per message of each stage, run in the analyzer's own batches, to show where the time goes."""
    from minyi.nlp.pipeline import clean_message

    size = analyzer.batch_size
    texts = [clean_message(t, b, max_chars=analyzer.max_chars)[0].joined for t, b in messages]
    batches = [texts[i : i + size] for i in range(0, len(texts), size)]
    bases = [analyzer.features_.transform(batch) for batch in batches]

    def each(fn: Callable[..., object]) -> Callable[[], object]:
        return lambda: [fn(batch, base) for batch, base in zip(batches, bases, strict=True)]

    stages: dict[str, Callable[[], object]] = {
        "clean (normalize)": lambda: [clean_message(t, b, max_chars=analyzer.max_chars) for t, b in messages],
        "features (rjieba + tf-idf)": each(lambda batch, _base: analyzer.features_.transform(batch)),
        "domain (keywords + svm)": each(lambda batch, base: analyzer.domain_.predict_proba(batch, base=base)),
        "departments": each(lambda batch, base: analyzer.departments_.suggest(batch, base=base)),
    }
    if analyzer.appeal_ is not None:
        stages["appeal kind"] = each(lambda batch, _base: analyzer.appeal_.predict_proba(batch))
    if analyzer.urgency_ is not None:
        stages["urgency"] = each(lambda batch, _base: analyzer.urgency_.predict(batch))
    if analyzer.places_ is not None:
        stages["places"] = each(lambda batch, _base: list(analyzer.places_.transform(batch)))
    for name, fn in stages.items():
        print(f"    {name:<28} {best_of(1, fn) / len(texts) * 1e6:8.0f} µs/message")


def baseline(messages: list[tuple[str, str]], labelled: list[str], labels: list[str]) -> Callable[[], object]:
    import jieba
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    jieba.setLogLevel(60)
    jieba.initialize()
    model = make_pipeline(TfidfVectorizer(tokenizer=jieba.lcut, token_pattern=None, lowercase=False), LinearSVC())
    model.fit(labelled, labels)
    texts = [f"{t}\n{b}" for t, b in messages]
    return lambda: model.predict(texts)


def compare(messages: list[tuple[str, str]], labelled: list[str], labels: list[str], repeats: int) -> object:
    """Ours and the baseline alternate, so that both meet the same machine; the best run of each counts."""
    analyzer, run_ours = ours(messages)
    run_baseline = baseline(messages, labelled, labels)
    ours_s, base_s = [], []
    for _ in range(repeats):
        ours_s.append(timed(run_ours)[0])
        base_s.append(timed(run_baseline)[0])
    n = len(messages)
    print(f"ours (full analysis)      {n / min(ours_s):9.0f} messages/s  (best of {repeats}: {min(ours_s):.2f} s)")
    print(f"baseline (jieba+tfidf+svm){n / min(base_s):9.0f} messages/s  (best of {repeats}: {min(base_s):.2f} s)")
    print(f"ratio ours / baseline      {min(base_s) / min(ours_s):9.2f}x   (target: >= 2,500 messages/s and >= 3x)")
    return analyzer


def bench_segmenters(messages: list[tuple[str, str]]) -> None:
    import jieba
    import rjieba

    texts = [f"{t}\n{b}" for t, b in messages[:3000]]
    for name, cut in (("rjieba (Rust)", rjieba.cut), ("jieba (Python)", jieba.lcut)):
        seconds, words = timed(lambda cut=cut: sum(len(cut(t)) for t in texts))
        print(f"{name:<26}{words / seconds:11.0f} words/s  {len(texts) / seconds:8.0f} messages/s")


def bench_converters(messages: list[tuple[str, str]]) -> None:
    import opencc

    texts = [f"{t}\n{b}" for t, b in messages[:2000]]
    native = opencc.OpenCC("t2s")
    seconds = best_of(1, lambda: [native.convert(t) for t in texts])
    chars = sum(map(len, texts))
    print(f"OpenCC C++ t2s            {chars / seconds:11.0f} chars/s")
    for module, make in (
        ("zhconv", lambda m: lambda t: m.convert(t, "zh-hans")),
        ("hanziconv", lambda m: m.HanziConv.toSimplified),
    ):
        try:
            convert = make(importlib.import_module(module))
        except ImportError:
            continue
        seconds = best_of(1, lambda convert=convert: [convert(t) for t in texts])
        print(f"{module} (pure Python)     {chars / seconds:11.0f} chars/s")
        return
    print(
        "pure-Python converter     not installed: not measured (opencc-python-reimplemented installs the same "
        "`opencc` module as the C++ binding, so it cannot sit beside it)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=0, help="only the first N messages")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"shared data not found at {args.data}: nothing to benchmark")
        return
    messages, labelled, labels = load(args.data)
    if args.limit:
        messages = messages[: args.limit]
    print(f"{len(messages)} messages, one thread (OMP/OPENBLAS/MKL/RAYON_NUM_THREADS=1), CPU time of this process")
    analyzer = compare(messages, labelled, labels, args.repeats)
    print("where ours spends its time:")
    breakdown(analyzer, messages)
    bench_segmenters(messages)
    bench_converters(messages)


if __name__ == "__main__":
    main()
