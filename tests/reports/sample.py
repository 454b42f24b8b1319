"""A hand-built Report (no database): what the format tests draw and write."""

from __future__ import annotations

from datetime import UTC, date, datetime

from campaign.reports.model import (
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

HOSTILE = "<img src=x onerror=alert(1)>"
SCRIPT = "</script><script>alert(1)</script>"
HOSTILE_TAG = "<script>alert(1)</script>"


def sample_report(lang: str = "en", *, empty: bool = False) -> Report:
    """A year of posts by month, with hostile texts in the places posts and pledges fill."""
    query = ReportQuery(start=date(2021, 1, 1), end=date(2021, 12, 31), bucket="month")
    june = Observance("wdacl", date(2021, 6, 12), "World Day Against Child Labour")
    pledge = PledgeRef(1, f"Ministère {HOSTILE}", "country", "SN", "active")
    series = tuple(
        Point(date(2021, m, 1), Counts(original=10 * m, reply=m, repost=2 * m, quote=m // 2,
                                       likes=5 * m),
              contributors=3 * m, observances=("wdacl",) if m == 6 else ())
        for m in range(1, 13))
    if empty:
        series = tuple(Point(p.start, Counts(), 0) for p in series)
    totals = Counts() if empty else Counts(
        original=sum(p.counts.original for p in series), reply=sum(p.counts.reply for p in series),
        repost=sum(p.counts.repost for p in series), quote=sum(p.counts.quote for p in series),
        likes=1234, reposts=321, replies=45, quotes=6)
    posts = totals.posts
    top = TopPost("x", "1001", "https://x.com/travailsn/status/1001", "travailsn",
                  datetime(2021, 6, 12, 9, 30, tzinfo=UTC), "original", "fr", HOSTILE, 120, 40,
                  8, 2, 5000, (pledge,))
    other = TopPost("mastodon", "2002", "https://mastodon.social/@bob/2002", "bob@mastodon.social",
                    datetime(2021, 3, 3, 10, 0, tzinfo=UTC), "quote", "en", SCRIPT, 12, 4, 1, 0,
                    None)
    people = (Contributor("x", "travailsn", f"Travail {SCRIPT}", "https://x.com/travailsn", 15000,
                          Counts(original=40, repost=3), (pledge,)),
              Contributor("bluesky", "carol.bsky.social", "Carol", "", None, Counts(original=9)))
    return Report(
        query=query, language=lang, generated_at=datetime(2022, 1, 2, 8, 0, tzinfo=UTC),
        totals=totals, contributors=0 if empty else 57,
        reach=Reach(0, 0, 0, 0, 0) if empty else Reach(90000, 1_250_000, 40000, 30, posts),
        series=series,
        by_network=() if empty else (Share("x", "X", posts - 200, 30),
                                     Share("mastodon", "Mastodon", 120, 20),
                                     Share("bluesky", "Bluesky", 80, 7)),
        by_language=() if empty else (Share("fr", "French", posts - 100, 40),
                                      Share("en", "English", 100, 17)),
        by_audience=() if empty else (Share("country", "Countries", 300, 2),
                                      Share("-", "Not a pledger", posts - 300, 55)),
        by_country=() if empty else (Share("SN", "Senegal", 300, 2),
                                     Share("-", "Not a pledger", posts - 300, 55)),
        top_posts=() if empty else (top, other),
        top_contributors=() if empty else people,
        tags=() if empty else (TagShare("childlabour", 400, 0.35),
                               TagShare(HOSTILE_TAG, 12, 0.0105)),
        observances=(june,), month=date(2021, 12, 1),
        active=() if empty else (PledgerActivity(pledge, f"Adopter {HOSTILE}", "on_track",
                                                 "1 of 1 indicators on track", ("x:travailsn",),
                                                 4, datetime(2021, 12, 10, 8, tzinfo=UTC),
                                                 "https://x.com/travailsn/status/9"),),
        silent=() if empty else (PledgerActivity(
            PledgeRef(2, "Acme", "org-business", "FR", "active"), "Zero child labour", "silent",
            "no progress for 90 days", ("mastodon:acme@mastodon.social",), 0, None),),
        lights={} if empty else {"on_track": 1, "silent": 1},
    )
