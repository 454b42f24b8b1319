"""Authors of the tracked posts matched to pledgers, by the handles their pledges declare.

Each network is matched on what stays true when people rename themselves:

- Bluesky by DID: ``tracked_authors.author_id`` is the author's DID and ``pledge_handles.did``
  the DID the pledger's handle resolved to, so a handle changed since still matches. A pledge
  whose handle has no DID yet is matched by handle (lower case, as atproto compares them).
- X by user id: ``pledge_handles.did`` is the column of a network's stable id, so for X it holds
  the user id. The first time a tracked author's username (now, or in their history) is a
  pledge's X handle (case-insensitively, as X compares them) and the pledge has no id yet, the
  author's id is recorded there (a pledge event says so); from then on the id matches, so a
  renamed account stays matched and a newcomer taking the old name does not.
- Mastodon by ``user@instance``, both sides folded (the handle as the pledge wrote it,
  ``@Travail@Mastodon.Social``, and the author's ``travail@mastodon.social``): Mastodon tells
  neither usernames nor domains apart by case.

Every pledge counts whatever its status (a withdrawn pledger is still who they are); the
match says the status. The work is a few queries per network, never one per author.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Connection, func, select

from campaign.errors import UsageError
from campaign.pledges.models import HANDLES, PLEDGE_EVENTS, PLEDGES
from campaign.queue.engine import Database, among, chunks, utcnow
from campaign.tracking.models import AUTHORS, POSTS

Which = Literal["all", "pledgers", "unmatched"]
WHICH: tuple[str, ...] = ("all", "pledgers", "unmatched")
NETWORKS = ("x", "bluesky", "mastodon")  # the tracked networks pledges declare handles on


@dataclass(frozen=True)
class Pledger:
    """The pledge an author is matched to, and who made it."""

    pledge_id: int
    organisation: str
    audience: str  # the stakeholder type
    country: str
    status: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-able."""
        return {"pledge_id": self.pledge_id, "organisation": self.organisation,
                "audience": self.audience, "country": self.country, "status": self.status}


