"""`campaign amplify auto`: which collected posts each of the secretariat's accounts reposts or
quotes under a policy (campaign.queue.amplify_policy), and why every other one is skipped.

One pass reads the candidate posts (those of the last ``max_age``, and one day more so that a
post just aged out is still answered for) newest first with their authors, in one query; the
pledges' handles, the hashtags, what each account already amplified and what is already due
each day are read in one query each, never one per post. Then each post is decided for each
account in memory, in a fixed order (the first rule that refuses names the reason):

other-network, already-amplified, repost, reply, quote, too-young, too-old, not-a-pledger /
not-listed / pledge-status, language, hashtag, blocked, daily-cap; otherwise queued (reason
``chosen``), or, inside the account's quiet hours, queued due at their end (reason
``after-quiet-hours``: what a person expects of "not at night"; its day's cap is that day's).

Chosen posts go through campaign.queue.amplify.queue_amplification: the same idempotency key,
exactly-once claims, retries and rate limits as any queued post, so a second pass never queues
a post twice (it says already-amplified). Every decision goes to ``amplify_decisions`` with the
run's id and the policy's name and digest; a dry run writes nothing at all. Time is ``now``,
given: the same data and ``now`` give the same decisions.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Table, insert, select

from campaign.errors import CampaignError
from campaign.queue.amplify_policy import AccountRule, Policy, handle_key, load_policy
from campaign.queue.errors import StoreError
from campaign.queue.models import Account, AmplifyDecision, Kind, QueuedPost, Status
from campaign.queue.store import Store
from campaign.tracking.matching import PledgerLookup
from campaign.tracking.models import AUTHORS, POSTS, TAGS

log = logging.getLogger("campaign.queue.amplify_auto")
DECISIONS = cast(Table, AmplifyDecision.__table__)
QUEUED, SKIPPED, WOULD_QUEUE = "queued", "skipped", "would-queue"
# the reasons, in the order the rules are tried
REASONS = ("chosen", "after-quiet-hours", "other-network", "already-amplified", "repost", "reply",
           "quote", "too-young", "too-old", "not-a-pledger", "not-listed", "pledge-status",
           "language", "hashtag", "blocked", "daily-cap", "refused")
# posts this much older than max_age are still read, and answered for as too-old
LOOKBACK = timedelta(days=1)
# amplifications that never went out do not use up a day's cap
_NOT_COUNTED = (Status.CANCELLED, Status.FAILED, Status.MISSED)
_AMPLIFIED = (Kind.REPOST.value, Kind.QUOTE.value)
_BATCH = 5000
_URL_HOST = re.compile(r"https?://([^/\s?#:]+)", re.IGNORECASE)
_X_STATUS = re.compile(r"/status(?:es)?/(\d+)")


@dataclass(frozen=True, slots=True)
class Decision:
    """What one pass decided about one collected post for one account, and why."""

    post_ref: int
    network: str  # the post's
    remote_id: str
    url: str
    author: str  # the author's handle as last read
    created_at: datetime
    account: str  # NETWORK=HANDLE
    account_id: int
    action: str
    decision: str  # queued, skipped, would-queue
    reason: str  # one of REASONS
    detail: str = ""
    due_at: datetime | None = None
    queued_post_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-able, times as ISO 8601 UTC."""
        return {"post_ref": self.post_ref, "network": self.network, "remote_id": self.remote_id,
                "url": self.url, "author": self.author, "created_at": _iso(self.created_at),
                "account": self.account, "action": self.action, "decision": self.decision,
                "reason": self.reason, "detail": self.detail, "due_at": _iso(self.due_at),
                "queued_post_id": self.queued_post_id}


