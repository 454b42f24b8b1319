"""The values a report's filters may take, and the check that refuses any other, naming them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, func, select

from campaign.errors import CampaignError, UsageError
from campaign.queue.engine import Database
from campaign.reports.model import BUCKETS, NOT_A_PLEDGER, ReportQuery
from campaign.tracking.models import DAYS

NETWORK_NAMES = {"x": "X", "bluesky": "Bluesky", "mastodon": "Mastodon"}
MAX_CHOICES = 30  # hashtags named when an unknown one is asked for: the most used


class ReportError(CampaignError):
    """A report that cannot be built as asked (its message says which option to change)."""


def report_choices(db: str | Database | None) -> dict[str, list[str]]:
    """The values each filter may take, as seen in the database: networks, languages,
    hashtags (most used first, at most 30), stakeholder types and countries of pledges."""
    opened = db if isinstance(db, Database) else Database(db)
    try:
        with opened._connection() as conn:
            return _choices(conn)
    finally:
        if opened is not db:
            opened.close()


def _choices(conn: Connection) -> dict[str, list[str]]:
    from campaign.pledges.models import PLEDGES

    everyone = DAYS.c.tag == ""
    networks = sorted(str(n) for n in conn.execute(
        select(DAYS.c.network).where(everyone).distinct()).scalars())
    languages = sorted(str(n) for n in conn.execute(
        select(DAYS.c.language).where(everyone).distinct()).scalars())
    posts = func.sum(DAYS.c.n_original + DAYS.c.n_reply + DAYS.c.n_repost + DAYS.c.n_quote)
    tags = [str(t) for t in conn.execute(
        select(DAYS.c.tag).where(DAYS.c.tag != "").group_by(DAYS.c.tag)
        .order_by(posts.desc(), DAYS.c.tag).limit(MAX_CHOICES)).scalars()]
    audiences = sorted({str(a) for a in conn.execute(select(PLEDGES.c.audience).distinct())
                        .scalars()} | {NOT_A_PLEDGER})
    countries = sorted({str(c) for c in conn.execute(select(PLEDGES.c.country).distinct())
                        .scalars() if c} | {NOT_A_PLEDGER})
    return {"networks": networks, "languages": languages, "hashtags": tags,
            "audiences": audiences, "countries": countries}


def check_query(conn: Connection, query: ReportQuery,
                audiences: Iterable[str] = ()) -> None:
    """Refuse a filter value the database has never seen, listing the choices."""
    if query.bucket not in BUCKETS:
        raise UsageError("period", query.bucket, BUCKETS)
    if query.end < query.start:
        raise ReportError(f"the period ends ({query.end}) before it starts ({query.start}): "
                          "give --from before --to")
    if query.top < 1:
        raise ReportError(f"--top {query.top}: give 1 or more")
    if not (query.networks or query.languages or query.audiences or query.countries):
        return _check_hashtag(conn, query)
    # the choices are looked up only when a filter names values (a year's tags add up)
    choices = _choices(conn)
    choices["audiences"] = sorted({*choices["audiences"], *audiences})
    choices["networks"] = sorted({*choices["networks"], *NETWORK_NAMES})
    for what, given, known in (("network", query.networks, choices["networks"]),
                               ("language", query.languages, choices["languages"]),
                               ("stakeholder type", query.audiences, choices["audiences"]),
                               ("country", query.countries, choices["countries"])):
        for value in given:
            if value not in known:
                if not known:
                    raise ReportError(f"no post has a {what} yet ({what} '{value}' asked): "
                                      "collect or import posts first (`campaign track`)")
                raise UsageError(what, value, known)
    _check_hashtag(conn, query)


def _check_hashtag(conn: Connection, query: ReportQuery) -> None:
    if query.hashtag is not None and not conn.execute(
            select(DAYS.c.tag).where(DAYS.c.tag == query.hashtag).limit(1)).first():
        choices = _choices(conn)
        if not choices["hashtags"]:
            raise ReportError(f"no hashtag has been seen yet ('{query.hashtag}' asked): collect "
                              "or import posts first (`campaign track`)")
        raise UsageError("hashtag", query.hashtag, choices["hashtags"])



