"""The case lifecycle as one table: every action, the states it may start from, where it leads, who may.

Everything that changes a case's status is checked here, once, in two parts: `check_actor` (may this role
do it at all; with `Action.department_scoped`, only on its own department's cases) when the case is loaded,
and `check_status` (from this status) before anything changes; nothing else decides whether an action is
legal.
"""

from __future__ import annotations

from dataclasses import dataclass

from minyi.accounts.models import Role
from minyi.core.errors import InvalidTransition, PermissionDenied

SUBMITTED = "submitted"
ASSIGNED = "assigned"
IN_PROGRESS = "in_progress"
REPLIED = "replied"
CLOSED = "closed"
REJECTED = "rejected"
RETURNED = "returned"
MERGED = "merged"
ARCHIVED = "archived"  # minyi.ingest: an old message imported without a reply (历史未办结), terminal

STATUS_NAMES: dict[str, str] = {
    SUBMITTED: "待受理",
    ASSIGNED: "已转办",
    IN_PROGRESS: "办理中",
    REPLIED: "已答复",
    CLOSED: "已办结",
    REJECTED: "不予受理",
    RETURNED: "已退回",
    MERGED: "已合并",
    ARCHIVED: "历史未办结",
}

OPEN_STATUSES = frozenset({ASSIGNED, IN_PROGRESS})  # a department owes an answer: deadlines run
SYSTEM = "system"  # the scheduler acting on its own
CITIZEN = "citizen"  # the author, through the private tracking link

_COORD = frozenset({Role.COORDINATOR, Role.ADMIN})
_HANDLER = frozenset({Role.HANDLER})
_SUPERVISE = frozenset({Role.SUPERVISOR, Role.ADMIN})


@dataclass(frozen=True)
class Action:
    """One allowed kind of state change."""

    name: str
    label: str  # Chinese, for buttons and the event log
    sources: frozenset[str]
    target: str | None  # None: the status stays as it is
    actors: frozenset[str]
    public: bool  # shown in the case's public history
    needs_reason: bool = False
    department_scoped: bool = False  # only on the cases of the actor's own department (a department's work)


def _a(
    name: str,
    label: str,
    sources: set[str],
    target: str | None,
    actors: set[str] | frozenset[str],
    *,
    public: bool = True,
    needs_reason: bool = False,
    department_scoped: bool = False,
) -> Action:
    return Action(name, label, frozenset(sources), target, frozenset(actors), public, needs_reason, department_scoped)


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        _a("submit", "提交留言", set(), SUBMITTED, {CITIZEN}),
        _a("assign", "受理并转办", {SUBMITTED, RETURNED}, ASSIGNED, _COORD),
        _a("transfer", "改派部门", {ASSIGNED, IN_PROGRESS}, ASSIGNED, _COORD, needs_reason=True),
        _a("reject", "不予受理", {SUBMITTED, RETURNED}, REJECTED, _COORD, needs_reason=True),
        _a("merge", "合并办理", {SUBMITTED, RETURNED}, MERGED, _COORD),
        _a("accept", "签收办理", {ASSIGNED}, IN_PROGRESS, _HANDLER, department_scoped=True),
        _a(
            "return",
            "退回",
            {ASSIGNED, IN_PROGRESS},
            RETURNED,
            _HANDLER,
            public=False,
            needs_reason=True,
            department_scoped=True,
        ),
        _a(
            "request_extension",
            "申请延期",
            {IN_PROGRESS},
            None,
            _HANDLER,
            public=False,
            needs_reason=True,
            department_scoped=True,
        ),
        _a("approve_extension", "批准延期", {IN_PROGRESS}, None, _SUPERVISE),
        _a("refuse_extension", "不批准延期", {IN_PROGRESS}, None, _SUPERVISE, public=False, needs_reason=True),
        _a("reply", "答复", {IN_PROGRESS}, REPLIED, _HANDLER, department_scoped=True),
        # 表扬: the department's public thanks closes the case at once (no rating cycle; docs/suggestions.md)
        _a("acknowledge", "答谢表扬", {ASSIGNED, IN_PROGRESS}, CLOSED, _HANDLER, department_scoped=True),
        # 吸纳: a replied suggestion's adoption decision, its reason public (minyi.suggestions)
        _a("adopt", "采纳决定", {REPLIED, CLOSED}, None, _HANDLER, needs_reason=True, department_scoped=True),
        _a("escalate", "督办", {ASSIGNED, IN_PROGRESS}, None, _SUPERVISE | {SYSTEM}, needs_reason=True),
        _a("rate", "评价", {REPLIED}, CLOSED, {CITIZEN}),
        _a("auto_close", "逾期未评价，自动办结", {REPLIED}, CLOSED, {SYSTEM}),
        _a("reopen", "申请重办", {CLOSED}, IN_PROGRESS, {CITIZEN}, needs_reason=True),
        # 帮助 / 化解 (minyi.callbacks): assistance recorded by the department; 回访 after closing by coordinators,
        # and a 回访 that finds the problem unresolved sends the case back (重办) with a new deadline
        _a("assist", "记录帮扶", {ASSIGNED, IN_PROGRESS, REPLIED, CLOSED}, None, _HANDLER, department_scoped=True),
        _a("callback", "回访", {CLOSED}, None, _COORD),
        _a("callback_reopen", "回访未解决，重办", {CLOSED}, IN_PROGRESS, _COORD),
        # Jurisdictions in levels (minyi.workflow.levels): before a department has it, a case goes down to a
        # jurisdiction right below (下派, a note optional) or up to the parent (上报, with the reason). Public as
        # 转至下级/上级办理; the staff note stays internal (not in PUBLIC_REASON_EVENTS).
        _a("send_down", "下派", {SUBMITTED, RETURNED}, None, _COORD),
        _a("send_up", "上报", {SUBMITTED, RETURNED}, None, _COORD, needs_reason=True),
        # minyi.ingest only: history older than MINYI_IMPORT_ARCHIVE_DAYS that nobody answered
        _a("archive", "历史留言，未办结归档", {SUBMITTED}, ARCHIVED, {SYSTEM}),
    )
}