@dataclass
class Decisions:
    """One pass of a policy: every decision, newest post first."""

    run: str
    policy: str  # its name and digest
    at: datetime
    dry_run: bool
    items: list[Decision] = field(default_factory=list)

    @property
    def queued(self) -> int:
        """Posts queued (or, in a dry run, that would be)."""
        return sum(1 for d in self.items if d.decision != SKIPPED)

    @property
    def skipped(self) -> Counter[str]:
        """Skipped decisions by reason."""
        return Counter(d.reason for d in self.items if d.decision == SKIPPED)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able: the summary, then every decision."""
        return {"run": self.run, "policy": self.policy, "at": _iso(self.at),
                "dry_run": self.dry_run, "queued": self.queued,
                "skipped": dict(sorted(self.skipped.items())),
                "decisions": [d.as_dict() for d in self.items]}


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class _Post:
    ref: int
    network: str
    remote_id: str
    url: str
    author_ref: int
    author_id: str
    handle: str  # the author's, as last read
    posted_as: str  # the handle the post carried
    created_at: datetime
    text: str
    language: str
    kind: str
    links: str


@dataclass
class _Account:
    rule: AccountRule
    row: Account
    zone: ZoneInfo
    done: set[str]  # targets already amplified (compared form)
    due: Counter[date]  # amplifications due per local day


def decide(db: str | Store | None, policy: Policy, *, now: datetime,
           dry_run: bool = False) -> Decisions:
    """Decide, for each recent collected post and each of the policy's accounts, to queue it or
    why not; queue the chosen ones and record every decision (a dry run changes nothing)."""
    if now.tzinfo is None:
        raise ValueError("decide() needs an aware now (e.g. datetime.now(UTC))")
    now = now.astimezone(UTC)
    store = db if isinstance(db, Store) else Store(db)
    try:
        return _decide(store, policy, now, dry_run)
    finally:
        if store is not db:
            store.close()


def _decide(store: Store, policy: Policy, now: datetime, dry_run: bool) -> Decisions:
    result = Decisions(run=f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}", policy=policy.label,
                       at=now, dry_run=dry_run)
    accounts = _accounts(store, policy, now)
    since = now - policy.max_age - LOOKBACK
    with store._connection() as conn:  # within the queue package, as amplify.py
        lookup = PledgerLookup(conn, sorted({a.row.network for a in accounts})) \
            if policy.pledgers_only else None
        tagged = _tagged(conn, policy.hashtags, since, now)
        posts = list(_candidates(conn, since, now))
    rules = _PostRules(policy, lookup, tagged, now)
    for post in posts:
        refused = None  # the post's own reason, found once for every account on its network
        for account in accounts:
            if account.row.network != post.network:
                result.items.append(_decision(post, account, policy, SKIPPED, "other-network",
                                              f"{account.rule.name} amplifies "
                                              f"{account.row.network} posts only"))
                continue
            if _target_key(post.network, post.remote_id) in account.done or \
                    (post.url and _target_key(post.network, post.url) in account.done):
                result.items.append(_decision(post, account, policy, SKIPPED,
                                              "already-amplified", "queued before"))
                continue
            if refused is None:
                refused = rules.refusal(post) or ("", "")
            if refused[0]:
                result.items.append(_decision(post, account, policy, SKIPPED, *refused))
                continue
            result.items.append(_choose(store, post, account, policy, now, dry_run))
    if not dry_run:
        _record(store, result)
    return result


def _accounts(store: Store, policy: Policy, now: datetime) -> list[_Account]:
    """The policy's accounts as the database has them, with what each already amplified and
    has due per local day (two queries)."""
    from campaign.queue.amplify_policy import PolicyError
    from campaign.queue.errors import AccountNotFound, AmbiguousAccount

    found = []
    for rule in policy.accounts:
        try:
            row = store.named_account(rule.name)
        except (AccountNotFound, AmbiguousAccount) as exc:
            raise PolicyError(policy.path, rule.line, "accounts", f"{exc.message}; register it "
                              f"with campaign accounts add {rule.network} {rule.handle}") from None
        found.append(_Account(rule, row, ZoneInfo(rule.timezone), set(), Counter()))
    by_id = {a.row.id: a for a in found}
    with store._session() as s:
        for account_id, target in s.execute(
                select(QueuedPost.account_id, QueuedPost.target).where(
                    QueuedPost.kind.in_(_AMPLIFIED), QueuedPost.account_id.in_(by_id))):
            account = by_id[account_id]
            account.done.add(_target_key(account.row.network, target or ""))
        # quiet hours push a post to the next day at most: that day and today are counted
        for account_id, due_at in s.execute(
                select(QueuedPost.account_id, QueuedPost.due_at).where(
                    QueuedPost.kind.in_(_AMPLIFIED), QueuedPost.account_id.in_(by_id),
                    QueuedPost.due_at >= now - timedelta(days=2),
                    QueuedPost.status.not_in(_NOT_COUNTED))):
            account = by_id[account_id]
            account.due[due_at.astimezone(account.zone).date()] += 1
    return found


def _tagged(conn: Connection, tags: Sequence[str], since: datetime,
            now: datetime) -> set[int] | None:
    """The candidate posts carrying one of ``tags`` (None: no hashtag is required)."""
    if not tags:
        return None
    return set(conn.execute(select(TAGS.c.post_ref).where(
        TAGS.c.tag.in_(list(tags)), TAGS.c.created_at >= since,
        TAGS.c.created_at <= now).distinct()).scalars())


def _candidates(conn: Connection, since: datetime, now: datetime) -> Iterator[_Post]:
    """The posts of the window with their authors, newest first: one query, streamed."""
    query = (select(POSTS.c.id, POSTS.c.network, POSTS.c.remote_id, POSTS.c.url,
                    POSTS.c.author_ref, AUTHORS.c.author_id, AUTHORS.c.handle,
                    POSTS.c.author_handle, POSTS.c.created_at, POSTS.c.text, POSTS.c.language,
                    POSTS.c.kind, POSTS.c.links)
             .join(AUTHORS, AUTHORS.c.id == POSTS.c.author_ref)
             .where(POSTS.c.created_at >= since, POSTS.c.created_at <= now)
             .order_by(POSTS.c.created_at.desc(), POSTS.c.id.desc()))
    for row in conn.execution_options(yield_per=_BATCH).execute(query):
        yield _Post(int(row[0]), row[1], row[2], row[3] or "", int(row[4]), row[5] or "",
                    row[6] or "", row[7] or "", row[8], row[9] or "", (row[10] or "").lower(),
                    row[11], row[12] or "[]")


class _PostRules:
    """The rules about a post itself (whoever amplifies it): kind, age, author, language,
    hashtag, block list."""

    def __init__(self, policy: Policy, lookup: PledgerLookup | None, tagged: set[int] | None,
                 now: datetime) -> None:
        self.policy, self.lookup, self.tagged, self.now = policy, lookup, tagged, now
        self.pledgers: dict[int, tuple[str, str]] = {}  # author_ref -> refusal, cached
        words = policy.block.words
        self.words = re.compile("|".join(f"(?<!\\w){re.escape(w)}(?!\\w)" for w in words)) \
            if words else None

    def refusal(self, post: _Post) -> tuple[str, str] | None:
        """The reason code and detail the post is skipped for, or None."""
        p = self.policy
        if post.kind == "repost":
            return "repost", "a repost of someone else's post"
        if post.kind == "reply" and not p.allow_replies:
            return "reply", "a reply (allow_replies: false)"
        if post.kind == "quote" and not p.allow_quotes:
            return "quote", "a quote post (allow_quotes: false)"
        age = self.now - post.created_at
        if age < p.min_age:
            return "too-young", f"posted {_span(age)} ago, min_age {_span(p.min_age)}"
        if age > p.max_age:
            return "too-old", f"posted {_span(age)} ago, max_age {_span(p.max_age)}"
        who = self._who(post)
        if who:
            return who
        if p.languages and post.language not in p.languages:
            return "language", (f"in {post.language or 'an unknown language'}, not "
                                f"{', '.join(p.languages)}")
        if self.tagged is not None and post.ref not in self.tagged:
            return "hashtag", f"none of #{', #'.join(p.hashtags)}"
        return self._blocked(post)

    def _who(self, post: _Post) -> tuple[str, str] | None:
        if not self.policy.pledgers_only:
            keys = {(post.network, handle_key(post.network, h))
                    for h in (post.handle, post.posted_as, post.author_id) if h}
            if keys & self.policy.handles:
                return None
            return "not-listed", f"{post.handle or post.author_id} is not in who"
        if post.author_ref not in self.pledgers:
            assert self.lookup is not None
            found = self.lookup.pledgers(post.network, post.author_id, post.handle)
            kept = [f for f in found if f.status in self.policy.statuses]
            self.pledgers[post.author_ref] = ("", "") if kept else \
                ("pledge-status", "; ".join(f"pledge {f.pledge_id} is {f.status}" for f in found)) \
                if found else ("not-a-pledger", f"{post.handle or post.author_id} has no pledge")
        refused = self.pledgers[post.author_ref]
        return refused if refused[0] else None

    def _blocked(self, post: _Post) -> tuple[str, str] | None:
        block = self.policy.block
        if block.handles:
            for h in (post.handle, post.posted_as, post.author_id):
                if h and (post.network, handle_key(post.network, h)) in block.handles:
                    return "blocked", f"author {post.network}:{h} is on the block list"
        if self.words:
            found = self.words.search(" ".join(post.text.casefold().split()))
            if found:
                return "blocked", f"the text has {found.group()!r}"
        if block.domains:
            for host in _hosts(post):
                if any(host == d or host.endswith("." + d) for d in block.domains):
                    return "blocked", f"a link to {host}"
        return None


def _hosts(post: _Post) -> set[str]:
    """The hosts of the post's links and of the addresses in its text, lower case."""
    try:
        links = [str(u) for u in json.loads(post.links)]
    except (ValueError, TypeError):
        links = []
    return {m.group(1).lower().rstrip(".") for u in (*links, post.text)
            for m in _URL_HOST.finditer(u)}


