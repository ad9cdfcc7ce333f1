"""Per-role security policy the admin sets: which staff roles must use a second factor (TOTP)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.accounts import audit
from minyi.accounts.models import ROLE_NAMES, Role, RolePolicy, User
from minyi.core.clock import utcnow
from minyi.core.errors import ValidationFailed


def totp_required(session: Session, role: Role) -> bool:
    """Whether accounts of this role must have a second factor."""
    row = session.get(RolePolicy, role.value)
    return bool(row and row.require_totp)


def roles_requiring_totp(session: Session) -> set[str]:
    """The roles (values) that must use a second factor."""
    return set(session.scalars(select(RolePolicy.role).where(RolePolicy.require_totp.is_(True))))


def set_totp_required(session: Session, *, roles: list[Any], acting_user: User) -> set[str]:
    """Require a second factor for exactly these staff roles; returns them."""
    staff = {r.value for r in Role if r is not Role.CITIZEN}
    wanted = {r for r in roles if isinstance(r, str)}
    if wanted - staff:
        raise ValidationFailed("未知的角色", field="require_totp")
    before = roles_requiring_totp(session)
    for role in staff:
        row = session.get(RolePolicy, role)
        if row is None:
            row = RolePolicy(role=role, require_totp=False)
            session.add(row)
        if row.require_totp != (role in wanted):
            row.require_totp, row.updated_at = role in wanted, utcnow()
    if before != wanted:
        names = "、".join(ROLE_NAMES[Role(r)] for r in sorted(wanted)) or "无"
        audit.record(
            session,
            kind="policy_changed",
            username=acting_user.username,
            actor=acting_user,
            detail=f"要求动态验证码的角色：{names}",
        )
    return wanted
