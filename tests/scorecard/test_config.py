"""The admin's scorecard settings: defaults, every error at once, audited changes."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.accounts.models import AuthEvent
from minyi.core.errors import FieldErrors, ValidationFailed
from minyi.scorecard.config import (
    DEFAULT_MIN_CASES,
    DEFAULT_WEIGHTS,
    get_scorecard_settings,
    update_scorecard_settings,
)
from minyi.scorecard.score import COMPONENTS
from tests import factories as f


def test_defaults_until_an_admin_sets_them(db: Session) -> None:
    settings = get_scorecard_settings(db)
    assert settings.weights == DEFAULT_WEIGHTS and list(settings.weights) == list(COMPONENTS)
    assert settings.min_cases == DEFAULT_MIN_CASES


def test_a_change_is_stored_and_audited_with_before_and_after(db: Session) -> None:
    admin = f.user(db, role="admin", username="score.admin")
    weights = DEFAULT_WEIGHTS | {"on_time": 50, "repeats": 0}
    update_scorecard_settings(db, actor=admin, weights=weights, min_cases="5")
    assert get_scorecard_settings(db).weights == weights and get_scorecard_settings(db).min_cases == 5
    events = db.scalars(select(AuthEvent).where(AuthEvent.kind == "scorecard_changed")).all()
    assert len(events) == 1 and events[0].actor_id == admin.id
    assert events[0].detail == "按时办结率 30→50；非重复投诉占比 10→0；最少留言数 10→5"
    update_scorecard_settings(db, actor=admin, weights={k: str(v) for k, v in weights.items()}, min_cases=5)
    assert len(db.scalars(select(AuthEvent).where(AuthEvent.kind == "scorecard_changed")).all()) == 1  # no change


def test_every_error_is_reported_at_once_and_nothing_is_stored(db: Session) -> None:
    admin = f.user(db, role="admin")
    bad = DEFAULT_WEIGHTS | {"on_time": "abc", "satisfaction": "101", "adoption": "-1", "knowledge": ""}
    with pytest.raises(FieldErrors) as caught:
        update_scorecard_settings(db, actor=admin, weights=bad, min_cases="0")
    assert dict(caught.value.errors) == {
        "weight_on_time": "“按时办结率”的权重必须是整数",
        "weight_satisfaction": "“满意率”的权重必须在 0 到 100 之间",
        "weight_adoption": "“建议采纳率”的权重必须在 0 到 100 之间",
        "weight_knowledge": "“知识库按期复核率”的权重必须是整数",
        "min_cases": "参与排名的最少留言数必须在 1 到 100000 之间",
    }
    with pytest.raises(ValidationFailed, match="不能全部为 0"):
        update_scorecard_settings(db, actor=admin, weights=dict.fromkeys(COMPONENTS, "0"), min_cases="10")
    assert get_scorecard_settings(db).weights == DEFAULT_WEIGHTS
    assert db.scalar(select(AuthEvent).where(AuthEvent.kind == "scorecard_changed")) is None