def _span(span: timedelta) -> str:
    """An age as written in a policy: 45m, 6h, 3d."""
    minutes = int(span.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes}m"
    return f"{minutes // 60}h" if minutes < 72 * 60 else f"{minutes // 1440}d"


def _target_key(network: str, target: str) -> str:
    """A post's address as compared: an X status by its id (an id or any of its URLs), a
    Bluesky post by its record key (its at:// URI or bsky.app address), else as written."""
    target = target.strip()
    if network == "x":
        found = _X_STATUS.search(target)
        return found.group(1) if found else target
    if network == "bluesky":
        return target.rstrip("/").rsplit("/", 1)[-1]
    return target


def _decision(post: _Post, account: _Account, policy: Policy, decision: str, reason: str,
              detail: str = "", **extra: Any) -> Decision:
    return Decision(post.ref, post.network, post.remote_id, post.url, post.handle or
                    post.posted_as, post.created_at, account.rule.name, account.row.id,
                    policy.action, decision, reason, detail, **extra)


def _due(account: _Account, now: datetime) -> tuple[datetime, bool]:
    """When an amplification decided now is due: now, or the end of the quiet hours."""
    quiet = account.rule.quiet_hours
    local = now.astimezone(account.zone)
    if quiet is None or not quiet.contains(local.time().replace(tzinfo=None)):
        return now, False
    day = local.date() if local.time().replace(tzinfo=None) < quiet.end else \
        local.date() + timedelta(days=1)
    return datetime.combine(day, quiet.end, tzinfo=account.zone).astimezone(UTC), True


