"""Planning: rendered posts become queued posts, once each, updated while not yet out.

Planning a whole campaign is the queue's largest write (bench/bench_queue.py plans 100,000
posts). Each row is built once, from what is computed once per due time and per call; the new
rows go to the database in one executemany of Core's compiled INSERT, their values bound by the
columns' own types; the creation events follow in one INSERT ... SELECT.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from operator import itemgetter
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Connection,
    Dialect,
    String,
    bindparam,
    func,
    insert,
    literal,
    null,
    select,
    update,
)
from sqlalchemy.orm import Session

from campaign.queue.accounts import Accounts
from campaign.queue.engine import EVENTS, POSTS, chunks, stored_text, utcnow
from campaign.queue.models import FINAL, TEXT_CHANGED, Account, Event, QueuedPost, Status, check_move

if TYPE_CHECKING:
    from campaign.content.render import RenderedPost
    from campaign.text.networks import NetworkLimits

# still waiting to go out and not in flight: what a plan may update, and --replace-account cancel
QUEUED = (Status.DRAFT, Status.APPROVED, Status.SCHEDULED)
_NOT_QUEUED = tuple(s for s in Status if s not in QUEUED)
# how many of the posts left on other accounts a report names (all are counted)
SHOWN = 10
# json.dumps(..., ensure_ascii=False) builds a new encoder on every call; one encoder is reused
_encode = json.JSONEncoder(ensure_ascii=False).encode
# what that encoder writes for one string (json's own C function): a list of parts is then
# joined as the encoder joins it, ", " between items, without building an encoder per list
_string = json.encoder.encode_basestring


@dataclass(frozen=True)
class OtherPost:
    """A post of this plan that is (or was, until cancelled) queued on another account."""

    post_id: int
    network: str
    account: str  # its handle
    entry: str
    audience: str
    language: str
    due_at: datetime
    status: str

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {"id": self.post_id, "network": self.network, "account": self.account,
                "entry": self.entry, "audience": self.audience, "language": self.language,
                "due_at": stored_text(self.due_at) + "Z", "status": str(self.status)}


@dataclass(frozen=True)
class Elsewhere:
    """The posts of a plan queued on other accounts of their networks: how many, how many per
    account (``NETWORK=HANDLE``), and the first few by due time."""

    count: int = 0
    accounts: Mapping[str, int] = field(default_factory=dict)
    first: tuple[OtherPost, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {"count": self.count, "accounts": dict(self.accounts),
                "first": [p.as_dict() for p in self.first]}


@dataclass(frozen=True)
class PlanReport:
    """What planning did: posts added, updated (not yet published), and left alone; the same
    posts still queued on other accounts of their networks, or cancelled there."""

    added: int
    updated: int
    unchanged: int
    kept_final: int
    left_on_other_accounts: Elsewhere = Elsewhere()
    cancelled_elsewhere: Elsewhere = Elsewhere()
    # posts whose text a person edited (the dashboard): the schedule's text never overwrites it
    kept_edited: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "left_alone_final": self.kept_final, "left_alone_edited": self.kept_edited,
                "left_on_other_accounts": self.left_on_other_accounts.as_dict(),
                "cancelled_elsewhere": self.cancelled_elsewhere.as_dict()}


def idempotency_key(post_key: str, network: str, handle: str) -> str:
    """The post's identity on one account: the same plan on the same account gives the same key."""
    return hashlib.sha256(f"{post_key}@{network}:{handle}".encode()).hexdigest()[:32]


def day_deadline(due: datetime) -> datetime:
    """The start of the next day in the post's own timezone (aware): it is late from then.

    The next midnight, not 23:59:59.999 of the day: that one is ambiguous where clocks fall back
    at midnight, and would make a post missed an hour early.
    """
    return datetime.combine(due.date() + timedelta(days=1), time(0), tzinfo=due.tzinfo)


def local_month(due_at: datetime, timezone: str) -> int:
    """The month of a due time (aware, or naive UTC) on the clocks of its own timezone: what
    ``queue list --month`` selects, stored as ``due_month``."""
    if due_at.tzinfo is None:
        due_at = due_at.replace(tzinfo=UTC)
    return due_at.astimezone(ZoneInfo(timezone)).month


