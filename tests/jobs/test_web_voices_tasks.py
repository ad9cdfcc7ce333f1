"""The scheduled tasks of 网络民意: `web_surges` records surges and tells their watches once; `web_watches` scans."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from minyi.collect.models import WebSurge
from minyi.core import settings as settings_module
from minyi.core.clock import utcnow
from minyi.core.settings import Settings
from minyi.jobs import runner
from minyi.notifications.models import Notice
from minyi.watches import services as watches
from tests import factories as f
from tests.collect.items import source, web_item


@pytest.fixture
def rules(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    settings = Settings(
        data_dir=tmp_path, database_url="sqlite://", secret_key="k", surge_min_count=4, surge_factor=2.0
    )
    monkeypatch.setattr(settings_module, "get_settings", lambda: settings)
    return settings


def test_web_surges_and_web_watches_run_once(
    db: Session, session_factory: sessionmaker[Session], rules: Settings
) -> None:
    src = source(db)
    owner = f.user(db, role="supervisor")
    watches.create_watch(db, user=owner, kind="keyword", value="井盖")
    for i in range(5):
        web_item(db, src, title=f"井盖松动{i}", places=["春晖路"], fetched_at=utcnow() - timedelta(hours=i))
    web_item(db, src, title="井盖旧事", places=["春晖路"], fetched_at=utcnow() - timedelta(days=3))
    db.commit()
    done = runner.web_surges(session_factory)
    assert done == {"web_surges": 3, "web_surge_alerts": 1}  # 春晖路, 城乡建设 and 井盖 (the watched keyword)
    assert runner.web_surges(session_factory) == {"web_surges": 3, "web_surge_alerts": 0}  # told once
    assert db.scalar(select(func.count()).select_from(WebSurge)) == 3
    assert runner.web_watches(session_factory) == {"watch_web_alerts": 1}
    assert runner.web_watches(session_factory) == {"watch_web_alerts": 0}
    kinds = list(db.scalars(select(Notice.kind).order_by(Notice.id)))
    assert kinds == ["web_surge", "watch"]
    assert {"web_watches", "web_surges"} <= set(runner.SCHEDULE)
