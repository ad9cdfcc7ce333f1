"""Accounts: argon2 hashes, login, sessions, roles."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.accounts import services as acc
from minyi.accounts.models import AuthEvent, LoginSession
from minyi.core.clock import utcnow
from minyi.core.errors import Conflict, PermissionDenied, ValidationFailed
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


def test_an_account_gets_a_checked_jurisdiction(db: Session) -> None:
    district = f.jurisdiction(db, name="账号区", slug="acc-district")
    street = f.jurisdiction(db, name="账号街道", level="street", parent=district, slug="acc-street")
    other = f.jurisdiction(db, name="别的区", slug="acc-other")
    other_dept = f.department(db, name="别的区住建局", jurisdiction_id=other.id)
    street_dept = f.department(db, name="账号街道办事处", jurisdiction_id=street.id)
    made = acc.create_user(
        db,
        username="street.handler",
        display_name="甲",
        password=f.PASSWORD,
        role="handler",
        department_id=street_dept.id,
        jurisdiction_id=street.id,
    )
    assert made.jurisdiction_id == street.id and made.jurisdiction is not None
    root = acc.create_user(
        db, username="root.clerk", display_name="乙", password=f.PASSWORD, role="coordinator", jurisdiction_id=1
    )
    assert root.jurisdiction_id is None  # the root is stored as NULL, as before levels
    with pytest.raises(ValidationFailed, match="部门须属于该账号的辖区或其下级"):
        acc.create_user(
            db,
            username="wrong.dept",
            display_name="丙",
            password=f.PASSWORD,
            role="handler",
            department_id=other_dept.id,
            jurisdiction_id=district.id,
        )
    for bad in ("99999", "abc"):
        with pytest.raises(ValidationFailed, match="请选择有效的辖区"):
            acc.create_user(
                db, username="bad.place", display_name="丁", password=f.PASSWORD, role="admin", jurisdiction_id=bad
            )
    other.is_active = False
    db.flush()
    with pytest.raises(ValidationFailed, match="已停用"):
        acc.create_user(
            db, username="gone.place", display_name="戊", password=f.PASSWORD, role="admin", jurisdiction_id=other.id
        )
    district_admin = f.user(db, role="admin", jurisdiction=district)
    listed = {u.username for u in acc.list_users(db, scope=acc.admin_scope(district_admin))}
    assert listed == {district_admin.username, "street.handler"}
    with pytest.raises(PermissionDenied):
        acc.change_role(db, user_id=root.id, role="supervisor", department_id="", acting_user=district_admin)
    kept = acc.change_role(
        db, user_id=made.id, role="handler", department_id=street_dept.id, acting_user=district_admin
    )
    assert kept.jurisdiction_id == street.id  # not given: unchanged
