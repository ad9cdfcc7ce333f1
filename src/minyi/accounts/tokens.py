"""API tokens and sessions: list, revoke one, end them all (password reset, admin, lost device)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from minyi.accounts import audit
from minyi.accounts.models import LoginSession, Role, User
from minyi.core.clock import utcnow
from minyi.core.db import get_by_id
from minyi.core.errors import NotFound
from minyi.core.security import hash_token

MAX_LISTED = 100


def live_tokens(session: Session, *, user: User) -> list[LoginSession]:
    """A user's API tokens that still work, newest first."""
    query = (
        select(LoginSession)
        .where(
            LoginSession.user_id == user.id,
            LoginSession.kind == "api",
            LoginSession.revoked.is_(False),
            LoginSession.expires_at > utcnow(),
        )
        .order_by(LoginSession.id.desc())
        .limit(MAX_LISTED)
    )
    return list(session.scalars(query))


def _revoke(session: Session, row: LoginSession, *, actor: User | None, client: str) -> None:
    """Revoke one API token once, with its audit record."""
    if row.revoked:
        return
    row.revoked = True
    label = f"令牌 #{row.id} {row.label}".strip()
    audit.record(
        session,
        kind="token_revoked",
        username=row.user.username,
        user=row.user,
        actor=actor,
        client=client,
        detail=label,
    )


def revoke_token(session: Session, *, token_id: Any, acting_user: User, client: str = "") -> LoginSession:
    """Revoke one API token: the owner's own, or any user's by an admin."""
    row = get_by_id(session, LoginSession, token_id)
    if row is None or row.kind != "api" or (row.user_id != acting_user.id and acting_user.role is not Role.ADMIN):
        raise NotFound("访问令牌不存在")
    _revoke(session, row, actor=acting_user if acting_user.id != row.user_id else None, client=client)
    return row


def revoke_presented_token(session: Session, *, token: str, client: str = "") -> None:
    """Revoke the API token a request presented (`DELETE /api/v1/auth/token`)."""
    row = session.scalar(
        select(LoginSession).where(LoginSession.token_hash == hash_token(token), LoginSession.kind == "api")
    )
    if row is not None:
        _revoke(session, row, actor=None, client=client)


def revoke_all(session: Session, *, user: User, acting_user: User | None, reason: str, client: str = "") -> int:
    """End every browser session and API token of an account; returns how many were live."""
    result = session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.revoked.is_(False))
        .values(revoked=True)
    )
    count = int(getattr(result, "rowcount", 0) or 0)
    audit.record(
        session,
        kind="sessions_revoked",
        username=user.username,
        user=user,
        actor=acting_user if acting_user and acting_user.id != user.id else None,
        client=client,
        detail=f"{reason}；结束 {count} 个登录或令牌",
    )
    return count


def revoke_user(session: Session, *, user_id: Any, acting_user: User, client: str = "") -> User:
    """An admin ends every session and token of an account (a lost laptop, a leaked token)."""
    user = get_by_id(session, User, user_id)
    if user is None:
        raise NotFound("用户不存在")
    revoke_all(session, user=user, acting_user=acting_user, reason="管理员操作", client=client)
    return user
