"""The admin's scorecard settings: one weight per component (0–100, not all zero) and the minimum number of cases
for a department to be ranked. Stored as one key-value row of `system_settings` (as the workflow settings);
every change goes to the account audit trail (系统管理 → 安全与审计) with each value before → after."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from minyi.accounts import audit
from minyi.accounts.models import User
from minyi.core.clock import utcnow
from minyi.core.errors import ValidationFailed, collect
from minyi.core.validation import int_field
from minyi.scorecard.score import COMPONENTS
from minyi.workflow.models import SystemSetting

KEY = "scorecard"
DEFAULT_WEIGHTS: dict[str, int] = {
    "on_time": 30,
    "satisfaction": 25,
    "callback": 15,
    "adoption": 10,
    "knowledge": 10,
    "repeats": 10,
}
DEFAULT_MIN_CASES = 10
MAX_WEIGHT = 100
MAX_MIN_CASES = 100_000
AUDIT_KIND = "scorecard_changed"


@dataclass(frozen=True)
class ScorecardSettings:
    """The weights by component code and the minimum cases in the period for a department to be ranked."""

    weights: dict[str, int]
    min_cases: int


def get_scorecard_settings(session: Session) -> ScorecardSettings:
    """The stored settings, or the defaults (a component added later gets its default weight)."""
    row = session.get(SystemSetting, KEY)
    value = row.value if row is not None and isinstance(row.value, dict) else {}
    stored = value.get("weights") or {}
    weights = {code: int(stored.get(code, DEFAULT_WEIGHTS[code])) for code in COMPONENTS}
    return ScorecardSettings(weights, int(value.get("min_cases", DEFAULT_MIN_CASES)))


def _weight_check(code: str, raw: Any) -> Any:
    label = f"“{COMPONENTS[code]}”的权重"
    return lambda: int_field(raw, field=f"weight_{code}", label=label, minimum=0, maximum=MAX_WEIGHT)


def validate(*, weights: dict[str, Any], min_cases: Any) -> ScorecardSettings:
    """Check every field at once (all errors together, each beside its input)."""
    checks = {code: _weight_check(code, weights.get(code)) for code in COMPONENTS}
    checks["min_cases"] = lambda: int_field(
        min_cases, field="min_cases", label="参与排名的最少留言数", minimum=1, maximum=MAX_MIN_CASES
    )
    values = collect(checks)
    parsed = {code: int(values[code]) for code in COMPONENTS}
    if not any(parsed.values()):
        raise ValidationFailed("各项权重不能全部为 0：至少给一项设置大于 0 的权重", field="weight_on_time")
    return ScorecardSettings(parsed, int(values["min_cases"]))


def _changes(before: ScorecardSettings, after: ScorecardSettings) -> str:
    parts = [
        f"{COMPONENTS[code]} {before.weights[code]}→{after.weights[code]}"
        for code in COMPONENTS
        if before.weights[code] != after.weights[code]
    ]
    if before.min_cases != after.min_cases:
        parts.append(f"最少留言数 {before.min_cases}→{after.min_cases}")
    return "；".join(parts)


def update_scorecard_settings(
    session: Session, *, actor: User, weights: dict[str, Any], min_cases: Any
) -> ScorecardSettings:
    """Validate and store the weights and the minimum; an actual change is recorded in the audit trail."""
    after = validate(weights=weights, min_cases=min_cases)
    before = get_scorecard_settings(session)
    changes = _changes(before, after)
    if not changes:
        return after
    value = {"weights": after.weights, "min_cases": after.min_cases}
    row = session.get(SystemSetting, KEY)
    if row is None:
        session.add(SystemSetting(key=KEY, value=value))
    else:
        row.value, row.updated_at = value, utcnow()
    audit.record(session, kind=AUDIT_KIND, username=actor.username, actor=actor, detail=changes)
    session.flush()
    return after
