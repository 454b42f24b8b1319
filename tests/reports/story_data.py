"""A small, realistic 2021 for the story's tests: posts every month on three networks (hostile
texts among them), three pledges (one withdrawn) matched to their authors, progress reports,
and costs in two currencies."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from campaign.content.schedule import Schedule
from campaign.pledges.form import FormRules, validate_form
from campaign.pledges.store import NewPledge, PledgeStore, ProgressReport
from campaign.tracking.records import Author, Observation, PostKind, Relation
from campaign.tracking.store import TrackStore
from tests.pledges.conftest import PLEDGE

HOSTILE = "<img src=x onerror=alert(1)>"
SCRIPT = "</script><script>alert(1)</script>"
TAG = "endchildlabour2021"
NOW = datetime(2021, 12, 31, 18, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Year:
    """What was stored, for the tests to check the story against."""

    posts_by_month: dict[int, int]
    pledger_posts: dict[int, list[str]]  # month -> texts of the pledgers' posts
    pledges: dict[str, int]  # name -> pledge id

    @property
    def posts(self) -> int:
        """Posts in the whole year."""
        return sum(self.posts_by_month.values())


def _post(n: int, when: datetime, author: Author, text: str, *, likes: int = 1,
          kind: PostKind = PostKind.ORIGINAL, impressions: int | None = None) -> Observation:
    metrics = {"likes": likes, "reposts": likes // 3}
    if impressions is not None:
        metrics["impressions"] = impressions
    relations = (Relation(kind, "1"),) if kind is not PostKind.ORIGINAL else ()
    url = (f"https://x.com/{author.handle}/status/{n}" if author.network == "x"
           else f"https://mastodon.social/@{author.handle.split('@')[0]}/{n}")
    return Observation(network=author.network, remote_id=f"{author.network}-{n}", author=author,
                       created_at=when, text=text, read_at=when + timedelta(days=1), kind=kind,
                       url=url, language="fr", hashtags=(TAG,), relations=relations,
                       metrics=metrics, raw={"id": n})


def store_year(url: str, schedule: Schedule) -> Year:
    """Store the year in the (migrated) database at ``url``."""
    pledges = PledgeStore(url)
    tracks = TrackStore(url)
    try:
        ids = _pledges(pledges, schedule)
        return _posts(tracks, ids)
    finally:
        pledges.close()
        tracks.close()


def _pledges(store: PledgeStore, schedule: Schedule) -> dict[str, int]:
    rules = FormRules.from_schedule(schedule, today=date(2021, 12, 31))
    made = {}
    for changes in (
        {"name": "Ministère du Travail du Sénégal", "submitted_on": "2021-02-10",
         "handles": {"x": "@TravailSN"}},
        {"name": f"Acme {HOSTILE}", "audience": "org-company", "country": "FR",
         "language": "en", "title": "Zero child labour in our supply chain by December",
         "submitted_on": "2021-03-15", "handles": {"mastodon": "@acme@mastodon.social"},
         "cost": {"amount": "50000.50", "currency": "EUR"},
         "indicators": [{"name": "Suppliers audited", "unit": "suppliers", "baseline": 0,
                         "target": 40, "deadline": "2021-12-31"}]},
        {"name": "Withdrawn Org", "audience": "org-civil-society", "country": "KE",
         "language": "en", "title": "A pledge given up", "submitted_on": "2021-04-02",
         "handles": {}, "cost": {"amount": "1000", "currency": "USD"}},
    ):
        data = copy.deepcopy(PLEDGE)
        data.update(changes)
        form = validate_form(data, rules)
        made[form.name] = store.add(NewPledge(form=form, kind=rules.audiences[form.audience])).id
    senegal, acme, gone = made.values()
    store.add_progress(senegal, "Politique adoptée", ProgressReport(on=date(2021, 11, 30),
                                                                    value=1))
    store.add_progress(acme, "Suppliers audited", ProgressReport(on=date(2021, 5, 1), value=4))
    store.set_status(gone, "withdrawn")
    return made


def _posts(tracks: TrackStore, ids: dict[str, int]) -> Year:
    travail = Author("x", "4242", "TravailSN", display_name="Travail SN", followers=15000)
    acme = Author("mastodon", "acme@mastodon.social", "acme@mastodon.social",
                  display_name=f"Acme {SCRIPT}", followers=800)
    crowd = [Author("x", str(100 + i), f"person{i}", followers=50 * i) for i in range(1, 6)]
    posts: list[Observation] = []
    by_month: dict[int, int] = {}
    pledger: dict[int, list[str]] = {}
    n = 0
    for month in range(1, 13):
        count = 2 + month  # more posts as the year goes on
        for i in range(count):
            n += 1
            when = datetime(2021, month, 1 + (i * 3) % 27, 10, 0, tzinfo=UTC)
            posts.append(_post(n, when, crowd[i % len(crowd)], f"post {n} #EndChildLabour2021",
                               likes=i, kind=PostKind.REPOST if i % 4 == 3 else
                               PostKind.ORIGINAL, impressions=100 * i if i % 2 else None))
        by_month[month] = count
        texts = []
        if month in (3, 6, 10):  # the pledgers speak on their months
            n += 1
            text = {3: SCRIPT, 6: HOSTILE, 10: "Notre politique avance #EndChildLabour2021"}[month]
            who = acme if month == 3 else travail
            posts.append(_post(n, datetime(2021, month, 12, 9, 0, tzinfo=UTC), who, text,
                               likes=50 + month, impressions=5000 if who is travail else None))
            texts.append(text)
            by_month[month] += 1
        pledger[month] = texts
    tracks.save_posts("test", posts, now=NOW)
    return Year(posts_by_month=by_month, pledger_posts=pledger, pledges=ids)
