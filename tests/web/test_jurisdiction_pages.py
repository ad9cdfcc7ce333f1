"""Public pages per jurisdiction over HTTP: /j/<slug>/board and its search, /j/<slug>/hot, /jurisdictions, the
switcher, 承办辖区 on the case page, `jurisdiction=` on /api/v1/cases; unknown and inactive slugs are 404."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from minyi.core.clock import utcnow
from minyi.hot.models import HotIssue
from minyi.jurisdictions import services as jurisdictions
from minyi.jurisdictions.models import Jurisdiction
from minyi.web.page_cache import cached_path
from minyi.workflow.models import Case
from tests import factories as f

PHONE = "13800138000"


def _case(db: Session, where: Jurisdiction | None, title: str, *, public: bool = True) -> Case:
    body = f"{title}，已经两周了，我住在幸福路8号，联系电话{PHONE}，请尽快处理。"
    case = f.message(db, title=title, body=body, place_text="", is_public=public, contact_name="王五").case
    case.jurisdiction_id = where.id if where is not None else None
    db.flush()
    return case


def _tree(db: Session) -> tuple[Jurisdiction, Jurisdiction, Jurisdiction, Jurisdiction]:
    city = f.jurisdiction(db, name="A市", level="city", slug="a-city")
    east = f.jurisdiction(db, name="A2区", parent=city, slug="a2")
    west = f.jurisdiction(db, name="A5区", parent=city, slug="a5")
    street = f.jurisdiction(db, name="桂花坪街道", parent=east, level="street", slug="guihuaping")
    return city, east, west, street


def _titles(html: str) -> list[str]:
    return re.findall(r'<a href="/cases/\d+">([^<]+)</a>', html)


def test_a_district_board_shows_its_and_its_streets_public_cases_only(client: TestClient, db: Session) -> None:
    city, east, west, street = _tree(db)
    _case(db, None, "本级广场噪音")
    _case(db, city, "全市公交调整")
    _case(db, east, "东区路灯不亮")
    _case(db, street, "桂花坪停车难")
    _case(db, west, "西区路灯不亮")
    _case(db, east, "东区私密留言", public=False)
    for path in ("/j/a2", "/j/a2/board"):
        page = client.get(path)
        assert page.status_code == 200
        assert _titles(page.text) == ["桂花坪停车难", "东区路灯不亮"]
        assert "共 2 条" in page.text.replace("\n", " ")
        assert PHONE not in page.text and "王五" not in page.text and "私密" not in page.text
    assert set(_titles(client.get("/j/a-city/board").text)) == {
        "全市公交调整",
        "东区路灯不亮",
        "桂花坪停车难",
        "西区路灯不亮",
    }
    assert _titles(client.get("/j/guihuaping/board").text) == ["桂花坪停车难"]
    searched = client.get("/j/a2/board", params={"q": "路灯"})
    assert _titles(searched.text) == ["东区路灯不亮"]  # never the sibling's 西区路灯不亮
    assert 'action="/j/a2/board"' in searched.text  # the search form stays on the district's board
    assert _titles(client.get("/j/a5/board", params={"q": "路灯", "status": "closed"}).text) == []
    assert client.get("/j/a2/board", params={"q": PHONE}).text.count("/cases/") == 0  # masked: not found
    assert client.get("/j/a2/board", params={"page": "0"}).status_code == 422


def test_the_switcher_links_up_and_down_and_the_tree_page_lists_every_public_jurisdiction(
    client: TestClient, db: Session
) -> None:
    _city, east, _west, _street = _tree(db)
    page = client.get("/j/a2/board").text
    switcher = page[page.index('id="jurisdiction-switcher"') :]
    switcher = switcher[: switcher.index("</nav>")]
    root = jurisdictions.root(db)
    assert f'<a href="/board">{root.name}</a>' in switcher and '<a href="/j/a-city/board">A市</a>' in switcher
    assert "<strong>A2区</strong>" in switcher and '<a href="/j/guihuaping/board">桂花坪街道</a>' in switcher
    assert "A5区" not in switcher  # a sibling is reached through the city
    assert '<a href="/j/a2/hot">' in switcher
    assert '<a href="/jurisdictions">' in client.get("/board").text
    tree = client.get("/jurisdictions").text
    assert tree.index("A市") < tree.index("A2区") < tree.index("桂花坪街道") < tree.index("A5区")
    for slug in ("a-city", "a2", "a5", "guihuaping"):
        assert f'href="/j/{slug}/board"' in tree and f'href="/j/{slug}/hot"' in tree
    jurisdictions.update_jurisdiction(
        db, jurisdiction_id=east.id, name=east.name, level=east.level, slug=east.slug, areas="", leaders="",
        is_active=False,
    )  # fmt: skip
    db.flush()
    tree = client.get("/jurisdictions").text
    assert "A2区" not in tree and "桂花坪街道" not in tree and "A5区" in tree


def test_unknown_and_inactive_jurisdictions_are_a_404_page_in_chinese(client: TestClient, db: Session) -> None:
    _city, east, _west, _street = _tree(db)
    for path in ("/j/nowhere", "/j/nowhere/board", "/j/nowhere/hot", "/j/" + "x" * 300, "/j/%E4%B8%AD/board"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "辖区不存在或已停用" in response.text or "页面不存在" in response.text
    jurisdictions.update_jurisdiction(
        db, jurisdiction_id=east.id, name=east.name, level=east.level, slug=east.slug, areas="", leaders="",
        is_active=False,
    )  # fmt: skip
    db.flush()
    for path in ("/j/a2/board", "/j/guihuaping/board", "/j/a2/hot"):  # inactive, and below an inactive one
        assert client.get(path).status_code == 404
        assert "辖区不存在或已停用" in client.get(path).text
    assert client.get("/api/v1/cases", params={"jurisdiction": "a2"}).status_code == 404
    root = jurisdictions.root(db)
    moved = client.get(f"/j/{root.slug}/board?q=路灯", follow_redirects=False)
    assert moved.status_code == 307 and moved.headers["location"] == "/board?q=%E8%B7%AF%E7%81%AF"
    assert client.get(f"/j/{root.slug}/hot", follow_redirects=False).headers["location"] == "/hot"


def test_the_hot_issues_of_a_district_are_those_with_cases_in_it_recounted(client: TestClient, db: Session) -> None:
    _city, east, west, street = _tree(db)
    lamps = [_case(db, east, "东区路灯不亮"), _case(db, street, "桂花坪路灯不亮"), _case(db, west, "西区路灯不亮")]
    noise = [_case(db, west, "西区工地噪音"), _case(db, west, "西区夜间施工噪音")]
    private = _case(db, east, "东区私密路灯", public=False)
    now = utcnow()
    for rank, (title, cases) in enumerate((("路灯不亮", [*lamps, private]), ("工地噪音", noise)), 1):
        db.add(HotIssue(rank=rank, score=10.0 - rank, description=title, start=now - timedelta(days=3), end=now,
                        case_ids=[c.id for c in cases], computed_at=now))  # fmt: skip
    db.flush()
    east_hot = client.get("/j/a2/hot").text
    assert "路灯不亮" in east_hot and "工地噪音" not in east_hot
    assert _titles(east_hot) == ["东区路灯不亮", "桂花坪路灯不亮"]
    assert re.search(r"本辖区留言 2 · 全平台留言 4", east_hot)
    assert "私密" not in east_hot and PHONE not in east_hot
    west_hot = client.get("/j/a5/hot").text
    assert re.search(r'id="hot-1">\s*<h2>#1 路灯不亮', west_hot) and "#2 工地噪音" in west_hot
    assert _titles(west_hot) == ["西区路灯不亮", "西区工地噪音", "西区夜间施工噪音"]
    street_hot = client.get("/j/guihuaping/hot").text
    assert _titles(street_hot) == ["桂花坪路灯不亮"] and "本辖区留言 1 · 全平台留言 4" in street_hot
    quiet = f.jurisdiction(db, name="幸福里街道", parent=west, level="street", slug="xingfuli")
    assert "本辖区暂无热点问题" in client.get(f"/j/{quiet.slug}/hot").text


def test_the_case_page_names_its_jurisdiction_and_the_api_filters_by_slug(client: TestClient, db: Session) -> None:
    _city, _east, west, street = _tree(db)
    at_street = _case(db, street, "桂花坪停车难")
    at_root = _case(db, None, "本级广场噪音")
    _case(db, west, "西区路灯不亮")
    shown = client.get(f"/cases/{at_street.id}").text
    assert '承办辖区</dt><dd id="case-jurisdiction"><a href="/j/guihuaping/board">桂花坪街道</a>' in shown
    root = jurisdictions.root(db)
    assert f'<a href="/board">{root.name}</a>' in client.get(f"/cases/{at_root.id}").text
    listed = client.get("/api/v1/cases", params={"jurisdiction": "a2"}).json()
    assert [c["id"] for c in listed["items"]] == [at_street.id] and listed["total"] == 1
    assert client.get("/api/v1/cases", params={"jurisdiction": "a2", "q": "路灯"}).json()["items"] == []
    assert client.get("/api/v1/cases", params={"jurisdiction": root.slug}).json()["total"] == 3
    assert client.get("/api/v1/cases", params={"jurisdiction": "nowhere"}).status_code == 404


def test_the_page_cache_keeps_each_jurisdictions_pages_by_their_path() -> None:
    for path in ("/board", "/hot", "/stats", "/j/a2", "/j/a2/board", "/j/a2/hot", "/j/a2/stats"):
        assert cached_path(path), path
    for path in ("/j/a2/board/x", "/jurisdictions/x", "/j/", "/j/A2/board", "/cases/1", "/j/a2/track"):
        assert not cached_path(path), path
