"""The admin's 辖区 page over HTTP: the tree, add and edit with errors shown, CSV import with every error, the audit
lines, and an admin of a district who manages its subtree only (jurisdictions, accounts, departments)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.accounts.models import AuthEvent, User
from minyi.departments.models import Department
from minyi.jurisdictions.models import Jurisdiction
from tests import factories as f

NEW = {
    "name": "南湖区",
    "level": "district",
    "slug": "nanhu",
    "areas": "南湖、南湖公园 湖滨路",
    "leaders": "书记、区长",
    "deadline_complaint": "10",
}

CSV = (
    "名称,级别,上级,网址代号,地名,领导信箱\n"
    "甲市,市,,jia-shi,甲市区,市长\n"
    "甲一区,区,甲市,jia-1,甲一,\n"
    "甲一街道,街道,甲市/甲一区,jia-1-1,甲一路,\n"
)


def _audit(db: Session, kind: str) -> list[AuthEvent]:
    return list(db.scalars(select(AuthEvent).where(AuthEvent.kind == kind).order_by(AuthEvent.id)))


def _upload(client: TestClient, content: str | bytes, name: str = "tree.csv") -> Response:
    raw = content.encode("utf-8") if isinstance(content, str) else content
    return client.post(
        "/staff/admin/jurisdictions/import",
        data={"csrf_token": f.csrf(client)},
        files={"file": (name, raw, "text/csv")},
    )


def test_only_admins_see_the_tree_and_it_is_in_the_admin_menu(client: TestClient, db: Session) -> None:
    f.login(client, f.user(db, role="coordinator"))
    assert client.get("/staff/admin/jurisdictions").status_code == 403
    other = TestClient(client.app)
    f.login(other, f.user(db, role="admin"))
    home = other.get("/staff/admin").text
    assert 'href="/staff/admin/jurisdictions"' in home and 'href="/staff/admin/audit"' in home  # the root's admin


def test_the_tree_shows_levels_counts_and_a_sample_of_the_file(client: TestClient, db: Session) -> None:
    city = f.jurisdiction(db, name="乙市", level="city", slug="yi-shi", areas=["乙市区", "乙城"], leaders=["市长"])
    street = f.jurisdiction(db, name="乙一街道", level="street", parent=city, slug="yi-1")
    f.department(db, name="乙一街道办事处", jurisdiction_id=street.id)
    f.user(db, role="coordinator", jurisdiction=street)
    f.login(client, f.user(db, role="admin"))
    page = client.get("/staff/admin/jurisdictions").text
    row = page[page.index(f'data-jurisdiction="{street.id}"') :]
    row = row[: row.index("</tr>")]
    assert "乙一街道" in row and "街道/乡镇" in row and "yi-1" in row
    assert '<td data-label="部门">1</td>' in row and '<td data-label="工作人员">1</td>' in row
    city_row = page[page.index(f'data-jurisdiction="{city.id}"') :]
    assert '<td data-label="地名" title="乙市区、乙城">2</td>' in city_row[: city_row.index("</tr>")]
    assert page.index("乙市") < page.index("　　乙一街道")  # indented below its parent
    assert "名称,级别,上级,网址代号,地名,领导信箱" in page  # the format's sample


def test_a_jurisdiction_is_added_with_its_error_shown_then_edited_and_audited(client: TestClient, db: Session) -> None:
    admin = f.user(db, role="admin", username="tree.admin")
    f.login(client, admin)
    token = f.csrf(client)
    root_id = 1
    bad = client.post(
        "/staff/admin/jurisdictions",
        data=NEW | {"slug": "Bad Slug!", "parent_id": str(root_id), "csrf_token": token},
    )
    assert bad.status_code == 422 and 'id="slug-error"' in bad.text and "网址代号只能用" in bad.text
    assert 'value="南湖区"' in bad.text and "南湖、南湖公园 湖滨路" in bad.text  # what was typed comes back
    assert db.scalar(select(Jurisdiction).where(Jurisdiction.name == "南湖区")) is None
    added = client.post(
        "/staff/admin/jurisdictions",
        data=NEW | {"parent_id": str(root_id), "csrf_token": token},
        follow_redirects=False,
    )
    assert added.status_code == 303 and "辖区已新增" in client.get(added.headers["location"]).text
    node = db.scalar(select(Jurisdiction).where(Jurisdiction.slug == "nanhu"))
    assert node is not None and node.areas == ["南湖", "南湖公园", "湖滨路"] and node.leaders == ["书记", "区长"]
    assert node.deadline_days == {"complaint": 10} and node.parent_id == root_id
    (line,) = _audit(db, "jurisdiction_added")
    assert line.actor_id == admin.id and "南湖区" in line.detail and "书记、区长" in line.detail
    assert "上级：本级" in line.detail
    form = client.get(f"/staff/admin/jurisdictions/{node.id}").text
    assert 'value="nanhu"' in form and 'value="10"' in form
    taken = f.jurisdiction(db, name="北湖区", slug="beihu")
    clash = client.post(f"/staff/admin/jurisdictions/{node.id}", data=NEW | {"slug": taken.slug, "csrf_token": token})
    assert clash.status_code == 409 and "已被使用" in clash.text
    edited = client.post(
        f"/staff/admin/jurisdictions/{node.id}",
        data=NEW | {"areas": "南湖、南湖公园、湖滨路、荷花社区", "deadline_complaint": "", "csrf_token": token},
        follow_redirects=False,
    )
    assert edited.status_code == 303
    db.refresh(node)
    assert node.areas[-1] == "荷花社区" and node.deadline_days == {}
    (change,) = _audit(db, "jurisdiction_changed")
    assert "地名：南湖、南湖公园、湖滨路 → 南湖、南湖公园、湖滨路、荷花社区" in change.detail
    assert "办理时限：投诉10天 → （沿用上级）" in change.detail and change.actor_id == admin.id
    # the same settings again change nothing and write no line
    client.post(
        f"/staff/admin/jurisdictions/{node.id}",
        data=NEW | {"areas": "南湖、南湖公园、湖滨路、荷花社区", "deadline_complaint": "", "csrf_token": token},
    )
    assert len(_audit(db, "jurisdiction_changed")) == 1


def test_a_jurisdiction_is_deactivated_only_after_those_below_it(client: TestClient, db: Session) -> None:
    f.login(client, f.user(db, role="admin"))
    token = f.csrf(client)
    district = f.jurisdiction(db, name="丙区", slug="bing")
    street = f.jurisdiction(db, name="丙一街道", level="street", parent=district, slug="bing-1")
    refused = client.post(f"/staff/admin/jurisdictions/{district.id}/active", data={"active": "0", "csrf_token": token})
    assert refused.status_code == 422 and "请先停用其下级辖区：丙一街道" in refused.text
    for node in (street, district):
        done = client.post(
            f"/staff/admin/jurisdictions/{node.id}/active",
            data={"active": "0", "csrf_token": token},
            follow_redirects=False,
        )
        assert done.status_code == 303
    db.refresh(district)
    assert not district.is_active and "已停用" in client.get("/staff/admin/jurisdictions").text
    assert [e.detail for e in _audit(db, "jurisdiction_disabled")][-1] == f"丙区（#{district.id}）：状态：启用 → 停用"
    root = client.post("/staff/admin/jurisdictions/1/active", data={"active": "0", "csrf_token": token})
    assert root.status_code == 422 and "根辖区不能停用" in root.text


def test_a_file_is_imported_or_refused_whole_with_every_error(client: TestClient, db: Session) -> None:
    admin = f.user(db, role="admin")
    f.login(client, admin)
    before = db.scalar(select(Jurisdiction.id).order_by(Jurisdiction.id.desc()))
    bad = _upload(client, CSV + "乙街道,街道,甲市/不存在,yi-street,,\n丙区,星系,甲市,bing-qu,,\n丁区,区,甲市,jia-1,,\n")
    assert bad.status_code == 422
    text = bad.text
    assert "文件有 3 处错误" in text and "第 5 行" in text and "第 6 行" in text and "第 7 行" in text
    assert "上级辖区“甲市/不存在”不存在" in text and "网址代号“jia-1”已被使用" in text
    db.expire_all()
    assert db.scalar(select(Jurisdiction.id).order_by(Jurisdiction.id.desc())) == before  # nothing of the file kept
    assert not _audit(db, "jurisdictions_imported")
    assert (
        "请选择要导入的 CSV 文件"
        in client.post("/staff/admin/jurisdictions/import", data={"csrf_token": f.csrf(client)}).text
    )
    assert "文件缺少列" in _upload(client, "name,level\nx,y\n").text
    good = _upload(client, CSV.encode("gb18030"))  # as a spreadsheet program saves it on a Chinese system
    assert good.status_code == 200 and "新建 3 个辖区" in good.text
    street = db.scalar(select(Jurisdiction).where(Jurisdiction.slug == "jia-1-1"))
    assert street is not None and street.level == "street" and street.areas == ["甲一路"]
    (line,) = _audit(db, "jurisdictions_imported")
    assert line.actor_id == admin.id and "tree.csv" in line.detail and "新建 3 个" in line.detail


def _district_admin(client: TestClient, db: Session) -> tuple[Jurisdiction, Jurisdiction, Jurisdiction, User]:
    east = f.jurisdiction(db, name="东区", slug="east")
    street = f.jurisdiction(db, name="东一街道", level="street", parent=east, slug="east-1")
    west = f.jurisdiction(db, name="西区", slug="west")
    admin = f.user(db, role="admin", username="east.admin", jurisdiction=east)
    f.login(client, admin)
    return east, street, west, admin


def test_an_admin_of_a_district_manages_its_subtree_only(client: TestClient, db: Session) -> None:
    east, _street, west, _admin = _district_admin(client, db)
    token = f.csrf(client)
    page = client.get("/staff/admin/jurisdictions").text
    assert "东一街道" in page and "西区" not in page and "本级" not in page
    assert client.get(f"/staff/admin/jurisdictions/{west.id}").status_code == 404
    assert (
        client.post(
            f"/staff/admin/jurisdictions/{west.id}/active", data={"active": "0", "csrf_token": token}
        ).status_code
        == 404
    )
    under_west = client.post("/staff/admin/jurisdictions", data=NEW | {"parent_id": str(west.id), "csrf_token": token})
    assert under_west.status_code == 422 and "请选择您管理的上级辖区" in under_west.text
    own = client.post(f"/staff/admin/jurisdictions/{east.id}/active", data={"active": "0", "csrf_token": token})
    assert own.status_code == 403
    added = client.post(
        "/staff/admin/jurisdictions",
        data=NEW
        | {"name": "东二街道", "slug": "east-2", "level": "street", "parent_id": str(east.id), "csrf_token": token},
        follow_redirects=False,
    )
    assert added.status_code == 303
    outside = _upload(client, "名称,级别,上级,网址代号,地名,领导信箱\n西一街道,街道,西区,west-1,,\n")
    assert outside.status_code == 422 and "您管理范围以外的辖区：西一街道" in outside.text
    assert db.scalar(select(Jurisdiction).where(Jurisdiction.slug == "west-1")) is None
    inside = _upload(client, "名称,级别,上级,网址代号,地名,领导信箱\n东三街道,街道,东区,east-3,,\n")
    assert inside.status_code == 200
    # the installation's settings, sources, policies, logs and merges are the root's, and not in the menu
    for page in ("settings", "sources", "security", "tasks", "departments/merge", "audit"):
        assert client.get(f"/staff/admin/{page}").status_code == 403, page
    home = client.get("/staff/admin").text
    assert 'href="/staff/admin/jurisdictions"' in home and 'href="/staff/admin/sources"' not in home
    assert 'href="/staff/admin/settings"' not in home and 'href="/staff/admin/tasks"' not in home
    assert 'href="/staff/admin/audit"' not in home  # nor in the top menu (访问审计 is the root's)


def test_an_admin_of_a_district_manages_its_accounts_and_departments_only(client: TestClient, db: Session) -> None:
    east, street, west, admin = _district_admin(client, db)
    token = f.csrf(client)
    west_dept = f.department(db, name="西区住建局", jurisdiction_id=west.id)
    street_dept = f.department(db, name="东一街道办事处", jurisdiction_id=street.id)
    west_clerk = f.user(db, role="coordinator", username="west.clerk", jurisdiction=west)
    street_clerk = f.user(db, role="coordinator", username="street.clerk", jurisdiction=street)
    users = client.get("/staff/admin/users").text
    assert "street.clerk" in users and "west.clerk" not in users and "西区住建局" not in users
    assert client.get(f"/staff/admin/users/{west_clerk.id}").status_code == 403
    for action in ("active", "revoke", "totp-reset", "password"):
        answer = client.post(f"/staff/admin/users/{west_clerk.id}/{action}", data={"active": "0", "csrf_token": token})
        assert answer.status_code == 403, action
    moved_west = client.post(
        f"/staff/admin/users/{street_clerk.id}/role",
        data={"role": "coordinator", "jurisdiction_id": str(west.id), "csrf_token": token},
    )
    assert moved_west.status_code == 422 and "请选择有效的辖区" in moved_west.text
    to_root = client.post(
        "/staff/admin/users",
        data={
            "username": "root.clerk",
            "display_name": "甲",
            "role": "coordinator",
            "jurisdiction_id": "",
            "csrf_token": token,
        },
    )
    assert to_root.status_code == 422 and "请选择辖区" in to_root.text
    west_handler = client.post(
        "/staff/admin/users",
        data={
            "username": "w.handler",
            "display_name": "乙",
            "role": "handler",
            "department_id": str(west_dept.id),
            "jurisdiction_id": str(street.id),
            "csrf_token": token,
        },
    )
    assert west_handler.status_code == 422 and "请选择有效的部门" in west_handler.text
    made = client.post(
        "/staff/admin/users",
        data={
            "username": "s.handler",
            "display_name": "丙",
            "role": "handler",
            "department_id": str(street_dept.id),
            "jurisdiction_id": str(street.id),
            "csrf_token": token,
        },
    )
    assert made.status_code == 200 and "s.handler" in made.text
    handler = db.scalar(select(User).where(User.username == "s.handler"))
    assert handler is not None and handler.jurisdiction_id == street.id
    moved = client.post(
        f"/staff/admin/users/{street_clerk.id}/role",
        data={"role": "coordinator", "jurisdiction_id": str(east.id), "csrf_token": token},
        follow_redirects=False,
    )
    assert moved.status_code == 303
    (line,) = [e for e in _audit(db, "role_change") if e.username == "street.clerk"]
    assert line.detail == "受理员／无部门／东一街道 → 受理员／无部门／东区" and line.actor_id == admin.id
    # departments: the subtree's only, new ones in it
    departments = client.get("/staff/admin/departments").text
    assert "东一街道办事处" in departments and "西区住建局" not in departments
    assert (
        client.post(
            f"/staff/admin/departments/{west_dept.id}", data={"keywords": "", "is_active": "on", "csrf_token": token}
        ).status_code
        == 422
    )
    refused = client.post(
        "/staff/admin/departments", data={"name": "西区城管局", "jurisdiction_id": str(west.id), "csrf_token": token}
    )
    assert refused.status_code == 422
    client.post(
        "/staff/admin/departments", data={"name": "东区城管局", "jurisdiction_id": str(east.id), "csrf_token": token}
    )
    made_dept = db.scalar(select(Department).where(Department.name == "东区城管局"))
    assert made_dept is not None and made_dept.jurisdiction_id == east.id


def test_the_root_admin_moves_a_department_to_another_jurisdiction(client: TestClient, db: Session) -> None:
    f.login(client, f.user(db, role="admin"))
    token = f.csrf(client)
    district = f.jurisdiction(db, name="戊区", slug="wu")
    dept = f.department(db, name="戊区卫健局")
    moved = client.post(
        f"/staff/admin/departments/{dept.id}",
        data={"keywords": "", "is_active": "on", "jurisdiction_id": str(district.id), "csrf_token": token},
        follow_redirects=False,
    )
    assert moved.status_code == 303
    db.refresh(dept)
    assert dept.jurisdiction_id == district.id
    gone = f.jurisdiction(db, name="己区", slug="ji")
    gone.is_active = False
    db.flush()
    refused = client.post(
        "/staff/admin/departments", data={"name": "己区卫健局", "jurisdiction_id": str(gone.id), "csrf_token": token}
    )
    assert refused.status_code == 422 and "已停用" in refused.text
