"""Accounts: argon2 hashes, login, sessions, roles."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.accounts import services as acc
from minyi.accounts.models import AuthEvent, LoginSession
from minyi.core.clock import utcnow
from minyi.core.errors import Conflict, ValidationFailed
from tests import factories as f


def test_passwords_are_argon2_hashes(db: Session) -> None:
    u = f.user(db, role="admin")
    assert u.password_hash.startswith("$argon2") and f.PASSWORD not in u.password_hash


def test_reset_password_ends_every_session_and_token(db: Session) -> None:
    u = f.user(db, role="coordinator")
    browser = acc.start_session(db, user=u, hours=1)
    api = acc.start_session(db, user=u, hours=24, kind="api")
    acc.reset_password(db, username=u.username.upper(), password_hash=acc.hash_password("a-new-password-1"))
    assert acc.user_for_token(db, browser, kind="browser") is None
    assert acc.user_for_token(db, api, kind="api") is None
    assert u.password_hash.startswith("$argon2")
    kinds = set(db.scalars(select(AuthEvent.kind).where(AuthEvent.user_id == u.id)))
    assert {"password_reset", "sessions_revoked"} <= kinds
    with pytest.raises(ValidationFailed):
        acc.reset_password(db, username="nobody", password_hash="x")


def test_user_rules(db: Session) -> None:
    with pytest.raises(ValidationFailed, match="密码至少"):
        acc.create_user(db, username="short.pw", display_name="甲", password="short", role="admin")
    with pytest.raises(ValidationFailed, match="用户名"):
        acc.create_user(db, username="bad name!", display_name="甲", password=f.PASSWORD, role="admin")
    with pytest.raises(ValidationFailed, match="角色"):
        acc.create_user(db, username="citizen1", display_name="甲", password=f.PASSWORD, role="citizen")
    f.user(db, role="admin", username="taken")
    with pytest.raises(Conflict):
        f.user(db, role="admin", username="taken")
    admin = f.user(db, role="admin")
    with pytest.raises(ValidationFailed, match="自己"):
        acc.set_user_active(db, user_id=admin.id, active=False, acting_user=admin)


def test_sessions_expire_and_are_revoked(db: Session) -> None:
    u = f.user(db, role="supervisor")
    token = acc.start_session(db, user=u, hours=1)
    assert acc.user_for_token(db, token, kind="browser").id == u.id
    assert acc.user_for_token(db, token, kind="api") is None
    row = db.scalar(select(LoginSession).where(LoginSession.user_id == u.id))
    assert token not in row.token_hash
    row.expires_at = utcnow() - timedelta(seconds=1)
    assert acc.user_for_token(db, token, kind="browser") is None
    token2 = acc.start_session(db, user=u, hours=1)
    acc.end_session(db, token2)
    assert acc.user_for_token(db, token2, kind="browser") is None


def test_production_hashing_keeps_argon2id_defaults() -> None:
    """The suite hashes cheaply (tests/conftest.py); a fresh PasswordHashing, as the product uses, does not."""
    from argon2 import PasswordHasher

    default = PasswordHasher()
    stored = acc.PasswordHashing().hash("a-long-password")
    assert stored.startswith("$argon2id$")
    assert f"m={default.memory_cost},t={default.time_cost},p={default.parallelism}" in stored
    assert acc.PasswordHashing().verify(stored, "a-long-password") and not acc.PasswordHashing().verify(stored, "x")
