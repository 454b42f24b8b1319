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

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, and_, func, literal_column, not_, select
from sqlalchemy.sql.elements import ColumnElement

from campaign.errors import CampaignError, UsageError
from campaign.queue.engine import Database, utcnow
from campaign.reports.model import (
    BUCKETS,
    NOT_A_PLEDGER,
    Contributor,
    Counts,
    Observance,
    PledgerActivity,
    PledgeRef,
    Point,
    Reach,
    Report,
    ReportQuery,
    Share,
    TagShare,
    TopPost,
)
from campaign.tracking.matching import Pledger, pledger_refs
from campaign.tracking.models import AUTHOR_DAYS, AUTHORS, COUNTS, DAYS, POSTS, TAGS
from campaign.tracking.records import normalise_tag

LANGUAGES = ("en", "fr", "es")
NETWORK_NAMES = {"x": "X", "bluesky": "Bluesky", "mastodon": "Mastodon"}
# the very expression of ix_tracked_posts_engagement (SQLite uses the index only then)
ENGAGEMENT: ColumnElement[int] = literal_column(
    "coalesce(likes, 0) + coalesce(reposts, 0) + coalesce(replies, 0) + coalesce(quotes, 0)")
WALK = 50_000  # posts the top posts' walk down the engagement index may read
MAX_CHOICES = 30  # hashtags named when an unknown one is asked for: the most used
_UNKNOWN = {"en": "unknown", "fr": "inconnue", "es": "desconocido"}
_NOT_PLEDGER = {"en": "not a pledger", "fr": "sans engagement", "es": "sin compromiso"}


class ReportError(CampaignError):
    """A report that cannot be built as asked (its message says which option to change)."""


# -- the period and its buckets ----------------------------------------------------------------
def year_query(year: int, **filters: Any) -> ReportQuery:
    """A report of the whole year (1 January to 31 December), by month unless told."""
    filters.setdefault("bucket", "month")
    return ReportQuery(start=date(year, 1, 1), end=date(year, 12, 31), **filters)


def bucket_start(day: date, bucket: str) -> date:
    """The first day of the bucket holding ``day``: itself, its week's Monday, its month's 1st."""
    if bucket == "week":
        return day - timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    return day


def buckets(query: ReportQuery) -> list[date]:
    """Every bucket of the period, empty ones included, so a chart's gaps show as zeros."""
    found, day = [], bucket_start(query.start, query.bucket)
    while day <= query.end:
        found.append(day)
        if query.bucket == "month":
            day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        else:
            day += timedelta(days=7 if query.bucket == "week" else 1)
    return found


# -- choices -----------------------------------------------------------------------------------
def report_choices(db: str | Database | None) -> dict[str, list[str]]:
    """The values each filter may take, as seen in the database: networks, languages,
    hashtags (most used first, at most 30), stakeholder types and countries of pledges."""
    with _opened(db) as store, store._connection() as conn:
        return _choices(conn)


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


# -- the report ----------------------------------------------------------------------------------
def build_report(db: str | Database | None, query: ReportQuery, *, language: str = "en",
                 schedule: Any = None, now: datetime | None = None) -> Report:
    """The report of the tracked posts for ``query``, names in ``language`` (en, fr, es).

    ``db`` is a database URL (None: the default one) or an open store; ``schedule`` gives the
    observance days (None: the built-in calendar, moved to the period's year)."""
    if language not in LANGUAGES:
        raise UsageError("report language", language, LANGUAGES)
    if query.hashtag is not None:  # '#EndChildLabour2021' is the tag endchildlabour2021
        query = replace(query, hashtag=normalise_tag(query.hashtag))
    if schedule is None:
        schedule = _built_in(query.start.year)
    with _opened(db) as store:
        # before the report's transaction: on SQLite it holds the database's one write lock
        pledges = store.pledges(statuses=("submitted", "accepted", "fulfilled"))
        with store._connection() as conn:
            check_query(conn, query, (a.id for a in getattr(schedule, "audiences", ())))
            return _Builder(pledges, conn, query, language, schedule, now or utcnow()).build()


