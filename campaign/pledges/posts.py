"""Pledge posts: each pledge's story told through the year, queued or put in a share kit.

The calendar is the ``posts:`` section of the schedule's pledge file (announced in February,
progress in June, the mid-year review in July, results with costs in December; see
schedules/SCHEMA.md, "Pledge posts"). Each post is rendered in the pledge's language through the
same sandboxed renderer as every post, with the pledge as data (``pledge`` in the template: its
fields, its indicators' values, its cost, formatted by Babel): a pledge's text is never template
source, so ``{{ 7*7 }}`` in a title is printed as written. A post over its network's limit
becomes a thread.

A pledge's posts are queued on the queue's accounts that match its handles (same network, same
account as :func:`campaign.platforms.handles.same_account` tells), once each: their keys name
the pledge (``endchildlabour2021/pledge-12-announce/country/fr/x``), so planning again adds
nothing, and an edited pledge updates the posts not yet published. A pledger with no such
account gets the posts in a share-kit page of its own instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from campaign.content.render import RenderedPost, Renderer
from campaign.content.schedule import Entry, Occurrence, Schedule
from campaign.errors import CampaignError, ScheduleError, ScheduleProblems, UsageError
from campaign.pledges.models import PledgeStatus
from campaign.pledges.progress import share_done
from campaign.pledges.store import IndicatorState, Pledge

if TYPE_CHECKING:
    from campaign.pledges.store import PledgeStore
    from campaign.queue.models import Account
    from campaign.queue.planning import PlanReport
    from campaign.queue.store import Store

# the statuses whose story is told: a draft is not yet made, a withdrawn pledge is given up
TOLD = frozenset({PledgeStatus.SUBMITTED, PledgeStatus.ACCEPTED, PledgeStatus.FULFILLED})
# the networks a handle is written with an '@' in a post
_AT = frozenset({"x", "bluesky", "mastodon", "instagram", "tiktok"})


class NoPledgePosts(CampaignError):
    """The schedule's pledge file has no ``posts:`` calendar."""

    def __init__(self, schedule: Schedule) -> None:
        where = schedule.pledges.path if schedule.pledges else schedule.path
        super().__init__(f"{where} has no 'posts:' section: add the pledge posts' calendar "
                         "(see schedules/SCHEMA.md, \"Pledge posts\")")


# -- what a template sees -------------------------------------------------------------------
@dataclass(frozen=True)
class IndicatorView:
    """One indicator as a post shows it: every number formatted for the post's language, ``""``
    where there is nothing yet (no report, no percentage when target equals baseline)."""

    name: str
    unit: str
    baseline: str
    target: str
    deadline: str
    latest: str = ""
    latest_date: str = ""
    percent: str = ""  # of the way from baseline to target, e.g. "64 %"
    reported: bool = False
    reached: bool = False


@dataclass(frozen=True)
class PledgeView:
    """The ``pledge`` variable of a pledge post: the pledge's fields as text for one language
    and network (``""`` for what it lacks), never an object of the store."""

    id: int
    name: str
    title: str
    kind: str
    audience: str
    audience_name: str
    country: str
    country_code: str
    language: str
    hashtag: str
    status: str
    submitted: str
    indicators: tuple[IndicatorView, ...] = ()
    cost: str = ""
    cost_currency: str = ""
    strategy: str = ""  # vertical, horizontal or ""
    scaling_cost: str = ""
    handle: str = ""  # the pledger's handle on the post's network, as a post mentions it
    handles: Mapping[str, str] = field(default_factory=dict)


def mention(network: str, handle: str) -> str:
    """A handle as a post writes it: with its ``@`` where the network writes one."""
    bare = handle.strip()
    return f"@{bare.lstrip('@')}" if network in _AT and bare else bare


def _number(value: float, lang: str) -> str:
    from babel.numbers import format_decimal

    return str(format_decimal(Decimal(repr(value)), locale=lang))


def _money(amount: Decimal, currency: str, lang: str) -> str:
    from babel.numbers import format_currency

    return str(format_currency(amount, currency, locale=lang))


def _long_date(day: date, lang: str) -> str:
    from babel.dates import format_date

    return str(format_date(day, "long", locale=lang))


