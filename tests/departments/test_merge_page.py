"""部门合并: merge_many's rules and the admin page (preview, confirmation, errors beside the form, roles)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.core.errors import ValidationFailed
from minyi.departments.merge import DepartmentResolver, merge_many
from minyi.departments.models import Department, DepartmentAlias, DepartmentMerge
from minyi.workflow.models import CaseEvent
from tests import factories as f

URL = "/staff/admin/departments/merge"


def test_merge_many_refuses_itself_an_inactive_survivor_and_nothing(db: Session) -> None:
    keep = f.department(db, name="安沙镇人民政府")
    dup = f.department(db, name="安沙镇政府")
    off = f.department(db, name="停用的部门")
    off.is_active = False
    with pytest.raises(ValidationFailed, match="它自己"):
        merge_many(db, source_ids=[str(keep.id)], target_id=keep.id, actor_id=None)
    with pytest.raises(ValidationFailed, match="已停用，不能把启用中的部门“安沙镇政府”合并到它"):
        merge_many(db, source_ids=[dup.id], target_id=off.id, actor_id=None)
    with pytest.raises(ValidationFailed, match="请选择要合并的部门"):
        merge_many(db, source_ids=["", " "], target_id=keep.id, actor_id=None)
    with pytest.raises(ValidationFailed, match="不存在"):
        merge_many(db, source_ids=["99999999"], target_id=keep.id, actor_id=None)
    assert db.scalar(select(DepartmentMerge)) is None


def test_imported_inactive_duplicates_may_be_merged_into_an_inactive_survivor(db: Session) -> None:
    keep, dup = f.department(db, name="A7县住房和城乡建设局"), f.department(db, name="A7县住建局")
    keep.is_active = dup.is_active = False  # as `minyi import` creates them: history only, out of routing
    (event,) = merge_many(db, source_ids=[dup.id], target_id=keep.id, actor_id=None)
    assert (event.source_id, event.target_id) == (dup.id, keep.id)


def test_merge_many_records_one_event_and_alias_each_and_leaves_cases_alone(db: Session) -> None:
    keep, dup1, dup2 = (f.department(db, name=n) for n in ("A3区住房和城乡建设局", "A3区住建局", "A3区住房城乡建设局"))
    sub, _, _ = f.case_in_progress(db, dup1)
    events_before = db.scalars(select(CaseEvent).where(CaseEvent.case_id == sub.case.id)).all()
    done = merge_many(db, source_ids=[dup1.id, dup2.id, dup1.id], target_id=keep.id, actor_id=None, reason="同一单位")
    assert [(e.source_name, e.target_name) for e in done] == [
        ("A3区住建局", keep.name),
        ("A3区住房城乡建设局", keep.name),
    ]
    assert {a.name for a in db.scalars(select(DepartmentAlias).where(DepartmentAlias.department_id == keep.id))} >= {
        "A3区住建局",
        "A3区住房城乡建设局",
    }
    assert f.reload(db, sub.case).department_id == dup1.id  # the past is not rewritten
    assert db.scalars(select(CaseEvent).where(CaseEvent.case_id == sub.case.id)).all() == events_before
    assert DepartmentResolver.load(db).resolve("A3区住建局")[0] == keep.id
    assert not dup1.is_active and not dup2.is_active


def test_only_admins_see_the_merge_page(client: TestClient, db: Session) -> None:
    assert client.get(URL, follow_redirects=False).status_code in {303, 401}
    f.login(client, f.user(db, role="coordinator"))
    assert client.get(URL).status_code == 403
    assert client.post(URL, data={"csrf_token": f.csrf(client), "target_id": "1", "source_id": "2"}).status_code == 403


def test_admin_previews_confirms_and_sees_the_merge(client: TestClient, db: Session) -> None:
    keep = f.department(db, name="安沙镇人民政府")
    dup = f.department(db, name="安沙镇政府")
    f.case_in_progress(db, dup)
    f.login(client, f.user(db, role="admin"))
    page = client.get(URL)
    assert page.status_code == 200 and "部门合并" in page.text and f'data-cases="{dup.id}">1<' in page.text
    form = {"csrf_token": f.csrf(client), "target_id": str(keep.id), "source_id": [str(dup.id)], "reason": "同一单位"}
    preview = client.post(URL, data=form)
    assert preview.status_code == 200 and "请确认合并" in preview.text and "1 件办件，保留在原部门名下" in preview.text
    assert db.scalar(select(DepartmentMerge)) is None  # the preview stores nothing
    done = client.post(URL, data=form | {"confirm": "1"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"{URL}?merged=1"
    after = client.get(done.headers["location"])
    assert "已合并 1 个部门" in after.text and "合并记录" in after.text and "同一单位" in after.text
    event = db.scalar(select(DepartmentMerge))
    assert event is not None and (event.source_id, event.target_id) == (dup.id, keep.id)
    db.expire_all()
    assert db.get(Department, dup.id).is_active is False  # type: ignore[union-attr]


@pytest.mark.parametrize("case", ["itself", "inactive", "nothing", "unknown", "forged"])
def test_merge_errors_come_back_beside_the_form(client: TestClient, db: Session, case: str) -> None:
    keep = f.department(db, name="安沙镇人民政府")
    dup = f.department(db, name="安沙镇政府")
    off = f.department(db, name="已停用的某局")
    off.is_active = False
    db.commit()
    f.login(client, f.user(db, role="admin"))
    target, sources, words = {
        "itself": (keep.id, [keep.id], "不能把部门合并到它自己"),
        "inactive": (off.id, [dup.id], "已停用，不能把启用中的部门"),
        "nothing": (keep.id, [], "请选择要合并的部门"),
        "unknown": (keep.id, ["<b>x</b>"], "要合并的部门不存在"),
        "forged": ("'; DROP TABLE departments; --", [dup.id], "保留的部门不存在"),
    }[case]
    form = {"csrf_token": f.csrf(client), "target_id": str(target), "source_id": [str(s) for s in sources]}
    for confirm in ("", "1"):
        answer = client.post(URL, data=form | {"confirm": confirm})
        assert answer.status_code == 422 and words in answer.text and 'id="merge-error"' in answer.text
        assert "<b>x</b>" not in answer.text
    assert db.scalar(select(DepartmentMerge)) is None and db.get(Department, dup.id).is_active  # type: ignore[union-attr]
