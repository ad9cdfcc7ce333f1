"""Staff second factor: set up (secret shown once, confirmed by a code), turn off, reset by an admin."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from minyi.accounts import audit, totp
from minyi.accounts.models import User
from minyi.accounts.policy import totp_required
from minyi.accounts.tokens import revoke_all
from minyi.core.db import get_by_id
from minyi.core.errors import Conflict, NotFound, ValidationFailed


def start_setup(session: Session, *, user: User) -> str:
    """A new secret awaiting confirmation (replaces an unconfirmed one); returns it."""
    if user.totp_secret:
        raise Conflict("动态验证码已启用；如需更换，请先停用")
    user.totp_pending = totp.new_secret()
    return user.totp_pending


def confirm_setup(session: Session, *, user: User, code: Any, client: str = "") -> None:
    """Turn the second factor on once the authenticator app shows a matching code."""
    if not user.totp_pending:
        raise ValidationFailed("请先点击“开始设置”获取密钥", field="code")
    step = totp.matching_step(user.totp_pending, code if isinstance(code, str) else "")
    if step is None:
        raise ValidationFailed("验证码不正确：请核对手机时间并输入 App 上当前显示的 6 位数字", field="code")
    user.totp_secret, user.totp_pending, user.totp_last_step = user.totp_pending, None, step
    audit.record(session, kind="totp_enabled", username=user.username, user=user, client=client)


def disable(session: Session, *, user: User, code: Any, client: str = "") -> None:
    """Turn one's own second factor off (needs a current code; refused where the role requires it)."""
    if not user.totp_secret:
        raise Conflict("动态验证码未启用")
    if totp_required(session, user.role):
        raise ValidationFailed("管理员要求您的角色使用动态验证码，不能停用", field="code")
    step = totp.matching_step(user.totp_secret, code if isinstance(code, str) else "")
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        raise ValidationFailed("验证码不正确或已使用过", field="code")
    user.totp_secret, user.totp_last_step = None, None
    audit.record(session, kind="totp_disabled", username=user.username, user=user, client=client)


def admin_reset(session: Session, *, user_id: Any, acting_user: User, client: str = "") -> User:
    """An admin clears a staff member's second factor (lost phone); their sessions and tokens end too."""
    user = get_by_id(session, User, user_id)
    if user is None:
        raise NotFound("用户不存在")
    user.totp_secret, user.totp_pending, user.totp_last_step = None, None, None
    audit.record(
        session,
        kind="totp_disabled",
        username=user.username,
        user=user,
        actor=acting_user,
        client=client,
        detail="管理员重置",
    )
    revoke_all(session, user=user, acting_user=acting_user, reason="管理员重置动态验证码", client=client)
    return user