def indicator_view(state: IndicatorState, lang: str) -> IndicatorView:
    """An indicator and its latest value, formatted for ``lang`` by Babel."""
    from babel.numbers import format_percent

    ind, latest = state.indicator, state.latest
    view = IndicatorView(name=ind.name, unit=ind.unit, baseline=_number(ind.baseline, lang),
                         target=_number(ind.target, lang),
                         deadline=_long_date(ind.deadline, lang))
    if latest is None:
        return view
    # the same share as the traffic lights (campaign.pledges.progress): a post never says an
    # indicator is reached when its light says it is not
    share = share_done(ind.baseline, ind.target, latest.value)
    percent = str(format_percent(share, locale=lang)) if ind.target != ind.baseline else ""
    return replace(view, latest=_number(latest.value, lang),
                   latest_date=_long_date(latest.on, lang), reported=True, reached=share >= 1,
                   percent=percent)


def pledge_view(pledge: Pledge, schedule: Schedule, lang: str, network: str) -> PledgeView:
    """What a pledge post's template sees as ``pledge``, in ``lang``, for ``network``."""
    from campaign.pledges.form import country_name

    form = pledge.form
    audience = schedule.audience_by_id.get(form.audience)
    plan = form.amplification
    return PledgeView(
        id=pledge.id, name=form.name, title=form.title, kind=pledge.kind,
        audience=form.audience,
        audience_name=(audience.name.get(lang, "") if audience else "") or form.audience,
        country=country_name(form.country, lang), country_code=form.country,
        language=form.language, hashtag=schedule.campaign.hashtag, status=str(pledge.status),
        submitted=_long_date(form.submitted_on, lang) if form.submitted_on else "",
        indicators=tuple(indicator_view(s, lang) for s in pledge.indicators),
        cost=_money(form.cost.amount, form.cost.currency, lang) if form.cost else "",
        cost_currency=form.cost.currency if form.cost else "",
        strategy=(plan.strategy or "") if plan else "",
        scaling_cost=_money(plan.cost.amount, plan.cost.currency, lang)
        if plan and plan.cost else "",
        handle=mention(network, form.handles.get(network, "")),
        handles={n: mention(n, h) for n, h in form.handles.items()},
    )


# -- rendering ------------------------------------------------------------------------------
class PledgeRenderer(Renderer):
    """The schedule's renderer, whose pledge posts also see their pledge (``pledge``)."""

    def __init__(self, schedule: Schedule, **options: Any) -> None:
        super().__init__(schedule, **options)
        self._told: dict[str, Pledge] = {}  # entry id -> the pledge it tells
        self._views: dict[tuple[int, str, str], PledgeView] = {}

    def context(self, occ: Occurrence, audience_id: str, language: str,
                network: str) -> dict[str, Any]:
        """The schedule's context, and the pledge this post tells."""
        found = super().context(occ, audience_id, language, network)
        pledge = self._told.get(occ.entry.id)
        if pledge is not None:
            key = (pledge.id, language, network)
            view = self._views.get(key)
            if view is None:
                view = self._views[key] = pledge_view(pledge, self.schedule, language, network)
            found["pledge"] = view
        return found

    def occurrences(self, pledge: Pledge) -> list[Occurrence]:
        """The pledge's posts on the calendar (see :func:`story_dates`), ready to render."""
        occurrences = story(self.schedule, pledge)
        for occ in occurrences:
            self._told[occ.entry.id] = pledge
        self._views = {k: v for k, v in self._views.items() if k[0] != pledge.id}
        return occurrences

    def pledge_posts(self, pledge: Pledge, *, languages: Sequence[str] = (),
                     networks: Sequence[str] = ()) -> list[RenderedPost]:
        """The pledge's posts in its language (or ``languages``), on the campaign's networks
        (or ``networks``); the first problem (a template, a length) stops it."""
        camp = self.schedule.campaign
        langs = tuple(languages) or (pledge.form.language,)
        for lang in langs:
            if lang not in camp.languages:
                raise UsageError("language", lang, camp.languages)
        return list(self.posts(self.occurrences(pledge), languages=langs, networks=networks))


