"""Time-based one-time codes (TOTP, RFC 6238) for staff: set-up, confirmation and one-use checks."""

from __future__ import annotations

import base64
import io
import time

import pyotp
import segno

ISSUER = "minyi 民意"
STEP_SECONDS = 30
DRIFT_STEPS = 1  # a code from the step before or after is accepted (clock drift, typing time)


def new_secret() -> str:
    """A random base32 secret for an authenticator app."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    """The otpauth:// address an authenticator app reads (from the QR code or typed)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg_base64(uri: str, *, mask: int | None = None) -> str:
    """A QR code as a base64 SVG document for a data: URL (drawn here, nothing fetched). `mask`: a fixed mask
    pattern (any of the eight is a valid code) instead of scoring all eight, ~3.5x less CPU: for a code drawn on
    every submission (the tracking link), not for the one-off set-up code."""
    buffer = io.BytesIO()
    segno.make(uri, error="m", mask=mask).save(buffer, kind="svg", scale=4, border=2, xmldecl=False, svgns=True)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def matching_step(secret: str, code: str, *, now: float | None = None) -> int | None:
    """The time step whose code equals `code` (within the allowed drift), or None."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    moment = time.time() if now is None else now
    current = int(moment // STEP_SECONDS)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if pyotp.utils.strings_equal(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def code_at(secret: str, moment: float) -> str:
    """The code valid at a moment (tests and the set-up page's self-check use it)."""
    return pyotp.TOTP(secret).at(moment)
