"""The state machine table: every action from every state by every actor."""

from __future__ import annotations

import itertools

import pytest

from minyi.core.errors import InvalidTransition, PermissionDenied
from minyi.workflow import states

ALL_ACTORS = ["citizen", "coordinator", "handler", "supervisor", "admin", "system"]


@pytest.mark.parametrize(
    ("action", "status", "actor"), list(itertools.product(states.ACTIONS, states.STATUS_NAMES, ALL_ACTORS))
)
def test_every_combination_is_allowed_exactly_when_the_table_says(action: str, status: str, actor: str) -> None:
    spec = states.ACTIONS[action]
    if actor in spec.actors and status in spec.sources:
        assert states.check_transition(action, status=status, actor=actor) is spec
    elif actor not in spec.actors:
        with pytest.raises(PermissionDenied):
            states.check_transition(action, status=status, actor=actor)
    else:
        with pytest.raises(InvalidTransition, match="不能执行"):
            states.check_transition(action, status=status, actor=actor)


def test_the_main_path_is_connected() -> None:
    path = [
        ("assign", "coordinator"),
        ("accept", "handler"),
        ("reply", "handler"),
        ("rate", "citizen"),
        ("reopen", "citizen"),
        ("reply", "handler"),
        ("rate", "citizen"),
    ]
    status = states.SUBMITTED
    for action, actor in path:
        status = states.check_transition(action, status=status, actor=actor).target or status
    assert status == states.CLOSED


def test_unknown_action_is_a_clear_error() -> None:
    with pytest.raises(InvalidTransition, match="未知的操作"):
        states.check_transition("explode", status=states.SUBMITTED, actor="admin")


def test_allowed_actions_for_a_handler_on_an_open_case() -> None:
    names = {a.name for a in states.allowed_actions(status=states.IN_PROGRESS, actor="handler")}
    assert names == {"return", "request_extension", "reply", "acknowledge", "assist"}  # acknowledge: praise only


def test_every_status_and_action_has_a_chinese_name() -> None:
    assert set(states.STATUS_NAMES) >= {a.target for a in states.ACTIONS.values() if a.target}
    assert all(a.label for a in states.ACTIONS.values())


def test_department_scoping_is_a_property_of_the_action() -> None:
    scoped = {name for name, a in states.ACTIONS.items() if a.department_scoped}
    assert scoped == {"accept", "return", "request_extension", "reply", "acknowledge", "adopt", "assist"}
    assert {"handler"} == states.DEPARTMENT_ROLES  # the roles that only do a department's work
