"""Logging in, one's own account security (second factor, API tokens) and the admin's security page."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from minyi.accounts import audit, policy, second_factor, tokens, totp
from minyi.accounts.login import LoginFailed, LoginLocked, LoginPolicy, SecondFactorRequired, log_in
from minyi.accounts.models import Role
from minyi.accounts.schemas import TokenIn, TokenItem, TokenOut
from minyi.accounts.services import managed_user
from minyi.core.settings import Settings
from minyi.web.deps import (
    SESSION_COOKIE,
    AdminUser,
    ApiUser,
    FormDep,
    RootAdminUser,
    SessionDep,
    SettingsDep,
    StaffUser,
    bearer_token,
    client_hash,
)
from minyi.web.state import app_state
from minyi.web.templating import render

router = APIRouter()
api = APIRouter(prefix="/api/v1/auth", tags=["v1"])
AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "用户名、密码或动态验证码不正确"},
    403: {"description": "角色要求动态验证码而账号未启用"},
    429: {"description": "此账号在当前网络地址上因失败次数过多暂停登录"},
}


def login_policy(settings: Settings) -> LoginPolicy:
    """The throttling policy from the settings."""
    minutes = max(1, settings.login_lockout_minutes) * 60
    return LoginPolicy(
        max_failures=max(1, settings.login_max_failures),
        lockout_seconds=minutes,
        window_seconds=minutes,
        max_delay_seconds=max(0, settings.login_max_delay),
    )


def _safe_next(target: str) -> str:
    return target if target.startswith("/staff") and "//" not in target else "/staff"


@router.post("/staff/login")
async def login(
    request: Request,
    settings: SettingsDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    totp_code: Annotated[str, Form(alias="totp")] = "",
    next: Annotated[str, Form()] = "/staff",
) -> Response:
    """Check the credentials (outside any write transaction) and set the session cookie."""
    page: dict[str, Any] = {"next": _safe_next(next), "username": username}
    try:
        _, token = await run_in_threadpool(
            log_in,
            app_state(request).session_factory,
            username=username,
            password=password,
            totp_code=totp_code,
            client=client_hash(request),
            hours=settings.session_hours,
            policy=login_policy(settings),
        )
    except LoginFailed as exc:
        await asyncio.sleep(exc.delay)  # the growing per-account delay; holds no lock and no worker thread
        return render(
            request,
            "staff/login.html",
            page | {"error": exc.message, "need_totp": exc.field == "totp"},
            status_code=401,
        )
    except (LoginLocked, SecondFactorRequired) as exc:
        page |= {"error": exc.message, "need_totp": isinstance(exc, SecondFactorRequired)}
        return render(request, "staff/login.html", page, status_code=exc.status_code)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        max_age=settings.session_hours * 3600,
        path="/",
    )
    return response


@router.get("/staff/account")
def account_page(request: Request, db: SessionDep, user: StaffUser, setup: str = "") -> Response:
    """Second factor and API tokens of the logged-in staff member."""
    pending = None
    if user.totp_pending and not user.totp_secret:
        uri = totp.provisioning_uri(user.totp_pending, user.username)
        pending = {"secret": user.totp_pending, "uri": uri, "svg_b64": totp.qr_svg_base64(uri)}
    return render(
        request,
        "staff/account.html",
        {
            "user": user,
            "tokens": tokens.live_tokens(db, user=user),
            "pending": pending,
            "required": policy.totp_required(db, user.role),
            "setup": bool(setup),
        },
    )


@router.post("/staff/account/totp/start")
def totp_start(db: SessionDep, user: StaffUser) -> Response:
    """Create a secret for the authenticator app (shown on the account page until confirmed)."""
    second_factor.start_setup(db, user=user)
    return RedirectResponse("/staff/account#totp", status_code=303)


@router.post("/staff/account/totp/confirm")
def totp_confirm(request: Request, db: SessionDep, user: StaffUser, code: Annotated[str, Form()] = "") -> Response:
    """Turn the second factor on with a code from the app."""
    second_factor.confirm_setup(db, user=user, code=code, client=client_hash(request))
    return RedirectResponse("/staff/account#totp", status_code=303)


@router.post("/staff/account/totp/disable")
def totp_disable(request: Request, db: SessionDep, user: StaffUser, code: Annotated[str, Form()] = "") -> Response:
    """Turn one's own second factor off."""
    second_factor.disable(db, user=user, code=code, client=client_hash(request))
    return RedirectResponse("/staff/account#totp", status_code=303)