def _choose(store: Store, post: _Post, account: _Account, policy: Policy, now: datetime,
            dry_run: bool) -> Decision:
    """A post every rule lets through: queued (due now or after the quiet hours) unless the
    day's cap is reached."""
    from campaign.queue.amplify import queue_amplification

    due, deferred = _due(account, now)
    day = due.astimezone(account.zone).date()
    cap = account.rule.max_per_day
    if account.due[day] >= cap:
        return _decision(post, account, policy, SKIPPED, "daily-cap",
                         f"{account.due[day]} already due on {day} ({account.rule.timezone}), "
                         f"max_per_day {cap}")
    reason = "after-quiet-hours" if deferred else "chosen"
    local = due.astimezone(account.zone)
    detail = (f"due {local:%Y-%m-%d %H:%M} {account.rule.timezone}, after quiet hours "
              f"{account.rule.quiet_hours}") if deferred else ""
    text, language = policy.text_for(post.language) if policy.action == "quote" \
        else ("", post.language or "en")
    queued_id = None
    if not dry_run:
        try:
            queued = queue_amplification(store, account.row, policy.action, post.remote_id,
                                         text=text, when=due, language=language[:16],
                                         review=policy.review)
        except StoreError as exc:  # another runner queued it at the same moment
            return _decision(post, account, policy, SKIPPED, "already-amplified",
                             f"queued meanwhile by another run ({exc.message})")
        except CampaignError as exc:  # an address the network would not take
            return _decision(post, account, policy, SKIPPED, "refused", exc.message)
        queued_id = queued.id
    account.due[day] += 1
    account.done.add(_target_key(post.network, post.remote_id))
    return _decision(post, account, policy, WOULD_QUEUE if dry_run else QUEUED, reason, detail,
                     due_at=due, queued_post_id=queued_id)


