"""What the dashboard runs with, read from the environment: ``campaign serve`` sets it, and each
web worker process (uvicorn starts them afresh) reads the same values."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from campaign.errors import CampaignError

ENV_DB = "CAMPAIGN_DATABASE_URL"
ENV_SECRET = "CAMPAIGN_WEB_SECRET"
ENV_SCHEDULE = "CAMPAIGN_SCHEDULE"
ENV_SECURE = "CAMPAIGN_WEB_SECURE"
ENV_TODAY = "CAMPAIGN_WEB_TODAY"
ENV_PLEDGE_RATE = "CAMPAIGN_WEB_PLEDGE_RATE"
ENV_LOGIN_RATE = "CAMPAIGN_WEB_LOGIN_RATE"
MIN_SECRET = 32  # characters of the key that signs sessions


@dataclass(frozen=True)
class WebConfig:
    """The dashboard's settings."""

    db_url: str | None = None
    # signs the session cookies; every worker must have the same one
    secret: str = ""
    schedule_path: Path | None = None
    # cookies only over HTTPS, and HSTS: set when served behind a TLS proxy
    secure: bool = False
    # the day the dashboard counts from (tests and demos replay 2021); None: today
    today: date | None = None
    # pledge submissions accepted per client address per minute (the public form's spam guard)
    pledge_rate: int = 5
    # failed log-ins per name and per address within 15 minutes before log-in is refused
    login_rate: int = 5

    @classmethod
    def from_env(cls) -> WebConfig:
        """The settings ``campaign serve`` put in the environment."""
        secret = os.environ.get(ENV_SECRET, "")
        if secret and len(secret) < MIN_SECRET:
            raise CampaignError(f"{ENV_SECRET} is too short: give at least {MIN_SECRET} random "
                                "characters (e.g. from `python -c 'import secrets; "
                                "print(secrets.token_urlsafe(32))'`)")
        today = os.environ.get(ENV_TODAY)
        try:
            day = date.fromisoformat(today) if today else None
        except ValueError:
            raise CampaignError(f"{ENV_TODAY} is not a date: give YYYY-MM-DD, e.g. 2021-06-12") from None
        schedule = os.environ.get(ENV_SCHEDULE)
        return cls(db_url=os.environ.get(ENV_DB) or None, secret=secret or secrets.token_urlsafe(32),
                   schedule_path=Path(schedule) if schedule else None,
                   secure=os.environ.get(ENV_SECURE, "") in ("1", "true", "yes"), today=day,
                   pledge_rate=_count(ENV_PLEDGE_RATE, 5), login_rate=_count(ENV_LOGIN_RATE, 5))


def _count(name: str, default: int) -> int:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise CampaignError(f"{name} is not a whole number: give one, e.g. {default}") from None
    if number < 1:
        raise CampaignError(f"{name} must be at least 1, got {number}")
    return number
