"""Text-understanding commands: train (the shipped model + provenance), classify (a message file), eval."""

from __future__ import annotations

import hashlib
import json
import platform
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from minyi.nlp.result import AnalysisResult

DEFAULT_DATA = Path("..") / "shared" / "data" / "teddycup2020"
DEFAULT_GOLD = Path("gold")
_DIR = click.Path(file_okay=False, path_type=Path)


def _default_model_path() -> Path:
    import minyi.nlp.models

    return Path(minyi.nlp.models.__file__).parent / "default.pkl"


def _progress(items: Any, desc: str) -> Any:
    from tqdm import tqdm

    return tqdm(items, desc=desc, leave=False, mininterval=0.5)


def _say(step: str) -> None:
    click.echo(f"  training: {step}", err=True)


@click.command()
@click.option(
    "--data",
    "data_dir",
    type=_DIR,
    default=DEFAULT_DATA,
    show_default=True,
    help="Folder of the shared message files (messages_*.jsonl, taxonomy.csv).",
)
@click.option(
    "--gold",
    "gold_dir",
    type=_DIR,
    default=DEFAULT_GOLD,
    show_default=True,
    help="Folder of our hand labels (appeal_kind.csv, urgency.csv, places.csv).",
)
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Model file to write [default: the package's nlp/models/default.pkl].",
)
@click.option(
    "--extra-labels",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Coordinators' labels (JSON lines from `minyi export-labels`) added to the training data.",
)
@click.option("--cv/--no-cv", default=True, show_default=True, help="Cross-validate and record the scores.")
def train(data_dir: Path, gold_dir: Path, out: Path | None, extra_labels: Path | None, cv: bool) -> None:
    """Train the text-understanding model and write it with its provenance (.json beside it)."""
    from minyi.nlp.pipeline import dumps_model
    from minyi.nlp.training import load_training_data, train_default

    out = out or _default_model_path()
    data = _load(data_dir, gold_dir, extra_labels, load_training_data)
    analyzer = train_default(data, progress=_say)
    blob = dumps_model(analyzer)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(blob)
    scores = _cv_scores(data, data_dir, gold_dir, analyzer=analyzer) if cv else {}
    provenance = _provenance(data, analyzer, blob, scores, extra_labels)
    out.with_suffix(".json").write_text(json.dumps(provenance, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    click.echo(f"wrote {out} ({len(blob) / 1e6:.2f} MB) and {out.with_suffix('.json').name}")
    if scores:
        _print_scores(scores)


def _load(data_dir: Path, gold_dir: Path, extra_labels: Path | None, loader: Any) -> Any:
    from minyi.nlp.io import MessageFileError

    if not data_dir.is_dir():
        raise click.ClickException(f"data folder not found: {data_dir} (use --data)")
    try:
        return loader(data_dir, gold_dir if gold_dir.is_dir() else None, extra_labels=extra_labels, progress=_progress)
    except (MessageFileError, ValueError, OSError, KeyError) as exc:
        raise click.ClickException(str(exc)) from exc


class _Stages:
    """`[2/6] cross-validating the department suggester …` on stderr before each stage of a long evaluation,
    and `… done in 12.3 s (41.0 s so far)` after it: progress for a command that takes a minute or more."""

    def __init__(self, total: int) -> None:
        self.total, self.done, self.started = total, 0, time.perf_counter()

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self.done += 1
        began = time.perf_counter()
        click.echo(f"  [{self.done}/{self.total}] {name} …", err=True)
        yield
        now = time.perf_counter()
        click.echo(
            f"  [{self.done}/{self.total}] done in {now - began:.1f} s ({now - self.started:.1f} s so far)", err=True
        )


def _cv_scores(
    data: Any, data_dir: Path, gold_dir: Path, random_state: int = 0, analyzer: Any = None
) -> dict[str, Any]:
    from minyi.nlp.domain import load_outside
    from minyi.nlp.evaluation import cross_validate_departments, cross_validate_domain

    routing = (gold_dir / "departments.csv").is_file()
    stages = _Stages(2 + (len(_COMPONENTS) if gold_dir.is_dir() else 0) + routing)
    with stages.stage("cross-validating the domain classifier"):
        domain = cross_validate_domain(data, random_state=random_state, outside=load_outside(gold_dir))
    scores: dict[str, Any] = {"domain": domain}
    scores["domain"]["random_state"] = random_state
    with stages.stage("cross-validating the department suggester"):
        scores["departments"] = cross_validate_departments(data)
    scores.update(_component_scores(data_dir, gold_dir, stages))
    if routing:
        with stages.stage("evaluating department routing on the gold sets"):
            scores["routing"] = _routing_scores(data, data_dir, gold_dir, analyzer)
    return scores


def _routing_scores(data: Any, data_dir: Path, gold_dir: Path, analyzer: Any) -> dict[str, Any]:
    from minyi.nlp.io import read_messages
    from minyi.nlp.pipeline import clean_message, load_default_analyzer
    from minyi.nlp.routing_eval import DEV_SET, load_department_gold
    from minyi.nlp.routing_eval import evaluate_routing as evaluate

    dev = {(r["title"], r["body"]) for r in load_department_gold(data_dir, gold_dir, DEV_SET)}
    dev_texts = {clean_message(t, b)[0].joined for t, b in dev}
    # the replies only (the dev set is added per fold inside)
    pairs = [(t, y) for t, y in zip(data.department_texts, data.department_labels, strict=True) if t not in dev_texts]
    unlabelled = [(m["title"], m["body"]) for m in read_messages(data_dir / "messages_unlabeled.jsonl")]
    return evaluate(
        data_dir,
        gold_dir,
        reply_texts=[t for t, _ in pairs],
        reply_labels=[y for _, y in pairs],
        analyzer=analyzer or load_default_analyzer(),
        clean=lambda title, body: clean_message(title, body)[0].joined,
        unlabelled=unlabelled,
    )


_COMPONENTS = ("appeal_kind", "urgency", "places", "knowledge_base")


def _component_scores(data_dir: Path, gold_dir: Path, stages: _Stages | None = None) -> dict[str, Any]:
    """appeal kind / urgency / places: each module's own evaluate(), or a note that the gold folder is missing."""
    from minyi.nlp import appeal, knowledge, places, urgency

    stages = stages or _Stages(len(_COMPONENTS))
    scores: dict[str, Any] = {}
    for key, module in zip(_COMPONENTS, (appeal, urgency, places, knowledge), strict=True):
        name = module.__name__.rsplit(".", 1)[-1]
        if not gold_dir.is_dir():
            scores[key] = {"missing": f"gold folder {gold_dir} not found"}
            continue
        try:
            with stages.stage(f"evaluating {name}"):
                scores[key] = module.evaluate(data_dir, gold_dir)
        except (OSError, KeyError, ValueError) as exc:
            scores[key] = {"missing": f"{type(exc).__name__}: {exc}"}
            continue
        passes = gold_dir / "appeal_kind_passes.csv"
        if module is appeal and passes.is_file():
            scores[key]["labelling_agreement"] = appeal.agreement(gold_dir)
    return scores


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for dist in ("minyi", "numpy", "scipy", "scikit-learn", "rjieba", "jieba", "OpenCC"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "not installed"
    return versions


def _provenance(
    data: Any, analyzer: Any, blob: bytes, scores: dict[str, Any], extra_labels: Path | None
) -> dict[str, Any]:
    from minyi.nlp.training import DISTANT_WEIGHT

    inputs = [{"file": p.name, "sha256": _sha256(p), "bytes": p.stat().st_size} for p in data.files if p.is_file()]
    params: dict[str, Any] = {"distant_weight": DISTANT_WEIGHT, "features": analyzer.features_.get_params()}
    for name in ("domain_", "departments_"):
        model = getattr(analyzer, name, None)
        if model is not None:
            kept = {k: v for k, v in model.get_params().items() if k not in ("keywords", "features")}
            params[name.rstrip("_")] = kept
    return {
        "model_sha256": hashlib.sha256(blob).hexdigest(),
        "model_bytes": len(blob),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "inputs": inputs,
        "extra_labels": str(extra_labels) if extra_labels else None,
        "training_examples": {
            "all_texts": len(data.all_texts),
            "domain": len(data.domain_texts),
            "domain_labelled": sum(data.domain_gold),
            "departments_named": sum(1 for d in data.department_labels if d),
            "appeal_kind": len(data.appeal_texts),
            "urgency": len(data.urgency_texts),
        },
        "components": {
            k: type(getattr(analyzer, k)).__name__ if getattr(analyzer, k) is not None else None
            for k in ("domain_", "departments_", "appeal_", "urgency_", "places_")
        },
        "parameters": params,
        "cross_validation": scores,
        "versions": _versions(),
    }


def _print_scores(scores: dict[str, Any]) -> None:
    from minyi.nlp.evaluation import format_confusion

    domain = scores.get("domain")
    if domain:
        click.echo(
            f"domain (领域): macro-F1 {domain['macro_f1']:.4f}, accuracy {domain['accuracy']:.4f}, "
            f"n={domain['n']} labelled (+{domain['extra_training_examples']} distant/extra in training), "
            f"stratified 5-fold, random_state={domain.get('random_state', 0)}"
        )
        click.echo("  per-class F1: " + ", ".join(f"{k} {v:.3f}" for k, v in domain["per_class_f1"].items()))
        click.echo(format_confusion(domain["confusion"], domain["labels"]))
        abstention = domain.get("abstention")
        if abstention:
            click.echo(
                f"  with 其他/无法判断: coverage {abstention['coverage']:.3f} ({abstention['abstained']} abstained), "
                f"accuracy on the answered {abstention['accuracy_answered']:.4f}; abstained on "
                f"{abstention['outside_abstained']:.1%} of {abstention['outside_n']} inputs outside the labelled "
                "domains (gold/domain_outside.csv: "
                + ", ".join(f"{k} {v:.0%}" for k, v in abstention["outside_by_kind"].items())
                + ")"
            )
    _print_component("appeal kind (诉求类型)", scores.get("appeal_kind"), ("macro_f1",))
    recall = (scores.get("appeal_kind") or {}).get("per_class_recall")
    if recall:
        click.echo("  per-class recall: " + ", ".join(f"{k} {v:.3f}" for k, v in recall.items()))
    agreed = (scores.get("appeal_kind") or {}).get("labelling_agreement")
    if agreed:
        from minyi.nlp.appeal import describe_agreement

        click.echo(f"  gold labels: {describe_agreement(agreed)}")
    _print_component(
        "urgency (紧急), keyword rules alone on gold/urgency.csv", scores.get("urgency"), ("precision", "recall", "f1")
    )
    dev = (scores.get("urgency") or {}).get("dev_cv")
    if dev:
        click.echo(
            f"  urgency, shipped detector on gold/urgency_dev.csv by 5-fold CV: recall {dev['recall']:.4f}, "
            f"self-harm recall {dev['self_harm_recall']:.4f}, near misses flagged "
            f"{dev['near_miss_flagged']:.4f}, precision {dev['precision']:.4f} (n={dev['n']}); "
            "per category: python -m minyi.nlp.urgency_report"
        )
    _print_component("places (地点)", scores.get("places"), ("precision", "recall", "f1"))
    kb = scores.get("knowledge_base")
    if kb and "missing" not in kb:
        click.echo(
            f"knowledge base (知识库) on held-out pairs of gold/hot_pairs.csv: top-3 {kb['top3']:.3f} "
            f"(any entry of the same issue {kb['top3_any_same']:.3f}), {kb['queries']} queries from {kb['pairs']} "
            f"pairs, each never with its own text, among {kb['entries']} entries"
        )
    elif kb:
        _print_component("knowledge base (知识库)", kb, ())
    dept = scores.get("departments")
    if dept:
        click.echo(
            f"department families, learned part alone: top-1 {dept['top1']:.4f}, top-3 {dept['top3']:.4f}, "
            f"n={dept['n']} messages of {dept['departments']} families ({dept['folds']}-fold stratified CV; replies "
            f"naming a handler and hand labels); "
            f"{dept['replies_naming_a_department']}/{dept['replies']} have a family; "
            f"{dept['dropped_departments']} departments with < {dept['min_examples']} replies dropped "
            f"({dept['dropped_examples']} replies)"
        )
    _print_routing(scores.get("routing"))


def _print_routing(routing: dict[str, Any] | None) -> None:
    if not routing:
        return

    def line(name: str, r: dict[str, Any]) -> str:
        return (
            f"  {name}: top-1 {r['top1']:.3f}, top-3 {r['top3']:.3f} (abstentions count as misses; "
            f"abstained {r['abstained']:.3f}), top-1 on the label alone {r['top1_label_only']:.3f}, n={r['messages']}; "
            f"outside our families {r['outside_ours_recognised']}/{r['outside_ours']} recognised"
        )

    click.echo("department routing (承办部门 families, docs/labelling/departments.md):")
    if routing.get("pooled_cv"):
        click.echo(
            line("ALL gold sets pooled, 5-fold CV (replies + training labels + other folds)", routing["pooled_cv"])
        )
    click.echo(line("dev set, 5-fold CV (replies + other folds)", routing["dev_cv"]))
    click.echo(line("dev set, learned without the dev set (replies + training labels)", routing["dev_replies_only"]))
    if routing.get("dev_agreement"):
        a = routing["dev_agreement"]
        click.echo(
            f"    dev passes: {a['agreed']}/{a['messages']} agreed, kappa {a['kappa']}, {a['adjudicated']} adjudicated"
        )
    for key, title in (
        ("test", "TEST set (never tuned on; replies + dev set)"),
        ("test2", "TEST set 2 (drawn after the first was spent; replies + dev set)"),
    ):
        if not routing.get(key):
            continue
        click.echo(line(title, routing[key]))
        a = routing.get(f"{key}_agreement")
        if a:
            click.echo(
                f"    {key} passes: {a['agreed']}/{a['messages']} agreed, kappa {a['kappa']}, "
                f"{a['adjudicated']} adjudicated"
            )
    c = routing.get("concentration")
    if c:
        top = sorted(c["families"].items(), key=lambda kv: -kv[1]["top3_share"])[:6]
        shares = ", ".join(
            f"{f} {v['top3_share']:.3f}"
            + (f" (domain {v['domain_share']:.3f})" if v["domain_share"] is not None else "")
            for f, v in top
        )
        click.echo(
            f"  concentration on {c['messages']} unlabelled messages (shipped model; abstained {c['abstained']:.3f}): "
            f"share with the family in the top 3: {shares}; largest excess over its domains' share: "
            f"{c['worst']['family']} {c['worst']['excess']:+.3f}"
        )


def _print_component(title: str, result: dict[str, Any] | None, keys: tuple[str, ...]) -> None:
    from minyi.nlp.evaluation import format_confusion

    if result is None:
        return
    if "missing" in result:
        click.echo(f"{title}: missing — {result['missing']}")
        return
    figures = ", ".join(f"{k} {float(result[k]):.4f}" for k in keys if k in result)
    click.echo(f"{title}: {figures}, n={result.get('n', '?')}")
    if "confusion" in result and "labels" in result:
        click.echo(format_confusion(result["confusion"], result["labels"]))


@click.command()
@click.option(
    "--data", "data_dir", type=_DIR, default=DEFAULT_DATA, show_default=True, help="Folder of the shared message files."
)
@click.option(
    "--gold", "gold_dir", type=_DIR, default=DEFAULT_GOLD, show_default=True, help="Folder of our hand labels."
)
@click.option(
    "--random-state",
    type=int,
    default=0,
    show_default=True,
    help="Shuffle of the domain classifier's CV folds (the recorded figure uses 0).",
)
def eval(data_dir: Path, gold_dir: Path, random_state: int) -> None:
    """Print every cross-validated figure: domain, appeal kind, urgency, places, departments."""
    from minyi.nlp.training import load_training_data

    data = _load(data_dir, gold_dir, None, load_training_data)
    _print_scores(_cv_scores(data, data_dir, gold_dir, random_state))


@click.command()
@click.argument("infile", metavar="IN", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="JSON lines to write: one {id, domain (null: 其他/无法判断), domain_confidence, appeal_kind, urgent, "
    "urgent_reasons, places, departments} per message.",
)
@click.option(
    "--model",
    "model_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Model file [default: the shipped one].",
)
def classify(infile: Path, out: Path, model_path: Path | None) -> None:
    """Classify the messages of IN (.xlsx/.csv/.jsonl with id, title, body)."""
    from minyi.nlp.io import MessageFileError, read_messages
    from minyi.nlp.pipeline import load_default_analyzer, loads_model

    try:
        messages = read_messages(infile)
    except MessageFileError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        analyzer = loads_model(model_path.read_bytes()) if model_path else load_default_analyzer()
    except (OSError, FileNotFoundError) as exc:
        raise click.ClickException(f"no model ({exc}); run `minyi train` first") from exc
    batch = 512
    with open(out, "w", encoding="utf-8") as handle:
        for start in _progress(range(0, len(messages), batch), "classifying"):
            chunk = messages[start : start + batch]
            results = analyzer.analyze_many([(m["title"], m["body"]) for m in chunk])
            for message, result in zip(chunk, results, strict=True):
                handle.write(json.dumps(_classify_row(message, result), ensure_ascii=False) + "\n")
    click.echo(f"classified {len(messages)} messages into {out}")


def _classify_row(message: dict[str, Any], result: AnalysisResult) -> dict[str, Any]:
    return {
        "id": message["id"],
        "domain": result["domain"],
        "domain_confidence": result.get("domain_confidence"),
        "appeal_kind": result["appeal_kind"],
        "urgent": result["urgent"],
        "urgent_reasons": result["urgent_reasons"],
        "places": result["places"],
        "departments": [name for name, _ in result["departments"]],
    }


def register(group: click.Group) -> None:
    """Add these commands to the CLI."""
    for command in (train, classify, eval):
        group.add_command(command)
