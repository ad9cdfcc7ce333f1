"""The admin's changes to the tree, as services: within the admin's subtree, audited before → after."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.accounts import jurisdiction_admin as ja
from minyi.accounts.models import AuthEvent
from minyi.core.errors import NotFound, PermissionDenied, ValidationFailed
from tests import factories as f


def test_reactivation_needs_an_active_parent_and_each_switch_is_audited(db: Session) -> None:
    district = f.jurisdiction(db, name="开关区", slug="switch")
    street = f.jurisdiction(db, name="开关街道", level="street", parent=district, slug="switch-1")
    ja.set_active(db, actor="脚本", jurisdiction_id=street.id, active=False)
    ja.set_active(db, actor="脚本", jurisdiction_id=district.id, active=False)
    with pytest.raises(ValidationFailed, match="上级辖区“开关区”已停用"):
        ja.set_active(db, actor="脚本", jurisdiction_id=street.id, active=True)
    ja.set_active(db, actor="脚本", jurisdiction_id=district.id, active=True)
    ja.set_active(db, actor="脚本", jurisdiction_id=district.id, active=True)  # no change, no line
    kinds = list(db.scalars(select(AuthEvent.kind).where(AuthEvent.username == "脚本").order_by(AuthEvent.id)))
    assert kinds == ["jurisdiction_disabled", "jurisdiction_disabled", "jurisdiction_enabled"]


def test_an_admin_of_a_street_cannot_reach_its_district(db: Session) -> None:
    district = f.jurisdiction(db, name="上面区", slug="above")
    street = f.jurisdiction(db, name="下面街道", level="street", parent=district, slug="below")
    admin = f.user(db, role="admin", jurisdiction=street)
    with pytest.raises(NotFound):
        ja.edit(
            db,
            actor=admin,
            jurisdiction_id=district.id,
            name="改名区",
            level="district",
            slug="above",
            areas="",
            leaders="",
        )
    with pytest.raises(PermissionDenied):
        ja.set_active(db, actor=admin, jurisdiction_id=street.id, active=False)
    edited = ja.edit(
        db,
        actor=admin,
        jurisdiction_id=street.id,
        name="下面街道",
        level="street",
        slug="below",
        areas="下面路",
        leaders="",
    )
    assert edited.areas == ["下面路"]
    line = db.scalar(select(AuthEvent).where(AuthEvent.kind == "jurisdiction_changed"))
    assert line is not None and line.actor_id == admin.id and line.detail.endswith("地名：（空） → 下面路")
