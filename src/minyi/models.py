"""Imports every feature's models so that Base.metadata is complete (migrations, tests)."""

from minyi.accounts.models import AuthEvent, LoginSession, LoginThrottle, RolePolicy, User
from minyi.callbacks.models import CallbackTask, RepeatFlag, RepeatLink
from minyi.collect.models import WebItem, WebItemKey, WebSource
from minyi.core.db import Base
from minyi.departments.models import Department, DepartmentAlias, DepartmentMerge
from minyi.hot.models import HotIssue, SimilarIndexSnapshot, Support, WebItemLink
from minyi.ingest.models import ImportRecord
from minyi.interviews.models import Interview, InterviewAnswer, InterviewEvent, InterviewQuestion
from minyi.jobs.models import FailedTask, TaskClaim
from minyi.jurisdictions.models import Jurisdiction
from minyi.knowledge.models import (
    Explanation,
    ExplanationLink,
    KnowledgeAudit,
    KnowledgeEntry,
    KnowledgeTerm,
    KnowledgeTermCount,
)
from minyi.messages.models import Message, MessageAnalysis, MessageContact, MessageLabel
from minyi.notifications.models import Delivery, Notice, Notification, NotificationPreference
from minyi.privacy.models import ContactAccess, ContactRequest
from minyi.replies.models import ReplyTemplate
from minyi.reports.models import StoredReport
from minyi.stats.models import CaseFactsRow
from minyi.suggestions.models import Adoption, Commitment, CommitmentUpdate
from minyi.watches.models import Watch
from minyi.workflow.jurisdiction_board import JurisdictionBoardRow
from minyi.workflow.models import Case, CaseEvent, ExtensionRequest, Rating, Reply, SystemSetting

__all__ = [
    "Adoption",
    "AuthEvent",
    "Base",
    "CallbackTask",
    "Case",
    "CaseEvent",
    "CaseFactsRow",
    "Commitment",
    "CommitmentUpdate",
    "ContactAccess",
    "ContactRequest",
    "Delivery",
    "Department",
    "DepartmentAlias",
    "DepartmentMerge",
    "Explanation",
    "ExplanationLink",
    "ExtensionRequest",
    "FailedTask",
    "HotIssue",
    "ImportRecord",
    "Interview",
    "InterviewAnswer",
    "InterviewEvent",
    "InterviewQuestion",
    "Jurisdiction",
    "JurisdictionBoardRow",
    "KnowledgeAudit",
    "KnowledgeEntry",
    "KnowledgeTerm",
    "KnowledgeTermCount",
    "LoginSession",
    "LoginThrottle",
    "Message",
    "MessageAnalysis",
    "MessageContact",
    "MessageLabel",
    "Notice",
    "Notification",
    "NotificationPreference",
    "Rating",
    "RepeatFlag",
    "RepeatLink",
    "Reply",
    "ReplyTemplate",
    "RolePolicy",
    "SimilarIndexSnapshot",
    "StoredReport",
    "Support",
    "SystemSetting",
    "TaskClaim",
    "User",
    "Watch",
    "WebItem",
    "WebItemKey",
    "WebItemLink",
    "WebSource",
]
