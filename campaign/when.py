"""A moment a user types for a post, read in the post's own timezone, with DST made explicit.

A local time that does not exist (clocks jump forward: 02:30 on 28 March 2021 in Zurich) is
moved forward by the jump, as the clock on the wall would show it (03:30 CEST). A local time
that happens twice (clocks fall back: 02:30 on 31 October 2021) is the first one, summer time,
unless an offset was given. Either way the caller gets a sentence saying so.

Bounds: a post moves no earlier than 1 January of the year its campaign starts (the year of the
earliest post planned for the same campaign, in the post's timezone) and no later than 2100.
Every moment typed (reschedule, ``amplify --at``, ``run --now``) is first checked to lie in the
years 2000 to 2100 as written, before any timezone conversion: converting year 1 or 9999 across
an offset overflows.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from campaign.errors import CampaignError

FIRST_YEAR = 2000
LAST_YEAR = 2100


def check_year(moment: datetime, shown: str) -> None:
    """Refuse a typed moment outside the years 2000 to 2100 (``shown`` names it in the message)."""
    if moment.year > LAST_YEAR:
        raise CampaignError(f"{shown} is after {LAST_YEAR}: choose an earlier moment")
    if moment.year < FIRST_YEAR:
        raise CampaignError(f"{shown} is before {FIRST_YEAR}: choose a moment from {FIRST_YEAR} "
                            f"to {LAST_YEAR}")


def local_moment(text: str, timezone: str) -> tuple[datetime, str]:
    """``text`` as an aware datetime in ``timezone`` and a note on how DST was resolved ("")."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CampaignError(f"'{text}' is not a date-time: write e.g. 2021-06-12T09:30") from None
    check_year(moment, f"'{text}'")
    zone = ZoneInfo(timezone)
    if moment.tzinfo is not None:
        # an offset says which moment was meant, also in a fold
        return moment.astimezone(zone), ""
    wall = moment.replace(tzinfo=zone)
    resolved = wall.astimezone(UTC).astimezone(zone)
    if resolved.replace(tzinfo=None) != moment:
        # fold=0 reads a missing time with the offset before the jump: the wall clock's reading
        return resolved, (f"{moment:%Y-%m-%d %H:%M} does not exist in {timezone} (clocks jump "
                          f"forward): moved to {resolved:%H:%M %Z} ({resolved.isoformat()})")
    second = moment.replace(tzinfo=zone, fold=1)
    if second.utcoffset() != wall.utcoffset():
        return wall, (f"{moment:%Y-%m-%d %H:%M} happens twice in {timezone} (clocks fall back): "
                      f"took the first, {wall:%H:%M %Z} ({wall.isoformat()}); give the offset "
                      f"{second.isoformat()[-6:]} for the second")
    return wall, ""


def check_bounds(moment: datetime, campaign_start: datetime | None, timezone: str) -> None:
    """Refuse a moment before the campaign's year or after 2100 (``campaign_start`` aware)."""
    if moment.year > LAST_YEAR:
        raise CampaignError(f"{moment.isoformat()} is after {LAST_YEAR}: choose an earlier moment")
    if campaign_start is None:
        return
    year = campaign_start.astimezone(ZoneInfo(timezone)).year
    if moment.year < year:
        raise CampaignError(f"{moment.isoformat()} is before the campaign, which starts in {year}: "
                            f"choose a moment from 1 January {year}")
