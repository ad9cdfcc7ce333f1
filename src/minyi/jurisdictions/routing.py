"""Where a new message goes in the tree: the jurisdiction (and leader's mailbox) the citizen addressed, checked,
else the one its place names decide (by an area index kept per process), else the root — with the reason."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from minyi.core.errors import ValidationFailed
from minyi.jurisdictions.models import Jurisdiction
from minyi.jurisdictions.services import ROOT_ID, area_index
from minyi.nlp.jurisdiction import AreaIndex

T = TypeVar("T")


@dataclass(frozen=True)
class Address:
    """What the citizen addressed: a jurisdiction of the tree (None: let the places decide) and a leader's
    mailbox of it ("" for none)."""

    jurisdiction: Jurisdiction | None = None
    leader: str = ""

    @property
    def words(self) -> str:
        """The address in words (A市 市长信箱)."""
        if self.jurisdiction is None:
            return ""
        return f"{self.jurisdiction.name} {self.leader}信箱" if self.leader else self.jurisdiction.name


@dataclass(frozen=True)
class Routed:
    """Where a new case goes: its `jurisdiction_id` (None: the root) and the reason shown to staff."""

    jurisdiction_id: int | None
    reason: str


def _slug_field(raw: Any) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str) or len(raw) > 40:
        raise ValidationFailed("所选的辖区不存在，请重新选择", field="jurisdiction")
    return raw.strip().lower()


def _leader_field(raw: Any) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str) or len(raw) > 16:
        raise ValidationFailed("所选的领导信箱不存在，请重新选择", field="leader")
    return raw.strip()


def resolve_address(session: Session, *, jurisdiction: Any, leader: Any) -> Address:
    """The jurisdiction (by its public address `slug`) and leader's mailbox a citizen addressed, checked: the
    jurisdiction exists and is active, the mailbox is one of its leaders'. Empty values: no address."""
    slug, name = _slug_field(jurisdiction), _leader_field(leader)
    if not slug:
        if name:
            raise ValidationFailed("请先选择领导信箱所属的辖区", field="leader")
        return Address()
    found = session.scalar(select(Jurisdiction).where(Jurisdiction.slug == slug))
    if found is None:
        raise ValidationFailed("所选的辖区不存在，请重新选择", field="jurisdiction")
    if not found.is_active:
        raise ValidationFailed(f"“{found.name}”已停用，不再接收留言，请重新选择", field="jurisdiction")
    name = name.removesuffix("信箱")
    if name and name not in (found.leaders or []):
        raise ValidationFailed(f"“{found.name}”没有“{name}信箱”，请重新选择", field="leader")
    return Address(found, name)


@dataclass(frozen=True)
class Choice:
    """One line of the form's menus: the value sent and the words shown, indented by `depth`."""

    value: str
    label: str
    depth: int = 0


@dataclass(frozen=True)
class AddressChoices:
    """The form's 提交到 menu (active jurisdictions, parents before children) and 领导信箱 menu (each
    jurisdiction's mailboxes; the value `slug:leader` names both, so that no script is needed to tie them)."""

    jurisdictions: list[Choice]
    leaders: list[Choice]

    @property
    def shown(self) -> bool:
        """Whether there is anything to choose (a tree of more than the root, or a mailbox)."""
        return len(self.jurisdictions) > 1 or bool(self.leaders)


def address_choices(session: Session) -> AddressChoices:
    """The menus of the citizen's form, kept per process like the area index (built again only when the tree
    changed: the form is the busiest page, and a province's menus are hundreds of lines)."""
    return _CHOICES.get(session)


def _address_choices(session: Session) -> AddressChoices:
    """The menus of the citizen's form, from the active jurisdictions (four columns, not the area names)."""
    query = (
        select(Jurisdiction.slug, Jurisdiction.name, Jurisdiction.path, Jurisdiction.leaders)
        .where(Jurisdiction.is_active.is_(True))
        .order_by(Jurisdiction.path)
    )
    places: list[Choice] = []
    leaders: list[Choice] = []
    for slug, name, path, mailboxes in session.execute(query):
        places.append(Choice(slug, name, max(0, path.count("/") - 2)))
        leaders.extend(Choice(f"{slug}:{who}", f"{name} {who}信箱") for who in mailboxes or [])
    return AddressChoices(places, leaders)