def store_due_months(s: Session, ids: Sequence[int], due_at: datetime) -> None:
    """Write the ``due_month`` of the posts ``ids``, just moved to ``due_at``, each on the
    clocks of its own timezone (the store's edits of a due time call it)."""
    by_month: dict[int, list[int]] = {}
    query = select(QueuedPost.id, QueuedPost.timezone).where(QueuedPost.id.in_(ids))
    for post_id, timezone in s.execute(query):
        by_month.setdefault(local_month(due_at, timezone), []).append(post_id)
    for month, group in by_month.items():
        s.execute(update(QueuedPost).where(QueuedPost.id.in_(group)).values(due_month=month))


def _own_limits(account: Account) -> NetworkLimits | None:
    """A Mastodon instance's own limits, read by `accounts test`, when they differ from 500/23."""
    from campaign.text.networks import NetworkLimits

    settings = json.loads(account.settings_json or "{}")
    if account.network != "mastodon" or "max_characters" not in settings:
        return None
    limits = NetworkLimits(
        mastodon_characters=int(settings["max_characters"]),
        mastodon_url_length=int(settings.get("characters_reserved_per_url", 23)))
    return None if limits == NetworkLimits() else limits


def _split_for(post: RenderedPost, limits: NetworkLimits) -> RenderedPost:
    """The post split again for an instance with other limits (a longer or shorter post)."""
    from campaign.text.measure import measure
    from campaign.text.threads import split_thread

    if measure(post.network, post.text, limits).fits:
        return post._replace(parts=(post.text,))
    return post._replace(parts=tuple(split_thread(post.text, post.network, limits)))


@dataclass(frozen=True, slots=True)
class _Due:
    """What a row stores about its due time, computed once for every post due then."""

    at: datetime  # aware UTC
    deadline: datetime  # the next local midnight, for day-bound posts
    text: str  # naive UTC in ISO form, as content hashes have always read it
    month: int  # on the post's own clocks
    timezone: str  # the zone's IANA name


class Rows:
    """Builds the rows of one plan: one per post and account, sharing what posts have in common
    (a due time, the time of the plan, the status new posts start in)."""

    def __init__(self, now: datetime, review: bool) -> None:
        self.now = now
        self.status = Status.DRAFT if review else Status.SCHEDULED
        self._dues: dict[tuple[datetime, object], _Due] = {}

    def _due(self, due: datetime) -> _Due:
        # keyed on the zone too: 09:00 in Zurich equals 07:00 UTC, but their days differ
        key = (due, due.tzinfo)
        found = self._dues.get(key)
        if found is None:
            at = due.astimezone(UTC)
            found = self._dues[key] = _Due(at=at, deadline=day_deadline(due),
                                           text=stored_text(at), month=due.month,
                                           timezone=str(due.tzinfo))
        return found

    def row(self, post: RenderedPost, account_id: int, handle: str) -> dict[str, Any]:
        """The row of ``post`` on the account ``account_id`` (whose handle is ``handle``)."""
        parts_json = f"[{', '.join(map(_string, post.parts))}]"
        facets_json = "[]"
        if post.network == "bluesky":
            from campaign.text.facets import facets_to_atproto

            facets_json = _encode([facets_to_atproto(f) for f in post.facets()])
        due = self._due(post.due)
        timezone = due.timezone  # post.timezone, once per due time
        media = post.media
        media_json = _encode(media) if media else "[]"
        # facets derive from the parts, so parts, media, time and zone say whether anything
        # changed (media only when there are some: posts planned before images existed keep
        # their hash)
        hashed = f"{parts_json}\x00{media_json}" if media else parts_json
        content_hash = hashlib.sha256(
            f"{hashed}\x00{due.text}\x00{timezone}".encode()).hexdigest()
        key = post.key
        now = self.now
        return {
            "idempotency_key": idempotency_key(key, post.network, handle),
            "post_key": key, "campaign": post.campaign, "entry": post.entry_id,
            "audience": post.audience, "language": post.language, "network": post.network,
            "account_id": account_id, "text": post.text, "parts_json": parts_json,
            "facets_json": facets_json, "media_json": media_json,
            "link_card": any(m.get("type") == "card" for m in media) if media else False,
            "content_hash": content_hash, "due_at": due.at, "due_month": due.month,
            "timezone": timezone, "day_bound": post.day_bound,
            "deadline_at": due.deadline if post.day_bound else None,
            "status": self.status, "reviewed": False, "attempts": 0,
            "created_at": now, "updated_at": now,
        }


