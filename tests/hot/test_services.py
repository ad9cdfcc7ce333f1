"""附议 (supports) and the hot-issue snapshot."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from minyi.core.errors import Conflict, InvalidTransition, NotFound
from minyi.hot import services as hot
from minyi.workflow import services as wf
from minyi.workflow.models import Case
from tests import factories as f


def test_support_once_per_client_and_only_open_public_cases(db: Session) -> None:
    sub = f.message(db)
    assert hot.support_case(db, case_id=sub.case.id, client_hash="a").supports == 1
    assert hot.support_case(db, case_id=sub.case.id, client_hash="b").supports == 2
    with pytest.raises(Conflict, match="已经附议"):
        hot.support_case(db, case_id=sub.case.id, client_hash="a")
    private = f.message(db, is_public=False)
    with pytest.raises(NotFound):
        hot.support_case(db, case_id=private.case.id, client_hash="a")
    rejected = f.message(db)
    coordinator = f.actor(f.user(db, role="coordinator"))
    wf.reject(db, actor=coordinator, case_id=rejected.case.id, reason="不属于受理范围的事项")
    with pytest.raises(InvalidTransition, match="不能附议"):
        hot.support_case(db, case_id=rejected.case.id, client_hash="a")
    with pytest.raises(NotFound):
        hot.support_case(db, case_id="x", client_hash="a")


def test_support_button_on_the_public_case_page(client: TestClient, db: Session) -> None:
    sub = f.message(db, title="路灯不亮已经一个月")
    page = client.get(f"/cases/{sub.case.id}")
    assert "附议" in page.text
    assert "我也遇到这个问题（附议）</button>" in page.text and "disabled" not in page.text
    done = client.post(f"/cases/{sub.case.id}/support", data={"csrf_token": f.csrf(client)})
    assert done.status_code == 200 and "已附议，感谢您的支持" in done.text and "已有 1 人附议" in done.text
    assert 'disabled aria-disabled="true">您已附议</button>' in done.text  # the button says so and is off
    # a second 附议 from the same client (the button of an older page): said in words on the case page, not a 409
    again = client.post(f"/cases/{sub.case.id}/support", data={"csrf_token": f.csrf(client)})
    assert again.status_code == 200 and "您已附议过这件留言" in again.text and "已有 1 人附议" in again.text
    assert again.url.path == f"/cases/{sub.case.id}" and "disabled" in again.text
    forged = client.post(f"/cases/{sub.case.id}/support", data={"csrf_token": "nope"})
    assert forged.status_code == 403
    api = client.post(f"/api/v1/cases/{sub.case.id}/support")
    assert api.status_code == 409  # same client


def test_hot_page_is_empty_before_the_first_computation(client: TestClient) -> None:
    page = client.get("/hot")
    assert page.status_code == 200 and "暂无热点问题" in page.text


NOISE = [
    ("小学入学材料咨询", "孩子明年上小学需要准备哪些材料，外地户籍可以入学吗？"),
    ("公交线路调整建议", "建议12路公交延长到新区，方便上班族通勤。"),
    ("社保断缴怎么办", "失业以后社保断缴了，个人怎么继续缴纳？"),
]
MIXER = ("丽发新城小区旁搅拌站夜间噪音扰民", "丽发新城小区附近的搅拌站每天夜里施工，噪音很大，粉尘也多，居民无法休息。")


def _mixer_complaints(db: Session, n: int) -> list[int]:
    ids = []
    for i in range(n):
        sub = f.message(db, title=MIXER[0] + ("！" * (i % 3)), body=MIXER[1] + f"第{i + 1}次反映了，请尽快处理。")
        ids.append(sub.case.id)
    for title, body in NOISE:
        f.message(db, title=title, body=body)
    return ids


def test_similar_cases_find_the_same_problem(db: Session) -> None:
    ids = _mixer_complaints(db, 3)
    assert hot.similar_cases(db, text="丽发新城搅拌站晚上噪音太大，吵得睡不着", k=5) == []  # no index built yet
    hot.refresh_similar_indexes(db)  # what the worker does (never a request)
    hits = hot.similar_cases(db, text="丽发新城搅拌站晚上噪音太大，吵得睡不着", k=5)
    assert hits and {c.id for c, _ in hits} <= set(ids)
    assert hot.similar_cases(db, text="", k=5) == []


def test_similar_api_masks_titles_and_refuses_huge_queries(client: TestClient, db: Session) -> None:
    sub = f.message(db, title="搅拌站噪音扰民 电话13912345678", body="丽发新城小区旁搅拌站夜间施工噪音扰民，请处理。")
    hot.refresh_similar_indexes(db)
    found = client.get("/api/v1/similar", params={"text": "丽发新城搅拌站夜间施工噪音"}).json()
    assert found and found[0]["id"] == sub.case.id and "13912345678" not in found[0]["title"]
    assert client.get("/api/v1/similar", params={"text": "长" * 2001}).status_code == 422


def test_recomputed_hot_issues_show_in_public_and_to_the_coordinator(client: TestClient, db: Session) -> None:
    ids = _mixer_complaints(db, 5)
    issues = hot.recompute_hot_issues(db)
    top = issues[0]
    assert set(ids) <= set(top.case_ids) and "搅拌站" in top.description + top.explanation
    assert hot.recompute_hot_issues(db)[0].case_ids == top.case_ids  # replaced, not duplicated
    assert len(hot.current_hot_issues(db)) == len(issues)
    hot.refresh_similar_indexes(db)  # the worker's other periodic task
    page = client.get("/hot").text
    assert "丽发新城小区旁搅拌站夜间噪音扰民" in page and "#1" in page
    f.login(client, f.user(db, role="coordinator"))
    detail = client.get(f"/staff/cases/{ids[0]}").text
    assert "所属热点问题" in detail and "可能相同的问题" in detail and "合并到此件" in detail
    merged = client.post(
        f"/staff/cases/{ids[0]}/actions/merge", data={"into_case_id": str(ids[1]), "csrf_token": f.csrf(client)}
    )
    assert merged.status_code == 200
    db.expire_all()
    assert db.get(Case, ids[0]).status == "merged"


def test_a_big_hot_issue_lists_its_first_cases_and_counts_the_others(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    from minyi.core.clock import utcnow
    from minyi.hot.models import HotIssue

    ids = [f.message(db, title=f"桥下积水第{i}次反映").case.id for i in range(hot.CASES_SHOWN + 3)]
    now = utcnow()
    db.add(HotIssue(rank=1, score=9.0, description="桥下积水", start=now - timedelta(days=3), end=now, case_ids=ids))
    db.flush()
    loaded: list[int] = []
    real = hot.cases_by_id
    monkeypatch.setattr(hot, "cases_by_id", lambda session, wanted: (loaded.extend(wanted), real(session, wanted))[1])
    page = client.get("/hot").text
    assert loaded == ids[: hot.CASES_SHOWN]  # the others are only counted: not read, whatever their number
    shown = [i for i in ids if f'href="/cases/{i}"' in page]
    assert shown == ids[: hot.CASES_SHOWN] and "另有 3 条相关留言" in page


def test_hot_issues_of_an_imported_history_end_at_its_newest_message(db: Session) -> None:
    from datetime import datetime, timedelta

    from minyi.core.clock import travel

    start = datetime(2019, 3, 1, 8, 0)
    for i in range(4):
        with travel(start + timedelta(days=3 * i)):
            f.message(db, title=MIXER[0], body=MIXER[1] + f"（{i + 1}）")
    issues = hot.recompute_hot_issues(db)
    assert issues and len(issues[0].case_ids) == 4


def test_the_similar_indexes_hold_only_the_newest_cases_of_their_window(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hot, "SIMILAR_MAX_CASES", 3)  # 50,000 in production: memory must not grow with the volume
    ids = [
        f.message(db, title=f"丽发新城搅拌站夜间噪音第{i}次", body="搅拌站夜间施工噪音很大，请处理。").case.id
        for i in range(5)
    ]
    builds = {b.kind: b for b in hot.read_similar_builds(db)}
    assert sorted(builds["public"].ids) == ids[-3:] and sorted(builds["staff"].ids) == ids[-3:]
