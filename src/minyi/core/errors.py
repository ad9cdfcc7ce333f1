"""Domain errors: services raise them, the web layer turns them into clear 4xx answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


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

    @property
    def errors(self) -> list[tuple[str | None, str]]:
        """Each (field, message) to show beside its input: this one only."""
        return [(self.field, self.message)]


class FieldErrors(ValidationFailed):
    """Several inputs of one form that break their rules, reported together (each beside its field)."""

    def __init__(self, failures: list[ValidationFailed]) -> None:
        self.failures = failures
        summary = failures[0].message if len(failures) == 1 else f"有 {len(failures)} 处需要修改："
        super().__init__(summary + ("" if len(failures) == 1 else "；".join(f.message for f in failures)))
        self.field = failures[0].field

    @property
    def errors(self) -> list[tuple[str | None, str]]:
        return [(f.field, f.message) for f in self.failures]


def collect(checks: dict[str, Callable[[], Any]]) -> dict[str, Any]:
    """Run every check of a form and return their values by name; if any fail, raise them all together."""
    values: dict[str, Any] = {}
    failures: list[ValidationFailed] = []
    for name, check in checks.items():
        try:
            values[name] = check()
        except FieldErrors as exc:
            failures += exc.failures
        except ValidationFailed as exc:
            failures.append(exc)
    if failures:
        raise failures[0] if len(failures) == 1 else FieldErrors(failures)
    return values


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
