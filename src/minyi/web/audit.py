"""Recording staff views of contact data: a request dependency that writes the audit rows after the read.

GET requests read in a read-only transaction (`deps.get_db`). The routes that show contact data note each
view on this recorder; when the route has returned without error, the recorder writes the rows in its own
short write transaction. Declare it *before* `SessionDep` in the route's parameters: dependencies close in
reverse order, so the read transaction has ended (and its connection gone back to the pool) by the time
the audit rows are written. A route that fails shows nothing and records nothing; if the audit write
fails, the answer is an error instead of the data.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from minyi.accounts.models import User
from minyi.core.db import transaction
from minyi.privacy import audit
from minyi.privacy.services import shown_fields
from minyi.web.state import app_state
from minyi.workflow.models import Case


@dataclass
class ContactAuditRecorder:
    """The contact-data views of one request, written when it succeeds."""

    route: str
    entries: list[audit.Access] = field(default_factory=list)

    def record(self, *, user: User, case: Case, what: str, fields: list[str] | None = None) -> None:
        """Note that `user` is being shown `case`'s contact data, or only `fields` of it (nothing when none is held)."""
        held = shown_fields(case)
        fields = held if fields is None else [f for f in fields if f in held]
        if fields:
            self.entries.append(
                audit.access(user_id=user.id, case_id=case.id, what=what, fields=fields, route=self.route)
            )


def contact_audit(request: Request) -> Iterator[ContactAuditRecorder]:
    """Yield a recorder; after a successful route, write what it noted in a separate write transaction."""
    route = getattr(request.scope.get("route"), "path", request.url.path)
    recorder = ContactAuditRecorder(route=f"{request.method} {route}")
    yield recorder  # an exception from the route propagates from here: nothing was shown, nothing is written
    if recorder.entries:
        with transaction(app_state(request).session_factory) as session:
            audit.record_access(session, entries=recorder.entries)


ContactAuditDep = Annotated[ContactAuditRecorder, Depends(contact_audit, scope="function")]
