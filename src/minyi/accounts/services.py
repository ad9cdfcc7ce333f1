"""Account use cases: create users, resolve a session or API token, log out, reset a password.

Logging in (with throttling and the second factor) is in `accounts.login`; tokens in `accounts.tokens`."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.accounts import audit
from minyi.accounts.models import LoginSession, Role, User
from minyi.accounts.tokens import revoke_all
from minyi.core.clock import utcnow
from minyi.core.db import get_by_id
from minyi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from minyi.core.security import hash_token
from minyi.core.validation import choice_field, text_field
from minyi.departments.models import Department
from minyi.jurisdictions.services import chosen_jurisdiction, in_scope, path_of, scope_path, within

_USERNAME = re.compile(r"^[a-z0-9_.-]{3,32}$")
PASSWORD_MIN = 10
STAFF_ROLES = {r.value: r for r in Role if r is not Role.CITIZEN}


def _lowest_priority() -> None:
    # Linux: niceness is per thread and inherited by argon2's lane threads; elsewhere nothing happens.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)


# Password checks run one at a time on one thread at the lowest CPU priority: a flood of wrong passwords (each
# argon2 check keeps four lanes busy for ~0.3 s) then queues behind itself instead of starving every other request.
_CHECKS = ThreadPoolExecutor(max_workers=1, thread_name_prefix="minyi-argon2", initializer=_lowest_priority)


class PasswordHashing:
    """argon2id with the library's defaults; the test suite swaps in cheap parameters (`use`)."""

    def __init__(self) -> None:
        self._hasher = PasswordHasher()
        self._dummy = ""

    def use(self, hasher: PasswordHasher) -> None:
        """Hash with other parameters from now on (tests: a cheap hasher; hashes already stored still verify)."""
        self._hasher, self._dummy = hasher, ""

    def hash(self, password: str) -> str:
        """The argon2id hash of a password."""
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        """Whether the password matches the stored hash (False for a malformed hash too)."""
        try:
            return _CHECKS.submit(self._hasher.verify, password_hash, password).result()
        except (VerificationError, InvalidHashError):
            return False

    def dummy_hash(self) -> str:
        """A hash of a random secret: verifying against it keeps a failed login's time independent of whether
        the user exists."""
        if not self._dummy:
            self._dummy = self._hasher.hash(secrets.token_urlsafe(16))
        return self._dummy


PASSWORDS = PasswordHashing()


def generate_password() -> str:
    """A random password for a new account (printed once, never stored in clear)."""
    return secrets.token_urlsafe(12)


def hash_password(password: str) -> str:
    """The argon2id hash of a password: ~0.3 s of CPU, so call it before opening a write transaction."""
    return PASSWORDS.hash(password)


KEEP: Any = object()  # change_role's jurisdiction_id when the caller does not change it


def admin_scope(acting_user: User | None) -> str:
    """What an admin manages (minyi.jurisdictions.services.scope_path): "" everything (an admin of the root, or
    code acting for nobody), else the path of the admin's jurisdiction, whose subtree they manage."""
    return "" if acting_user is None else scope_path(acting_user.jurisdiction)


def check_manages(acting_user: User, account: User) -> None:
    """Refuse an account outside the acting admin's jurisdiction (an admin of a district manages its subtree's
    accounts only)."""
    path = account.jurisdiction.path if account.jurisdiction is not None else ""
    if not in_scope(path, admin_scope(acting_user)):
        raise PermissionDenied("该账号不属于您管理的辖区")


def managed_user(session: Session, *, user_id: Any, acting_user: User) -> User:
    """An account the acting admin may manage, or 404/403."""
    user = get_by_id(session, User, user_id)
    if user is None:
        raise NotFound("用户不存在")
    check_manages(acting_user, user)
    return user


