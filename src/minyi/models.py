"""Imports every feature's models so that Base.metadata is complete (migrations, tests)."""

from minyi.accounts.models import AuthEvent, LoginSession, LoginThrottle, RolePolicy, User
from minyi.collect.models import WebItem, WebSource
from minyi.core.db import Base
from minyi.departments.models import Department, DepartmentAlias, DepartmentMerge
from minyi.hot.models import HotIssue, SimilarIndexSnapshot, Support
from minyi.ingest.models import ImportRecord
from minyi.jobs.models import FailedTask, TaskClaim
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
from minyi.watches.models import Watch
from minyi.workflow.models import Case, CaseEvent, ExtensionRequest, Rating, Reply, SystemSetting

__all__ = [
    "AuthEvent",
    "Base",
    "Case",
    "CaseEvent",
    "CaseFactsRow",
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
    "WebSource",
]