def story(schedule: Schedule, pledge: Pledge) -> list[Occurrence]:
    """The pledge's posts placed on the calendar, in date order.

    Each is due on its day in the year the calendar runs in, at its time in the campaign's
    timezone. A pledge made after the first post's day (the announcement) gets that post the day
    after it was submitted, and none of the posts due before that day: a June progress post
    must not come before the September announcement of a pledge.
    """
    from campaign.content.dates import Dates, local_due
    from campaign.content.schedule import zone_of

    pledges = schedule.pledges
    if pledges is None or not pledges.posts:
        raise NoPledgePosts(schedule)
    camp = schedule.campaign
    if pledge.form.audience not in schedule.audience_by_id:
        raise CampaignError(f"pledge {pledge.id} is for audience {pledge.form.audience!r}, "
                            f"which {schedule.path.name} does not have: give the schedule the "
                            "pledges were collected with (--schedule)")
    entries = [_entry(pledge, post, i) for i, post in enumerate(pledges.posts)]
    problems: list[CampaignError] = []

    def fail(loc: tuple[str | int, ...], problem: str) -> None:
        # the loc Dates gives is the entry's, ("entries", index, "date"): the file says posts
        _, index, *rest = loc
        problems.append(ScheduleError(pledges.path, problem,
                                      key=f"posts[{index}]" + "".join(f".{r}" for r in rest)))

    days = Dates({e.id: (i, e) for i, e in enumerate(entries)},
                 written_year=schedule.file_year or camp.year, default_day=camp.day,
                 year=schedule.year, fail=fail).resolve()
    if problems:
        raise ScheduleProblems(problems)
    zone = zone_of(camp.timezone)
    assert zone is not None  # the schedule's timezone was checked when it was loaded
    submitted = pledge.form.submitted_on
    first = days[entries[0].id]
    if submitted is not None and first <= submitted:
        first = days[entries[0].id] = submitted + timedelta(days=1)
    found = [Occurrence(entry=e, due=local_due(days[e.id], e.time or camp.time, zone),
                        audiences=(pledge.form.audience,), networks=tuple(camp.networks),
                        day_bound=False)
             for e in entries if e is entries[0] or days[e.id] >= first]
    return sorted(found, key=lambda o: o.due)


def _entry(pledge: Pledge, post: Any, index: int) -> Entry:
    """The schedule entry one pledge post of one pledge is rendered as."""
    return Entry(id=f"pledge-{pledge.id}-{post.id}", part="amplifier", kind="message",
                 title=dict(post.title), date=post.date, month=post.month, day=post.day,
                 time=post.time, audiences=(pledge.form.audience,), template=post.template,
                 thread=True)


def pledge_posts(schedule: Schedule, pledge: Pledge, *, languages: Sequence[str] = (),
                 networks: Sequence[str] = (), template_dirs: Sequence[Path] = (),
                 renderer: PledgeRenderer | None = None) -> list[RenderedPost]:
    """The posts telling ``pledge``'s story, rendered in its language (or ``languages``) for
    the campaign's networks (or ``networks``), in date order."""
    renderer = renderer or PledgeRenderer(schedule, template_dirs=template_dirs)
    return renderer.pledge_posts(pledge, languages=languages, networks=networks)


def render_pledges(pledge_store: PledgeStore, schedule: Schedule, ids: Sequence[int] = (), *,
                   languages: Sequence[str] = (), networks: Sequence[str] = (),
                   template_dirs: Sequence[Path] = ()) -> list[RenderedPost]:
    """The posts of the pledges ``ids`` (every pledge told when none: not the drafts and the
    withdrawn), pledge by pledge, each in date order."""
    renderer = PledgeRenderer(schedule, template_dirs=template_dirs)
    return [post for pledge in chosen(pledge_store, ids) if ids or pledge.status in TOLD
            for post in renderer.pledge_posts(pledge, languages=languages, networks=networks)]


