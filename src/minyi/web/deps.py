"""Request dependencies: database session, CSRF, current staff user (cookie) and API user (bearer)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from minyi.accounts import services as accounts
from minyi.accounts.models import Role, User
from minyi.accounts.policy import totp_required
from minyi.core.db import reading, transaction
from minyi.core.errors import DomainError, NotAuthenticated, PermissionDenied
from minyi.core.settings import Settings
from minyi.web.proxies import request_client
from minyi.web.state import app_state
from minyi.workflow.services import load_case

SESSION_COOKIE = "minyi_session"
CSRF_COOKIE = "minyi_csrf"
CSRF_FIELD = "csrf_token"


def get_db(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back on any error; then the work
    routes registered with `after_commit` runs (it must see what the request stored).

    The transaction begins at the route's first query, in the thread that runs the route (a writing one for
    any method but GET, HEAD and OPTIONS: on SQLite, the process's write turn, then BEGIN IMMEDIATE). Nothing
    is held while a request waits for a thread: the dependencies below read in transactions of their own
    (`reading`), and a route does all its work in one thread — a plain `def`, its form read by `FormDep`.
    Holding the turn or a connection across a wait for another thread deadlocks the pool (docs/scale.md)."""
    writes = request.method not in {"GET", "HEAD", "OPTIONS"}
    request.state.after_commit = []
    with transaction(app_state(request).session_factory, write=writes, lazy=True) as session:
        yield session
    for task in request.state.after_commit:
        task()


def after_commit(request: Request, task: Callable[[], object]) -> None:
    """Run `task` once the request's transaction has committed (never when it rolls back)."""
    request.state.after_commit.append(task)


def analyse_after_commit(request: Request, message_id: int) -> None:
    """Queue a new message for analysis by a worker once it is committed (the worker must see it)."""
    jobs = app_state(request).jobs
    if jobs is not None:
        after_commit(request, partial(jobs.analyse, message_id))


def reanalyse_after_move(request: Request, session: Session, *, case_id: Any, action: str) -> None:
    """After 下派 or 上报, queue the case's message for analysis again: its departments are ranked among the new
    level's (minyi.messages.analysis.level_department_candidates), so the case page suggests the new level's."""
    if action in {"send_down", "send_up"}:
        analyse_after_commit(request, load_case(session, case_id).message_id)


SessionDep = Annotated[Session, Depends(get_db, scope="function")]


def get_read_db(request: Request) -> Iterator[Session]:
    """A reading transaction whatever the method: for routes that do slow work before they write."""
    with transaction(app_state(request).session_factory, write=False) as session:
        yield session


ReadSessionDep = Annotated[Session, Depends(get_read_db, scope="function")]


async def form_data(request: Request) -> FormData:
    """The posted form, read in the event loop (a route using it can be a plain `def`: one thread, see get_db)."""
    return await request.form()


FormDep = Annotated[FormData, Depends(form_data)]


def get_settings_dep(request: Request) -> Settings:
    """The app's settings."""
    return app_state(request).settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


class CsrfFailed(DomainError):
    """A form posted without the token of the browser that loaded it."""

    status_code = 403
    code = "csrf_failed"


async def csrf_protect(request: Request) -> None:
    """Double-submit check on every state-changing form: the field must equal the browser's cookie."""
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return
    cookie = request.cookies.get(CSRF_COOKIE, "")
    try:
        form = await request.form()
    except Exception:
        raise CsrfFailed("表单无法解析，请刷新页面后重试") from None
    sent = form.get(CSRF_FIELD, "")
    if not cookie or not isinstance(sent, str) or not hmac.compare_digest(cookie, sent):
        raise CsrfFailed("表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试")


