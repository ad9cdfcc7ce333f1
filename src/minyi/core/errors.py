"""Domain errors: services raise them, the web layer turns them into clear 4xx answers."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a user can cause; `message` is shown to the user (Chinese)."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationFailed(DomainError):
    """Input that breaks a rule (empty, too long, wrong choice)."""

    status_code = 422
    code = "validation_failed"


class NotFound(DomainError):
    """Unknown id, or an object the caller may not see."""

    status_code = 404
    code = "not_found"


class PermissionDenied(DomainError):
    """Known user, wrong role or wrong department."""

    status_code = 403
    code = "forbidden"


class NotAuthenticated(DomainError):
    """No valid login."""

    status_code = 401
    code = "not_authenticated"


class InvalidTransition(DomainError):
    """An action that the case's current state does not allow."""

    status_code = 409
    code = "invalid_transition"


class Conflict(DomainError):
    """A duplicate (double-submitted form, taken username)."""

    status_code = 409
    code = "conflict"


class RateLimited(DomainError):
    """Too many public writes from one client."""

    status_code = 429
    code = "rate_limited"
