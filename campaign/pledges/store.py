"""The pledge store: every read and write of pledges, their indicators, progress and events.

It shares the queue's database (the same URL, the same migrations): the secretariat's pledges
and the posts that tell them live side by side. Like the queue's Store, it hands out plain
frozen values, never a session, and each call is one transaction: a rejected pledge leaves
nothing behind. Many pledges are stored with Core ``executemany`` in one transaction per batch,
so an import of thousands costs a few statements, not thousands of round trips.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, RowMapping, delete, insert, select, update

from campaign.errors import CampaignError, UsageError
from campaign.pledges.form import Amplification, Cost, FocalPoint, Indicator, PledgeForm
from campaign.pledges.models import (
    HANDLES,
    INDICATORS,
    PLEDGE_EVENTS,
    PLEDGE_STATUSES,
    PLEDGES,
    PROGRESS,
    TRANSITIONS,
    PledgeStatus,
)
from campaign.queue.engine import Database, chunks, utcnow

BATCH = 500  # pledges per executemany: under SQLite's 32,766 bound parameters with children


class PledgeNotFound(CampaignError):
    """No pledge has this id."""

    def __init__(self, pledge_id: int) -> None:
        self.pledge_id = pledge_id
        super().__init__(f"no pledge has id {pledge_id}: see `campaign pledge list`")


class DuplicatePledge(CampaignError):
    """The organisation already has a pledge with this title."""

    def __init__(self, name: str, title: str, existing: int | None) -> None:
        self.existing = existing
        where = f" (pledge {existing})" if existing else ""
        super().__init__(f"{name!r} already has a pledge titled {title!r}{where}: edit that "
                         "one, or give the new pledge another title")


class UnknownIndicator(CampaignError):
    """A progress report names an indicator the pledge does not have."""

    def __init__(self, pledge_id: int, name: str, known: Sequence[str]) -> None:
        choices = ", ".join(repr(k) for k in known) if known else "none (add one with `pledge edit`)"
        super().__init__(f"pledge {pledge_id} has no indicator {name!r}: its indicators are "
                         f"{choices}")


class IndicatorHasReports(CampaignError):
    """An edit would remove (or rename) an indicator that progress was reported for."""

    def __init__(self, pledge_id: int, name: str, reports: int) -> None:
        count = f"{reports} progress report{'s' if reports != 1 else ''}"
        super().__init__(f"pledge {pledge_id}'s indicator {name!r} has {count}: keep it in "
                         "'indicators' under the same name (only its unit, baseline, target "
                         "and deadline may change), or its reports would be lost")


class StatusRefused(CampaignError):
    """A status change the table of transitions does not allow."""

    def __init__(self, pledge_id: int, current: str, wanted: str) -> None:
        allowed = sorted(TRANSITIONS[PledgeStatus(current)])
        then = f"it can become {', '.join(allowed)}" if allowed else "that is final"
        super().__init__(f"pledge {pledge_id} is {current} and cannot become {wanted}: {then}")


@dataclass(frozen=True)
class ProgressReport:
    """One reported value of an indicator."""

    on: date
    value: float
    note: str = ""
    evidence: str = ""


@dataclass(frozen=True)
class IndicatorState:
    """An indicator and every value reported for it, oldest first."""

    indicator: Indicator
    reports: tuple[ProgressReport, ...] = ()

    @property
    def latest(self) -> ProgressReport | None:
        """The most recent report: of the latest day, the last stored (a correction), None
        before the first (the store reads them by day, then in the order stored)."""
        return self.reports[-1] if self.reports else None


@dataclass(frozen=True)
class Pledge:
    """A stored pledge: the form as submitted (handles normalised), where it stands, the DIDs
    of its Bluesky handles, its indicators with their reports and its SMART check."""

    id: int
    form: PledgeForm
    status: PledgeStatus
    kind: str
    dids: Mapping[str, str] = field(default_factory=dict)
    indicators: tuple[IndicatorState, ...] = ()
    smart: Mapping[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def indicator(self, name: str) -> IndicatorState | None:
        """The indicator of this name (case-insensitive), None when the pledge has none."""
        folded = name.strip().casefold()
        return next((i for i in self.indicators if i.indicator.name.casefold() == folded), None)


@dataclass(frozen=True)
class PledgeEvent:
    """One change of one pledge."""

    at: datetime
    action: str
    from_status: str | None
    to_status: str | None
    actor: str
    detail: Mapping[str, Any]


@dataclass(frozen=True)
class NewPledge:
    """A checked pledge ready to store: the form, the audience's kind, its SMART check, the
    DIDs found for its Bluesky handle, and the status and reports an import carries."""

    form: PledgeForm
    kind: str
    smart: Mapping[str, Any] = field(default_factory=dict)
    dids: Mapping[str, str] = field(default_factory=dict)
    status: PledgeStatus = PledgeStatus.SUBMITTED
    reports: Mapping[str, Sequence[ProgressReport]] = field(default_factory=dict)  # by indicator


def _plan_json(plan: Amplification | None) -> str:
    return "null" if plan is None else plan.model_dump_json()


def stored_key(key: str) -> str:
    """What the ``key`` column holds for a pledge's duplicate key: its SHA-256, so that a title
    of 20 long words, or a name that NFKC expands, fits the column and PostgreSQL's index."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _row_values(item: NewPledge, now: datetime) -> dict[str, Any]:
    form = item.form
    return {"key": stored_key(form.key), "audience": form.audience, "kind": item.kind, "name": form.name,
            "country": form.country, "language": form.language,
            "focal_name": form.focal_point.name, "focal_email": form.focal_point.email,
            "title": form.title, "implementation": form.implementation,
            "contribution": form.contribution, "communication": form.communication,
            "cost_amount": str(form.cost.amount) if form.cost else None,
            "cost_currency": form.cost.currency if form.cost else None,
            "plan_json": _plan_json(form.amplification),
            "smart_json": json.dumps(item.smart, ensure_ascii=False),
            "status": item.status.value, "submitted_on": form.submitted_on,
            "created_at": now, "updated_at": now}


