"""A report as data for other programs: one CSV file a section, and one JSON document.

The CSV headers are English snake_case whatever the report's language (programs read them; the
columns are listed in docs/reports.md and in :data:`COLUMNS`); names of languages, countries and
stakeholder types are in the report's language in their ``*_name`` columns. Every text cell is
guarded for spreadsheets the way pledge exports are (campaign.pledges.io_csv.guard): a cell that
starts with = + - @ would otherwise run as a formula.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from campaign.atomic import atomic_open
from campaign.errors import ExportError
from campaign.reports.labels import label
from campaign.reports.model import (
    KINDS,
    Counts,
    PledgerActivity,
    PledgeRef,
    Report,
    Share,
)

ENGAGEMENT = ("likes", "reposts", "replies", "quotes")
COLUMNS: dict[str, tuple[str, ...]] = {
    "series.csv": ("start", *KINDS, "posts", "contributors", *ENGAGEMENT, "observances"),
    "networks.csv": ("network", "network_name", "posts", "share", "contributors"),
    "languages.csv": ("language", "language_name", "posts", "share", "contributors"),
    "audiences.csv": ("audience", "audience_name", "posts", "share", "contributors"),
    "countries.csv": ("country", "country_name", "posts", "share", "contributors"),
    "top-posts.csv": ("rank", "network", "remote_id", "url", "author", "created_at", "kind",
                      "language", "text", *ENGAGEMENT, "engagement", "impressions", "pledger",
                      "pledge_ids"),
    "contributors.csv": ("rank", "network", "handle", "display_name", "url", "followers",
                         *KINDS, "posts", *ENGAGEMENT, "pledger", "pledge_ids"),
    "tags.csv": ("tag", "posts", "share"),
    "pledgers.csv": ("state", "pledge_id", "organisation", "title", "audience", "country",
                     "light", "why", "handles", "posts_in_month", "last_post", "last_post_url"),
    "reach.csv": ("measure", "value", "posts", "reported_posts", "method"),
}
SPLITS = {"networks.csv": "by_network", "languages.csv": "by_language",
          "audiences.csv": "by_audience", "countries.csv": "by_country"}
REACH = ("potential_reach", "potential_impressions", "reported_impressions")


def _cell(value: object) -> object:
    from campaign.pledges.io_csv import guard

    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return guard(value)


def _share(part: int, whole: int) -> float:
    return round(part / whole, 6) if whole else 0.0


def _pledge_ids(pledges: Sequence[PledgeRef]) -> str:
    return " ".join(str(p.pledge_id) for p in pledges)


def _engagement(counts: Any) -> list[int]:
    return [getattr(counts, name) for name in ENGAGEMENT]


def rows(report: Report) -> dict[str, list[list[object]]]:
    """Every CSV file's rows (without its header), by file name."""
    total = report.totals.posts
    found: dict[str, list[list[object]]] = {}
    found["series.csv"] = [
        [p.start, *(getattr(p.counts, k) for k in KINDS), p.counts.posts, p.contributors,
         *_engagement(p.counts), " ".join(p.observances)] for p in report.series]
    for name, attribute in SPLITS.items():
        shares: tuple[Share, ...] = getattr(report, attribute)
        found[name] = [[s.key, s.label, s.posts, _share(s.posts, total), s.contributors]
                       for s in shares]
    found["top-posts.csv"] = [
        [rank, p.network, p.remote_id, p.url, p.author, p.created_at, p.kind, p.language, p.text,
         *_engagement(p), p.engagement, p.impressions, bool(p.pledges), _pledge_ids(p.pledges)]
        for rank, p in enumerate(report.top_posts, start=1)]
    found["contributors.csv"] = [
        [rank, c.network, c.handle, c.display_name, c.url, c.followers,
         *(getattr(c.counts, k) for k in KINDS), c.counts.posts, *_engagement(c.counts),
         bool(c.pledges), _pledge_ids(c.pledges)]
        for rank, c in enumerate(report.top_contributors, start=1)]
    found["tags.csv"] = [[t.tag, t.posts, round(t.share, 6)] for t in report.tags]
    found["pledgers.csv"] = [_pledger("active", a) for a in report.active] + \
        [_pledger("silent", s) for s in report.silent]
    reach = report.reach
    found["reach.csv"] = [[name, getattr(reach, name), reach.posts, reach.reported_posts,
                           report.reach_methods.get(name, "")] for name in REACH]
    return found


