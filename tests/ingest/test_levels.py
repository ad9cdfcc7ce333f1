"""Imported history is placed in the jurisdiction tree by its places, as a live message is."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.ingest import services as ingest
from minyi.messages.models import Message
from minyi.workflow.models import Case
from tests import factories as f
from tests.ingest.test_services import NOW, ROWS, _jsonl


def test_imported_cases_get_their_jurisdiction_and_reason(db: Session, tmp_path: Path) -> None:
    city = f.jurisdiction(db, name="A市", level="city", areas="A市")
    east = f.jurisdiction(db, name="A2区", parent=city, areas="A2区 雨花区")
    ingest.import_file(db, path=_jsonl(tmp_path / "history.jsonl", ROWS), now=NOW)
    cases = {c.message.external_id: c for c in db.scalars(select(Case).join(Message))}
    assert cases["103"].jurisdiction_id == east.id
    assert cases["103"].jurisdiction_reason == "留言提到“A2区”，属于A市A2区"
    assert cases["102"].jurisdiction_id is None and cases["102"].jurisdiction_reason == "未识别地点，由本级受理"