# 廓清 / 引导纠正 (minyi.knowledge): a coordinator answers an open message by a public explanation (政策解读 / 辟谣).
# Checked like an action, but recorded as a reply (event kind "reply", naming the explanation): the citizen rates it
# and the statistics count it as any reply. Not in ACTIONS, whose names are the event kinds.
EXPLAIN = _a("explain", "以政策解读/辟谣答复", {SUBMITTED, RETURNED, ASSIGNED, IN_PROGRESS}, REPLIED, _COORD)

# Roles whose every action is a department's: they see only their own department's cases (`services.can_see`).
DEPARTMENT_ROLES = frozenset(
    role
    for role in {r for a in ACTIONS.values() for r in a.actors}
    if all(a.department_scoped for a in ACTIONS.values() if role in a.actors)
)
# Events whose reason the citizen wrote (personal data is masked when they are shown in public).
CITIZEN_EVENTS = frozenset({name for name, a in ACTIONS.items() if CITIZEN in a.actors})
# Events whose reason is public text: the citizen's own words, the reason of 不予受理 (its form says it will
# be shown) and the system's note on a case that absorbed a duplicate. Every other reason is a staff note
# (转办意见, 改派理由, 督办意见, 审批意见, …): internal, so the public history shows the event without it.
PUBLIC_REASON_EVENTS = CITIZEN_EVENTS | {"reject", "supported", "assist"}  # assist: its form says it is public
# 吸纳 (minyi.suggestions): the decision's reason, a commitment's text and its progress are public by their forms.
PUBLIC_REASON_EVENTS |= {"adopt", "commit", "progress", "commitment_done"}

EVENT_LABELS: dict[str, str] = {name: action.label for name, action in ACTIONS.items()} | {
    "transfer_requested": "申请改派",
    "supported": "附议",
    "set_domain": "设定领域",  # minyi.ingest: the source's category given to an imported message (internal)
    # Contact data (minyi.privacy): internal events, never carrying the personal data itself.
    "contact_erased": "删除联系方式",
    "contact_request": "申请更正/删除联系方式",
    "contact_corrected": "更正联系方式",
    "contact_request_declined": "不予办理联系方式申请",
    # 审核后公开 (minyi.workflow.review)
    "publish": "审核后公开",
    "withhold": "审核后不公开",
    # 吸纳: a suggestion's commitments (minyi.suggestions; their department's staff, not the case's, act)
    "commit": "作出承诺",
    "progress": "承诺进展",
    "commitment_done": "承诺已完成",
    "repeat_flagged": "重复投诉提示",  # minyi.callbacks: internal, for the supervisor
}


def check_actor(action_name: str, *, actor: str) -> Action:
    """Return the action when `actor`'s role may do it at all (whatever the case's status)."""
    action = ACTIONS.get(action_name)
    if action is None:
        msg = f"未知的操作：{action_name}"
        raise InvalidTransition(msg)
    if actor not in action.actors:
        msg = f"当前角色无权执行“{action.label}”"
        raise PermissionDenied(msg)
    return action


def check_status(action: Action, *, status: str) -> Action:
    """Return the action when it may start from `status`; raise a clear domain error otherwise."""
    if status not in action.sources:
        msg = f"办件处于“{STATUS_NAMES.get(status, status)}”状态，不能执行“{action.label}”"
        raise InvalidTransition(msg)
    return action


def check_transition(action_name: str, *, status: str, actor: str) -> Action:
    """Both checks at once (for callers without a case loaded, e.g. which buttons to show)."""
    return check_status(check_actor(action_name, actor=actor), status=status)


def allowed_actions(*, status: str, actor: str) -> list[Action]:
    """The actions `actor` may take on a case in `status` (for rendering buttons)."""
    return [a for a in ACTIONS.values() if status in a.sources and actor in a.actors]