def jurisdiction_for(session: Session, raw: Any, *, scope: str) -> int | None:
    """A jurisdiction chosen for an account or department: empty means the root (only for those who manage the
    root); otherwise it must exist, be active and lie within `scope`."""
    node = chosen_jurisdiction(session, raw, scope=scope, missing="请选择辖区（您只能管理本辖区及其下级）")
    return None if node is None or node.parent_id is None else node.id


def _role_and_department(
    session: Session, role: Any, department_id: Any, jurisdiction_id: int | None = None, scope: str = ""
) -> tuple[Role, int | None]:
    """A staff role and its department checked: a known department, handlers must belong to one, and the department
    lies within the account's jurisdiction and the admin's scope."""
    role_value = Role(choice_field(role, field="role", label="角色", choices=set(STAFF_ROLES)))
    dept_id = None
    if department_id not in (None, ""):
        dept = get_by_id(session, Department, department_id)
        if dept is None:
            raise ValidationFailed("请选择有效的部门", field="department_id")
        dept_path = path_of(session, dept.jurisdiction_id)
        if not in_scope(dept_path, scope):
            raise ValidationFailed("请选择有效的部门", field="department_id")
        if not in_scope(dept_path, "" if jurisdiction_id is None else path_of(session, jurisdiction_id)):
            raise ValidationFailed("部门须属于该账号的辖区或其下级", field="department_id")
        dept_id = dept.id
    if role_value is Role.HANDLER and dept_id is None:
        raise ValidationFailed("承办人必须属于一个部门", field="department_id")
    return role_value, dept_id


def create_user(
    session: Session,
    *,
    username: Any,
    display_name: Any,
    password: Any,
    role: Any,
    department_id: Any = None,
    password_hash: str | None = None,
    jurisdiction_id: Any = None,
    acting_user: User | None = None,
) -> User:
    """A staff account; handlers must belong to a department. Its role applies within `jurisdiction_id` and below
    (empty: the root, everything); an acting admin of a jurisdiction creates accounts within its subtree only.

    Callers inside a write transaction pass `password_hash` (from `hash_password`, computed before the
    transaction) so that argon2 never runs while the write lock is held."""
    name = text_field(username, field="username", label="用户名", max_len=32).strip().lower()
    if not _USERNAME.match(name):
        raise ValidationFailed("用户名只能包含 3–32 个小写字母、数字、点、下划线或连字符", field="username")
    display = text_field(display_name, field="display_name", label="姓名", max_len=64).strip()
    secret = text_field(password, field="password", label="密码", max_len=128)
    if len(secret) < PASSWORD_MIN:
        raise ValidationFailed(f"密码至少 {PASSWORD_MIN} 位", field="password")
    scope = admin_scope(acting_user)
    place = jurisdiction_for(session, jurisdiction_id, scope=scope)
    role_value, dept_id = _role_and_department(session, role, department_id, place, scope)
    if session.scalar(select(User).where(User.username == name)) is not None:
        raise Conflict(f"用户名 {name} 已被使用")
    user = User(
        username=name,
        display_name=display,
        password_hash=password_hash or PASSWORDS.hash(secret),
        role=role_value,
        department_id=dept_id,
        jurisdiction_id=place,
    )
    session.add(user)
    session.flush()
    session.refresh(user, ["jurisdiction", "department"])
    return user


