"""Logging in: argon2 outside any write transaction, lockout per (account, client), growing delay per account."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from minyi.accounts import login, second_factor, services, totp
from minyi.accounts.login import LoginFailed, LoginLocked, LoginPolicy, SecondFactorRequired, log_in
from minyi.accounts.models import AuthEvent, LoginSession
from minyi.core.db import make_engine, make_session_factory, transaction
from minyi.core.migrate import upgrade
from minyi.core.security import hash_token
from tests import factories as f

POLICY = LoginPolicy(max_failures=3, lockout_seconds=600, window_seconds=600, free_failures=2, max_delay_seconds=4)


def _fail(factory: sessionmaker[Session], name: str, client: str) -> float:
    with pytest.raises(LoginFailed) as caught:
        log_in(factory, username=name, password="wrong-password", client=client, hours=1, policy=POLICY)
    return caught.value.delay


def test_right_and_wrong_credentials(db: Session, session_factory: sessionmaker[Session]) -> None:
    u = f.user(db, role="coordinator", username="Login.Test")
    user, token = log_in(session_factory, username=" LOGIN.test ", password=f.PASSWORD, client="c1", hours=1)
    assert user.id == u.id and db.scalar(select(LoginSession).where(LoginSession.token_hash == hash_token(token)))
    for name, password in [("login.test", "wrong"), ("nobody", f.PASSWORD), (None, None), ("login.test", "x" * 500)]:
        with pytest.raises(LoginFailed, match="用户名或密码不正确"):
            log_in(session_factory, username=name, password=password, client="c1", hours=1)
    services.set_user_active(db, user_id=u.id, active=False, acting_user=f.user(db, role="admin"))
    db.flush()
    with pytest.raises(LoginFailed):
        log_in(session_factory, username="login.test", password=f.PASSWORD, client="c1", hours=1)


def test_a_client_locks_out_only_itself(db: Session, session_factory: sessionmaker[Session]) -> None:
    u = f.user(db, role="coordinator")
    for _ in range(POLICY.max_failures):
        _fail(session_factory, u.username, "attacker")
    with pytest.raises(LoginLocked, match="分钟后再试"):  # refused even with the right password, without hashing
        log_in(session_factory, username=u.username, password=f.PASSWORD, client="attacker", hours=1, policy=POLICY)
    user, _ = log_in(
        session_factory, username=u.username, password=f.PASSWORD, client="coordinator-pc", hours=1, policy=POLICY
    )
    assert user.id == u.id  # the real user, from their own client, is never locked out
    kinds = [e.kind for e in db.scalars(select(AuthEvent).where(AuthEvent.username == u.username))]
    assert kinds.count("login_failed") == POLICY.max_failures and kinds.count("login_locked") == 1
    assert "login_ok" in kinds


def test_failed_answers_slow_down_per_account(db: Session, session_factory: sessionmaker[Session]) -> None:
    u = f.user(db, role="admin")
    delays = [_fail(session_factory, u.username, f"client-{i}") for i in range(7)]  # many clients, one account
    assert delays[: POLICY.free_failures] == [0.0] * POLICY.free_failures
    assert delays[POLICY.free_failures :] == [0.25, 0.5, 1.0, 2.0, 4.0]  # doubling, capped at max_delay_seconds
    assert POLICY.delay_for(50) == POLICY.max_delay_seconds
    other = f.user(db, role="admin")
    assert _fail(session_factory, other.username, "client-0") == 0.0  # counted per account


def test_second_factor_is_required_once_enabled(db: Session, session_factory: sessionmaker[Session]) -> None:
    u = f.user(db, role="supervisor")
    second_factor.start_setup(db, user=u)
    secret = u.totp_pending
    second_factor.confirm_setup(db, user=u, code=_code(secret))
    db.flush()
    with pytest.raises(SecondFactorRequired):
        log_in(session_factory, username=u.username, password=f.PASSWORD, client="c", hours=1)
    wrong = "000000" if _code(secret) != "000000" else "111111"
    with pytest.raises(LoginFailed, match="动态验证码"):
        log_in(session_factory, username=u.username, password=f.PASSWORD, client="c", hours=1, totp_code=wrong)
    with pytest.raises(LoginFailed, match="已使用过"):  # the code that confirmed the set-up cannot log in again
        log_in(session_factory, username=u.username, password=f.PASSWORD, client="c", hours=1, totp_code=_code(secret))


def _code(secret: str) -> str:
    return totp.code_at(secret, time.time())


def test_password_is_checked_with_no_write_lock_held(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """While argon2 runs, another connection can take SQLite's write lock at once (finding 2 of issue 10)."""
    path = tmp_path / "login.sqlite3"
    upgrade(f"sqlite:///{path}")
    factory = make_session_factory(make_engine(f"sqlite:///{path}"))
    with transaction(factory) as session:
        name = f.user(session, role="coordinator").username
    real_verify, lock_free = login._verify, []

    def verify_while_probing(password_hash: str, password: str) -> bool:
        probe = sqlite3.connect(path, timeout=0)
        try:
            probe.execute("BEGIN IMMEDIATE")  # fails at once with "database is locked" if a writer holds the lock
            probe.execute("ROLLBACK")
            lock_free.append(True)
        except sqlite3.OperationalError:
            lock_free.append(False)
        finally:
            probe.close()
        return real_verify(password_hash, password)

    monkeypatch.setattr(login, "_verify", verify_while_probing)
    log_in(factory, username=name, password=f.PASSWORD, client="c", hours=1)
    with pytest.raises(LoginFailed):
        log_in(factory, username=name, password="wrong-password", client="c", hours=1)
    assert lock_free == [True, True]


def test_the_audit_trail_speaks_chinese(db: Session, session_factory: sessionmaker[Session]) -> None:
    u = f.user(db, role="coordinator")
    _fail(session_factory, u.username, "c1")
    detail = db.scalar(select(AuthEvent.detail).where(AuthEvent.user_id == u.id, AuthEvent.kind == "login_failed"))
    assert detail == "用户名或密码错误；本网络地址第 1 次"
