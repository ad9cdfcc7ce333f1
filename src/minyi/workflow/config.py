"""Admin-editable workflow settings: deadline days per appeal kind, auto-close and reopen windows."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from minyi.core.clock import utcnow
from minyi.core.errors import ValidationFailed
from minyi.core.validation import int_field
from minyi.nlp.labels import APPEAL_KINDS
from minyi.workflow.models import SystemSetting

# Inquiries and help requests are answered within 3 working days, everything else within 13.
DEFAULT_DEADLINE_DAYS: dict[str, int] = {kind: 13 for kind in APPEAL_KINDS} | {"inquiry": 3, "help": 3}
DEFAULTS: dict[str, Any] = {
    "deadline_days": DEFAULT_DEADLINE_DAYS,
    "auto_close_days": 7,  # calendar days after a reply without a rating
    "reopen_window_days": 15,  # calendar days after closing in which the citizen may ask to reopen
    "near_deadline_workdays": 1,
    # 审核后公开: "immediate" — a message the citizen wants public is on the board at once (abuse and personal
    # accusations still wait for review); "review" — every one waits for a coordinator (领导留言板 practice)
    "publish_mode": "immediate",
}
PUBLISH_MODES = {"immediate": "提交后立即公开（辱骂和指名道姓的指控仍先审核）", "review": "工作人员审核后公开"}


def get_setting(session: Session, key: str) -> Any:
    """The stored value, or the default."""
    row = session.get(SystemSetting, key)
    if row is None:
        return DEFAULTS[key]
    if key == "deadline_days":  # new appeal kinds fall back to their default
        return DEFAULT_DEADLINE_DAYS | row.value
    return row.value


def deadline_days(session: Session, appeal_kind: str) -> int:
    """Working days a department has for a case of this appeal kind."""
    return int(get_setting(session, "deadline_days").get(appeal_kind, 13))


def _put(session: Session, key: str, value: Any) -> None:
    row = session.get(SystemSetting, key)
    if row is None:
        session.add(SystemSetting(key=key, value=value))
    else:
        row.value = value
        row.updated_at = utcnow()


def update_settings(
    session: Session,
    *,
    deadline_days: dict[str, Any],
    auto_close_days: Any,
    reopen_window_days: Any,
    publish_mode: Any = None,
) -> dict[str, Any]:
    """Validate and store the workflow settings; returns the new values."""
    days: dict[str, int] = {}
    for kind, raw in deadline_days.items():
        if kind not in APPEAL_KINDS:
            msg = f"未知的诉求类型：{kind}"
            raise ValidationFailed(msg, field="deadline_days")
        days[kind] = int_field(
            raw, field=f"deadline_{kind}", label=f"{APPEAL_KINDS[kind]}办理时限", minimum=1, maximum=60
        )
    auto_close = int_field(auto_close_days, field="auto_close_days", label="自动办结天数", minimum=1, maximum=90)
    reopen = int_field(reopen_window_days, field="reopen_window_days", label="重办申请期限", minimum=1, maximum=90)
    mode = get_setting(session, "publish_mode") if publish_mode in (None, "") else str(publish_mode)
    if mode not in PUBLISH_MODES:
        raise ValidationFailed("请选择留言公开方式", field="publish_mode")
    _put(session, "deadline_days", days)
    _put(session, "auto_close_days", auto_close)
    _put(session, "reopen_window_days", reopen)
    _put(session, "publish_mode", mode)
    session.flush()
    return {"deadline_days": days, "auto_close_days": auto_close, "reopen_window_days": reopen, "publish_mode": mode}
