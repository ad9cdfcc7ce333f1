"""Users and their login sessions."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minyi.core.clock import utcnow
from minyi.core.db import Base, UTCDateTime
from minyi.core.errors import PermissionDenied
from minyi.jurisdictions.models import Jurisdiction  # noqa: F401 - the relationship below names it


class Role(enum.StrEnum):
    """What a user may do. Citizens need no account: they follow their case by a private link."""

    CITIZEN = "citizen"
    COORDINATOR = "coordinator"  # 受理员
    HANDLER = "handler"  # 承办人
    SUPERVISOR = "supervisor"  # 督办
    ADMIN = "admin"


ROLE_NAMES: dict[Role, str] = {
    Role.CITIZEN: "群众",
    Role.COORDINATOR: "受理员",
    Role.HANDLER: "承办人",
    Role.SUPERVISOR: "督办员",
    Role.ADMIN: "管理员",
}


class User(Base):
    """A person who logs in."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=16))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), default=None)
    # Where the account's role applies: this jurisdiction and those below it (NULL: the root, everything).
    jurisdiction_id: Mapped[int | None] = mapped_column(Integer, default=None, index=True)  # no foreign key: 0028
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Second factor (TOTP, RFC 6238): the confirmed secret, one awaiting confirmation, and the last time step
    # accepted (a code is never accepted twice).
    totp_secret: Mapped[str | None] = mapped_column(String(64), default=None)
    totp_pending: Mapped[str | None] = mapped_column(String(64), default=None)
    totp_last_step: Mapped[int | None] = mapped_column(Integer, default=None)

    department = relationship("Department", lazy="joined")
    jurisdiction = relationship(
        "Jurisdiction", primaryjoin="foreign(User.jurisdiction_id) == Jurisdiction.id", lazy="joined"
    )

    @property
    def own_department_id(self) -> int:
        """The department a handler works for (create_user makes sure every handler has one)."""
        if self.department_id is None:
            raise PermissionDenied("您的账号未归属任何部门，请联系管理员")
        return self.department_id

    @property
    def at_root(self) -> bool:
        """Whether the account belongs to the root jurisdiction (the installation's own level; also the menus'
        test for the installation-wide pages, which admins of a jurisdiction may not open)."""
        return self.jurisdiction is None or self.jurisdiction.parent_id is None

    @property
    def role_name(self) -> str:
        """The role's Chinese name."""
        return ROLE_NAMES[self.role]


class LoginSession(Base):
    """A browser login or an API token; only the token's hash is stored."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8), default="browser")  # browser | api
    label: Mapped[str] = mapped_column(String(64), default="")  # what an API token is for (shown in lists)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)

    user: Mapped[User] = relationship(lazy="joined")


class LoginThrottle(Base):
    """Failed logins counted per (account, client) and per account (client '*'); see accounts/throttle.py."""

    __tablename__ = "login_throttles"
    __table_args__ = (UniqueConstraint("username", "client_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    client_hash: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class AuthEvent(Base):
    """Append-only audit record of logins, lockouts, tokens, password resets and second factors."""

    __tablename__ = "auth_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    username: Mapped[str] = mapped_column(String(64))  # as typed (lower-cased), also for unknown accounts
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)  # who did it, if not the user
    client_hash: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(String(200), default="")


class RolePolicy(Base):
    """Per-role security policy set by the admin: whether a second factor (TOTP) is required."""

    __tablename__ = "role_policies"

    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    require_totp: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
