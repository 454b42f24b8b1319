"""From a submission to a stored pledge: check the form, run the SMART check, resolve the
Bluesky handle to its DID, store. The CLI's ``pledge add``, ``edit`` and ``import`` and the web
form all go through these functions, so a pledge is checked the same way whichever door it
comes in by.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from campaign.pledges.form import FormRules, PledgeForm, PledgeInvalid, validate_form
from campaign.pledges.models import PledgeStatus
from campaign.pledges.store import NewPledge, Pledge, PledgeStore, ProgressReport

# a Bluesky handle -> its DID (None when it cannot be told now) and, then, why in one sentence
Resolver = Callable[[str], "tuple[str | None, str]"]


@dataclass(frozen=True)
class Notice:
    """Something the pledger should know that did not stop the pledge (a DID not found)."""

    field: str
    message: str


def smart_of(form: PledgeForm, rules: FormRules) -> dict[str, Any]:
    """The SMART check of a pledge, as stored and printed (see campaign.pledges.smart)."""
    from campaign.pledges.smart import check_pledge

    return check_pledge(form, year=rules.year).to_json()


def prepare(data: Mapping[str, object], rules: FormRules, *, where: str = "pledge",
            resolve: Resolver | None = None, status: PledgeStatus = PledgeStatus.SUBMITTED,
            reports: Mapping[str, Sequence[ProgressReport]] | None = None,
            ) -> tuple[NewPledge, list[Notice]]:
    """A checked pledge ready to store, and the warnings for its pledger; PledgeInvalid with
    every problem of the submission."""
    form = validate_form(data, rules, where=where)
    dids: dict[str, str] = {}
    warnings: list[Notice] = []
    handle = form.handles.get("bluesky")
    if handle and resolve is not None:
        did, problem = resolve(handle)
        if did:
            dids["bluesky"] = did
        else:
            warnings.append(Notice("handles.bluesky", f"{problem or 'the DID was not found'}; "
                                   f"the pledge is stored without the DID of {handle}"))
    if reports:
        known = {i.name.casefold() for i in form.indicators}
        unknown = [name for name in reports if name.casefold() not in known]
        if unknown:
            raise PledgeInvalid([f"progress for unknown indicator {unknown[0]!r}: the pledge's "
                                 "indicators are " + (", ".join(repr(i.name) for i in form.indicators)
                                                      or "none")], where=where)
    return NewPledge(form=form, kind=rules.audiences[form.audience], smart=smart_of(form, rules),
                     dids=dids, status=status, reports=dict(reports or {})), warnings


def submit(store: PledgeStore, data: Mapping[str, object], rules: FormRules, *,
           resolve: Resolver | None = None, draft: bool = False, actor: str = "",
           where: str = "pledge") -> tuple[Pledge, list[Notice]]:
    """Check and store one pledge (as a draft, or submitted); the stored pledge and warnings."""
    status = PledgeStatus.DRAFT if draft else PledgeStatus.SUBMITTED
    item, warnings = prepare(data, rules, where=where, resolve=resolve, status=status)
    return store.add(item, actor=actor), warnings


def form_data(form: PledgeForm) -> dict[str, Any]:
    """A pledge's form as plain data (what ``--from`` files, edits and exports hold)."""
    return form.model_dump(mode="json", exclude_none=True)


def edit(store: PledgeStore, pledge_id: int, changes: Mapping[str, object], rules: FormRules, *,
         resolve: Resolver | None = None, actor: str = "") -> tuple[Pledge, list[Notice]]:
    """Apply changed fields to a stored pledge, checking the whole form again; fields not
    named keep their value (a nested field such as ``focal_point`` is replaced whole)."""
    before = store.get(pledge_id)
    data = form_data(before.form) | dict(changes)
    item, warnings = prepare(data, rules, where=f"pledge {pledge_id}",
                             resolve=resolve if "handles" in changes else None)
    # a DID belongs to the handle it was resolved from: kept while that handle stays
    kept = {n: d for n, d in before.dids.items()
            if before.form.handles.get(n) == item.form.handles.get(n)}
    dids = kept | dict(item.dids)
    return store.edit(pledge_id, item.form, smart=item.smart, kind=item.kind, dids=dids,
                      actor=actor), warnings


def bluesky_resolver(service: str | None = None) -> Resolver | None:
    """How handles are resolved to DIDs: through ``service`` (a PDS or appview), else the one
    CAMPAIGN_BLUESKY_RESOLVER names; None when resolution is off."""
    from campaign.pledges.handles import resolve_bluesky, resolver_from_env

    url = service or resolver_from_env()
    if not url:
        return None

    def resolve(handle: str) -> tuple[str | None, str]:
        found = resolve_bluesky(handle, service=url)
        return found.did, found.problem

    return resolve


@dataclass(frozen=True)
class Resolved:
    """What resolving one stored pledge's Bluesky handle gave."""

    pledge_id: int
    handle: str
    did: str | None
    problem: str = ""


def resolve_missing(store: PledgeStore, resolve: Resolver, *, ids: Sequence[int] = (),
                    actor: str = "") -> list[Resolved]:
    """Look up the DID of every Bluesky handle stored without one (or of the pledges ``ids``),
    storing each DID found; one result per handle tried."""
    results: list[Resolved] = []
    for pledge in store.pledges(ids=ids):
        handle = pledge.form.handles.get("bluesky")
        if not handle or (pledge.dids.get("bluesky") and not ids):
            continue
        did, problem = resolve(handle)
        if did and not store.set_did(pledge.id, "bluesky", did, handle=handle, actor=actor):
            # the handle was edited while it was being resolved: its DID is not the new one's
            did, problem = None, f"the handle changed from {handle} meanwhile: resolve it again"
        results.append(Resolved(pledge.id, handle, did, problem))
    return results
