"""Pledgers in a report: which authors its stakeholder-type, country and pledgers-only filters
keep, and each pledge's activity (active in the month, or silent since its last post) with its
traffic light.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, exists, func, not_, select

from campaign.queue.engine import aggregate_moment, among, chunks
from campaign.reports.model import NOT_A_PLEDGER, PledgerActivity, PledgeRef, ReportQuery
from campaign.reports.period import day_start
from campaign.tracking.matching import Pledger
from campaign.tracking.models import AUTHOR_DAYS, AUTHORS, POSTS, TAGS


def author_filter(query: ReportQuery, pledgers: Mapping[int, tuple[Pledger, ...]],
                  dialect: str = "sqlite") -> Any:
    """A condition on an ``author_ref`` column for the stakeholder-type, country and
    pledgers-only filters; None when the report keeps every author."""
    if not query.filtered_by_author:
        return None

    def passes(pledges: Sequence[Pledger]) -> bool:
        if query.audiences and not any(p.audience in query.audiences for p in pledges):
            return False
        return not (query.countries and not any((p.country or NOT_A_PLEDGER) in query.countries
                                                for p in pledges))

    chosen = sorted(ref for ref, pledges in pledgers.items() if passes(pledges))
    others_too = not query.pledgers_only and (
        not query.audiences or NOT_A_PLEDGER in query.audiences) and (
        not query.countries or NOT_A_PLEDGER in query.countries)
    if others_too:  # non-pledgers pass: leave out the pledgers who do not
        left_out = sorted(set(pledgers) - set(chosen))
        return lambda column: not_(among(dialect, column, left_out)) if left_out \
            else column.isnot(None)
    return lambda column: among(dialect, column, chosen) if chosen else column.is_(None)


def report_day(query: ReportQuery) -> date:
    """The day a report's pledgers are seen from: ``--today`` moved into the period (a day
    after it is its last day, a day before it its first), the period's last day by default."""
    return min(max(query.today or query.end, query.start), query.end)


def activity(conn: Connection, query: ReportQuery, pledges: Sequence[Any],
             pledgers: Mapping[int, tuple[Pledger, ...]], month: date,
             lights_of: Mapping[int, Any] | None = None
             ) -> tuple[tuple[PledgerActivity, ...], tuple[PledgerActivity, ...], dict[str, int]]:
    """The pledges (submitted, accepted, fulfilled) and their authors' posts: active in the
    month (up to the report's day, within the period, on its networks and languages), or
    silent, each with its last post up to that day; the pledges per traffic light
    (``lights_of``: each pledge's light on that day, when already worked out)."""
    from campaign.pledges.progress import count_lights, pledge_light

    refs_of: dict[int, list[int]] = defaultdict(list)
    for ref, matched in pledgers.items():
        for p in matched:
            refs_of[p.pledge_id].append(ref)
    wanted = [p for p in pledges if _wanted(query, p)]
    refs = sorted({r for p in wanted for r in refs_of.get(p.id, ())})
    day = report_day(query)
    month_start = max(month, query.start)
    month_end = min((month.replace(day=28) + timedelta(days=4)).replace(day=1)
                    - timedelta(days=1), day)
    in_month: dict[int, int] = defaultdict(int)
    last: dict[int, tuple[datetime, str]] = {}
    t = AUTHOR_DAYS
    # the last post of a report on a hashtag is the last one carrying it (one primary-key
    # look-up per post of the pledgers): "silent on #tag, last post yesterday" would say both
    tagged = [exists().where(TAGS.c.post_ref == POSTS.c.id, TAGS.c.tag == query.hashtag)] \
        if query.hashtag else []
    dialect = conn.dialect.name
    for chunk in chunks(refs, 50_000 if dialect == "postgresql" else 5000):
        for ref, n in conn.execute(
                select(t.c.author_ref, func.sum(t.c.n_original + t.c.n_reply + t.c.n_repost
                                                + t.c.n_quote))
                .where(t.c.tag == (query.hashtag or ''), among(dialect, t.c.author_ref, chunk),
                       t.c.day >= month_start.isoformat(), t.c.day <= month_end.isoformat(),
                       *_posted_on(t, query))
                .group_by(t.c.author_ref)):
            in_month[int(ref)] = int(n or 0)
        latest = (select(POSTS.c.author_ref, func.max(POSTS.c.created_at).label("at"))
                  .where(among(dialect, POSTS.c.author_ref, chunk),
                         POSTS.c.created_at < day_start(day + timedelta(days=1)),
                         *_posted_on(POSTS, query), *tagged)
                  .group_by(POSTS.c.author_ref).subquery())
        for ref, at, url in conn.execute(
                select(latest.c.author_ref, latest.c.at, func.min(POSTS.c.url))
                .join(POSTS, and_(POSTS.c.author_ref == latest.c.author_ref,
                                  POSTS.c.created_at == latest.c.at))
                .group_by(latest.c.author_ref, latest.c.at)):
            last[int(ref)] = (aggregate_moment(at), str(url or ""))
    handles = _handles(conn, refs)
    active: list[PledgerActivity] = []
    silent: list[PledgerActivity] = []
    lights = []
    for pledge in wanted:
        light = lights_of[pledge.id] if lights_of is not None else pledge_light(pledge, day)
        lights.append(light.light)
        mine = refs_of.get(pledge.id, [])
        seen = [last[r] for r in mine if r in last]
        latest_post = max(seen) if seen else None
        item = PledgerActivity(
            pledge=PledgeRef(pledge.id, pledge.form.name, pledge.form.audience,
                             pledge.form.country or "", pledge.status.value),
            title=pledge.form.title, light=light.light.value, why=light.why,
            handles=tuple(sorted(handles[r] for r in mine if r in handles)),
            posts_in_month=sum(in_month.get(r, 0) for r in mine),
            last_post=latest_post[0] if latest_post else None,
            last_post_url=latest_post[1] if latest_post else "")
        (active if item.posts_in_month else silent).append(item)
    active.sort(key=lambda a: (-a.posts_in_month, a.pledge.pledge_id))
    far = datetime.min.replace(tzinfo=UTC)
    silent.sort(key=lambda a: (a.last_post or far, a.pledge.pledge_id))
    return tuple(active), tuple(silent), count_lights(lights)


def _posted_on(table: Any, q: ReportQuery) -> list[Any]:
    """The report's network and language filters on a table of posts or of their summaries."""
    where = []
    if q.networks:
        where.append(table.c.network.in_(q.networks))
    if q.languages:
        where.append(table.c.language.in_(q.languages))
    return where


def _wanted(q: ReportQuery, pledge: Any) -> bool:
    if q.audiences and pledge.form.audience not in q.audiences:
        return False
    return not (q.countries and (pledge.form.country or NOT_A_PLEDGER) not in q.countries)


def _handles(conn: Connection, refs: Sequence[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    dialect = conn.dialect.name
    for chunk in chunks(list(refs), 50_000 if dialect == "postgresql" else 5000):
        found.update((int(r), f"{n}:{h}") for r, n, h in conn.execute(
            select(AUTHORS.c.id, AUTHORS.c.network, AUTHORS.c.handle)
            .where(among(dialect, AUTHORS.c.id, chunk))))
    return found


def refs(pledgers: Iterable[Pledger]) -> tuple[PledgeRef, ...]:
    """Matched pledges as the report names them."""
    return tuple(PledgeRef(p.pledge_id, p.organisation, p.audience, p.country, p.status)
                 for p in pledgers)
