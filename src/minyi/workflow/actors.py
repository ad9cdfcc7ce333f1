"""Who performs an action: a staff user, the citizen (by tracking link) or the system."""

from __future__ import annotations

from dataclasses import dataclass

from minyi.accounts.models import User
from minyi.jurisdictions.services import scope_path
from minyi.workflow.states import CITIZEN, SYSTEM


@dataclass(frozen=True)
class Actor:
    """The acting party, as the state machine and the event log see it."""

    role: str
    user_id: int | None = None
    department_id: int | None = None
    label: str = ""
    # Where the role applies (minyi.jurisdictions.services.scope_path): "" everything (the root), else the path
    # of the actor's jurisdiction, whose subtree it sees and acts in.
    jurisdiction_path: str = ""

    @classmethod
    def from_user(cls, user: User) -> Actor:
        """A logged-in staff member."""
        dept = f"（{user.department.name}）" if user.department is not None else ""
        return cls(
            role=str(user.role),
            user_id=user.id,
            department_id=user.department_id,
            label=f"{user.role_name} {user.display_name}{dept}",
            jurisdiction_path=scope_path(user.jurisdiction),
        )

    @classmethod
    def citizen(cls) -> Actor:
        """The message's author."""
        return cls(role=CITIZEN, label="留言人")

    @classmethod
    def system(cls) -> Actor:
        """The scheduler."""
        return cls(role=SYSTEM, label="系统")
