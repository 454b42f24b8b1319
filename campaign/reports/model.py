"""The report of the tracked posts, as data: what every format (terminal, CSV, JSON, charts,
HTML) and the December story are made from. :func:`campaign.reports.metrics.build_report`
fills it; nothing here reads the database.

Counts are of posts stored by the collectors and imports (``campaign track``), over days in UTC.
Reach is given three ways, each with its method (:data:`REACH_METHODS`), because listening tools
state one number without saying how they got it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Literal

Bucket = Literal["day", "week", "month"]
BUCKETS: tuple[str, ...] = ("day", "week", "month")
KINDS: tuple[str, ...] = ("original", "reply", "repost", "quote")
NOT_A_PLEDGER = "-"  # the stakeholder type and country of an author no pledge names

# how each reach figure is computed, written beside it in every format (keys of the labels)
REACH_METHODS = {
    "potential_reach": "the followers of each unique contributor, as last read, counted once",
    "potential_impressions": "each post times its author's followers as read with the post, "
                             "added up",
    "reported_impressions": "the impressions the networks themselves report (X only), added "
                            "up over the posts that report them",
}


@dataclass(frozen=True)
class ReportQuery:
    """What a report covers: days from ``start`` to ``end`` included (UTC), and its filters.

    Each filter keeps posts matching any of its values; filters combine with AND. ``audiences``
    and ``countries`` are the stakeholder types and countries of the pledges that name a post's
    author (``-`` for authors no pledge names); ``pledgers_only`` keeps only such authors."""

    start: date
    end: date
    bucket: Bucket = "week"
    networks: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    hashtag: str | None = None  # normalised (records.normalise_tag), without '#'
    audiences: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    pledgers_only: bool = False
    top: int = 10  # top posts, top contributors, co-occurring hashtags
    today: date | None = None  # "this month" for active and silent pledgers; default: end

    @property
    def filtered_by_author(self) -> bool:
        """Whether the filters need to know who each author is (a pledge's type or country)."""
        return bool(self.audiences or self.countries or self.pledgers_only)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able."""
        found = asdict(self)
        found["start"], found["end"] = self.start.isoformat(), self.end.isoformat()
        found["today"] = self.today.isoformat() if self.today else None
        for name in ("networks", "languages", "audiences", "countries"):
            found[name] = list(found[name])
        return found


@dataclass(frozen=True)
class Counts:
    """Posts by kind and the engagement they received."""

    original: int = 0
    reply: int = 0
    repost: int = 0
    quote: int = 0
    likes: int = 0
    reposts: int = 0
    replies: int = 0
    quotes: int = 0

    @property
    def posts(self) -> int:
        """Every post, whatever its kind."""
        return self.original + self.reply + self.repost + self.quote

    @property
    def engagement(self) -> int:
        """Likes, reposts, replies and quotes received, added up."""
        return self.likes + self.reposts + self.replies + self.quotes


@dataclass(frozen=True)
class Reach:
    """Reach three ways; see :data:`REACH_METHODS` for how each is computed."""

    potential_reach: int = 0
    potential_impressions: int = 0
    reported_impressions: int = 0
    reported_posts: int = 0  # posts whose network reported impressions
    posts: int = 0  # every post counted


@dataclass(frozen=True)
class Point:
    """One bucket of the time chart: the day, the Monday of the week or the 1st of the month."""

    start: date
    counts: Counts
    contributors: int  # unique authors in the bucket
    observances: tuple[str, ...] = ()  # ids of the observance days within it


@dataclass(frozen=True)
class Share:
    """One value of a split (a network, a language, a stakeholder type, a country)."""

    key: str
    label: str  # in the report's language
    posts: int
    contributors: int


@dataclass(frozen=True)
class PledgeRef:
    """The pledge an author is matched to."""

    pledge_id: int
    organisation: str
    audience: str
    country: str
    status: str


@dataclass(frozen=True)
class TopPost:
    """A post among the most engaged."""

    network: str
    remote_id: str
    url: str
    author: str  # handle as it was when posted
    created_at: datetime
    kind: str
    language: str
    text: str  # as collected: untrusted, escape it wherever it lands
    likes: int
    reposts: int
    replies: int
    quotes: int
    impressions: int | None
    pledges: tuple[PledgeRef, ...] = ()

    @property
    def engagement(self) -> int:
        """Likes, reposts, replies and quotes, added up."""
        return self.likes + self.reposts + self.replies + self.quotes


@dataclass(frozen=True)
class Contributor:
    """An author among those who posted most in the period."""

    network: str
    handle: str
    display_name: str  # untrusted
    url: str
    followers: int | None
    counts: Counts
    pledges: tuple[PledgeRef, ...] = ()


@dataclass(frozen=True)
class TagShare:
    """A hashtag used with the report's posts: on how many, and their share."""

    tag: str
    posts: int
    share: float  # of the report's posts, 0..1


@dataclass(frozen=True)
class Observance:
    """An observance day of the calendar, e.g. World Day Against Child Labour (12 June)."""

    id: str
    day: date
    title: str  # in the report's language


@dataclass(frozen=True)
class PledgerActivity:
    """A pledge and what its authors posted: active in the month or silent, with its light."""

    pledge: PledgeRef
    title: str
    light: str  # campaign.pledges.progress.Light value
    why: str  # the light's reason, as the pledge report words it
    handles: tuple[str, ...]  # the matched authors, network:handle
    posts_in_month: int
    last_post: datetime | None  # up to the report's day (--today); None: never seen posting
    last_post_url: str = ""


@dataclass(frozen=True)
class Report:
    """Everything a report shows, in the language it was built for."""

    query: ReportQuery
    language: str  # fr, en or es: labels, names of languages and countries
    generated_at: datetime
    totals: Counts
    contributors: int
    reach: Reach
    series: tuple[Point, ...]
    by_network: tuple[Share, ...]
    by_language: tuple[Share, ...]
    by_audience: tuple[Share, ...]
    by_country: tuple[Share, ...]
    top_posts: tuple[TopPost, ...]
    top_contributors: tuple[Contributor, ...]
    tags: tuple[TagShare, ...]  # co-occurring hashtags (the filtered one left out)
    observances: tuple[Observance, ...]  # those within the period
    month: date  # the 1st of the month "active" and "silent" refer to
    active: tuple[PledgerActivity, ...] = ()
    silent: tuple[PledgerActivity, ...] = ()
    lights: dict[str, int] = field(default_factory=dict)  # pledges per light
    reach_methods: dict[str, str] = field(default_factory=lambda: dict(REACH_METHODS))

    @property
    def empty(self) -> bool:
        """Whether no post matched: every format says so plainly instead of drawing zeros."""
        return self.totals.posts == 0