def client_hash(request: Request) -> str:
    """A keyed hash of the client's address (behind trusted proxies, the forwarded one): enough to rate-limit."""
    host = request_client(request)
    secret = app_state(request).settings.secret_key.encode()
    return hmac.new(secret, host.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class UserBadge:
    """What templates show of the logged-in user; plain data, valid after the session has closed."""

    display_name: str
    role: str
    role_name: str
    department_name: str
    at_root: bool = True  # of the root jurisdiction: the installation-wide pages are in its menu


def optional_staff(request: Request, db: SessionDep) -> User | None:
    """The logged-in staff user, if any (a badge of it is exposed to templates)."""
    with reading(db):
        user = accounts.user_for_token(db, request.cookies.get(SESSION_COOKIE), kind="browser")
        if user is not None:
            request.state.user = UserBadge(
                user.display_name,
                user.role.value,
                user.role_name,
                user.department.name if user.department else "",
                user.at_root,
            )
    return user


class SecondFactorSetupNeeded(PermissionDenied):
    """The admin requires a second factor for this role and the account has none yet."""

    code = "totp_setup_required"
    redirect_to = "/staff/account?setup=1"  # HTML pages send the user to set it up


_SETUP_PATHS = ("/staff/account", "/staff/logout")  # reachable while the second factor is being set up


def current_staff(request: Request, db: SessionDep, user: Annotated[User | None, Depends(optional_staff)]) -> User:
    """A logged-in staff user, else NotAuthenticated (the HTML handler redirects to the login page)."""
    with reading(db):
        if user is None or user.role is Role.CITIZEN:
            raise NotAuthenticated("请先登录")
        if not user.totp_secret and not request.url.path.startswith(_SETUP_PATHS) and totp_required(db, user.role):
            raise SecondFactorSetupNeeded("管理员要求您的角色使用动态验证码：请先在“账号安全”中完成设置")
    return user


def bearer_token(request: Request) -> str:
    """The token of `Authorization: Bearer <token>`, or ''."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


# Declares the bearer scheme in the OpenAPI document (and so 401/403 there); the token is read below.
_BEARER = HTTPBearer(auto_error=False, scheme_name="bearer", description="POST /api/v1/auth/token 得到的访问令牌")
BearerScheme = Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)]


def api_user(request: Request, db: SessionDep, _scheme: BearerScheme) -> User:
    """The user behind `Authorization: Bearer <token>`; cookies are not accepted by the API."""
    with reading(db):
        user = accounts.user_for_token(db, bearer_token(request), kind="api")
        if user is None:
            raise NotAuthenticated("缺少或无效的访问令牌（Authorization: Bearer <token>）")
        if not user.totp_secret and totp_required(db, user.role):
            raise SecondFactorSetupNeeded("管理员要求您的角色使用动态验证码：请先登录网页完成设置，再申请新令牌")
    return user


def require_roles(*roles: Role, api: bool = False) -> Callable[..., User]:
    """A dependency that admits only the given roles."""
    source = api_user if api else current_staff

    def check(db: SessionDep, user: User = Depends(source)) -> User:  # noqa: B008 - `source` is local
        with reading(db):
            allowed = user.role in roles
        if not allowed:
            raise PermissionDenied("您的角色无权访问此页面")
        return user

    return check


StaffUser = Annotated[User, Depends(current_staff)]
CoordinatorUser = Annotated[User, Depends(require_roles(Role.COORDINATOR, Role.ADMIN))]
HandlerUser = Annotated[User, Depends(require_roles(Role.HANDLER))]
SupervisorUser = Annotated[User, Depends(require_roles(Role.SUPERVISOR, Role.ADMIN))]
AdminUser = Annotated[User, Depends(require_roles(Role.ADMIN))]


def root_admin(user: AdminUser) -> User:
    """An admin of the root: the installation's settings, sources, policies and logs are theirs; an admin of a
    jurisdiction manages its subtree's accounts, departments and jurisdictions only (minyi.accounts.services)."""
    if accounts.admin_scope(user):
        raise PermissionDenied("只有本级（根辖区）的管理员可以管理此项")
    return user


RootAdminUser = Annotated[User, Depends(root_admin)]


def admin_outside_write(request: Request, db: ReadSessionDep) -> User:
    """The logged-in admin, checked in a reading transaction (the route opens its own write transaction)."""
    user = current_staff(request, db, optional_staff(request, db))
    if user.role is not Role.ADMIN:
        raise PermissionDenied("您的角色无权访问此页面")
    return user


AdminUserOutsideWrite = Annotated[User, Depends(admin_outside_write)]
ApiUser = Annotated[User, Depends(api_user)]
