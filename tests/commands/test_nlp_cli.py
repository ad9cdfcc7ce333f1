"""minyi train / classify / eval on a tiny data set made in tmp_path (fast: tiny models)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from minyi.cli import main

TOPICS = {
    "城乡建设": ("小区{}号楼垃圾无人清理", "小区门口垃圾堆积，物业不管，路灯也坏了{}天。", "A7县城市管理和行政执法局"),
    "教育文体": ("{}中学乱收费", "学校要求学生购买教辅资料{}元，教师也不管。", "A7县教育局"),
    "交通运输": ("{}路公交车收班太早", "希望延长公交收班时间，出租车也不打表，已经{}次了。", "A7县交通运输局"),
}


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    labelled, replies, other = [], [], []
    n = 0
    for domain, (title, body, department) in TOPICS.items():
        for i in range(6):
            n += 1
            labelled.append({"id": n, "title": title.format(i), "body": body.format(i), "category": domain})
            replies.append(
                {
                    "id": n,
                    "title": title.format(i + 10),
                    "body": body.format(i + 10),
                    "reply": f"您好，已收悉。{department} 2019年5月{i + 1}日",
                    "reply_time": "2019-05-10 14:56:53",
                }
            )
            other.append({"id": n, "title": title.format(i + 20), "body": body.format(i + 20)})
    _write_jsonl(data / "messages_labeled.jsonl", labelled)
    _write_jsonl(data / "messages_with_replies.jsonl", replies)
    _write_jsonl(data / "messages_unlabeled.jsonl", other)
    _write_jsonl(data / "messages_with_votes.jsonl", [{**r, "likes": 1, "dislikes": 0} for r in other])
    (data / "taxonomy.csv").write_text(
        "level1,level2,level3\n城乡建设,城市建设和市政管理,环境卫生\n"
        "教育文体,教育收费,乱收费\n交通运输,客货运输,公共汽车\n",
        encoding="utf-8",
    )
    return data


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_train_classify_and_eval(tmp_path: Path, data_dir: Path) -> None:
    model = tmp_path / "model.pkl"
    extra = tmp_path / "extra.jsonl"
    _write_jsonl(extra, [{"title": "公交站牌损坏", "body": "请修公交站牌", "domain": "交通运输", "urgent": False}])
    output = _run(
        "train",
        "--data",
        str(data_dir),
        "--gold",
        str(tmp_path / "no-gold"),
        "--out",
        str(model),
        "--extra-labels",
        str(extra),
    )
    assert "domain (领域): macro-F1" in output and "department families, learned part alone: top-1" in output
    provenance = json.loads(model.with_suffix(".json").read_text(encoding="utf-8"))
    assert {i["file"] for i in provenance["inputs"]} >= {"messages_labeled.jsonl", "taxonomy.csv", "extra.jsonl"}
    assert all(len(i["sha256"]) == 64 for i in provenance["inputs"])
    assert provenance["training_examples"]["domain_labelled"] == 18
    assert provenance["cross_validation"]["domain"]["macro_f1"] > 0.5
    assert provenance["versions"]["scikit-learn"] and provenance["date"]

    messages = tmp_path / "in.csv"
    messages.write_text(
        "id,title,body\n1,5号楼垃圾没人清理,小区垃圾堆积\n2,三中乱收费,学校乱收资料费\n", encoding="utf-8"
    )
    out = tmp_path / "out.jsonl"
    _run("classify", str(messages), "--out", str(out), "--model", str(model))
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == [1, 2]
    assert set(rows[0]) == {
        "id",
        "domain",
        "domain_confidence",
        "appeal_kind",
        "urgent",
        "urgent_reasons",
        "places",
        "departments",
    }
    assert all(0 < r["domain_confidence"] <= 1 for r in rows)
    assert [r["domain"] for r in rows] == ["城乡建设", "教育文体"]
    assert rows[1]["departments"][0] == "教育局"

    output = _run("eval", "--data", str(data_dir), "--gold", str(tmp_path / "no-gold"))
    assert "macro-F1" in output and "top-3" in output and "missing" in output
    # progress on stderr: each stage numbered before it starts, and timed when it ends (no gold: two stages)
    assert "[1/2] cross-validating the domain classifier …" in output and "[2/2] done in" in output


def test_classify_reports_a_bad_file_clearly(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,title\n1,x\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["classify", str(bad), "--out", str(tmp_path / "o.jsonl")])
    assert result.exit_code != 0 and "column 'body'" in result.output


def test_train_without_data_says_so(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["train", "--data", str(tmp_path / "absent"), "--out", str(tmp_path / "m.pkl")])
    assert result.exit_code != 0 and "data folder not found" in result.output


def test_eval_prints_how_far_the_two_labelling_passes_agreed(capsys: pytest.CaptureFixture[str]) -> None:
    from minyi.commands.nlp import _print_scores

    agreed = {"n": 10, "accuracy": 0.9, "kappa": 0.85, "macro_f1": 0.88, "adjudicated": 1}
    _print_scores({"appeal_kind": {"macro_f1": 0.7, "n": 10, "labelling_agreement": agreed}})
    out = capsys.readouterr().out
    assert "appeal kind (诉求类型): macro_f1 0.7000, n=10" in out
    assert "two independent passes agreed on 90.0% of 10 messages (Cohen's kappa 0.850" in out
    assert "1 decided by a third reader" in out
