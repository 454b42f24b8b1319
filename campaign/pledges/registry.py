"""The public registry of pledges: one page of them at a time, filtered, each with its traffic
light, and what the secretariat does from it (accept, send back, withdraw).

A page is counted and cut in SQL (50 pledges a page, newest first) and only its pledges' lights
are computed, so a registry of 10,000 pledges costs what a page of 50 does. Filtering by light
is the exception: a light is no column, so every pledge's light is computed once (read with
only what a light needs, :meth:`PledgeStore.light_pledges`) and kept until a pledge changes;
the ids the other filters leave are then matched against it before the page is cut.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, func, select

from campaign.errors import CampaignError
from campaign.pledges.form import FormRules, country_name
from campaign.pledges.links import new_link, revoke_links
from campaign.pledges.models import PLEDGE_STATUSES, PLEDGES, PledgeStatus
from campaign.pledges.progress import LIGHTS, count_lights, light_on
from campaign.pledges.store import Pledge, PledgeStore
from campaign.pledges.submission import Notice, submit
from campaign.users import audit

__all__ = ["LIGHTS", "PER_PAGE", "PLEDGE_STATUSES", "PUBLIC_STATUSES", "STAFF_ACTIONS", "Entry",
           "FilterInvalid", "Filters", "Page", "act", "actions_for", "every_light", "filters",
           "page", "report_progress", "submit_pledge", "visible"]
PER_PAGE = 50
# what a visitor sees: a draft is not yet anyone's pledge
PUBLIC_STATUSES = tuple(s for s in PLEDGE_STATUSES if s != PledgeStatus.DRAFT)
# the secretariat's buttons: what each asks of the table of transitions
STAFF_ACTIONS: Mapping[str, PledgeStatus] = {
    "accept": PledgeStatus.ACCEPTED, "send_back": PledgeStatus.DRAFT,
    "withdraw": PledgeStatus.WITHDRAWN, "fulfil": PledgeStatus.FULFILLED}


class FilterInvalid(CampaignError):
    """A registry filter that is not one of its choices."""

    def __init__(self, name: str, value: str, choices: Sequence[str]) -> None:
        self.name, self.value, self.choices = name, value, list(choices)
        shown = ", ".join(choices[:12]) + (", ..." if len(choices) > 12 else "")
        super().__init__(f"the filter {name!r} cannot be {value[:40]!r}: choose one of {shown}")


@dataclass(frozen=True)
class Filters:
    """What the registry is narrowed to (empty: everything)."""

    status: str = ""
    audience: str = ""
    country: str = ""
    light: str = ""

    @property
    def active(self) -> bool:
        """Whether any filter is set."""
        return bool(self.status or self.audience or self.country or self.light)


def filters(values: Mapping[str, str], rules: FormRules, *, staff: bool) -> Filters:
    """The filters of a request's query, each checked; FilterInvalid names the first bad one."""
    from campaign.pledges.form import _territories

    status = values.get("status", "").strip().lower()
    audience = values.get("audience", "").strip().lower()
    country = values.get("country", "").strip().upper()
    light = values.get("light", "").strip().lower()
    statuses = PLEDGE_STATUSES if staff else PUBLIC_STATUSES
    if status and status not in statuses:
        raise FilterInvalid("status", status, statuses)
    if audience and audience not in rules.audiences:
        raise FilterInvalid("audience", audience, sorted(rules.audiences))
    if country and country not in _territories():
        raise FilterInvalid("country", country, ["FR", "SN", "BR", "..."])
    if light and light not in LIGHTS:
        raise FilterInvalid("light", light, LIGHTS)
    return Filters(status=status, audience=audience, country=country, light=light)


@dataclass(frozen=True)
class Entry:
    """One pledge of a registry page."""

    id: int
    name: str
    title: str
    audience: str
    country: str
    country_name: str
    status: str
    light: str
    submitted_on: date | None
    focal_email: str = ""  # only for those who manage pledges


@dataclass(frozen=True)
class Page:
    """One page of the registry."""

    entries: tuple[Entry, ...]
    total: int  # pledges matching the filters
    page: int
    pages: int
    filters: Filters
    counts: Mapping[str, int] = field(default_factory=dict)  # lights of this page's pledges