@dataclass(frozen=True)
class _Insert:
    """Core's INSERT INTO posts of some columns for one dialect, ready for the driver."""

    sql: str
    order: tuple[str, ...]  # the columns in the order the statement takes them
    positional: bool
    plain: tuple[int, ...]  # positions (in ``order``) of columns the driver takes as they are
    bound: tuple[int, ...]  # positions of columns whose type binds them (times, statuses)
    processors: tuple[Callable[[Any], Any], ...]  # one per ``bound`` column
    layout: tuple[int, ...]  # where each value of plain + bound goes back in ``order``


@lru_cache(maxsize=8)
def _insert(dialect: Dialect, columns: tuple[str, ...]) -> _Insert:
    compiled = POSTS.insert().compile(dialect=dialect, column_keys=list(columns))
    order = tuple(compiled.positiontup or ()) if compiled.positional else columns
    processors = {i: process for i, c in enumerate(order)
                  if (process := POSTS.c[c].type.dialect_impl(dialect).bind_processor(dialect))}
    plain = tuple(i for i in range(len(order)) if i not in processors)
    bound = tuple(processors)
    return _Insert(compiled.string, order, compiled.positional, plain, bound,
                   tuple(processors.values()),
                   tuple(sorted(range(len(order)), key=(*plain, *bound).__getitem__)))


