"""API shapes of the account endpoints (tokens)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class TokenIn(BaseModel):
    """Credentials for an API token; `totp` is the authenticator code when the account has a second factor."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(max_length=64)
    password: str = Field(max_length=128)
    totp: str | None = Field(default=None, max_length=16)
    label: str = Field(default="", max_length=64, description="what the token is for, shown in token lists")


class TokenOut(BaseModel):
    """A bearer token for the staff API."""

    token: str
    expires_in: int = Field(description="seconds until the token expires (MINYI_API_TOKEN_DAYS)")


class TokenItem(BaseModel):
    """One live API token (never its secret)."""

    id: int
    label: str
    created_at: datetime
    expires_at: datetime