# -- queueing -------------------------------------------------------------------------------
@dataclass(frozen=True)
class PledgePlanned:
    """One pledge's posts queued: on which accounts, and what planning did with them."""

    pledge_id: int
    accounts: tuple[str, ...]  # NETWORK=HANDLE
    posts: int
    added: int
    updated: int
    unchanged: int
    kept_final: int
    cancelled: int = 0  # posts left on an account the pledger no longer has

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {"pledge": self.pledge_id, "accounts": list(self.accounts), "posts": self.posts,
                "added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "left_alone_final": self.kept_final, "cancelled_elsewhere": self.cancelled}


@dataclass(frozen=True)
class PledgePlan:
    """What :func:`plan_pledge_posts` did: the pledges queued, those whose pledger has no
    account in the queue (their posts go to their share kit), and those not told (a draft, a
    withdrawn pledge), with their status."""

    planned: tuple[PledgePlanned, ...] = ()
    without_account: tuple[int, ...] = ()
    not_told: tuple[tuple[int, str], ...] = ()
    # posts queued before, on an account no longer the pledger's or for a pledge withdrawn
    # (or back to draft), cancelled now: (pledge id, posts cancelled), for those not planned
    cancelled: tuple[tuple[int, int], ...] = ()

    @property
    def added(self) -> int:
        """Posts added in all."""
        return sum(p.added for p in self.planned)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {"planned": [p.as_dict() for p in self.planned],
                "added": self.added, "updated": sum(p.updated for p in self.planned),
                "unchanged": sum(p.unchanged for p in self.planned),
                "without_account": list(self.without_account),
                "not_told": [{"pledge": i, "status": s, "cancelled": dict(self.cancelled).get(i, 0)}
                             for i, s in self.not_told]}


def pledger_accounts(accounts: Iterable[Account], pledge: Pledge,
                     networks: Sequence[str]) -> dict[str, Account]:
    """The queue's accounts, one per network, that are the pledger's: the same handle (a
    leading '@' and letter case aside) or, on Bluesky, the handle's DID."""
    from campaign.platforms.handles import same_account

    handles, found = pledge.form.handles, {}
    for account in accounts:
        network = account.network
        if network in found or network not in networks or network not in handles:
            continue
        did = pledge.dids.get(network)
        if any(same_account(name, handles[network]) for name in _names(account)) or \
                (did and account.handle == did):
            found[network] = account
    return found


def _names(account: Account) -> list[str]:
    """The handles a queue account answers to: a Mastodon account registered as ``@user`` with
    its instance's address (``--base-url``) is ``@user@instance`` too, as a pledger writes it."""
    names = [account.handle]
    user, at, _ = account.handle.lstrip("@").partition("@")
    if account.network == "mastodon" and not at and account.base_url:
        from urllib.parse import urlsplit

        try:
            parts = urlsplit(account.base_url)
            hosts = {parts.hostname or "", parts.netloc.rpartition("@")[2]}
        except ValueError:  # a malformed address names no instance
            hosts = set()
        names += [f"@{user}@{host}" for host in sorted(hosts) if host]
    return names


def chosen(pledge_store: PledgeStore, ids: Sequence[int]) -> list[Pledge]:
    """The pledges ``ids`` names (PledgeNotFound for an unknown one), else every pledge."""
    if not ids:
        return pledge_store.pledges()
    found = {p.id: p for p in pledge_store.pledges(ids=ids)}
    for pledge_id in ids:
        if pledge_id not in found:
            pledge_store.get(pledge_id)  # raises PledgeNotFound naming it
    return [found[i] for i in dict.fromkeys(ids)]


def plan_pledge_posts(queue_store: Store, pledge_store: PledgeStore, schedule: Schedule,
                      ids: Sequence[int] = (), *, networks: Sequence[str] = (),
                      template_dirs: Sequence[Path] = (), review: bool = False) -> PledgePlan:
    """Queue the posts of the pledges ``ids`` (every pledge when none) on the pledgers' own
    accounts in the queue, once each; list the pledges without one (for their share kit).

    Every post is rendered before anything is written: a template that fails leaves the queue
    as it was. Planning again adds nothing; an edited pledge updates its posts not yet out; a
    handle moved to another account cancels the posts still waiting on the old one, and so do a
    handle removed or no longer registered, a pledge's language changed, and a pledge withdrawn
    (or back to draft): its posts not yet out that this plan would not queue are cancelled.
    """
    nets = tuple(networks) or tuple(schedule.campaign.networks)
    renderer = PledgeRenderer(schedule, template_dirs=template_dirs)
    accounts = queue_store.accounts()
    work: list[tuple[Pledge, dict[str, Account], list[RenderedPost]]] = []
    without: list[int] = []
    not_told: list[tuple[int, str]] = []
    for pledge in chosen(pledge_store, ids):
        if pledge.status not in TOLD:
            not_told.append((pledge.id, str(pledge.status)))
            continue
        mine = pledger_accounts(accounts, pledge, nets)
        if not mine:
            without.append(pledge.id)
            continue
        work.append((pledge, mine, renderer.pledge_posts(pledge, networks=tuple(mine))))
    reports: list[PlanReport] = [queue_store.plan(posts, mine, review=review, replace_account=True)
                                 for _, mine, posts in work]
    kept: dict[int, set[tuple[str, int]]] = {i: set() for i in without}
    kept.update((i, set()) for i, _ in not_told)
    for pledge, mine, posts in work:
        kept[pledge.id] = {(p.key, mine[p.network].id) for p in posts}
    stale = _cancel_stale(queue_store, schedule, kept, nets)
    planned = [PledgePlanned(
        pledge_id=pledge.id, accounts=tuple(f"{n}={a.handle}" for n, a in mine.items()),
        posts=len(posts), added=report.added, updated=report.updated,
        unchanged=report.unchanged, kept_final=report.kept_final,
        cancelled=report.cancelled_elsewhere.count + stale.pop(pledge.id, 0))
        for (pledge, mine, posts), report in zip(work, reports, strict=True)]
    return PledgePlan(planned=tuple(planned), without_account=tuple(without),
                      not_told=tuple(not_told), cancelled=tuple(sorted(stale.items())))


def withdraw(queue_store: Store, pledge_store: PledgeStore, schedule: Schedule, pledge_id: int,
             *, note: str = "", actor: str = "") -> tuple[Pledge, int]:
    """Withdraw a pledge and cancel its posts not yet out (a withdrawn pledge is not told);
    the pledge, and how many of its posts were cancelled."""
    pledge = pledge_store.set_status(pledge_id, "withdrawn", actor=actor, note=note)
    plan = plan_pledge_posts(queue_store, pledge_store, schedule, ids=[pledge_id])
    return pledge, dict(plan.cancelled).get(pledge_id, 0)


def _cancel_stale(queue_store: Store, schedule: Schedule, kept: Mapping[int, set[tuple[str, int]]],
                  networks: Sequence[str]) -> dict[int, int]:
    """Cancel the pledges' posts not yet out on ``networks`` that are not ``kept`` (post key and
    account): a withdrawn pledge must not go on telling its story in June or December, nor a
    pledger's old account or language. How many were cancelled, per pledge."""
    from campaign.queue.editing import OPEN
    from campaign.queue.models import Kind, Status

    if not kept or schedule.pledges is None:
        return {}
    entries = {f"pledge-{i}-{post.id}": i for i in kept for post in schedule.pledges.posts}
    stale: dict[int, list[int]] = {}
    for post in queue_store.posts(statuses=OPEN, networks=networks):
        pledge_id = entries.get(post.entry)
        if pledge_id is not None and post.kind == Kind.POST and \
                (post.post_key, post.account_id) not in kept[pledge_id]:
            stale.setdefault(pledge_id, []).append(post.id)
    done = {}
    for pledge_id, ids in sorted(stale.items()):
        moved = queue_store.transition(ids, Status.CANCELLED, allowed_from=OPEN, actor="plan",
                                       detail=f"pledge {pledge_id} no longer tells it here")
        if moved:
            done[pledge_id] = len(moved)
    return done


# -- share kits -----------------------------------------------------------------------------
@dataclass(frozen=True)
class KitPage:
    """One pledger's share-kit page: the pledge, the file and how many posts it holds."""

    pledge_id: int
    path: Path
    posts: int

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {"pledge": self.pledge_id, "path": str(self.path), "posts": self.posts}


def kit_name(pledge: Pledge) -> str:
    """The file of a pledger's share-kit page: ``pledge-<id>.html``."""
    return f"pledge-{pledge.id}.html"


def write_pledge_kits(schedule: Schedule, pledges: Sequence[Pledge], out_dir: Path, *,
                      languages: Sequence[str] = (), networks: Sequence[str] = (),
                      template_dirs: Sequence[Path] = ()) -> list[KitPage]:
    """Write one share-kit page per pledger (``pledge-<id>.html`` in ``out_dir``): the share
    kit of :mod:`campaign.exporters.html`, holding its pledge's posts in its language.

    Every page is rendered before the first is written; a withdrawn or draft pledge gets none.
    """
    from campaign.errors import ExportError
    from campaign.exporters.html import plan_pages, write_html

    renderer = PledgeRenderer(schedule, template_dirs=template_dirs)
    told = [(p, renderer.pledge_posts(p, languages=languages, networks=networks))
            for p in pledges if p.status in TOLD]
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"{out_dir}: cannot create the folder ({exc.strerror})") from None
    pages: list[KitPage] = []
    for pledge, posts in told:
        path = out_dir / kit_name(pledge)
        locale = languages[0] if languages else pledge.form.language
        write_html(posts, schedule, path, locale=locale)
        pages.extend(KitPage(pledge.id, page.path, page.posts)
                     for page in plan_pages(posts, schedule, path, locale=locale))
    return pages
