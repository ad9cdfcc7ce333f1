"""Finding a lost tracking link: case number + the contact given + a one-time code; a new link, the old one dead."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.accounts.models import AuthEvent
from minyi.core.clock import utcnow
from minyi.core.errors import NotFound, RateLimited, ValidationFailed
from minyi.workflow import lookup, views
from minyi.workflow.models import Case
from tests import factories as f

SECRET = "test-secret"


def _code(db: Session, case_id: int, back: int = 0) -> str:
    case = db.get(Case, case_id)
    assert case is not None
    message = case.message
    return lookup.code_for(message, SECRET, utcnow() - timedelta(minutes=lookup.CODE_MINUTES * back))


def test_the_phone_or_the_email_given_finds_the_case_and_nothing_else_does(db: Session) -> None:
    f.message(db, contact_phone="13800138000")  # another case with the same phone is not this one
    sub = f.message(db, contact_phone="13800138000", contact_email="li@example.cn")
    number = sub.case.id
    request = lookup.request_code(db, case=number, contact="138-0013-8000")
    assert request == lookup.CodeRequest(number, sub.message.id, "sms")
    assert lookup.request_code(db, case=f"第{number}号", contact="+86 13800138000").channel == "sms"  # type: ignore[union-attr]
    assert lookup.request_code(db, case=number, contact="LI@example.cn ").channel == "email"  # type: ignore[union-attr]
    assert lookup.request_code(db, case=number, contact="13900139000") is None
    assert lookup.request_code(db, case=number + 999, contact="13800138000") is None
    with pytest.raises(ValidationFailed):
        lookup.request_code(db, case="abc", contact="13800138000")
    with pytest.raises(ValidationFailed):
        lookup.request_code(db, case=number, contact="")


def test_a_right_code_gives_a_new_link_and_the_old_link_and_the_code_stop_working(db: Session) -> None:
    sub = f.message(db, contact_phone="13800138000")
    number, old_token = sub.case.id, sub.tracking_token
    code = _code(db, number)
    message, token = lookup.verify_code(db, case=number, contact="13800138000", code=code, secret_key=SECRET)
    assert message.id == sub.message.id and token != old_token
    assert views.case_by_token(db, token).id == number
    with pytest.raises(NotFound):
        views.case_by_token(db, old_token)
    with pytest.raises(ValidationFailed):  # one time only: the code belonged to the old link
        lookup.verify_code(db, case=number, contact="13800138000", code=code, secret_key=SECRET)
    kinds = db.scalars(select(AuthEvent.kind).where(AuthEvent.username == f"case:{number}")).all()
    assert "tracking_link_renewed" in kinds


def test_a_code_lasts_its_window_and_the_next_then_expires(db: Session) -> None:
    number = f.message(db, contact_phone="13800138000").case.id
    with pytest.raises(ValidationFailed):
        lookup.verify_code(db, case=number, contact="13800138000", code=_code(db, number, back=2), secret_key=SECRET)
    lookup.verify_code(db, case=number, contact="13800138000", code=_code(db, number, back=1), secret_key=SECRET)


def test_the_right_code_with_the_wrong_contact_or_secret_is_refused(db: Session) -> None:
    number = f.message(db, contact_phone="13800138000").case.id
    code = _code(db, number)
    with pytest.raises(ValidationFailed):
        lookup.verify_code(db, case=number, contact="13900139000", code=code, secret_key=SECRET)
    with pytest.raises(ValidationFailed):
        lookup.verify_code(db, case=number, contact="13800138000", code=code, secret_key="another-site")


def test_guessing_and_flooding_are_stopped_per_case(db: Session) -> None:
    number = f.message(db, contact_phone="13800138000").case.id
    for _ in range(lookup.MAX_FAILURES):
        with pytest.raises(ValidationFailed):
            lookup.verify_code(db, case=number, contact="13800138000", code="000000", secret_key=SECRET)
    with pytest.raises(RateLimited):  # even the right code now waits
        lookup.verify_code(db, case=number, contact="13800138000", code=_code(db, number), secret_key=SECRET)
    for _ in range(lookup.MAX_SENDS):
        assert lookup.request_code(db, case=number, contact="13800138000") is not None
    with pytest.raises(RateLimited):
        lookup.request_code(db, case=number, contact="13800138000")


def test_an_erased_contact_finds_nothing(db: Session) -> None:
    sub = f.message(db, contact_phone="13800138000")
    message = sub.message
    assert message.contact is not None
    message.contact.erased_at = utcnow()
    message.contact.phone = ""
    db.flush()
    assert lookup.request_code(db, case=sub.case.id, contact="13800138000") is None