@dataclass(frozen=True)
class AuthorMatch:
    """A tracked author, what they posted, and the pledges whose handles are theirs."""

    network: str
    author_id: str
    handle: str
    display_name: str
    url: str
    followers: int | None
    posts: int  # stored posts by this author
    first_post: datetime | None
    last_post: datetime | None
    pledgers: tuple[Pledger, ...] = ()

    @property
    def matched(self) -> bool:
        """Whether some pledge declares this author's handle."""
        return bool(self.pledgers)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able, times as ISO 8601 UTC."""
        return {"network": self.network, "author_id": self.author_id, "handle": self.handle,
                "display_name": self.display_name, "url": self.url,
                "followers": self.followers, "posts": self.posts,
                "first_post": _iso(self.first_post), "last_post": _iso(self.last_post),
                "pledgers": [p.as_dict() for p in self.pledgers]}


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


# -- how each network's handles are compared ---------------------------------------------------
def x_key(handle: str) -> str:
    """An X username as compared: no '@', case-folded (X does not tell them apart by case)."""
    return handle.strip().lstrip("@").casefold()


def bluesky_key(handle: str) -> str:
    """A Bluesky handle as compared: no '@', lower case."""
    return handle.strip().lstrip("@").lower()


def mastodon_key(handle: str) -> str:
    """A Mastodon account as compared: ``user@instance``, no leading '@', all case-folded."""
    return handle.strip().lstrip("@").casefold()


_KEYS = {"x": x_key, "bluesky": bluesky_key, "mastodon": mastodon_key}


@dataclass(frozen=True)
class _Handle:
    pledger: Pledger
    handle: str  # as stored on the pledge
    did: str | None


def authors(db: str | Database | None, which: Which | str = "all",
            network: str | None = None) -> list[AuthorMatch]:
    """The tracked authors (all of them, only pledgers, or only those matched to no pledge),
    with their posts counted and the pledges they are matched to; most posts first.

    ``db`` is a database URL (None: the default one) or an open store of that database. X user
    ids found on the way are recorded on their pledges (see the module's docstring)."""
    if which not in WHICH:
        raise UsageError("authors to list", str(which), WHICH)
    if isinstance(db, Database):
        return _authors(db, str(which), network)
    opened = Database(db)
    try:
        return _authors(opened, str(which), network)
    finally:
        opened.close()


def _authors(db: Database, which: str, network: str | None) -> list[AuthorMatch]:
    with db._connection() as conn:
        networks = [network] if network else [
            str(n) for n in conn.execute(select(AUTHORS.c.network).distinct()).scalars()]
        handles = _pledge_handles(conn, networks)
        if "x" in networks and handles.get("x"):
            _record_x_ids(conn, handles["x"])
            handles["x"] = _pledge_handles(conn, ["x"]).get("x", [])
        found: list[AuthorMatch] = []
        for name in sorted(networks):
            found.extend(_network_authors(conn, name, handles.get(name, []), which))
    found.sort(key=lambda a: (-a.posts, a.network, a.handle.casefold(), a.author_id))
    return found


def _pledge_handles(conn: Connection, networks: Sequence[str]) -> dict[str, list[_Handle]]:
    """Every pledge's handle on these networks, with its pledge: one query."""
    wanted = [n for n in networks if n in _KEYS]
    if not wanted:
        return {}
    rows = conn.execute(
        select(HANDLES.c.network, HANDLES.c.handle, HANDLES.c.did, PLEDGES.c.id, PLEDGES.c.name,
               PLEDGES.c.audience, PLEDGES.c.country, PLEDGES.c.status)
        .join(PLEDGES, PLEDGES.c.id == HANDLES.c.pledge_id)
        .where(HANDLES.c.network.in_(wanted)).order_by(PLEDGES.c.id)).all()
    found: dict[str, list[_Handle]] = {}
    for net, handle, did, pledge_id, name, audience, country, status in rows:
        found.setdefault(net, []).append(_Handle(
            Pledger(int(pledge_id), name, audience, country, status), handle, did or None))
    return found


def _record_x_ids(conn: Connection, handles: Iterable[_Handle]) -> int:
    """Give each X pledge without a user id the id of the author whose username was the
    pledge's handle in a post read from X's API; how many were recorded.

    Only posts a collector read from X count, newest first: an archive is a file anyone may
    write, and a line of it claiming that id 666 is @TravailExemple must not tie the pledge to
    another account for good (such authors are still matched by username, never recorded)."""
    waiting: dict[str, list[_Handle]] = {}
    for h in handles:
        if not h.did:
            waiting.setdefault(x_key(h.handle), []).append(h)
    if not waiting:
        return 0
    ids: dict[str, str] = {}
    seen = conn.execute(
        select(POSTS.c.author_handle, AUTHORS.c.author_id, func.max(POSTS.c.created_at))
        .join(AUTHORS, AUTHORS.c.id == POSTS.c.author_ref)
        .where(POSTS.c.network == "x", ~POSTS.c.source.startswith("import:"),
               func.lower(POSTS.c.author_handle).in_(
                   sorted({k.lower() for k in waiting} | {f"@{k.lower()}" for k in waiting})))
        .group_by(POSTS.c.author_handle, AUTHORS.c.author_id)
        .order_by(func.max(POSTS.c.created_at).desc())).all()
    for handle, author_id, _last in seen:
        key = x_key(handle or "")
        if key in waiting and key not in ids:
            ids[key] = str(author_id)
    now = utcnow()
    recorded = 0
    for key, author_id in ids.items():
        for h in waiting[key]:
            # only while the pledge still has that handle and no id: an edit meanwhile wins
            changed = conn.execute(HANDLES.update().where(
                HANDLES.c.pledge_id == h.pledger.pledge_id, HANDLES.c.network == "x",
                HANDLES.c.handle == h.handle, HANDLES.c.did.is_(None)).values(did=author_id))
            if changed.rowcount:
                recorded += 1
                conn.execute(PLEDGE_EVENTS.insert().values(
                    pledge_id=h.pledger.pledge_id, at=now, action="did", from_status=None,
                    to_status=None, actor="tracking",
                    detail=json.dumps({"network": "x", "did": author_id,
                                       "found_in": "tracked posts"})))
    return recorded


def _index(network: str, handles: Sequence[_Handle]) -> tuple[dict[str, list[Pledger]],
                                                               dict[str, list[Pledger]]]:
    """Pledges by stable id, and by handle (for those without an id yet on Bluesky; every
    one on Mastodon, whose stable id is the handle)."""
    key = _KEYS[network]
    by_id: dict[str, list[Pledger]] = {}
    by_handle: dict[str, list[Pledger]] = {}
    for h in handles:
        if network == "mastodon":
            by_handle.setdefault(key(h.handle), []).append(h.pledger)
        elif h.did:
            by_id.setdefault(h.did, []).append(h.pledger)
        else:  # no id yet: by the handle as it is now (X: until a collector has seen it)
            by_handle.setdefault(key(h.handle), []).append(h.pledger)
    return by_id, by_handle


def _match(network: str, by_id: dict[str, list[Pledger]], by_handle: dict[str, list[Pledger]],
           author_id: str, handle: str | None) -> list[Pledger]:
    """The pledges of one author: by stable id, and by handle (Mastodon's id is its handle)."""
    key = _KEYS.get(network, str.casefold)
    return _dedup([*by_id.get(author_id, ()),
                   *by_handle.get(key(author_id if network == "mastodon" else handle or ""), ())])


class PledgerLookup:
    """Every pledge's handle on some networks, read in one query, to match authors one at a
    time in memory: what `amplify auto` asks of each candidate post's author. Reads only (no
    X id is recorded), so a dry run changes nothing."""

    def __init__(self, conn: Connection, networks: Sequence[str]) -> None:
        handles = _pledge_handles(conn, networks)
        self._indexes = {n: _index(n, handles.get(n, [])) for n in networks if n in _KEYS}

    def pledgers(self, network: str, author_id: str, handle: str) -> tuple[Pledger, ...]:
        """The pledges an author is matched to, lowest id first; () for a network no pledge
        declares handles on."""
        if network not in self._indexes:
            return ()
        by_id, by_handle = self._indexes[network]
        return tuple(_match(network, by_id, by_handle, author_id, handle))


def _network_authors(conn: Connection, network: str, handles: Sequence[_Handle],
                     which: str) -> list[AuthorMatch]:
    """One network's authors with their post counts (one query), matched in memory."""
    counts = (select(POSTS.c.author_ref, func.count().label("n"),
                     func.min(POSTS.c.created_at).label("first"),
                     func.max(POSTS.c.created_at).label("last"))
              .where(POSTS.c.network == network).group_by(POSTS.c.author_ref).subquery())
    rows = conn.execute(
        select(AUTHORS.c.author_id, AUTHORS.c.handle, AUTHORS.c.display_name, AUTHORS.c.url,
               AUTHORS.c.followers, counts.c.n, counts.c.first, counts.c.last)
        .outerjoin(counts, counts.c.author_ref == AUTHORS.c.id)
        .where(AUTHORS.c.network == network)).all()
    by_id, by_handle = _index(network, handles) if network in _KEYS else ({}, {})
    found = []
    for author_id, handle, display_name, url, followers, n, first, last in rows:
        pledgers = _match(network, by_id, by_handle, author_id, handle)
        if (which == "pledgers" and not pledgers) or (which == "unmatched" and pledgers):
            continue
        found.append(AuthorMatch(network, author_id, handle or "", display_name or "", url or "",
                                 followers, int(n or 0), _aware(first), _aware(last),
                                 tuple(pledgers)))
    return found


def pledger_refs(conn: Connection) -> dict[int, tuple[Pledger, ...]]:
    """Every tracked author some pledge names (row id -> its pledges), matched as
    :func:`authors` matches, with a few indexed queries per network and no write: what
    reports and amplification join the summaries with."""
    handles = _pledge_handles(conn, NETWORKS)
    found: dict[int, list[Pledger]] = {}
    for network, wanted in handles.items():
        by_id, by_handle = _index(network, wanted)
        key = _KEYS[network]
        rows: list[Any] = []
        for ids in chunks(sorted(by_id), 5000):
            rows += [(ref, by_id[aid]) for ref, aid in conn.execute(
                select(AUTHORS.c.id, AUTHORS.c.author_id).where(
                    AUTHORS.c.network == network,
                    among(conn.dialect.name, AUTHORS.c.author_id, ids)))]
        column = AUTHORS.c.author_id if network == "mastodon" else AUTHORS.c.handle
        for names in chunks(sorted(by_handle), 5000):
            # the stored handle may carry an '@' (an archive's): both spellings asked
            asked = [*names, *(f"@{n}" for n in names)]
            rows += [(ref, by_handle.get(key(name or ""), [])) for ref, name in conn.execute(
                select(AUTHORS.c.id, column).where(AUTHORS.c.network == network,
                                                   among(conn.dialect.name, func.lower(column),
                                                         asked)))]
        for ref, pledgers in rows:
            found.setdefault(int(ref), []).extend(pledgers)
    return {ref: tuple(_dedup(p)) for ref, p in found.items() if p}


def _dedup(pledgers: Iterable[Pledger]) -> list[Pledger]:
    seen: dict[int, Pledger] = {}
    for p in pledgers:
        seen.setdefault(p.pledge_id, p)
    return sorted(seen.values(), key=lambda p: p.pledge_id)


def _aware(moment: datetime | None) -> datetime | None:
    """An aggregate's time as aware UTC: min()/max() bypass the column type on SQLite."""
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

