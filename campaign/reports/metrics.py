"""The report of the tracked posts for a period and filters: :func:`build_report`.

Everything is read from the daily summaries (``track_days``, ``track_author_days``, kept by the
store as posts arrive) and a few indexed lookups, never by scanning the posts: a year of a
million posts is reported in about a second. The posts themselves are read only for the top
posts (walked down the engagement index) and the pledgers' last posts (by author).

Days are UTC days. An author matched to several pledges counts under each of their stakeholder
types and countries (so those splits may add up to more than the contributors); an author no
pledge names counts under ``-``.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Connection, and_, cast, exists, func, literal_column, select
from sqlalchemy.sql.elements import ColumnElement

from campaign.errors import UsageError
from campaign.queue.engine import Database, aggregate_moment, among, chunks, utcnow
from campaign.reports.choices import NETWORK_NAMES, ReportError, check_query, report_choices
from campaign.reports.model import (
    NOT_A_PLEDGER,
    Contributor,
    Counts,
    Point,
    Reach,
    Report,
    ReportQuery,
    Share,
    TagShare,
    TopPost,
)
from campaign.reports.period import (
    bucket_start,
    buckets,
    builtin_calendar,
    day_start,
    observances,
    year_query,
)
from campaign.reports.pledgers import activity, author_filter, refs, report_day
from campaign.tracking.matching import pledger_refs
from campaign.tracking.models import AUTHOR_DAYS, AUTHORS, COUNTS, DAYS, POSTS, TAGS
from campaign.tracking.records import normalise_tag

# what the other formats and the story import from here, with build_report
__all__ = ["ReportError", "Reporter", "bucket_start", "buckets", "build_report", "check_query",
           "observances", "report_choices", "year_query"]

LANGUAGES = ("en", "fr", "es")
# the very expression of ix_tracked_posts_engagement (SQLite uses the index only then)
ENGAGEMENT: ColumnElement[int] = literal_column(
    "CAST(coalesce(likes, 0) AS NUMERIC) + coalesce(reposts, 0) + coalesce(replies, 0) "
    "+ coalesce(quotes, 0)")
WALK = 50_000  # posts the top posts' walk down the engagement index may read
_UNKNOWN = {"en": "unknown", "fr": "inconnue", "es": "desconocido"}
_NOT_PLEDGER = {"en": "not a pledger", "fr": "sans engagement", "es": "sin compromiso"}


def build_report(db: str | Database | None, query: ReportQuery, *, language: str = "en",
                 schedule: Any = None, now: datetime | None = None) -> Report:
    """The report of the tracked posts for ``query``, names in ``language`` (en, fr, es).

    ``db`` is a database URL (None: the default one) or an open store; ``schedule`` gives the
    observance days (None: the built-in calendar, moved to the period's year)."""
    with _opened(db) as store:
        return Reporter(store, language=language, schedule=schedule, now=now).report(query)


class Reporter:
    """Reports of one database that share what each of them would read again: the pledges in
    progress and the authors they name (the December story asks for two dozen reports)."""

    def __init__(self, store: Any, *, language: str = "en", schedule: Any = None,
                 now: datetime | None = None, activity: bool = True) -> None:
        if language not in LANGUAGES:
            raise UsageError("report language", language, LANGUAGES)
        self.store, self.language, self.schedule = store, language, schedule
        self.now = now or utcnow()
        # activity=False: the reports leave out the pledgers' activity and lights (the story
        # tells the pledges itself, and each of its reports would work them out again)
        self._pledges: Sequence[Any] | None = None if activity else ()
        self._lights: dict[date, dict[int, Any]] = {}
        self._pledgers: dict[int, Any] | None = None

    def report(self, query: ReportQuery) -> Report:
        """The report of ``query`` (see :func:`build_report`)."""
        with self._builder(query) as builder:
            return builder.build()

    def top_posts(self, query: ReportQuery) -> tuple[TopPost, ...]:
        """Only the most engaged posts of ``query`` (the story's pledgers' highlights)."""
        with self._builder(query) as builder:
            return builder.top_posts_only()

    @contextmanager
    def _builder(self, query: ReportQuery) -> Iterator[_Builder]:
        if query.hashtag is not None:  # '#EndChildLabour2021' is the tag endchildlabour2021
            query = replace(query, hashtag=normalise_tag(query.hashtag))
        schedule = self.schedule or builtin_calendar(query.start.year)
        # before the report's own transaction; worked out in a thread beside the report's
        # queries, they took longer, not less: both halves are mostly Python, and one runs
        # at a time
        pledges = self._pledge_lights(report_day(query))
        with self.store._reading() as conn:
            check_query(conn, query, (a.id for a in getattr(schedule, "audiences", ())))
            yield _Builder(pledges, conn, query, self.language, schedule, self.now)

    def _pledge_lights(self, day: date) -> _Pledges:
        """The pledges in progress (read once), their lights on ``day`` (once a day), and the
        authors pledges name (read once)."""
        from campaign.pledges.progress import pledge_light

        if self._pledgers is None:
            with self.store._reading() as conn:
                self._pledgers = pledger_refs(conn)
        if self._pledges is None:
            self._pledges = self.store.light_pledges(("submitted", "accepted", "fulfilled"))
        found = self._lights.get(day)
        if found is None:
            found = self._lights[day] = {p.id: pledge_light(p, day) for p in self._pledges}
        return _Pledges(self._pledges, found, self._pledgers)


@dataclass(frozen=True)
class _Pledges:
    """What a report knows of the pledges: those in progress, their lights on the report's day,
    and the tracked authors pledges name (row id -> their pledges)."""

    pledges: Sequence[Any]
    lights: dict[int, Any]
    authors: dict[int, Any]


@dataclass
class _People:
    """The period's contributors: each one's network and counts (posts by kind, engagement),
    and who wrote on each network and in each language."""

    per: dict[int, tuple[str, tuple[int, ...]]] = field(default_factory=dict)
    networks: defaultdict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    languages: defaultdict[str, set[int]] = field(default_factory=lambda: defaultdict(set))


class _Builder:
    """One report's queries, sharing the period's conditions."""

    def __init__(self, pledges: _Pledges, conn: Connection, query: ReportQuery,
                 language: str, schedule: Any, now: datetime) -> None:
        self.pledges = pledges
        self.conn: Connection = conn
        self.q: ReportQuery = query
        self.lang, self.schedule, self.now = language, schedule, now
        self.first, self.last = query.start.isoformat(), query.end.isoformat()
        self.tag = query.hashtag or ""
        self.authors = author_filter(query, self.pledgers, conn.dialect.name) \
            if query.filtered_by_author else None

    @property
    def pledgers(self) -> dict[int, Any]:
        """The tracked authors pledges name (row id -> their pledges)."""
        return self.pledges.authors

    # conditions on a summary table
    def _where(self, table: Any, tag: str | None = None) -> list[ColumnElement[bool]]:
        where = [table.c.tag == (self.tag if tag is None else tag),
                 table.c.day >= self.first, table.c.day <= self.last]
        if self.q.networks:
            where.append(table.c.network.in_(self.q.networks))
        if self.q.languages:
            where.append(table.c.language.in_(self.q.languages))
        if "author_ref" in table.c and self.authors is not None:
            where.append(self.authors(table.c.author_ref))
        return where

    def build(self) -> Report:
        q = self.q
        table = AUTHOR_DAYS if self.authors is not None else DAYS
        sums = [func.coalesce(func.sum(table.c[name]), 0) for name in COUNTS]
        by_day: dict[tuple[str, str, str], list[int]] = {}
        for day, network, lang, *counts in self.conn.execute(
                select(table.c.day, table.c.network, table.c.language, *sums)
                .where(*self._where(table))
                .group_by(table.c.day, table.c.network, table.c.language)):
            by_day[(str(day), str(network), str(lang))] = [int(c) for c in counts]
        total = _add(by_day.values())
        per_bucket: dict[date, list[int]] = defaultdict(lambda: [0] * len(COUNTS))
        per_network: dict[str, list[int]] = defaultdict(lambda: [0] * len(COUNTS))
        per_language: dict[str, list[int]] = defaultdict(lambda: [0] * len(COUNTS))
        for (day, network, lang), counts in by_day.items():
            for target in (per_bucket[bucket_start(date.fromisoformat(day), q.bucket)],
                           per_network[network], per_language[lang]):
                for i, value in enumerate(counts):
                    target[i] += value
        authors = self._authors()
        contributors = len(authors.per)
        followers = self._followers(authors.per.keys())
        reach = Reach(potential_reach=sum(f for f in followers.values() if f),
                      potential_impressions=total[10], reported_impressions=total[8],
                      reported_posts=total[9], posts=sum(total[:4]))
        in_bucket = self._contributors_per_bucket()
        observed = observances(self.schedule, self.lang, q.start, q.end)
        marks: dict[date, list[str]] = defaultdict(list)
        for o in observed:
            marks[bucket_start(o.day, q.bucket)].append(o.id)
        series = tuple(Point(b, _counts(per_bucket.get(b, [0] * len(COUNTS))), in_bucket.get(b, 0),
                             tuple(marks.get(b, ()))) for b in buckets(q))
        by_network = _shares(per_network, authors.networks, lambda k: NETWORK_NAMES.get(k, k))
        by_language = _shares(per_language, authors.languages, self._language_name)
        by_audience, by_country = self._pledge_splits(authors, sum(total[:4]), contributors)
        month = bucket_start(report_day(q), "month")
        known = self.pledges
        active, silent, lights = activity(self.conn, q, known.pledges, known.authors, month,
                                          known.lights)
        return Report(
            query=q, language=self.lang, generated_at=self.now, totals=_counts(total),
            contributors=contributors, reach=reach, series=series, by_network=by_network,
            by_language=by_language, by_audience=by_audience, by_country=by_country,
            top_posts=self._top_posts(sum(total[:4])), top_contributors=self._top_contributors(authors),
            tags=self._tags(sum(total[:4])), observances=observed, month=month,
            active=active, silent=silent, lights=lights)

    # contributors: one row per author and language over the period, read in one pass (a
    # year of a million posts has some 100,000 of them: nothing per row but what is needed)
    def _authors(self) -> _People:
        t = AUTHOR_DAYS
        sums = [cast(func.sum(t.c[name]), BigInteger) for name in COUNTS[:8]]
        people = _People()
        per, networks, languages = people.per, people.networks, people.languages
        for row in self.conn.execute(
                select(t.c.author_ref, t.c.language, func.min(t.c.network), *sums)
                .where(*self._where(t)).group_by(t.c.author_ref, t.c.language)):
            ref, lang, network = row[0], row[1], row[2]
            counts = tuple(row[3:])
            seen = per.get(ref)
            # an author writing in two languages has two rows: their counts add up
            per[ref] = (network, counts if seen is None else
                        tuple(a + b for a, b in zip(seen[1], counts, strict=True)))
            networks[network].add(ref)
            languages[lang].add(ref)
        return people

    def _followers(self, refs: Iterable[int]) -> dict[int, int | None]:
        refs = set(refs)
        if len(refs) > 20_000:  # most of them: one pass over the authors is cheaper than lists
            return {r: f for r, f in self.conn.execute(
                select(AUTHORS.c.id, AUTHORS.c.followers)) if r in refs}
        found: dict[int, int | None] = {}
        for chunk in chunks(sorted(refs), 5000):
            found.update((int(r), f) for r, f in self.conn.execute(
                select(AUTHORS.c.id, AUTHORS.c.followers)
                .where(among(self.conn.dialect.name, AUTHORS.c.id, chunk))))
        return found

    def _contributors_per_bucket(self) -> dict[date, int]:
        t = AUTHOR_DAYS
        if self.q.bucket == "day":
            key: Any = t.c.day
        elif self.q.bucket == "month":
            key = func.substr(t.c.day, 1, 7)
        elif self.conn.dialect.name == "postgresql":
            key = func.to_char(func.date_trunc("week", func.cast(t.c.day, _date_type())),
                               "YYYY-MM-DD")
        else:  # SQLite: the Monday on or before the day
            key = func.date(t.c.day, "-6 days", "weekday 1")
        found = {}
        for bucket, count in self.conn.execute(
                select(key, func.count(t.c.author_ref.distinct()))
                .where(*self._where(t)).group_by(key)):
            text_ = str(bucket)
            found[date.fromisoformat(text_ + "-01" if len(text_) == 7 else text_)] = int(count)
        return found

    def _language_name(self, code: str) -> str:
        if not code or code == "und":
            return _UNKNOWN[self.lang]
        from babel import Locale, UnknownLocaleError

        try:
            name = Locale.parse(self.lang).languages.get(code.replace("-", "_").split("_")[0])
        except (ValueError, UnknownLocaleError):
            name = None
        return name or code

    def _pledge_splits(self, authors: _People, posts: int,
                       contributors: int) -> tuple[tuple[Share, ...], tuple[Share, ...]]:
        from campaign.pledges.form import country_name

        per_author = {ref: sum(authors.per[ref][1][:4]) for ref in self.pledgers
                      if ref in authors.per}
        audience_posts: dict[str, int] = defaultdict(int)
        audience_people: dict[str, int] = defaultdict(int)
        country_posts: dict[str, int] = defaultdict(int)
        country_people: dict[str, int] = defaultdict(int)
        pledged_posts = pledged_people = 0
        for ref, n in per_author.items():
            pledges = self.pledgers.get(ref)
            if not pledges:
                continue
            pledged_posts += n
            pledged_people += 1
            for key, posts_of, people in (
                    ({p.audience for p in pledges}, audience_posts, audience_people),
                    ({p.country or NOT_A_PLEDGER for p in pledges}, country_posts,
                     country_people)):
                for value in key:
                    posts_of[value] += n
                    people[value] += 1
        for posts_of, people in ((audience_posts, audience_people),
                                 (country_posts, country_people)):
            if posts - pledged_posts:
                posts_of[NOT_A_PLEDGER] += posts - pledged_posts
                people[NOT_A_PLEDGER] += contributors - pledged_people
        names = {a.id: a.name.get(self.lang) or a.id
                 for a in getattr(self.schedule, "audiences", ())} if self.schedule else {}

        def audience_label(key: str) -> str:
            return _NOT_PLEDGER[self.lang] if key == NOT_A_PLEDGER else names.get(key, key)

        def country_label(key: str) -> str:
            return _NOT_PLEDGER[self.lang] if key == NOT_A_PLEDGER else country_name(key,
                                                                                     self.lang)

        return (_ordered(audience_posts, audience_people, audience_label),
                _ordered(country_posts, country_people, country_label))

    def top_posts_only(self) -> tuple[TopPost, ...]:
        """The top posts, without the rest of the report."""
        table = AUTHOR_DAYS if self.authors is not None else DAYS
        posts = self.conn.execute(select(cast(func.sum(
            table.c.n_original + table.c.n_reply + table.c.n_repost + table.c.n_quote),
            BigInteger)).where(*self._where(table))).scalar()
        return self._top_posts(int(posts or 0))

    def _top_posts(self, matching: int) -> tuple[TopPost, ...]:
        """The most engaged posts. When the filters keep a good share of all posts, walk the
        engagement index from the top until enough match (a few rows read); otherwise sort the
        posts the filters keep. SQLite's planner prefers the period's index even for a year
        of a million posts (then it sorts all of them), so there the walk's conditions are
        written ``+column``, which SQLite documents as keeping a term off every index."""
        if not matching:
            return ()
        p = POSTS
        everything = self.conn.execute(
            select(func.sum(DAYS.c.n_original + DAYS.c.n_reply + DAYS.c.n_repost
                            + DAYS.c.n_quote)).where(DAYS.c.tag == "")).scalar() or 0
        # rows the walk reads before finding enough, if matching posts are spread evenly
        walk = self.q.top * int(everything) / matching <= WALK and \
            self.conn.dialect.name == "sqlite"

        def c(name: str) -> Any:
            column = p.c[name]
            return literal_column(f"+{p.name}.{name}", type_=column.type) if walk else column

        where = [c("created_at") >= day_start(self.q.start),
                 c("created_at") < day_start(self.q.end + timedelta(days=1))]
        if self.q.networks:
            where.append(c("network").in_(self.q.networks))
        if self.q.languages:
            where.append(c("language").in_(self.q.languages))
        if self.authors is not None:
            where.append(self.authors(c("author_ref")))
        if self.q.hashtag and walk:  # each post walked past: one probe of its tags' key
            where.append(exists().where(TAGS.c.post_ref == p.c.id, TAGS.c.tag == self.q.hashtag))
        elif self.q.hashtag:  # few posts carry it: they are found from the tag's own index
            where.append(c("id").in_(select(TAGS.c.post_ref).where(TAGS.c.tag == self.q.hashtag)))
        query = (select(p.c.network, p.c.remote_id, p.c.url, p.c.author_handle, p.c.created_at,
                        p.c.kind, p.c.language, p.c.text, p.c.likes, p.c.reposts, p.c.replies,
                        p.c.quotes, p.c.impressions, p.c.author_ref)
                 .where(*where).order_by(ENGAGEMENT.desc(), p.c.id.desc()).limit(self.q.top))
        rows = self.conn.execute(query).all()
        return tuple(TopPost(
            str(r[0]), str(r[1]), str(r[2] or ""), str(r[3] or ""), aggregate_moment(r[4]), str(r[5]),
            str(r[6] or ""), str(r[7] or ""), int(r[8] or 0), int(r[9] or 0), int(r[10] or 0),
            int(r[11] or 0), None if r[12] is None else int(r[12]),
            refs(self.pledgers.get(int(r[13]), ()))) for r in rows)

    def _top_contributors(self, authors: _People) -> tuple[Contributor, ...]:
        per = {ref: counts for ref, (_network, counts) in authors.per.items()}
        top = [ref for *_k, ref in heapq.nsmallest(
            self.q.top, ((-sum(c[:4]), -sum(c[4:8]), ref) for ref, c in per.items()))]
        if not top:
            return ()
        who = {int(r[0]): r for r in self.conn.execute(
            select(AUTHORS.c.id, AUTHORS.c.network, AUTHORS.c.handle, AUTHORS.c.display_name,
                   AUTHORS.c.url, AUTHORS.c.followers).where(AUTHORS.c.id.in_(top)))}
        return tuple(Contributor(str(who[r][1]), str(who[r][2] or ""), str(who[r][3] or ""),
                                 str(who[r][4] or ""), who[r][5], _counts(per[r]),
                                 refs(self.pledgers.get(r, ())))
                     for r in top if r in who)

    def _tags(self, posts: int) -> tuple[TagShare, ...]:
        if not posts:
            return ()
        n = func.sum(DAYS.c.n_original + DAYS.c.n_reply + DAYS.c.n_repost + DAYS.c.n_quote)
        if self.q.hashtag:
            a, b = TAGS.alias("a"), TAGS.alias("b")
            query = (select(b.c.tag, func.count()).select_from(a)
                     .join(b, and_(b.c.post_ref == a.c.post_ref, b.c.tag != a.c.tag))
                     .where(a.c.tag == self.q.hashtag, a.c.created_at >= day_start(self.q.start),
                            a.c.created_at < day_start(self.q.end + timedelta(days=1))))
            if self.q.networks or self.q.languages or self.authors is not None:
                query = query.join(POSTS, POSTS.c.id == a.c.post_ref)
                if self.q.networks:
                    query = query.where(POSTS.c.network.in_(self.q.networks))
                if self.q.languages:
                    query = query.where(POSTS.c.language.in_(self.q.languages))
                if self.authors is not None:
                    query = query.where(self.authors(POSTS.c.author_ref))
            query = query.group_by(b.c.tag).order_by(func.count().desc(), b.c.tag)
        elif self.authors is not None:
            t = AUTHOR_DAYS
            n = func.sum(t.c.n_original + t.c.n_reply + t.c.n_repost + t.c.n_quote)
            where = self._where(t, tag="")[1:]
            query = (select(t.c.tag, n).where(t.c.tag != "", *where).group_by(t.c.tag)
                     .order_by(n.desc(), t.c.tag))
        else:
            where = self._where(DAYS, tag="")[1:]
            query = (select(DAYS.c.tag, n).where(DAYS.c.tag != "", *where).group_by(DAYS.c.tag)
                     .order_by(n.desc(), DAYS.c.tag))
        rows = self.conn.execute(query.limit(self.q.top)).all()
        return tuple(TagShare(str(tag), int(count), int(count) / posts) for tag, count in rows)


# -- pieces ----------------------------------------------------------------------------------------
def _opened(db: str | Database | None) -> Any:
    """The database as a pledge store (it reads the pledges too), closed after if opened here."""
    from campaign.pledges.store import PledgeStore

    @contextmanager
    def opened() -> Any:
        if isinstance(db, PledgeStore):
            yield db
            return
        store = PledgeStore(db.url if isinstance(db, Database) else db)
        try:
            yield store
        finally:
            store.close()

    return opened()


def _add(rows: Iterable[Sequence[int]]) -> list[int]:
    total = [0] * len(COUNTS)
    for row in rows:
        for i, value in enumerate(row):
            total[i] += value
    return total


def _counts(values: Sequence[int]) -> Counts:
    return Counts(*values[:8])


def _shares(posts: Mapping[str, Sequence[int]], people: Mapping[str, set[int]],
            label: Any) -> tuple[Share, ...]:
    return _ordered({k: sum(v[:4]) for k, v in posts.items()},
                    {k: len(v) for k, v in people.items()}, label)


def _ordered(posts: Mapping[str, int], people: Mapping[str, int], label: Any
             ) -> tuple[Share, ...]:
    keys = sorted(posts, key=lambda k: (-posts[k], k))
    return tuple(Share(k, label(k), posts[k], people.get(k, 0)) for k in keys if posts[k])


def _date_type() -> Any:
    from sqlalchemy import Date

    return Date()
