"""The account audit trail: every login outcome, lockout, token, password reset, second-factor change, 台账 export,
代录入 (a message a coordinator entered for a citizen), every change to a registered web source and a web item
unlinked from a case, every change to the
jurisdiction tree."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.accounts.models import AuthEvent, User

EVENT_NAMES = {
    "login_ok": "登录成功",
    "login_failed": "登录失败",
    "login_locked": "登录暂停（失败次数过多）",
    "token_issued": "签发访问令牌",
    "token_failed": "申请访问令牌失败",
    "token_revoked": "吊销访问令牌",
    "sessions_revoked": "结束全部登录和令牌",
    "password_reset": "重置密码",
    "role_change": "变更角色、部门或辖区",
    "tracking_code_sent": "找回查询链接：发送验证码",
    "tracking_code_failed": "找回查询链接：验证码错误",
    "tracking_link_renewed": "找回查询链接：换发新链接",
    "account_disabled": "停用账号",
    "account_enabled": "启用账号",
    "totp_enabled": "启用动态验证码",
    "totp_disabled": "停用动态验证码",
    "policy_changed": "修改角色安全策略",
    "list_exported": "导出办件台账",
    "case_entered": "代录入留言",
    # registered web sources (minyi.collect.source_log): the admin's changes, from the page or `minyi sources`
    "source_added": "登记网络来源",
    "source_changed": "修改网络来源",
    "source_stopped": "停用网络来源",
    "source_resumed": "恢复网络来源",
    "source_queued": "网络来源立即采集",
    "web_items_purged": "网络条目到期清除正文",  # minyi.collect.retention (MINYI_WEB_RETENTION_DAYS)
    "web_link_removed": "取消网络民意与办件的关联",
    "scorecard_changed": "修改考核权重",  # minyi.scorecard.config: the weights and minimum, before → after
    # the jurisdiction tree (minyi.accounts.jurisdiction_admin): from the admin's page or `minyi jurisdictions`
    "jurisdiction_added": "新增辖区",
    "jurisdiction_changed": "修改辖区",
    "jurisdiction_disabled": "停用辖区",
    "jurisdiction_enabled": "启用辖区",
    "jurisdictions_imported": "导入辖区文件",
}


def record(
    session: Session,
    *,
    kind: str,
    username: str,
    user: User | None = None,
    actor: User | None = None,
    client: str = "",
    detail: str = "",
) -> AuthEvent:
    """Append one audit record (in the caller's transaction)."""
    event = AuthEvent(
        kind=kind,
        username=username[:64],
        user_id=user.id if user else None,
        actor_id=actor.id if actor else None,
        client_hash=client[:64],
        detail=detail[:200],
    )
    session.add(event)
    return event


def recent_events(session: Session, *, page: int = 1, per_page: int = 50) -> tuple[list[AuthEvent], int]:
    """One page of the audit trail, newest first, and the total count (paged in SQL on the `at` index)."""
    page = max(1, page)
    total = session.scalar(select(func.count()).select_from(AuthEvent)) or 0
    rows = session.scalars(
        select(AuthEvent)
        .order_by(AuthEvent.at.desc(), AuthEvent.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return list(rows), total