def page(store: PledgeStore, *, number: int = 1, chosen: Filters = Filters(), day: date,
         lang: str = "en", staff: bool = False, emails: bool = False,
         per_page: int = PER_PAGE) -> Page:
    """Page ``number`` of the pledges the filters leave, newest first, with their lights on
    ``day``; ``staff`` sees drafts too, ``emails`` the focal points' addresses."""
    statuses = [chosen.status] if chosen.status else list(PLEDGE_STATUSES if staff
                                                          else PUBLIC_STATUSES)
    audiences = [chosen.audience] if chosen.audience else []
    countries = [chosen.country] if chosen.country else []
    start = (number - 1) * per_page
    p = PLEDGES.c
    where: ColumnElement[bool] = p.status.in_(statuses)
    if audiences:
        where = where & p.audience.in_(audiences)
    if countries:
        where = where & p.country.in_(countries)
    if chosen.light:
        every = every_light(store, day)
        with store._reading() as conn:
            candidates = conn.execute(select(p.id).where(where).order_by(p.id.desc())).scalars()
            matching = [i for i in candidates if every.get(i) == chosen.light]
        total = len(matching)
        ids = matching[start:start + per_page]
    else:
        with store._reading() as conn:
            total = int(conn.execute(select(func.count()).select_from(PLEDGES).where(where))
                        .scalar_one())
            ids = list(conn.execute(select(p.id).where(where).order_by(p.id.desc())
                                    .limit(per_page).offset(start)).scalars())
    found = {x.id: x for x in store.light_pledges(statuses, ids=ids)} if ids else {}
    shown = [found[i] for i in ids if i in found]
    lights = {x.id: light_on(x, day) for x in shown}
    addresses = _emails(store, [x.id for x in shown]) if emails and shown else {}
    entries = tuple(_entry(x, lights[x.id].value, lang, addresses.get(x.id, "")) for x in shown)
    counts = count_lights(lights.values())
    pages = max(1, -(-total // per_page))
    return Page(entries=entries, total=total, page=number, pages=pages, filters=chosen,
                counts=counts)


# every pledge's light on a day, per database, kept while no pledge changed: the light filter
# reads it instead of computing 10,000 lights a request
_LIGHTS: dict[tuple[str, date], tuple[tuple[object, ...], dict[int, str]]] = {}


def every_light(store: PledgeStore, day: date) -> dict[int, str]:
    """Every pledge's light on ``day`` by id: computed once, then again only after a pledge
    was added or changed (a report, a status, an edit: each moves ``updated_at``)."""
    p = PLEDGES.c
    with store._reading() as conn:
        stamp = tuple(conn.execute(select(func.count(), func.max(p.id), func.max(p.updated_at))
                                   .select_from(PLEDGES)).one())
    key = (store.url, day)
    kept = _LIGHTS.get(key)
    if kept is not None and kept[0] == stamp:
        return kept[1]
    lights = {x.id: light_on(x, day).value for x in store.light_pledges(PLEDGE_STATUSES)}
    if len(_LIGHTS) > 16:  # a few databases and days at most; a long-running worker forgets
        _LIGHTS.clear()
    _LIGHTS[key] = (stamp, lights)
    return lights


def _emails(store: PledgeStore, ids: Sequence[int]) -> dict[int, str]:
    with store._reading() as conn:
        return {i: e for i, e in conn.execute(select(PLEDGES.c.id, PLEDGES.c.focal_email)
                                              .where(PLEDGES.c.id.in_(list(ids))))}


def _entry(pledge: Pledge, light: str, lang: str, email: str) -> Entry:
    form = pledge.form
    return Entry(id=pledge.id, name=form.name, title=form.title, audience=form.audience,
                 country=form.country, country_name=country_name(form.country, lang),
                 status=pledge.status.value, light=light, submitted_on=form.submitted_on,
                 focal_email=email)


def visible(pledge: Pledge, *, staff: bool) -> bool:
    """Whether the pledge's page is shown: a draft only to the secretariat's users."""
    return staff or pledge.status.value in PUBLIC_STATUSES


def actions_for(pledge: Pledge) -> list[str]:
    """The staff buttons the pledge's status allows, in STAFF_ACTIONS order."""
    from campaign.pledges.models import TRANSITIONS

    allowed = TRANSITIONS[pledge.status]
    return [name for name, status in STAFF_ACTIONS.items() if status in allowed]


def act(store: PledgeStore, pledge_id: int, action: str, *, actor: str, note: str = "") -> Pledge:
    """Do one of the secretariat's actions on a pledge (its events and the audit log name
    ``actor``); a withdrawn pledge's private links stop working."""
    if action not in STAFF_ACTIONS:
        raise FilterInvalid("action", action, list(STAFF_ACTIONS))
    before = store.get(pledge_id).status.value
    pledge = store.set_status(pledge_id, STAFF_ACTIONS[action], actor=actor, note=note)
    from campaign.queue.engine import utcnow

    with store._connection() as conn:
        audit.record(conn, at=utcnow(), actor=actor, action=f"pledge.{action}",
                     object_kind="pledge", object_id=pledge_id, before={"status": before},
                     after={"status": pledge.status.value}, detail=note)
    if pledge.status is PledgeStatus.WITHDRAWN:
        revoke_links(store, pledge_id, actor=actor)
    return pledge


def submit_pledge(store: PledgeStore, data: Mapping[str, object], rules: FormRules, *,
                  actor: str = "web") -> tuple[Pledge, str, list[Notice]]:
    """Check and store a pledge from the public form, and make its private progress link: the
    pledge, the link's secret (shown to the pledger once) and the notices for them."""
    # no DID lookup here: a public form must not make the server call another host for each
    # visitor (a slow or hostile resolver would hold the request); `campaign pledge resolve`
    # finds the DIDs the secretariat needs, in its own time
    pledge, notices = submit(store, data, rules, actor=actor, resolve=None)
    return pledge, new_link(store, pledge.id, actor=actor), notices


def report_progress(store: PledgeStore, pledge_id: int, indicator: str, *, value: float,
                    on: date, today: date, note: str = "", evidence: str = "",
                    actor: str) -> Pledge:
    """Record a focal point's progress report (the checks of ``campaign pledge progress``),
    in the pledge's events and the audit log."""
    from campaign.pledges.progress import record_progress
    from campaign.queue.engine import utcnow

    pledge = record_progress(store, pledge_id, indicator, value=value, on=on, today=today,
                             note=note, evidence=evidence, actor=actor)
    with store._connection() as conn:
        audit.record(conn, at=utcnow(), actor=actor, action="pledge.progress",
                     object_kind="pledge", object_id=pledge_id,
                     after={"indicator": indicator, "value": value, "on": on.isoformat(),
                            "evidence": evidence})
    return pledge
