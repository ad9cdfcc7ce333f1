"""Users and their login sessions."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minyi.core.clock import utcnow
from minyi.core.db import Base, UTCDateTime


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
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    department = relationship("Department", lazy="joined")

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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)

    user: Mapped[User] = relationship(lazy="joined")
