"""附议 (supports) and the hot-issue snapshot."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from minyi.core.errors import Conflict, InvalidTransition, NotFound
from minyi.hot import services as hot
from minyi.workflow import services as wf
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
    wf.reject(db, actor=f.actor(f.user(db, role="coordinator")), case_id=rejected.case.id, reason="不属于受理范围的事项")
    with pytest.raises(InvalidTransition, match="不能附议"):
        hot.support_case(db, case_id=rejected.case.id, client_hash="a")
    with pytest.raises(NotFound):
        hot.support_case(db, case_id="x", client_hash="a")


def test_support_button_on_the_public_case_page(client: TestClient, db: Session) -> None:
    sub = f.message(db, title="路灯不亮已经一个月")
    page = client.get(f"/cases/{sub.case.id}")
    assert "附议" in page.text
    done = client.post(f"/cases/{sub.case.id}/support", data={"csrf_token": f.csrf(client)})
    assert done.status_code == 200 and "已附议" in done.text and "已有 1 人附议" in done.text
    again = client.post(f"/cases/{sub.case.id}/support", data={"csrf_token": f.csrf(client)})
    assert again.status_code == 409
    forged = client.post(f"/cases/{sub.case.id}/support", data={"csrf_token": "nope"})
    assert forged.status_code == 403
    api = client.post(f"/api/v1/cases/{sub.case.id}/support")
    assert api.status_code == 409  # same client


def test_hot_page_is_empty_before_the_first_computation(client: TestClient) -> None:
    page = client.get("/hot")
    assert page.status_code == 200 and "暂无热点问题" in page.text