def _picker(indices: Sequence[int]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """The values at ``indices`` of a sequence, always as a tuple (itemgetter of one index gives
    the value alone)."""
    if len(indices) == 1:
        only = indices[0]
        return lambda values: (values[only],)
    if not indices:
        return lambda values: ()
    return itemgetter(*indices)


def driver_rows(dialect: Dialect, rows: Sequence[Mapping[str, Any]]
                ) -> tuple[str, list[tuple[Any, ...]] | list[dict[str, Any]]]:
    """The INSERT of ``rows`` and its parameters, bound as the columns' types bind them.

    What ``Connection.execute(POSTS.insert(), rows)`` sends, without its per-row bookkeeping:
    the typed columns (UTC times, statuses, booleans) of a plan's rows take few distinct sets of
    values (one due time for many posts, one ``now``), so their processors run once per set.
    """
    insert = _insert(dialect, tuple(rows[0]))
    get, back = itemgetter(*insert.order), _picker(insert.layout)
    plain, bound = _picker(insert.plain), _picker(insert.bound)
    processors = insert.processors
    seen: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    values: list[tuple[Any, ...]] = []
    for row in rows:
        ordered = get(row)
        typed = bound(ordered)
        done = seen.get(typed)
        if done is None:
            done = seen[typed] = tuple(p(v) for p, v in zip(processors, typed, strict=True))
        values.append(back(plain(ordered) + done))
    if insert.positional:
        return insert.sql, values
    return insert.sql, [dict(zip(insert.order, v, strict=True)) for v in values]


def _insert_new(conn: Connection, rows: Sequence[Mapping[str, Any]], now: datetime) -> None:
    """Insert new posts with one executemany, then their creation events with one statement."""
    before = conn.scalar(select(func.max(POSTS.c.id))) or 0
    sql, params = driver_rows(conn.dialect, rows)
    conn.exec_driver_sql(sql, params)
    # the rows just inserted: ids above the largest before (SQLite holds the write lock;
    # PostgreSQL shows no other transaction's uncommitted rows), made now, on these accounts
    conn.execute(EVENTS.insert().from_select(
        ["post_id", "at", "from_status", "to_status", "actor", "detail"],
        select(POSTS.c.id, POSTS.c.created_at, null(), POSTS.c.status, literal("plan", String),
               literal("planned", String))
        .where(POSTS.c.id > before, POSTS.c.created_at == now,
               POSTS.c.account_id.in_({r["account_id"] for r in rows}))))


# what a report names of each post left on (or cancelled from) another account
_OTHER_COLUMNS = (QueuedPost.id, QueuedPost.network, Account.handle, QueuedPost.entry, QueuedPost.audience,
                  QueuedPost.language, QueuedPost.due_at, QueuedPost.status)


# the lists are bound when each statement runs ("expanding"): the statements are built and
# compiled once, not once per plan with a parameter object per key
_EXISTING = (select(QueuedPost.id, QueuedPost.idempotency_key, QueuedPost.status, QueuedPost.content_hash)
             .where(QueuedPost.idempotency_key.in_(bindparam("keys", expanding=True))))
# posts of these keys (the same campaign, entry, audience, language and network) still queued
# on another account than the one they are planned on now; status NOT IN the others rather
# than IN these, or SQLite reads the queue through the status index where the key index answers
_OTHERS = (QueuedPost.post_key.in_(bindparam("keys", expanding=True)),
           QueuedPost.account_id.not_in(bindparam("accounts", expanding=True)),
           QueuedPost.status.not_in(_NOT_QUEUED))


def _edited_by_people(s: Session, ids: Sequence[int]) -> set[int]:
    """The posts among ``ids`` whose text a person changed (an event whose after-fields hold a
    text, by anyone but planning): planning again must not put the schedule's text back."""
    found: set[int] = set()
    for chunk in chunks(sorted(set(ids)), 2000):
        found.update(s.scalars(select(Event.post_id).where(
            Event.post_id.in_(chunk), Event.actor != "plan", TEXT_CHANGED).distinct()))
    return found


def _by_due(post: OtherPost) -> tuple[datetime, int]:
    return post.due_at, post.post_id


def _summary(posts: Sequence[OtherPost]) -> Elsewhere:
    """How many posts, how many per account, and the first few by due time."""
    counts: dict[str, int] = {}
    for post in posts:
        name = f"{post.network}={post.account}"
        counts[name] = counts.get(name, 0) + 1
    first = sorted(posts, key=_by_due)[:SHOWN]
    return Elsewhere(count=len(posts), accounts=dict(sorted(counts.items())), first=tuple(first))


class Planning(Accounts):
    """Planning: rendered posts become queued posts, once each, updated while not yet out."""

    # -- planning --------------------------------------------------------------------------
    def plan(self, posts: Iterable[RenderedPost], accounts: Mapping[str, Account], *,
             review: bool = False, replace_account: bool = False) -> PlanReport:
        """Turn rendered posts into queued posts; running it again adds nothing twice.

        A post whose text or time changed is updated while it is not yet out; a post already
        published, failed, missed or cancelled is never touched. The same posts still queued on
        another account of their network (the network was planned on another account before)
        are reported, and with ``replace_account`` cancelled, in the same transaction.
        """
        now = utcnow()
        builder = Rows(now, review)
        rows: dict[str, dict[str, Any]] = {}
        # plain values, read once: an ORM attribute per post costs more than the post's row
        plain = {n: (a.id, a.handle) for n, a in accounts.items()}
        own_limits = {n: _own_limits(a) for n, a in accounts.items()}
        for post in posts:
            account = plain.get(post.network)
            if account is None:
                continue
            limits = own_limits.get(post.network)
            if limits is not None:
                post = _split_for(post, limits)
            row = builder.row(post, *account)
            rows[row["idempotency_key"]] = row
        added = updated = unchanged = kept = 0
        with self._session() as s:
            keys = sorted({r["post_key"] for r in rows.values()})
            planned_on = {a for a, _ in plain.values()}
            left, cancelled = Elsewhere(), Elsewhere()
            if replace_account:
                cancelled = _summary(self._cancel(s, self._elsewhere(s, keys, planned_on),
                                                  accounts, now))
            else:
                left = self._count_elsewhere(s, keys, planned_on)
            existing: dict[str, Any] = {}
            for chunk in chunks(list(rows), 2000):
                existing.update((r.idempotency_key, r) for r in s.execute(
                    _EXISTING, {"keys": chunk}))
            new_rows = [r for k, r in rows.items() if k not in existing]
            if new_rows:
                _insert_new(s.connection(), new_rows, now)
                added = len(new_rows)
            edited = _edited_by_people(s, [old.id for k, old in existing.items()
                                           if old.content_hash != rows[k]["content_hash"]])
            kept_edited = 0
            for key, row in rows.items():
                old = existing.get(key)
                if old is None:
                    continue
                if old.status in FINAL or old.status == Status.PUBLISHING:
                    kept += 1
                elif old.content_hash == row["content_hash"]:
                    unchanged += 1
                elif old.id in edited:
                    kept_edited += 1
                elif self._update_planned(s, old.id, old.status, row, now):
                    updated += 1
                else:
                    kept += 1
        return PlanReport(added=added, updated=updated, unchanged=unchanged, kept_final=kept,
                          left_on_other_accounts=left, cancelled_elsewhere=cancelled,
                          kept_edited=kept_edited)

    def _count_elsewhere(self, s: Session, keys: Sequence[str],
                         account_ids: set[int]) -> Elsewhere:
        """How many posts of this plan are queued on other accounts, per account, and the
        first few; counted in SQL, for a database may hold the campaign on many accounts."""
        per_account: dict[int, int] = {}
        first: list[OtherPost] = []
        for chunk in chunks(keys, 2000):
            given = {"keys": chunk, "accounts": sorted(account_ids)}
            counted = s.execute(select(QueuedPost.account_id, func.count()).where(*_OTHERS)
                                .group_by(QueuedPost.account_id), given).all()
            if not counted:
                continue
            for account_id, count in counted:
                per_account[account_id] = per_account.get(account_id, 0) + count
            # the first few from the index alone, then only their rows
            ids = list(s.scalars(select(QueuedPost.id).where(*_OTHERS)
                                 .order_by(QueuedPost.due_at, QueuedPost.id).limit(SHOWN), given))
            first.extend(OtherPost(*row) for row in s.execute(
                select(*_OTHER_COLUMNS).join(Account, Account.id == QueuedPost.account_id)
                .where(QueuedPost.id.in_(ids))))
        if not per_account:
            return Elsewhere()
        names = {a.id: f"{a.network}={a.handle}" for a in s.execute(
            select(Account.id, Account.network, Account.handle)
            .where(Account.id.in_(per_account)))}
        return Elsewhere(count=sum(per_account.values()),
                         accounts=dict(sorted((names[i], n) for i, n in per_account.items())),
                         first=tuple(sorted(first, key=_by_due)[:SHOWN]))

    def _elsewhere(self, s: Session, keys: Sequence[str],
                   account_ids: set[int]) -> list[OtherPost]:
        """Every post of this plan queued on another account, locked on PostgreSQL (they are
        about to be cancelled: no runner may take one meanwhile)."""
        found: list[OtherPost] = []
        for chunk in chunks(keys, 2000):
            query = (select(*_OTHER_COLUMNS).join(Account, Account.id == QueuedPost.account_id)
                     .where(*_OTHERS))
            if self.is_postgres:
                query = query.with_for_update(of=QueuedPost)
            found.extend(OtherPost(*row) for row in s.execute(
                query, {"keys": chunk, "accounts": sorted(account_ids)}))
        return found

    def _cancel(self, s: Session, others: Sequence[OtherPost], accounts: Mapping[str, Account],
                now: datetime) -> list[OtherPost]:
        """Cancel ``others``, each with an event naming the account its network moved to."""
        for post in others:
            check_move(post.post_id, post.status, Status.CANCELLED)
        moved: set[int] = set()
        for chunk in chunks(sorted(p.post_id for p in others), 2000):
            moved.update(s.scalars(
                update(QueuedPost).where(QueuedPost.id.in_(chunk), QueuedPost.status.in_(QUEUED))
                .values(status=Status.CANCELLED, updated_at=now).returning(QueuedPost.id)))
        done = [p for p in others if p.post_id in moved]
        if done:
            s.execute(insert(Event), [
                {"post_id": p.post_id, "at": now, "from_status": p.status,
                 "to_status": Status.CANCELLED, "actor": "plan",
                 "detail": f"replaced: {p.network} is planned on "
                           f"{p.network}={accounts[p.network].handle} now (--replace-account)"}
                for p in done])
        return done

    def _update_planned(self, s: Session, post_id: int, status: str, row: Mapping[str, Any],
                        now: datetime) -> bool:
        values = {k: row[k] for k in ("text", "parts_json", "facets_json", "media_json",
                                      "link_card", "content_hash", "due_at", "due_month",
                                      "timezone", "day_bound", "deadline_at")}
        # changed text was never reviewed: an approved post goes back to draft
        new_status = Status.DRAFT if status == Status.APPROVED else Status(status)
        changed = s.execute(
            # not if a runner moved it meanwhile
            update(QueuedPost).where(QueuedPost.id == post_id, QueuedPost.status == status)
            .values(**values, updated_at=now, status=new_status,
                    reviewed=False if new_status == Status.DRAFT else QueuedPost.reviewed)
            .returning(QueuedPost.id)).first()
        if changed is None:
            return False
        s.add(Event(post_id=post_id, at=now, from_status=status, to_status=new_status,
                    actor="plan", detail="content or time changed"))
        return True

    def campaign_start(self, campaign: str) -> datetime | None:
        """The due time (UTC) of the earliest post planned for ``campaign``."""
        with self._session() as s:
            return s.scalar(select(func.min(QueuedPost.due_at)).where(QueuedPost.campaign == campaign))
