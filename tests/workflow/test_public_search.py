"""Public search sees only what the public sees: the masked text, never the stored original."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from minyi.core.migrate import alembic_config
from minyi.ingest import services as ingest
from minyi.messages.models import Message
from minyi.nlp.display import public_search_text
from minyi.workflow import views
from tests import factories as f

PHONE = "13812345678"
ID_NUMBER = "11010519491231002X"  # the example in GB 11643: a valid resident ID


def _search(db: Session, q: str) -> list[int]:
    page = views.list_public_cases(db, filters=views.parse_board_filters({"q": q}))
    return [c.id for c in page.items]


def test_a_masked_phone_number_cannot_be_recovered_digit_by_digit(db: Session) -> None:
    case = f.message(db, body=f"楼下商铺噪音扰民，请联系我 {PHONE} 了解情况。").case
    assert _search(db, "138****5678") == [case.id]  # what the page shows is found
    assert _search(db, "噪音扰民") == [case.id]
    for probe in ("1381", "13812", PHONE, "12345678", "8123"):
        assert _search(db, probe) == [], probe


def test_an_id_number_typed_whole_finds_nothing(db: Session) -> None:
    f.message(db, title=f"身份证{ID_NUMBER}丢失", place_text=f"幸福路{PHONE}号")
    assert _search(db, ID_NUMBER) == []
    assert _search(db, PHONE) == []
    assert _search(db, "身份证") != []


def test_invisible_characters_cannot_hide_a_number_from_masking(db: Session) -> None:
    f.message(db, body="请回电 138\u200b1234\u202e5678 谢谢，问题很急需要处理。")
    assert _search(db, "12345678") == [] and _search(db, "1234") == []
    assert _search(db, "138****5678") != []


def test_a_term_cannot_match_across_two_fields(db: Session) -> None:
    f.message(db, title="路灯不亮请维修", body="幸福路小区门口的路灯坏了两周。", place_text="幸福路")
    assert _search(db, "维修幸福") == []


def test_the_public_api_and_board_search_the_masked_text(client: TestClient, db: Session) -> None:
    case = f.message(db, body=f"噪音扰民，电话 {PHONE}，请尽快处理。").case
    assert client.get("/api/v1/cases", params={"q": "1381"}).json()["total"] == 0
    assert [c["id"] for c in client.get("/api/v1/cases", params={"q": "138****5678"}).json()["items"]] == [case.id]
    page = client.get("/board", params={"q": "13812"})
    assert page.status_code == 200 and f'/cases/{case.id}"' not in page.text


def test_imported_messages_get_their_search_text(db: Session, tmp_path: Path) -> None:
    row = {
        "id": 9001,
        "user": "U9",
        "title": "咨询社保转移手续",
        "time": "2024-03-05 10:00:00",
        "body": f"想咨询社保关系如何转移，电话{PHONE}。",
    }
    path = tmp_path / "history.jsonl"
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    ingest.import_file(db, path=path, now=datetime(2024, 12, 31, tzinfo=UTC))
    stored = db.scalar(select(Message).where(Message.external_id == "9001"))
    assert stored.public_search_text == public_search_text(stored.title, stored.body, stored.place_text)
    assert PHONE not in stored.public_search_text and "138****5678" in stored.public_search_text


def test_the_migration_backfills_existing_messages(db: Session) -> None:
    sub = f.message(db, body=f"旧留言里有电话 {PHONE} 需要遮盖。")
    db.execute(update(Message).where(Message.id == sub.message.id).values(public_search_text=""))
    script = ScriptDirectory.from_config(alembic_config()).get_revision("0008").module
    script._backfill(db.connection())
    db.expire_all()
    assert "138****5678" in db.get(Message, sub.message.id).public_search_text
