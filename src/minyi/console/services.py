"""View services of the staff console: each returns everything one page shows, so that routes only render."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from minyi.accounts.models import Role, User
from minyi.callbacks import repeats
from minyi.callbacks.models import CallbackTask
from minyi.callbacks.services import callback_task
from minyi.departments.services import MenuNode, department_menu
from minyi.hot import services as hot
from minyi.hot.models import HotIssue
from minyi.hot.web_links import CaseWebVoices, web_voices_of_case
from minyi.jurisdictions.models import Jurisdiction
from minyi.jurisdictions.services import ROOT_ID
from minyi.knowledge import services as knowledge
from minyi.knowledge.models import KnowledgeEntry
from minyi.messages.models import MessageAnalysis
from minyi.nlp.text import join_text
from minyi.workflow import inbox, levels, states
from minyi.workflow.actors import Actor
from minyi.workflow.deadlines import DeadlineInfo, deadline_info
from minyi.workflow.inbox import ReturnNote
from minyi.workflow.models import Case, ExtensionRequest
from minyi.workflow.services import ensure_can_see, load_case
from minyi.workflow.views import CaseView, case_view


@dataclass(frozen=True)
class ShownAnalysis:
    """A message's analysis as the case page shows it: its department suggestions only of the case's level (and
    of the level above, marked), since the case may have moved since it was analysed."""

    urgent: bool
    error: str | None
    result: dict[str, Any] | None

    @classmethod
    def of(cls, session: Session, case: Case, row: MessageAnalysis | None) -> ShownAnalysis | None:
        """The row as shown for `case` (None without one)."""
        if row is None:
            return None
        return cls(row.urgent, row.error, levels.shown_analysis(session, case, row.result))

    @classmethod
    def of_page(cls, session: Session, rows: list[tuple[Case, MessageAnalysis | None]]) -> dict[int, ShownAnalysis]:
        """The rows of a work list's page as shown, by case id (one query for the page's departments)."""
        results = levels.shown_analyses(session, [(case, row.result) for case, row in rows if row is not None])
        return {case.id: cls(row.urgent, row.error, results[case.id]) for case, row in rows if row is not None}


@dataclass(frozen=True)
class Levels:
    """Where the case stands in the jurisdiction tree: the chain from the root, why it is there, the jurisdictions
    it may be sent down to, whether it may be sent up, and the departments of its level (assign, transfer)."""

    chain: list[Jurisdiction]
    reason: str
    below: list[Jurisdiction]
    can_send_up: bool
    departments: list[MenuNode]


def case_levels(session: Session, case: Case) -> Levels:
    """The case's place in the tree, for its page."""
    chain = levels.chain(session, case)
    return Levels(
        chain=chain,
        reason=case.jurisdiction_reason,
        below=levels.children_below(session, case),
        can_send_up=chain[-1].parent_id is not None,
        departments=department_menu(
            session, active_only=True, jurisdiction_id=levels.level_id(case.jurisdiction_id), root_id=ROOT_ID
        ),
    )


@dataclass(frozen=True)
class StaffCasePage:
    """Everything the staff case page shows."""

    case: Case
    view: CaseView
    analysis: ShownAnalysis | None
    deadline: DeadlineInfo
    actions: frozenset[str]
    similar: list[hot.SimilarCase]
    hot_issue: HotIssue | None
    departments: list[MenuNode]
    extensions: list[ExtensionRequest]
    returned: ReturnNote | None = None  # the latest 退回, while the case waits to be assigned again
    web_voices: CaseWebVoices | None = None  # 网络上的相关声音: web items linked to the case (minyi.hot.web_links)
    callback: CallbackTask | None = None  # 回访 (minyi.callbacks): its place on the list
    repeat: repeats.RepeatInfo | None = None  # 重复投诉: the earlier complaints it repeats
    knowledge: list[tuple[KnowledgeEntry, float]] = field(default_factory=list)  # 知识库 answers, while replying
    levels: Levels | None = None  # the jurisdiction that holds it, and its moves (minyi.workflow.levels)


def staff_case_page(session: Session, *, user: User, case_id: Any) -> StaffCasePage:
    """The whole case for staff who may see it: message, contact data, full event log, allowed actions."""
    actor = Actor.from_user(user)
    case = load_case(session, case_id)
    ensure_can_see(case, actor)
    text = join_text(case.message.title, case.message.body)
    actions = frozenset(a.name for a in states.allowed_actions(status=case.status, actor=actor.role))
    return StaffCasePage(
        case=case,
        view=case_view(session, case, public_only=False),
        analysis=ShownAnalysis.of(session, case, session.get(MessageAnalysis, case.message_id)),
        deadline=deadline_info(case),
        actions=actions,
        similar=hot.similar_cases_for_staff(session, actor=actor, text=text, exclude=case.id),
        hot_issue=hot.hot_issue_of(session, case.id),
        departments=department_menu(session, active_only=True),
        returned=inbox.return_notes(session, [case]).get(case.id),
        extensions=inbox.pending_extensions(session) if user.role in {Role.SUPERVISOR, Role.ADMIN} else [],
        web_voices=web_voices_of_case(session, case_id=case.id),
        callback=callback_task(session, case),
        repeat=repeats.repeat_info(session, case.id, scope=actor.jurisdiction_path)
        if user.role in repeats.READERS
        else None,
        knowledge=knowledge.search(session, text=text, k=3) if "reply" in actions else [],
        levels=case_levels(session, case),
    )
