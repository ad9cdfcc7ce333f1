"""Reply quality check: tiny fixed examples per criterion, odd input, the estimator contract, shared-data floors."""

from __future__ import annotations

import pickle
from datetime import date
from pathlib import Path

import pytest

from minyi.nlp.reply_quality import CRITERIA, ReplyChecker, count_workdays, evaluate, format_evaluation

MESSAGE = "幸福路小区路灯不亮\n幸福路小区门口的路灯已经坏了两周，晚上出行很不安全。请问什么时候能修好？希望尽快维修。"
GOOD = (
    "您好！您反映的幸福路小区门口路灯不亮的问题已收悉。经市城管局核实，该路段路灯因电缆老化损坏，"
    "根据《城市照明管理规定》第十条，我局已安排维修班组于3月5日更换电缆，路灯已恢复照明。"
    "如仍有问题，请拨打城管热线0731-12319联系。感谢您对我们工作的支持！"
)
BAD = "不归我们管，自己去找供电公司。"


@pytest.fixture(scope="module")
def checker() -> ReplyChecker:
    return ReplyChecker().fit([MESSAGE, GOOD, "小区垃圾没人清理", "公交车站太远"])


def test_a_good_reply_passes_every_criterion(checker: ReplyChecker) -> None:
    check = checker.check(MESSAGE, GOOD, workdays=3)
    assert {f.criterion: f.verdict for f in check.findings} == dict.fromkeys(CRITERIA, "pass")
    assert check.verdict == "pass"
    assert any("城市照明管理规定" in s for s in check["explanation"].evidence)
    assert any("0731" in s for s in check["completeness"].evidence)


def test_a_brush_off_fails_tone_completeness_and_explanation(checker: ReplyChecker) -> None:
    check = checker.check(MESSAGE, BAD, workdays=3)
    assert check["tone"].verdict == "fail" and BAD.rstrip("。") in check["tone"].evidence[0]
    assert check["explanation"].verdict == "fail"
    assert check["completeness"].verdict == "fail"
    assert check["relevance"].verdict == "fail"
    assert any("未回应" in g for g in check["completeness"].gaps)


def test_brush_off_with_a_reason_is_only_a_warning(checker: ReplyChecker) -> None:
    reply = "您好！经核实，路灯由供电公司负责维护，不属于我局职责范围，建议您拨打供电公司热线95598反映。"
    assert checker.check(MESSAGE, reply, workdays=1)["tone"].verdict == "warn"


def test_explanation_levels(checker: ReplyChecker) -> None:
    cited = checker.check(MESSAGE, "您好，依照《道路交通安全法》第三十条，路灯已修复。", workdays=1)
    reason = checker.check(MESSAGE, "您好，由于电缆被盗，路灯已修复。", workdays=1)
    platform = checker.check(MESSAGE, "您在《问政西地省》的留言收悉，路灯已修复。", workdays=1)
    assert cited["explanation"].verdict == "pass"
    assert reason["explanation"].verdict == "warn"
    assert platform["explanation"].verdict == "fail"  # the platform's own name is no policy


def test_completeness_names_each_gap(checker: ReplyChecker) -> None:
    reply = "您好，幸福路小区路灯的问题我们知道了。"
    finding = checker.check(MESSAGE, reply, workdays=1)["completeness"]
    assert finding.verdict in {"warn", "fail"}
    assert any("联系方式" in g for g in finding.gaps) and any("时间" in g for g in finding.gaps)


def test_a_referral_is_not_an_answer(checker: ReplyChecker) -> None:
    check = checker.check(MESSAGE, "您好，您反映的幸福路小区路灯问题已转交市城管局处理。", workdays=1)
    assert check["completeness"].verdict == "fail" and check["relevance"].verdict != "pass"