def start_session(session: Session, *, user: User, hours: int, kind: str = "browser", label: str = "") -> str:
    """A new login; returns the secret token (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    session.add(
        LoginSession(
            token_hash=hash_token(token),
            user_id=user.id,
            kind=kind,
            label=label[:64],
            expires_at=utcnow() + timedelta(hours=hours),
        )
    )
    session.flush()
    return token


def user_for_token(session: Session, token: str | None, *, kind: str) -> User | None:
    """The user behind a live session or API token, or None."""
    if not token or len(token) > 128:
        return None
    row = session.scalar(
        select(LoginSession).where(LoginSession.token_hash == hash_token(token), LoginSession.kind == kind)
    )
    if row is None or row.revoked or row.expires_at <= utcnow() or not row.user.is_active:
        return None
    return row.user


def end_session(session: Session, token: str | None) -> None:
    """Log out: revoke the token."""
    if not token:
        return
    row = session.scalar(select(LoginSession).where(LoginSession.token_hash == hash_token(token)))
    if row is not None:
        row.revoked = True


def list_users(session: Session, *, scope: str = "") -> list[User]:
    """All accounts (within `scope`: an admin's jurisdiction subtree), by role then name."""
    query = select(User).order_by(User.role, User.username)
    clause = within(User.jurisdiction_id, scope)
    if clause is not None:
        query = query.where(clause)
    return list(session.scalars(query))


def set_user_active(session: Session, *, user_id: Any, active: bool, acting_user: User) -> User:
    """Deactivate or reactivate an account (never delete: the event log refers to it)."""
    user = managed_user(session, user_id=user_id, acting_user=acting_user)
    if user.id == acting_user.id and not active:
        raise ValidationFailed("不能停用自己的账号", field="user_id")
    if user.is_active != active:
        kind = "account_enabled" if active else "account_disabled"
        audit.record(session, kind=kind, username=user.username, user=user, actor=acting_user)
    user.is_active = active
    return user


def _role_line(user: User) -> str:
    place = user.jurisdiction.name if user.jurisdiction is not None else "本级"
    return f"{user.role_name}／{user.department.name if user.department else '无部门'}／{place}"


def change_role(
    session: Session,
    *,
    user_id: Any,
    role: Any,
    department_id: Any,
    acting_user: User,
    jurisdiction_id: Any = KEEP,
) -> User:
    """Give an account another role, department or jurisdiction: handlers must belong to a department, an admin
    cannot take the admin role from their own account (nobody would be left to give it back) nor move it, and an
    admin of a jurisdiction manages its subtree only. Recorded in the account audit (before → after)."""
    user = managed_user(session, user_id=user_id, acting_user=acting_user)
    scope = admin_scope(acting_user)
    place = user.jurisdiction_id if jurisdiction_id is KEEP else jurisdiction_for(session, jurisdiction_id, scope=scope)
    role_value, dept_id = _role_and_department(session, role, department_id, place, scope)
    if user.id == acting_user.id and role_value is not Role.ADMIN:
        raise ValidationFailed("不能取消自己的管理员角色", field="role")
    if user.id == acting_user.id and place != user.jurisdiction_id:
        raise ValidationFailed("不能变更自己账号的辖区", field="jurisdiction_id")
    before = _role_line(user)
    user.role, user.department_id, user.jurisdiction_id = role_value, dept_id, place
    session.flush()
    session.refresh(user, ["department", "jurisdiction"])
    after = _role_line(user)
    if before != after:
        audit.record(
            session,
            kind="role_change",
            username=user.username,
            user=user,
            actor=acting_user,
            detail=f"{before} → {after}",
        )
    return user


def admin_reset_password(session: Session, *, user_id: Any, password_hash: str, acting_user: User) -> User:
    """An admin sets a new random password for an account (hashed by the caller before the transaction): every
    session and token of the account ends; recorded in the account audit with the admin's name."""
    user = managed_user(session, user_id=user_id, acting_user=acting_user)
    user.password_hash = password_hash
    audit.record(session, kind="password_reset", username=user.username, user=user, actor=acting_user)
    revoke_all(session, user=user, acting_user=acting_user, reason="管理员重置密码")
    return user


def reset_password(session: Session, *, username: str, password_hash: str) -> User:
    """Store a new password (hashed by the caller before the transaction) and end every session and token."""
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise ValidationFailed(f"用户 {username} 不存在", field="username")
    user.password_hash = password_hash
    audit.record(session, kind="password_reset", username=user.username, user=user)
    revoke_all(session, user=user, acting_user=None, reason="重置密码")
    return user