def _record(store: Store, result: Decisions) -> None:
    """Every decision of the pass in the audit log, in one transaction."""
    rows = ({"at": result.at, "run": result.run, "policy": result.policy,
             "account_id": d.account_id, "post_ref": d.post_ref, "network": d.network,
             "remote_id": d.remote_id[:500], "url": d.url[:500], "action": d.action,
             "decision": d.decision, "reason": d.reason, "detail": d.detail,
             "queued_post_id": d.queued_post_id, "dry_run": False} for d in result.items)
    with store._connection() as conn:
        for batch in _batches(rows, _BATCH):
            conn.execute(insert(DECISIONS), batch)


def _batches(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# -- the audit log ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Logged:
    """One decision as the audit log keeps it."""

    at: datetime
    run: str
    policy: str
    account: str  # NETWORK=HANDLE ('' for an account since deleted)
    author: str  # the post's author as last read ('' for a post since deleted)
    network: str
    remote_id: str
    url: str
    action: str
    decision: str
    reason: str
    detail: str
    queued_post_id: int | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-able."""
        return {"at": _iso(self.at), "run": self.run, "policy": self.policy,
                "account": self.account, "author": self.author, "network": self.network,
                "remote_id": self.remote_id, "url": self.url, "action": self.action,
                "decision": self.decision, "reason": self.reason, "detail": self.detail,
                "queued_post_id": self.queued_post_id}


def decision_log(db: str | Store | None, *, since: datetime | None = None,
                 limit: int | None = None) -> list[Logged]:
    """The audit log of `amplify auto`, newest first (``since``: from that moment on)."""
    store = db if isinstance(db, Store) else Store(db)
    try:
        query = (select(DECISIONS, Account.network.label("account_network"), Account.handle,
                        AUTHORS.c.handle.label("author"))
                 .outerjoin(Account, Account.id == DECISIONS.c.account_id)
                 .outerjoin(POSTS, POSTS.c.id == DECISIONS.c.post_ref)
                 .outerjoin(AUTHORS, AUTHORS.c.id == POSTS.c.author_ref)
                 .order_by(DECISIONS.c.at.desc(), DECISIONS.c.id))
        if since is not None:
            query = query.where(DECISIONS.c.at >= since)
        if limit is not None:
            query = query.limit(limit)
        with store._connection() as conn:
            rows = conn.execute(query).mappings().all()
    finally:
        if store is not db:
            store.close()
    return [Logged(r["at"], r["run"], r["policy"],
                   f"{r['account_network']}={r['handle']}" if r["handle"] else "",
                   r["author"] or "", r["network"],
                   r["remote_id"], r["url"], r["action"], r["decision"], r["reason"], r["detail"],
                   r["queued_post_id"]) for r in rows]


# -- on the runner's schedule -------------------------------------------------------------------
def scheduled(store: Store, path: Any, clock: Callable[[], datetime]) -> Callable[[], None]:
    """The work `campaign run --amplify-policy FILE` does on its schedule: the policy read
    again (an edit is taken up; a broken edit is logged and the last good one kept), then one
    pass at the runner's time."""
    from pathlib import Path

    last: list[Policy] = [load_policy(Path(path))]  # a bad file stops `run` before it starts

    def work() -> None:
        try:
            last[0] = load_policy(Path(path))
        except CampaignError as exc:
            log.error("amplify policy: %s; the last good version is used", exc.message)
        done = decide(store, last[0], now=clock())
        log.info("amplify %s: queued %d, skipped %d", last[0].name, done.queued,
                 sum(done.skipped.values()))

    return work