class PledgeStore(Database):
    """The pledges of the campaign, in the queue's database."""

    # -- writes ----------------------------------------------------------------------------
    def add(self, item: NewPledge, *, actor: str = "") -> Pledge:
        """Store one checked pledge; DuplicatePledge when its organisation has one so titled."""
        (pledge_id,) = self.add_many([item], actor=actor)
        return self.get(pledge_id)

    def add_many(self, items: Sequence[NewPledge], *, actor: str = "",
                 progress: Sequence[tuple[int, str, ProgressReport]] = ()) -> list[int]:
        """Store checked pledges in one transaction, all or none; their ids, in order.
        ``progress`` adds reports (pledge id, indicator, report) to stored pledges in the same
        transaction. DuplicatePledge names the first one already stored or given twice."""
        ids: list[int] = []
        with self._connection() as conn:
            self._refuse_duplicates(conn, items)
            for batch in chunks(list(items), BATCH):
                ids.extend(self._insert(conn, batch, actor))
            if progress:
                self._insert_stored_reports(conn, progress, actor)
        return ids

    def _insert_stored_reports(self, conn: Connection,
                               progress: Sequence[tuple[int, str, ProgressReport]],
                               actor: str) -> None:
        now = utcnow()
        wanted = sorted({pledge_id for pledge_id, _, _ in progress})
        by_name: dict[tuple[int, str], tuple[int, str]] = {}
        for chunk in chunks(wanted, 2000):
            by_name.update(((p, n.casefold()), (i, n)) for i, p, n in conn.execute(
                select(INDICATORS.c.id, INDICATORS.c.pledge_id, INDICATORS.c.name)
                .where(INDICATORS.c.pledge_id.in_(chunk))).all())
        rows: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        for pledge_id, indicator, report in progress:
            found = by_name.get((pledge_id, indicator.strip().casefold()))
            if found is None:
                raise UnknownIndicator(pledge_id, indicator,
                                       [n for (p, _), (_, n) in by_name.items() if p == pledge_id])
            indicator_id, name = found
            rows.append({"indicator_id": indicator_id, "on": report.on, "value": report.value,
                         "note": report.note, "evidence": report.evidence, "created_at": now})
            events.append({"pledge_id": pledge_id, "at": now, "action": "progress",
                           "from_status": None, "to_status": None, "actor": actor,
                           "detail": json.dumps({"indicator": name, "on": report.on.isoformat(),
                                                 "value": report.value, "note": report.note,
                                                 "evidence": report.evidence},
                                                ensure_ascii=False)})
        conn.execute(insert(PROGRESS), rows)
        for chunk in chunks(wanted, 2000):
            conn.execute(update(PLEDGES).where(PLEDGES.c.id.in_(chunk)).values(updated_at=now))
        conn.execute(insert(PLEDGE_EVENTS), events)

    def duplicates(self, forms: Iterable[PledgeForm]) -> dict[str, int]:
        """Of these pledges' keys, the ones already stored, with their pledge's id."""
        keys = {stored_key(f.key): f.key for f in forms}
        found: dict[str, int] = {}
        with self._connection() as conn:
            for chunk in chunks(sorted(keys), 2000):
                rows = conn.execute(select(PLEDGES.c.key, PLEDGES.c.id)
                                    .where(PLEDGES.c.key.in_(chunk))).all()
                found.update((keys[digest], pledge_id) for digest, pledge_id in rows)
        return found

    def _refuse_duplicates(self, conn: Connection, items: Sequence[NewPledge]) -> None:
        seen: set[str] = set()
        for item in items:
            if item.form.key in seen:
                raise DuplicatePledge(item.form.name, item.form.title, None)
            seen.add(item.form.key)
        for chunk in chunks(sorted(stored_key(k) for k in seen), 2000):
            row = conn.execute(select(PLEDGES.c.key, PLEDGES.c.id)
                               .where(PLEDGES.c.key.in_(chunk)).limit(1)).first()
            if row is not None:
                form = next(i.form for i in items if stored_key(i.form.key) == row.key)
                raise DuplicatePledge(form.name, form.title, row.id)

    def _insert(self, conn: Connection, batch: Sequence[NewPledge], actor: str) -> list[int]:
        now = utcnow()
        rows = conn.execute(insert(PLEDGES).returning(PLEDGES.c.id, sort_by_parameter_order=True),
                            [_row_values(item, now) for item in batch]).scalars().all()
        ids = list(rows)
        handles, indicators, events = [], [], []
        for pledge_id, item in zip(ids, batch, strict=True):
            for network, handle in item.form.handles.items():
                handles.append({"pledge_id": pledge_id, "network": network, "handle": handle,
                                "did": item.dids.get(network)})
            for position, ind in enumerate(item.form.indicators):
                indicators.append({"pledge_id": pledge_id, "position": position, "name": ind.name,
                                   "unit": ind.unit, "baseline": ind.baseline,
                                   "target": ind.target, "deadline": ind.deadline})
            events.append({"pledge_id": pledge_id, "at": now, "action": "created",
                           "from_status": None, "to_status": item.status.value, "actor": actor,
                           "detail": ""})
        if handles:
            conn.execute(insert(HANDLES), handles)
        if indicators:
            conn.execute(insert(INDICATORS), indicators)
        conn.execute(insert(PLEDGE_EVENTS), events)
        reports = [(pledge_id, item) for pledge_id, item in zip(ids, batch, strict=True)
                   if item.reports]
        if reports:
            self._insert_reports(conn, reports, now)
        return ids

    def _insert_reports(self, conn: Connection, items: Sequence[tuple[int, NewPledge]],
                        now: datetime) -> None:
        wanted = [pledge_id for pledge_id, _ in items]
        by_name = {(p, n.casefold()): i for i, p, n in conn.execute(
            select(INDICATORS.c.id, INDICATORS.c.pledge_id, INDICATORS.c.name)
            .where(INDICATORS.c.pledge_id.in_(wanted))).all()}
        rows: list[dict[str, Any]] = []
        for pledge_id, item in items:
            for name, reports in item.reports.items():
                indicator_id = by_name.get((pledge_id, name.casefold()))
                if indicator_id is None:
                    raise UnknownIndicator(pledge_id, name,
                                           [i.name for i in item.form.indicators])
                rows.extend({"indicator_id": indicator_id, "on": r.on, "value": r.value,
                             "note": r.note, "evidence": r.evidence, "created_at": now}
                            for r in reports)
        if rows:
            conn.execute(insert(PROGRESS), rows)

    def edit(self, pledge_id: int, form: PledgeForm, *, smart: Mapping[str, Any],
             kind: str, dids: Mapping[str, str] | None = None, actor: str = "") -> Pledge:
        """Replace a pledge's answers with a checked form; the event keeps before and after.
        Indicators keep their reports by name; removing one that has reports is refused.
        ``dids`` None keeps the stored DIDs; ``{}`` clears them (a Bluesky handle changed)."""
        before = self.get(pledge_id)
        # `dids or before.dids` would bring back the old handle's DID when the caller cleared it
        dids = {n: d for n, d in (before.dids if dids is None else dids).items()
                if n in form.handles}
        kept = {i.name.casefold() for i in form.indicators}
        for state in before.indicators:
            if state.reports and state.indicator.name.casefold() not in kept:
                raise IndicatorHasReports(pledge_id, state.indicator.name, len(state.reports))
        if form.key != before.form.key and (taken := self.duplicates([form])):
            raise DuplicatePledge(form.name, form.title, taken[form.key])
        changes = _changes(before.form, form)
        if dids != dict(before.dids):  # a DID found or dropped is a change of the pledge too
            changes["dids"] = {"before": dict(before.dids), "after": dids}
        if not changes:  # the values given are the pledge's own: no write, no empty event
            return before
        now = utcnow()
        item = NewPledge(form=form, kind=kind, smart=smart, status=before.status)
        values = _row_values(item, now)
        del values["created_at"], values["status"]
        with self._connection() as conn:
            conn.execute(update(PLEDGES).where(PLEDGES.c.id == pledge_id).values(**values))
            conn.execute(delete(HANDLES).where(HANDLES.c.pledge_id == pledge_id))
            if form.handles:
                conn.execute(insert(HANDLES), [{"pledge_id": pledge_id, "network": n,
                                                "handle": h, "did": dids.get(n)}
                                               for n, h in form.handles.items()])
            self._replace_indicators(conn, pledge_id, form.indicators)
            conn.execute(insert(PLEDGE_EVENTS).values(
                pledge_id=pledge_id, at=now, action="edited", from_status=None, to_status=None,
                actor=actor, detail=json.dumps(changes, ensure_ascii=False, default=str)))
        return self.get(pledge_id)

    def _replace_indicators(self, conn: Connection, pledge_id: int,
                            indicators: Sequence[Indicator]) -> None:
        existing = {n.casefold(): i for i, n in conn.execute(
            select(INDICATORS.c.id, INDICATORS.c.name)
            .where(INDICATORS.c.pledge_id == pledge_id)).all()}
        wanted = {ind.name.casefold() for ind in indicators}
        gone = [i for n, i in existing.items() if n not in wanted]
        if gone:
            conn.execute(delete(PROGRESS).where(PROGRESS.c.indicator_id.in_(gone)))
            conn.execute(delete(INDICATORS).where(INDICATORS.c.id.in_(gone)))
        for position, ind in enumerate(indicators):
            values = {"position": position, "name": ind.name, "unit": ind.unit,
                      "baseline": ind.baseline, "target": ind.target, "deadline": ind.deadline}
            if ind.name.casefold() in existing:
                conn.execute(update(INDICATORS)
                             .where(INDICATORS.c.id == existing[ind.name.casefold()])
                             .values(**values))
            else:
                conn.execute(insert(INDICATORS).values(pledge_id=pledge_id, **values))

    def set_status(self, pledge_id: int, status: PledgeStatus | str, *, actor: str = "",
                   note: str = "") -> Pledge:
        """Move a pledge to another status, as the table of transitions allows."""
        if status not in PLEDGE_STATUSES:
            raise UsageError("pledge status", str(status), PLEDGE_STATUSES)
        wanted = PledgeStatus(status)
        with self._connection() as conn:
            current = conn.execute(select(PLEDGES.c.status).where(PLEDGES.c.id == pledge_id)
                                   .with_for_update()).scalar()
            if current is None:
                raise PledgeNotFound(pledge_id)
            if wanted not in TRANSITIONS[PledgeStatus(current)]:
                raise StatusRefused(pledge_id, current, wanted.value)
            now = utcnow()
            conn.execute(update(PLEDGES).where(PLEDGES.c.id == pledge_id)
                         .values(status=wanted.value, updated_at=now))
            conn.execute(insert(PLEDGE_EVENTS).values(
                pledge_id=pledge_id, at=now, action="status", from_status=current,
                to_status=wanted.value, actor=actor,
                detail=json.dumps({"note": note}, ensure_ascii=False) if note else ""))
        return self.get(pledge_id)

    def add_progress(self, pledge_id: int, indicator: str, report: ProgressReport, *,
                     actor: str = "") -> Pledge:
        """Record one value of one of the pledge's indicators; UnknownIndicator names them."""
        pledge = self.get(pledge_id)
        state = pledge.indicator(indicator)
        if state is None:
            raise UnknownIndicator(pledge_id, indicator,
                                   [i.indicator.name for i in pledge.indicators])
        now = utcnow()
        with self._connection() as conn:
            indicator_id = conn.execute(
                select(INDICATORS.c.id).where(INDICATORS.c.pledge_id == pledge_id,
                                              INDICATORS.c.name == state.indicator.name)).scalar_one()
            conn.execute(insert(PROGRESS).values(indicator_id=indicator_id, on=report.on,
                                                 value=report.value, note=report.note,
                                                 evidence=report.evidence, created_at=now))
            conn.execute(update(PLEDGES).where(PLEDGES.c.id == pledge_id).values(updated_at=now))
            conn.execute(insert(PLEDGE_EVENTS).values(
                pledge_id=pledge_id, at=now, action="progress", from_status=None, to_status=None,
                actor=actor, detail=json.dumps(
                    {"indicator": state.indicator.name, "on": report.on.isoformat(),
                     "value": report.value, "note": report.note, "evidence": report.evidence},
                    ensure_ascii=False)))
        return self.get(pledge_id)

    def set_did(self, pledge_id: int, network: str, did: str, *, handle: str | None = None,
                actor: str = "") -> bool:
        """Record the DID a pledger's handle resolved to (handles change, DIDs do not); with
        ``handle``, only while the pledge still has that handle (an edit made while it was
        being resolved wins). Whether it was recorded."""
        with self._connection() as conn:
            query = update(HANDLES).where(HANDLES.c.pledge_id == pledge_id,
                                          HANDLES.c.network == network)
            if handle is not None:
                query = query.where(HANDLES.c.handle == handle)
            changed = conn.execute(query.values(did=did)).rowcount
            if changed:
                conn.execute(insert(PLEDGE_EVENTS).values(
                    pledge_id=pledge_id, at=utcnow(), action="did", from_status=None,
                    to_status=None, actor=actor,
                    detail=json.dumps({"network": network, "did": did})))
        return bool(changed)

    # -- reads -----------------------------------------------------------------------------
    def get(self, pledge_id: int) -> Pledge:
        """One pledge; PledgeNotFound for an unknown id."""
        found = self.pledges(ids=[pledge_id])
        if not found:
            raise PledgeNotFound(pledge_id)
        return found[0]

    def pledges(self, *, ids: Sequence[int] = (), statuses: Sequence[str] = (),
                audiences: Sequence[str] = (), countries: Sequence[str] = (),
                languages: Sequence[str] = (), limit: int | None = None) -> list[Pledge]:
        """Pledges matching the filters, by id; an unknown status names the choices."""
        for status in statuses:
            if status not in PLEDGE_STATUSES:
                raise UsageError("pledge status", status, PLEDGE_STATUSES)
        query = select(PLEDGES).order_by(PLEDGES.c.id)
        for column, values in ((PLEDGES.c.id, ids), (PLEDGES.c.status, statuses),
                               (PLEDGES.c.audience, [a.strip().lower() for a in audiences]),
                               (PLEDGES.c.country, [c.strip().upper() for c in countries]),
                               (PLEDGES.c.language, [lang.strip().lower() for lang in languages])):
            if values:
                query = query.where(column.in_(list(values)))
        if limit:
            query = query.limit(limit)
        with self._connection() as conn:
            rows = conn.execute(query).mappings().all()
            wanted = [r["id"] for r in rows]
            handles: dict[int, list[RowMapping]] = {}
            indicators: dict[int, list[RowMapping]] = {}
            reports: dict[int, list[ProgressReport]] = {}
            for chunk in chunks(wanted, 2000):
                for h in conn.execute(select(HANDLES).where(HANDLES.c.pledge_id.in_(chunk))
                                      .order_by(HANDLES.c.id)).mappings():
                    handles.setdefault(h["pledge_id"], []).append(h)
                for i in conn.execute(select(INDICATORS).where(INDICATORS.c.pledge_id.in_(chunk))
                                      .order_by(INDICATORS.c.position)).mappings():
                    indicators.setdefault(i["pledge_id"], []).append(i)
                for p in conn.execute(
                        select(PROGRESS).join(INDICATORS)
                        .where(INDICATORS.c.pledge_id.in_(chunk))
                        .order_by(PROGRESS.c.on, PROGRESS.c.id)).mappings():
                    reports.setdefault(p["indicator_id"], []).append(ProgressReport(
                        on=p["on"], value=p["value"], note=p["note"], evidence=p["evidence"]))
        return [_pledge(r, handles.get(r["id"], []), indicators.get(r["id"], []), reports)
                for r in rows]

    def light_pledges(self, statuses: Sequence[str], *, ids: Sequence[int] = ()) -> list[Pledge]:
        """Pledges with only what their traffic lights and a report's lists need: id, status,
        name, title, stakeholder type, country, language, submission day, indicators and their
        reports (no texts, handles, plan or SMART check). The hashtag report reads 10,000 of
        them in a tenth of the time :meth:`pledges` takes; nothing else may use them. ``ids``
        narrows them (the lights of the registry's page)."""
        p = PLEDGES.c
        # three statements, joined on the status rather than given lists of ids
        chosen: ColumnElement[bool] = p.status.in_(list(statuses))
        if ids:
            chosen = chosen & p.id.in_(list(ids))
        with self._reading() as conn:
            rows = conn.execute(
                select(p.id, p.status, p.kind, p.name, p.title, p.audience, p.country,
                       p.language, p.submitted_on).where(chosen).order_by(p.id)).all()
            indicators: dict[int, list[tuple[int, Indicator]]] = {}
            reports: dict[int, list[ProgressReport]] = {}
            i, r = INDICATORS.c, PROGRESS.c
            for iid, pid, name, unit, base, target, deadline in conn.execute(
                    select(i.id, i.pledge_id, i.name, i.unit, i.baseline, i.target, i.deadline)
                    .join(PLEDGES, p.id == i.pledge_id).where(chosen).order_by(i.position)):
                indicators.setdefault(pid, []).append((iid, Indicator.model_construct(
                    name=name, unit=unit, baseline=base, target=target, deadline=deadline)))
            for iid, on, value in conn.execute(
                    select(r.indicator_id, r.on, r.value).select_from(PROGRESS)
                    .join(INDICATORS, i.id == r.indicator_id)
                    .join(PLEDGES, p.id == i.pledge_id).where(chosen).order_by(r.on, r.id)):
                reports.setdefault(iid, []).append(ProgressReport(on=on, value=value))
        found = []
        for pid, status, kind, name, title, audience, country, language, submitted in rows:
            mine = indicators.get(pid, [])
            # every field given: a field left to its default costs pydantic a signature
            # inspection per pledge
            form = PledgeForm.model_construct(
                audience=audience, name=name, country=country, language=language, title=title,
                indicators=tuple(ind for _, ind in mine), submitted_on=submitted,
                focal_point=None, implementation="", contribution="", communication="",
                handles={}, cost=None, amplification=None)
            found.append(Pledge(id=pid, form=form, status=PledgeStatus(status), kind=kind,
                                indicators=tuple(IndicatorState(ind, tuple(reports.get(iid, ())))
                                                 for iid, ind in mine)))
        return found

    def events(self, pledge_id: int) -> list[PledgeEvent]:
        """The changes of one pledge, oldest first."""
        self.get(pledge_id)
        with self._connection() as conn:
            rows = conn.execute(select(PLEDGE_EVENTS).where(PLEDGE_EVENTS.c.pledge_id == pledge_id)
                                .order_by(PLEDGE_EVENTS.c.id)).mappings().all()
        return [PledgeEvent(at=r["at"], action=r["action"], from_status=r["from_status"],
                            to_status=r["to_status"], actor=r["actor"],
                            detail=json.loads(r["detail"]) if r["detail"] else {}) for r in rows]

    def find_by_handle(self, network: str, handle: str) -> list[int]:
        """The pledges whose handle (or DID) on ``network`` is this one, case-insensitively."""
        with self._connection() as conn:
            rows = conn.execute(select(HANDLES.c.pledge_id, HANDLES.c.handle, HANDLES.c.did)
                                .where(HANDLES.c.network == network)).all()
        wanted = handle.strip().lstrip("@").casefold()
        return sorted({p for p, h, d in rows
                       if h.lstrip("@").casefold() == wanted or (d and d == handle.strip())})