def split_leader(jurisdiction: Any, leader: Any) -> tuple[Any, Any]:
    """The form's leader value `slug:leader` read as (jurisdiction, leader): the slug fills an empty jurisdiction;
    a different one is kept as chosen (the mailbox is then checked against it)."""
    if not isinstance(leader, str) or ":" not in leader:
        return jurisdiction, leader
    slug, name = leader.split(":", 1)
    return (jurisdiction or slug), name


def route_message(session: Session, *, address: Address, texts: Sequence[str]) -> Routed:
    """Where a new message goes: the jurisdiction addressed; else the one the place names of `texts` (title,
    place, body) decide; else the root. The root is stored as None (as on every row of the root)."""
    if address.jurisdiction is not None:
        target = address.jurisdiction
        return Routed(_stored_id(target.id), f"留言人选择：{address.words}")
    index = cached_area_index(session)
    placed = index.place(*texts)
    if placed is None:
        return Routed(None, f"未识别地点，由{index.name_of(ROOT_ID)}受理")
    return Routed(_stored_id(placed.jurisdiction_id), placed.reason)


def route_many(session: Session, texts: Sequence[Sequence[str]]) -> list[Routed]:
    """`route_message` without an address for a batch of messages (an import), the index read once."""
    index = cached_area_index(session)
    nowhere = Routed(None, f"未识别地点，由{index.name_of(ROOT_ID)}受理")
    out = []
    for one in texts:
        placed = index.place(*one)
        out.append(nowhere if placed is None else Routed(_stored_id(placed.jurisdiction_id), placed.reason))
    return out


def _stored_id(jurisdiction_id: int) -> int | None:
    return None if jurisdiction_id == ROOT_ID else jurisdiction_id


# -- the area index, kept per process --------------------------------------------------------------------------


class _TreeCache(Generic[T]):
    """What this process built last from the jurisdiction tree (the area index, the form's menus), with what it
    was built from.

    Building it reads every active jurisdiction's names and compiles one automaton: far too slow for every
    submission at a province's size. It is kept with a key — the number of rows and the sum of their
    `revision` (one more on every update), read by one aggregate, so that a change made by another process is
    seen by the next submission, and a generation bumped by this process's own writes (seen at once, even in a
    transaction that is rolled back later).
    """

    def __init__(self, build: Callable[[Session], T]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._key: tuple[int, int, int] | None = None
        self._index: T | None = None
        self.generation = 0
        self.builds = 0  # how many times it was built (for the tests and the benchmark)

    def get(self, session: Session) -> T:
        count, revisions = session.execute(
            select(func.count(Jurisdiction.id), func.coalesce(func.sum(Jurisdiction.revision), 0))
        ).one()
        key = (self.generation, int(count), int(revisions))
        with self._lock:
            if self._index is None or key != self._key:
                self._index = self._build(session)
                self._key = key
                self.builds += 1
            return self._index

    def forget(self) -> None:
        with self._lock:
            self.generation += 1


_CACHE: _TreeCache[AreaIndex] = _TreeCache(area_index)
_CHOICES: _TreeCache[AddressChoices] = _TreeCache(_address_choices)


def cached_area_index(session: Session) -> AreaIndex:
    """The area names of every active jurisdiction, ready to place texts; built again only when the tree
    changed (here or in another process)."""
    return _CACHE.get(session)


def index_builds() -> int:
    """How many times this process built the area index."""
    return _CACHE.builds


@event.listens_for(Jurisdiction, "after_insert")
@event.listens_for(Jurisdiction, "after_update")
@event.listens_for(Jurisdiction, "after_delete")
def _tree_changed(*_args: Any) -> None:
    _CACHE.forget()
    _CHOICES.forget()