class _Builder:
    """One report's queries, sharing the period's conditions."""

    def __init__(self, pledges: Sequence[Any], conn: Connection, query: ReportQuery,
                 language: str, schedule: Any, now: datetime) -> None:
        self.pledges = pledges
        self.conn: Connection = conn
        self.q: ReportQuery = query
        self.lang, self.schedule, self.now = language, schedule, now
        self.first, self.last = query.start.isoformat(), query.end.isoformat()
        self.tag = query.hashtag or ""
        self.pledgers = pledger_refs(conn)
        self.authors = _author_filter(query, self.pledgers)

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
        contributors = len({ref for ref, _lang in authors})
        reach = Reach(potential_reach=sum({ref: row[1] or 0 for (ref, _l), row in authors.items()}
                                          .values()),
                      potential_impressions=total[10], reported_impressions=total[8],
                      reported_posts=total[9], posts=sum(total[:4]))
        in_bucket = self._contributors_per_bucket()
        observed = observances(self.schedule, self.lang, q.start, q.end)
        marks: dict[date, list[str]] = defaultdict(list)
        for o in observed:
            marks[bucket_start(o.day, q.bucket)].append(o.id)
        series = tuple(Point(b, _counts(per_bucket.get(b, [0] * len(COUNTS))), in_bucket.get(b, 0),
                             tuple(marks.get(b, ()))) for b in buckets(q))
        network_authors, language_authors = defaultdict(set), defaultdict(set)
        for (ref, lang), row in authors.items():
            network_authors[row[0]].add(ref)
            language_authors[lang].add(ref)
        by_network = _shares(per_network, network_authors, lambda k: NETWORK_NAMES.get(k, k))
        by_language = _shares(per_language, language_authors, self._language_name)
        by_audience, by_country = self._pledge_splits(authors, sum(total[:4]), contributors)
        month = bucket_start(q.today or q.end, "month")
        active, silent, lights = self._pledgers(month)
        return Report(
            query=q, language=self.lang, generated_at=self.now, totals=_counts(total),
            contributors=contributors, reach=reach, series=series, by_network=by_network,
            by_language=by_language, by_audience=by_audience, by_country=by_country,
            top_posts=self._top_posts(sum(total[:4])), top_contributors=self._top_contributors(authors),
            tags=self._tags(sum(total[:4])), observances=observed, month=month,
            active=active, silent=silent, lights=lights)

    # contributors: one row per author and language over the period
    def _authors(self) -> dict[tuple[int, str], list[Any]]:
        """(author, language) -> [network, followers, *counts]."""
        t = AUTHOR_DAYS
        sums = [func.sum(t.c[name]) for name in COUNTS]
        found: dict[tuple[int, str], list[Any]] = {}
        rows = self.conn.execute(
            select(t.c.author_ref, t.c.language, func.min(t.c.network), *sums)
            .where(*self._where(t)).group_by(t.c.author_ref, t.c.language))
        for ref, lang, network, *counts in rows:
            found[(int(ref), str(lang))] = [str(network), None, *(int(c) for c in counts)]
        if found:
            followers = self._followers({ref for ref, _ in found})
            for (ref, _lang), row in found.items():
                row[1] = followers.get(ref)
        return found

    def _followers(self, refs: set[int]) -> dict[int, int | None]:
        if len(refs) > 20_000:  # most of them: one pass over the authors is cheaper than lists
            return {int(r): f for r, f in self.conn.execute(
                select(AUTHORS.c.id, AUTHORS.c.followers)) if int(r) in refs}
        found: dict[int, int | None] = {}
        ordered = sorted(refs)
        for start in range(0, len(ordered), 5000):
            found.update((int(r), f) for r, f in self.conn.execute(
                select(AUTHORS.c.id, AUTHORS.c.followers)
                .where(AUTHORS.c.id.in_(ordered[start:start + 5000]))))
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

    def _pledge_splits(self, authors: Mapping[tuple[int, str], list[Any]], posts: int,
                       contributors: int) -> tuple[tuple[Share, ...], tuple[Share, ...]]:
        from campaign.pledges.form import country_name

        per_author: dict[int, int] = defaultdict(int)
        for (ref, _lang), row in authors.items():
            per_author[ref] += sum(row[2:6])
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

        where = [c("created_at") >= _start(self.q.start),
                 c("created_at") < _start(self.q.end + timedelta(days=1))]
        if self.q.networks:
            where.append(c("network").in_(self.q.networks))
        if self.q.languages:
            where.append(c("language").in_(self.q.languages))
        if self.authors is not None:
            where.append(self.authors(c("author_ref")))
        if self.q.hashtag:
            where.append(c("id").in_(select(TAGS.c.post_ref).where(TAGS.c.tag == self.q.hashtag)))
        query = (select(p.c.network, p.c.remote_id, p.c.url, p.c.author_handle, p.c.created_at,
                        p.c.kind, p.c.language, p.c.text, p.c.likes, p.c.reposts, p.c.replies,
                        p.c.quotes, p.c.impressions, p.c.author_ref)
                 .where(*where).order_by(ENGAGEMENT.desc(), p.c.id.desc()).limit(self.q.top))
        rows = self.conn.execute(query).all()
        return tuple(TopPost(
            str(r[0]), str(r[1]), str(r[2] or ""), str(r[3] or ""), _aware(r[4]), str(r[5]),
            str(r[6] or ""), str(r[7] or ""), int(r[8] or 0), int(r[9] or 0), int(r[10] or 0),
            int(r[11] or 0), None if r[12] is None else int(r[12]),
            _refs(self.pledgers.get(int(r[13]), ()))) for r in rows)

    def _top_contributors(self, authors: Mapping[tuple[int, str], list[Any]]
                          ) -> tuple[Contributor, ...]:
        per: dict[int, list[int]] = {}
        for (ref, _lang), row in authors.items():
            counts = per.setdefault(ref, [0] * len(COUNTS))
            for i, value in enumerate(row[2:]):
                counts[i] += value
        top = sorted(per, key=lambda r: (-sum(per[r][:4]), -sum(per[r][4:8]), r))[:self.q.top]
        if not top:
            return ()
        who = {int(r[0]): r for r in self.conn.execute(
            select(AUTHORS.c.id, AUTHORS.c.network, AUTHORS.c.handle, AUTHORS.c.display_name,
                   AUTHORS.c.url, AUTHORS.c.followers).where(AUTHORS.c.id.in_(top)))}
        return tuple(Contributor(str(who[r][1]), str(who[r][2] or ""), str(who[r][3] or ""),
                                 str(who[r][4] or ""), who[r][5], _counts(per[r]),
                                 _refs(self.pledgers.get(r, ())))
                     for r in top if r in who)

    def _tags(self, posts: int) -> tuple[TagShare, ...]:
        if not posts:
            return ()
        n = func.sum(DAYS.c.n_original + DAYS.c.n_reply + DAYS.c.n_repost + DAYS.c.n_quote)
        if self.q.hashtag:
            a, b = TAGS.alias("a"), TAGS.alias("b")
            query = (select(b.c.tag, func.count()).select_from(a)
                     .join(b, and_(b.c.post_ref == a.c.post_ref, b.c.tag != a.c.tag))
                     .where(a.c.tag == self.q.hashtag, a.c.created_at >= _start(self.q.start),
                            a.c.created_at < _start(self.q.end + timedelta(days=1))))
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

    def _pledgers(self, month: date) -> tuple[tuple[PledgerActivity, ...],
                                              tuple[PledgerActivity, ...], dict[str, int]]:
        """The pledges (submitted, accepted, fulfilled) and their authors' posts: active in the
        month, or silent with their last post; the pledges per traffic light."""
        from campaign.pledges.progress import count_lights, pledge_light

        pledges = self.pledges
        refs_of: dict[int, list[int]] = defaultdict(list)
        for ref, pledgers in self.pledgers.items():
            for p in pledgers:
                refs_of[p.pledge_id].append(ref)
        wanted = [p for p in pledges if self._pledge_wanted(p)]
        refs = sorted({r for p in wanted for r in refs_of.get(p.id, ())})
        month_end = min((month.replace(day=28) + timedelta(days=4)).replace(day=1)
                        - timedelta(days=1), self.q.end)
        in_month: dict[int, int] = defaultdict(int)
        last: dict[int, tuple[datetime, str]] = {}
        t = AUTHOR_DAYS
        for chunk in _chunked(refs):
            for ref, n in self.conn.execute(
                    select(t.c.author_ref, func.sum(t.c.n_original + t.c.n_reply + t.c.n_repost
                                                    + t.c.n_quote))
                    .where(t.c.tag == self.tag, t.c.author_ref.in_(chunk),
                           t.c.day >= month.isoformat(), t.c.day <= month_end.isoformat())
                    .group_by(t.c.author_ref)):
                in_month[int(ref)] = int(n or 0)
            latest = (select(POSTS.c.author_ref, func.max(POSTS.c.created_at).label("at"))
                      .where(POSTS.c.author_ref.in_(chunk),
                             POSTS.c.created_at < _start(self.q.end + timedelta(days=1)))
                      .group_by(POSTS.c.author_ref).subquery())
            for ref, at, url in self.conn.execute(
                    select(latest.c.author_ref, latest.c.at, func.min(POSTS.c.url))
                    .join(POSTS, and_(POSTS.c.author_ref == latest.c.author_ref,
                                      POSTS.c.created_at == latest.c.at))
                    .group_by(latest.c.author_ref, latest.c.at)):
                last[int(ref)] = (_aware(at), str(url or ""))
        handles = self._handles(refs)
        day = min(self.q.today or self.q.end, self.q.end)
        active: list[PledgerActivity] = []
        silent: list[PledgerActivity] = []
        lights = []
        for pledge in wanted:
            light = pledge_light(pledge, day)
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

    def _pledge_wanted(self, pledge: Any) -> bool:
        q = self.q
        if q.audiences and pledge.form.audience not in q.audiences:
            return False
        return not (q.countries and (pledge.form.country or NOT_A_PLEDGER) not in q.countries)

    def _handles(self, refs: Sequence[int]) -> dict[int, str]:
        found: dict[int, str] = {}
        for chunk in _chunked(list(refs)):
            found.update((int(r), f"{n}:{h}") for r, n, h in self.conn.execute(
                select(AUTHORS.c.id, AUTHORS.c.network, AUTHORS.c.handle)
                .where(AUTHORS.c.id.in_(chunk))))
        return found


