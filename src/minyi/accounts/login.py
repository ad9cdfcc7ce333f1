"""Logging in without stalling the service: the password is checked outside any write transaction, and
failed logins are throttled — a temporary lockout per (account, client) and a growing delay per account, so
that an attacker locks out only themselves and the real user can always log in from their own client."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from minyi.accounts import audit, totp
from minyi.accounts.models import LoginThrottle, Role, User
from minyi.accounts.policy import totp_required
from minyi.accounts.services import PASSWORDS, start_session
from minyi.core.clock import utcnow
from minyi.core.db import transaction
from minyi.core.errors import DomainError, NotAuthenticated, PermissionDenied

ACCOUNT_WIDE = "*"  # the client_hash of the per-account counter
FAILURE_NAMES = {"password": "用户名或密码错误", "totp": "动态验证码错误"}  # shown in the admin's audit trail


@dataclass(frozen=True)
class LoginPolicy:
    """How failed logins are throttled (from the MINYI_LOGIN_* settings)."""

    max_failures: int = 5  # failures per (account, client) in the window before a lockout
    lockout_seconds: int = 900
    window_seconds: int = 900
    free_failures: int = 3  # failures per account in the window before failed answers are slowed down
    max_delay_seconds: float = 10.0

    def delay_for(self, account_failures: int) -> float:
        """Seconds a failed answer waits: doubling from 0.25 s past the free failures, capped."""
        extra = account_failures - self.free_failures
        return 0.0 if extra <= 0 else min(self.max_delay_seconds, 0.25 * 2 ** (extra - 1))


class LoginFailed(NotAuthenticated):
    """Wrong credentials; `delay` is how long the web layer waits before answering (never in a transaction)."""

    def __init__(self, message: str, *, delay: float = 0.0, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.delay = delay


class LoginLocked(DomainError):
    """Too many failures from this client for this account: refused without checking the password."""

    status_code = 429
    code = "login_locked"


class SecondFactorRequired(NotAuthenticated):
    """The password was right; the account also needs its current authenticator code."""

    code = "totp_required"


@dataclass(frozen=True)
class _Account:
    id: int
    password_hash: str
    active: bool
    role: Role
    totp_secret: str | None


def log_in(
    factory: sessionmaker[Session],
    *,
    username: Any,
    password: Any,
    client: str,
    kind: str = "browser",
    hours: int,
    totp_code: Any = None,
    label: str = "",
    policy: LoginPolicy | None = None,
) -> tuple[User, str]:
    """Check credentials (and second factor) and open a session or API token; returns (user, secret token)."""
    policy = policy or LoginPolicy()
    if not isinstance(username, str) or not isinstance(password, str) or len(password) > 128 or len(username) > 64:
        raise LoginFailed("用户名或密码不正确")
    name = username.strip().lower()
    with transaction(factory, write=False) as session:
        _refuse_if_locked(session, name, client)
        account = _snapshot(session, name)
    # No transaction is open while argon2 runs.
    password_ok = _verify(account.password_hash if account else PASSWORDS.dummy_hash(), password)
    step, failure = None, None
    if account is None or not password_ok or not account.active:
        failure = "password"
    elif account.totp_secret:
        code = totp_code if isinstance(totp_code, str) else ""
        if not code.strip():
            raise SecondFactorRequired("请输入身份验证器（动态验证码）App 上显示的 6 位验证码", field="totp")
        step = totp.matching_step(account.totp_secret, code)
        failure = "totp" if step is None else None
    with transaction(factory) as session:
        if failure:
            delay = _record_failure(
                session, name, client, policy, account_id=account.id if account else None, kind=kind, detail=failure
            )
        else:
            assert account is not None
            return _open(session, account, name=name, client=client, kind=kind, hours=hours, step=step, label=label)
    message = "动态验证码不正确或已使用过" if failure == "totp" else "用户名或密码不正确"
    raise LoginFailed(message, delay=delay, field="totp" if failure == "totp" else None)


def _refuse_if_locked(session: Session, name: str, client: str) -> None:
    row = _row(session, name, client)
    now = utcnow()
    if row is not None and row.locked_until is not None and row.locked_until > now:
        minutes = max(1, int((row.locked_until - now).total_seconds() // 60) + 1)
        raise LoginLocked(
            f"登录失败次数过多，此账号在您当前的网络地址上暂停登录，请约 {minutes} 分钟后再试；忘记密码请联系管理员重置"
        )


def _snapshot(session: Session, name: str) -> _Account | None:
    user = session.scalar(select(User).where(User.username == name))
    if user is None:
        return None
    return _Account(user.id, user.password_hash, user.is_active, user.role, user.totp_secret)


def _verify(password_hash: str, password: str) -> bool:
    return PASSWORDS.verify(password_hash, password)


def _open(
    session: Session, account: _Account, *, name: str, client: str, kind: str, hours: int, step: int | None, label: str
) -> tuple[User, str]:
    user = session.get(User, account.id)
    assert user is not None
    if step is not None:
        if user.totp_last_step is not None and step <= user.totp_last_step:
            raise LoginFailed("动态验证码已使用过，请等待下一个验证码", field="totp")  # the same code replayed
        user.totp_last_step = step
    if kind == "api" and not user.totp_secret and totp_required(session, user.role):
        raise PermissionDenied("您的角色要求动态验证码：请先登录网页，在“账号安全”中启用后再申请访问令牌")
    pair = _row(session, name, client)
    if pair is not None:
        session.delete(pair)  # a success clears this client's count (the account-wide count decays by itself)
    token = start_session(session, user=user, hours=hours, kind=kind, label=label)
    audit.record(
        session,
        kind="login_ok" if kind == "browser" else "token_issued",
        username=name,
        user=user,
        client=client,
        detail=label,
    )
    return user, token


def _row(session: Session, name: str, client: str) -> LoginThrottle | None:
    return session.scalar(
        select(LoginThrottle).where(LoginThrottle.username == name, LoginThrottle.client_hash == client)
    )


def _bump(session: Session, name: str, client: str, now: datetime, policy: LoginPolicy) -> LoginThrottle:
    """Count one failure on a counter row, starting a new window when the old one (or the lockout) ended."""
    row = _row(session, name, client)
    if row is None:
        row = LoginThrottle(username=name, client_hash=client, failures=0, window_started_at=now)
        try:
            with session.begin_nested():  # two processes may create the same row at once (PostgreSQL)
                session.add(row)
                session.flush()
        except IntegrityError:
            row = _row(session, name, client)
            assert row is not None
    lock_over = row.locked_until is not None and row.locked_until <= now
    if lock_over or now - row.window_started_at > timedelta(seconds=policy.window_seconds):
        row.failures, row.window_started_at, row.locked_until = 0, now, None
    row.failures += 1
    return row


def _record_failure(
    session: Session, name: str, client: str, policy: LoginPolicy, *, account_id: int | None, kind: str, detail: str
) -> float:
    now = utcnow()
    pair = _bump(session, name, client, now, policy)
    account = _bump(session, name, ACCOUNT_WIDE, now, policy)
    user = session.get(User, account_id) if account_id else None
    audit.record(
        session,
        kind="login_failed" if kind == "browser" else "token_failed",
        username=name,
        user=user,
        client=client,
        detail=f"{FAILURE_NAMES.get(detail, detail)}；本网络地址第 {pair.failures} 次",
    )
    if pair.failures >= policy.max_failures and pair.locked_until is None:
        pair.locked_until = now + timedelta(seconds=policy.lockout_seconds)
        audit.record(
            session,
            kind="login_locked",
            username=name,
            user=user,
            client=client,
            detail=f"暂停 {policy.lockout_seconds // 60} 分钟",
        )
    return policy.delay_for(account.failures)