@router.post("/staff/account/tokens/{token_id}/revoke")
def revoke_own_token(request: Request, db: SessionDep, user: StaffUser, token_id: str) -> Response:
    """Revoke one of one's API tokens."""
    tokens.revoke_token(db, token_id=token_id, acting_user=user, client=client_hash(request))
    return RedirectResponse("/staff/account#tokens", status_code=303)


@router.get("/staff/admin/security")
def security_page(request: Request, db: SessionDep, user: RootAdminUser, page: int = 1) -> Response:
    """Role policies and the account audit trail (logins, lockouts, tokens, resets)."""
    events, total = audit.recent_events(db, page=page)
    return render(
        request,
        "staff/security.html",
        {
            "events": events,
            "total": total,
            "page": max(1, page),
            "per_page": 50,
            "event_names": audit.EVENT_NAMES,
            "required": policy.roles_requiring_totp(db),
            "roles": [r for r in Role if r is not Role.CITIZEN],
        },
    )


@router.post("/staff/admin/security")
def security_update(db: SessionDep, user: RootAdminUser, form: FormDep) -> Response:
    """Require a second factor for the ticked roles."""
    policy.set_totp_required(db, roles=form.getlist("require_totp"), acting_user=user)
    return RedirectResponse("/staff/admin/security", status_code=303)


@router.post("/staff/admin/users/{user_id}/revoke")
def admin_revoke_all(request: Request, db: SessionDep, user: AdminUser, user_id: str) -> Response:
    """End every session and API token of an account (a lost laptop, a leaked token)."""
    managed_user(db, user_id=user_id, acting_user=user)  # an admin of a jurisdiction: its subtree's accounts only
    tokens.revoke_user(db, user_id=user_id, acting_user=user, client=client_hash(request))
    return RedirectResponse(f"/staff/admin/users/{quote(user_id)}?saved=revoked", status_code=303)


@router.post("/staff/admin/users/{user_id}/totp-reset")
def admin_totp_reset(request: Request, db: SessionDep, user: AdminUser, user_id: str) -> Response:
    """Clear an account's second factor (lost phone); its sessions and tokens end too."""
    managed_user(db, user_id=user_id, acting_user=user)
    second_factor.admin_reset(db, user_id=user_id, acting_user=user, client=client_hash(request))
    return RedirectResponse(f"/staff/admin/users/{quote(user_id)}?saved=totp", status_code=303)


@api.post("/token", responses=AUTH_ERRORS)
async def issue_token(request: Request, settings: SettingsDep, body: TokenIn) -> TokenOut:
    """Exchange staff credentials (and the authenticator code, if enabled) for a bearer token."""
    hours = max(1, settings.api_token_days) * 24
    try:
        _, secret = await run_in_threadpool(
            log_in,
            app_state(request).session_factory,
            username=body.username,
            password=body.password,
            totp_code=body.totp,
            client=client_hash(request),
            kind="api",
            hours=hours,
            label=body.label,
            policy=login_policy(settings),
        )
    except LoginFailed as exc:
        await asyncio.sleep(exc.delay)
        raise
    return TokenOut(token=secret, expires_in=hours * 3600)


@api.delete("/token", status_code=204, responses={401: {"description": "缺少或无效的访问令牌"}})
def revoke_this_token(request: Request, db: SessionDep, user: ApiUser) -> Response:
    """Revoke the token this request presents (log out of the API)."""
    tokens.revoke_presented_token(db, token=bearer_token(request), client=client_hash(request))
    return Response(status_code=204)


@api.get("/tokens", responses={401: {"description": "缺少或无效的访问令牌"}})
def list_tokens(db: SessionDep, user: ApiUser) -> list[TokenItem]:
    """The caller's live API tokens (never their secrets)."""
    return [
        TokenItem(id=t.id, label=t.label, created_at=t.created_at, expires_at=t.expires_at)
        for t in tokens.live_tokens(db, user=user)
    ]


@api.delete(
    "/tokens/{token_id}",
    status_code=204,
    responses={401: {"description": "缺少或无效的访问令牌"}, 404: {"description": "令牌不存在"}},
)
def revoke_token(request: Request, db: SessionDep, user: ApiUser, token_id: str) -> Response:
    """Revoke one of the caller's tokens (an admin: anyone's)."""
    tokens.revoke_token(db, token_id=token_id, acting_user=user, client=client_hash(request))
    return Response(status_code=204)
