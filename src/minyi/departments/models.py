"""The department tree, the names a department is also known by, and the record of merges."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from minyi.core.clock import utcnow
from minyi.core.db import Base, UTCDateTime


class Department(Base):
    """A body that handles cases; `domains` lists the 领域 it is responsible for.

    A department merged into another (a `DepartmentMerge` names it as its source) keeps its id, its past
    cases and events, but is inactive, no menu lists it, and its name resolves to the survivor.
    """

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), default=None)
    # The jurisdiction it serves (minyi.jurisdictions); NULL: the root, the installation's own level.
    jurisdiction_id: Mapped[int | None] = mapped_column(Integer, default=None, index=True)  # no foreign key: 0028
    domains: Mapped[list[str]] = mapped_column(JSON, default=list)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DepartmentAlias(Base):
    """Another name of a department (a merged department's name): imports and lookups resolve it to `department_id`."""

    __tablename__ = "department_aliases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DepartmentMerge(Base):
    """One merge (an append-only event): `source` was merged into `target`, by whom, when and why."""

    __tablename__ = "department_merges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), unique=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    source_name: Mapped[str] = mapped_column(String(100))
    target_name: Mapped[str] = mapped_column(String(100))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
