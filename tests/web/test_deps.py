"""Request dependencies: work registered with after_commit runs once the request's transaction is committed."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from minyi.core.db import make_engine, make_session_factory
from minyi.core.migrate import upgrade
from minyi.core.settings import Settings
from minyi.web.app import create_app
from minyi.web.state import app_state
from tests import factories as f


class _SeesCommittedMessages:
    """Stands in for the background worker: checks, on a connection of its own, that the message is stored."""

    def __init__(self, url: str) -> None:
        self.url, self.seen = url, []

    def analyse(self, message_id: int) -> None:
        with create_engine(self.url).connect() as conn:
            self.seen.append(
                conn.execute(text("SELECT count(*) FROM messages WHERE id = :i"), {"i": message_id}).scalar()
            )


def test_a_submission_is_analysed_only_after_it_is_committed(tmp_path: Path, settings: Settings) -> None:
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    upgrade(url)
    app = create_app(settings, make_session_factory(make_engine(url)), start_background=False)
    worker = _SeesCommittedMessages(url)
    with TestClient(app) as client:
        app_state(app).jobs = worker
        form = {
            "title": "路灯不亮好几天了",
            "body": "幸福路小区门口的路灯坏了好几天，晚上很黑。",
            "appeal_kind": "complaint",
            "csrf_token": f.csrf(client),
        }
        assert client.post("/messages", data=form).status_code == 200
        api = client.post("/api/v1/messages", json={k: v for k, v in form.items() if k != "csrf_token"})
        assert api.status_code == 201
        bad = client.post("/messages", data=form | {"title": "短"})  # refused: nothing stored, nothing queued
        assert bad.status_code == 422
        app_state(app).jobs = None
    assert worker.seen == [1, 1]