# -- pieces ----------------------------------------------------------------------------------------
def observances(schedule: Any, language: str, start: date | None = None,
                end: date | None = None) -> tuple[Observance, ...]:
    """The calendar's observance days (within the period when given), titles in ``language``."""
    if schedule is None:
        return ()
    found = []
    for occurrence in schedule.occurrences:
        entry = occurrence.entry
        if entry.kind != "observance":
            continue
        day = occurrence.due.date()
        if (start and day < start) or (end and day > end):
            continue
        title = entry.title.get(language) or entry.title.get("en") or next(
            iter(entry.title.values()), entry.id)
        found.append(Observance(entry.id, day, title))
    found.sort(key=lambda o: (o.day, o.id))
    return tuple(found)


@lru_cache(maxsize=4)
def _built_in(year: int) -> Any:
    """The built-in calendar moved to ``year`` (its observance days), None when it cannot be."""
    from campaign.content.resources import builtin_schedule
    from campaign.content.schedule import load_schedule

    try:
        return load_schedule(builtin_schedule(), year=year)
    except CampaignError:
        return None


def _author_filter(query: ReportQuery, pledgers: Mapping[int, tuple[Pledger, ...]]) -> Any:
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
        return lambda column: not_(column.in_(left_out)) if left_out else column.isnot(None)
    return lambda column: column.in_(chosen) if chosen else column.is_(None)


def _opened(db: str | Database | None) -> Any:
    """The database as a pledge store (it reads the pledges too), closed after if opened here."""
    from contextlib import contextmanager

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


def _refs(pledgers: Iterable[Pledger]) -> tuple[PledgeRef, ...]:
    return tuple(PledgeRef(p.pledge_id, p.organisation, p.audience, p.country, p.status)
                 for p in pledgers)


def _start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _aware(moment: Any) -> datetime:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    found: datetime = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return found


def _chunked(values: Sequence[int], size: int = 5000) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _date_type() -> Any:
    from sqlalchemy import Date

    return Date()


