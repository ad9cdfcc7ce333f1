"""What the public sees of the tree: a jurisdiction by its address, the way to it and below it, the whole tree.

Only active jurisdictions are public: an inactive one, or one below an inactive one, is "not found" (its cases
stay on the boards of the active jurisdictions above it and on the root's). The root's pages are `/board`,
`/hot` and `/stats`; every other jurisdiction's are `/j/<slug>/…`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.core.errors import NotFound
from minyi.jurisdictions.models import Jurisdiction
from minyi.jurisdictions.services import ancestors, children, root

SLUG_MAX = 40


def by_slug(session: Session, slug: Any) -> Jurisdiction:
    """The active jurisdiction at `/j/<slug>` (its ancestors active too); anything else is not found."""
    if not isinstance(slug, str) or not 0 < len(slug) <= SLUG_MAX:
        raise NotFound("辖区不存在或已停用")
    found = session.scalar(select(Jurisdiction).where(Jurisdiction.slug == slug.lower()))
    if found is None or not found.is_active or not all(a.is_active for a in ancestors(session, found)):
        raise NotFound("辖区不存在或已停用")
    return found


def page_path(jurisdiction: Jurisdiction, page: str = "board") -> str:
    """The public address of one of a jurisdiction's pages (`board`, `hot`, `stats`): the root's are /board, …"""
    return f"/{page}" if jurisdiction.parent_id is None else f"/j/{jurisdiction.slug}/{page}"


@dataclass(frozen=True)
class Switcher:
    """Where a public page stands in the tree: the way down to it (root first) and the jurisdictions below it."""

    current: Jurisdiction
    crumbs: list[Jurisdiction]
    below: list[Jurisdiction]
    page: str  # which page the links lead to: board or hot

    def link(self, jurisdiction: Jurisdiction) -> str:
        """The same page of another jurisdiction."""
        return page_path(jurisdiction, self.page)


def switcher(session: Session, jurisdiction: Jurisdiction | None, *, page: str = "board") -> Switcher:
    """The breadcrumb and the children of a jurisdiction (None: the root), active ones only."""
    current = jurisdiction or root(session)
    below = [j for j in children(session, current.id) if j.is_active]
    return Switcher(current=current, crumbs=ancestors(session, current), below=below, page=page)


def public_tree(session: Session) -> list[Jurisdiction]:
    """Every active jurisdiction whose ancestors are active, parents before children, siblings by name."""
    nodes = list(session.scalars(select(Jurisdiction)))
    by_id = {n.id: n for n in nodes}

    def key(node: Jurisdiction) -> tuple[str, ...]:
        return tuple(by_id[int(i)].name for i in node.path.strip("/").split("/") if int(i) in by_id)

    def shown(node: Jurisdiction) -> bool:
        return all(by_id[int(i)].is_active for i in node.path.strip("/").split("/") if int(i) in by_id)

    return sorted((n for n in nodes if shown(n)), key=key)