def _pledge(row: RowMapping, handles: Sequence[RowMapping], indicators: Sequence[RowMapping],
            reports: Mapping[int, Sequence[ProgressReport]]) -> Pledge:
    plan = json.loads(row["plan_json"])
    cost = (Cost(amount=row["cost_amount"], currency=row["cost_currency"])
            if row["cost_amount"] is not None else None)
    # stored values were checked when stored: build the models without checking them again
    form = PledgeForm.model_construct(
        audience=row["audience"], name=row["name"], country=row["country"],
        language=row["language"],
        focal_point=FocalPoint.model_construct(name=row["focal_name"], email=row["focal_email"]),
        title=row["title"], implementation=row["implementation"],
        contribution=row["contribution"], communication=row["communication"],
        handles={h["network"]: h["handle"] for h in handles},
        indicators=tuple(Indicator.model_construct(
            name=i["name"], unit=i["unit"], baseline=i["baseline"], target=i["target"],
            deadline=i["deadline"]) for i in indicators),
        cost=cost, amplification=Amplification.model_validate(plan) if plan else None,
        submitted_on=row["submitted_on"])
    states = tuple(IndicatorState(indicator=ind, reports=tuple(reports.get(i["id"], ())))
                   for ind, i in zip(form.indicators, indicators, strict=True))
    return Pledge(id=row["id"], form=form, status=PledgeStatus(row["status"]), kind=row["kind"],
                  dids={h["network"]: h["did"] for h in handles if h["did"]},
                  indicators=states, smart=json.loads(row["smart_json"] or "{}"),
                  created_at=row["created_at"], updated_at=row["updated_at"])


def _changes(before: PledgeForm, after: PledgeForm) -> dict[str, Any]:
    """The fields an edit changed, each with its value before and after."""
    old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
    return {name: {"before": old.get(name), "after": new.get(name)}
            for name in new if old.get(name) != new.get(name)}