def _pledger(state: str, activity: PledgerActivity) -> list[object]:
    pledge = activity.pledge
    return [state, pledge.pledge_id, pledge.organisation, activity.title, pledge.audience,
            pledge.country, activity.light, activity.why, " ".join(activity.handles),
            activity.posts_in_month, activity.last_post, activity.last_post_url]


def write_csv(report: Report, folder: Path) -> list[Path]:
    """Write one CSV file a section into ``folder`` (created if missing); the files written."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"{folder}: cannot create the folder ({exc.strerror}): choose another "
                          "--csv folder") from None
    written = []
    for name, found in rows(report).items():
        path = folder / name
        with atomic_open(path, newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS[name])
            writer.writerows([_cell(value) for value in row] for row in found)
        written.append(path)
    return written


def _counts(counts: Counts) -> dict[str, int]:
    found = {kind: getattr(counts, kind) for kind in KINDS}
    found.update({name: getattr(counts, name) for name in ENGAGEMENT})
    found["posts"], found["engagement"] = counts.posts, counts.engagement
    return found


def _pledges(pledges: Iterable[PledgeRef]) -> list[dict[str, Any]]:
    return [{"pledge_id": p.pledge_id, "organisation": p.organisation, "audience": p.audience,
             "country": p.country, "status": p.status} for p in pledges]


def _iso(moment: datetime | date | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _activity(activity: PledgerActivity) -> dict[str, Any]:
    return {"pledge": _pledges([activity.pledge])[0], "title": activity.title,
            "light": activity.light, "why": activity.why, "handles": list(activity.handles),
            "posts_in_month": activity.posts_in_month, "last_post": _iso(activity.last_post),
            "last_post_url": activity.last_post_url}


def _splits(shares: Iterable[Share], total: int) -> list[dict[str, Any]]:
    return [{"key": s.key, "label": s.label, "posts": s.posts, "share": _share(s.posts, total),
             "contributors": s.contributors} for s in shares]


def report_json(report: Report) -> dict[str, Any]:
    """The whole report as JSON-able data: dates in ISO, the query and the reach methods."""
    total, reach = report.totals.posts, report.reach
    return {
        "query": report.query.as_dict(),
        "language": report.language,
        "generated_at": report.generated_at.isoformat(),
        "empty": report.empty,
        "month": report.month.isoformat(),
        "totals": {**_counts(report.totals), "contributors": report.contributors},
        "reach": {name: {"value": getattr(reach, name), "method": report.reach_methods.get(name),
                         "method_text": label(f"method_{name}", report.language),
                         "name": label(name, report.language)} for name in REACH}
        | {"posts": reach.posts, "reported_posts": reach.reported_posts},
        "series": [{"start": p.start.isoformat(), **_counts(p.counts),
                    "contributors": p.contributors, "observances": list(p.observances)}
                   for p in report.series],
        "by_network": _splits(report.by_network, total),
        "by_language": _splits(report.by_language, total),
        "by_audience": _splits(report.by_audience, total),
        "by_country": _splits(report.by_country, total),
        "top_posts": [{
            "network": p.network, "remote_id": p.remote_id, "url": p.url, "author": p.author,
            "created_at": p.created_at.isoformat(), "kind": p.kind, "language": p.language,
            "text": p.text, "likes": p.likes, "reposts": p.reposts, "replies": p.replies,
            "quotes": p.quotes, "engagement": p.engagement, "impressions": p.impressions,
            "pledges": _pledges(p.pledges)} for p in report.top_posts],
        "top_contributors": [{
            "network": c.network, "handle": c.handle, "display_name": c.display_name,
            "url": c.url, "followers": c.followers, **_counts(c.counts),
            "pledges": _pledges(c.pledges)} for c in report.top_contributors],
        "tags": [{"tag": t.tag, "posts": t.posts, "share": round(t.share, 6)}
                 for t in report.tags],
        "observances": [{"id": o.id, "day": o.day.isoformat(), "title": o.title}
                        for o in report.observances],
        "active": [_activity(a) for a in report.active],
        "silent": [_activity(s) for s in report.silent],
        "lights": dict(report.lights),
    }