def test_timeliness_from_working_days(checker: ReplyChecker) -> None:
    assert checker.check(MESSAGE, GOOD, workdays=15)["timeliness"].verdict == "pass"
    assert checker.check(MESSAGE, GOOD, workdays=16)["timeliness"].verdict == "warn"
    assert checker.check(MESSAGE, GOOD, workdays=31)["timeliness"].verdict == "fail"
    assert checker.check(MESSAGE, GOOD, workdays=-2)["timeliness"].verdict == "warn"
    assert checker.check(MESSAGE, GOOD)["timeliness"].verdict == "warn"


def test_count_workdays_uses_the_holiday_calendar() -> None:
    assert count_workdays(date(2019, 9, 30), date(2019, 10, 8)) == 1  # National Day week
    assert count_workdays(date(2019, 6, 10), date(2019, 6, 17)) == 5
    assert count_workdays(date(2019, 6, 17), date(2019, 6, 10)) == -5


@pytest.mark.parametrize("reply", ["", "   ", None, 42])
def test_empty_or_non_text_replies_fail_clearly(checker: ReplyChecker, reply: object) -> None:
    check = checker.check(MESSAGE, reply, workdays=1)  # type: ignore[arg-type]
    assert check.verdict == "fail" and check["relevance"].summary == "答复为空"


def test_a_pasted_question_is_flagged(checker: ReplyChecker) -> None:
    check = checker.check(MESSAGE, MESSAGE, workdays=1)
    assert check["relevance"].verdict == "fail" and "复述" in check["relevance"].summary
    assert check.notes and "留言原文" in check.notes[0]


def test_a_very_long_reply_gets_a_result(checker: ReplyChecker) -> None:
    long_reply = (GOOD * 60)[:10_000]
    check = checker.check(MESSAGE * 50, long_reply, workdays=1)
    assert len(check.findings) == 5 and check["explanation"].verdict == "pass"
    assert checker.check(MESSAGE, "路" * 30_000, workdays=1).notes  # cut, with a note


def test_templates_are_checked_without_a_message(checker: ReplyChecker) -> None:
    check = checker.check_template(GOOD)
    assert [f.criterion for f in check.findings] == ["completeness", "explanation", "tone"]
    assert check.verdict == "pass"
    assert checker.check_template("").verdict == "fail"


def test_estimator_contract() -> None:
    unfitted = ReplyChecker(deadline_days=10)
    assert vars(unfitted) == {k: getattr(unfitted, k) for k in vars(unfitted)} and not hasattr(unfitted, "idf_")
    assert unfitted.check(MESSAGE, GOOD, workdays=11)["timeliness"].verdict == "warn"  # works unfitted
    fitted = unfitted.fit([MESSAGE, GOOD])
    assert fitted is unfitted and fitted.idf_
    before = dict(fitted.idf_)
    fitted.check_many([(MESSAGE, GOOD), (MESSAGE, BAD)], [1, 2])
    assert fitted.idf_ == before
    clone = pickle.loads(pickle.dumps(fitted))  # noqa: S301 - our own object
    assert clone.check(MESSAGE, GOOD, workdays=1).to_dict() == fitted.check(MESSAGE, GOOD, workdays=1).to_dict()


def test_agreement_with_the_hand_labels(shared_data_dir: Path) -> None:
    gold = Path(__file__).resolve().parents[2] / "gold"
    result = evaluate(shared_data_dir / "teddycup2020", gold, gold_only=True)
    agreement = result["agreement"]
    assert all(agreement[c]["n"] == 50 for c in CRITERIA)
    floors = {"relevance": 0.9, "completeness": 0.66, "explanation": 0.6, "tone": 0.85, "timeliness": 0.95}
    for criterion, floor in floors.items():
        assert agreement[criterion]["accuracy"] >= floor, (criterion, agreement[criterion])
    assert agreement["relevance"]["kappa"] >= 0.75
    assert agreement["completeness"]["kappa"] >= 0.4 and agreement["explanation"]["kappa"] >= 0.4
    assert "kappa" in format_evaluation(result)
