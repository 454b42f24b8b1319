"""`campaign amplify auto`: which collected posts each of the secretariat's accounts reposts or
quotes under a policy (campaign.queue.amplify_policy), and why every other one is skipped.

An account considers only the posts of its own network. One pass reads the candidate posts
(those of the last ``max_age``, and one day more so that a post just aged out is still
answered for) newest first with their authors and whether they carry a hashtag, in one
streamed query; the pledges' handles, what each account already amplified, what is already due
each day and the last decision logged for each pair are read in one query each, never one per
post. Then each post is decided for each account of its network in memory, in a fixed order
(the first rule that refuses names the reason):

already-amplified, repost, reply, quote, too-young, too-old, not-a-pledger / not-listed /
pledge-status, language, hashtag, blocked, daily-cap, refused; otherwise queued (reason
``chosen``), or, inside the account's quiet hours, queued due at their end (reason
``after-quiet-hours``: what a person expects of "not at night"; its day's cap is that day's).

Chosen posts go through campaign.queue.amplify.queue_amplification once the read is over: the
same idempotency key, exactly-once claims, retries and rate limits as any queued post, so a
second pass never queues a post twice (it says already-amplified). A decision goes to
``amplify_decisions`` (with the run's id and the policy's name and digest) when it is new for
its (post, account) or differs from the last one logged for it, in decision or reason: the
runner's turns every 15 minutes do not write the same "too recent" again and again. A dry run
writes nothing at all. The detail of a decision is data (a JSON object: its note and values),
said in fr, en or es by campaign.queue.amplify_labels. Memory stays bounded over a million
posts: the decisions are counted, and only the first ``keep`` are held. Time is ``now``,
given: the same data and ``now`` give the same decisions.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import secrets
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, exists, select, true

from campaign.errors import CampaignError
from campaign.queue.amplify import target_problem
from campaign.queue.amplify_log import (
    BATCH,
    DecisionLog,
    LastLogged,
    iso,
)
from campaign.queue.amplify_policy import AccountRule, Policy, handle_key, load_policy
from campaign.queue.errors import StoreError
from campaign.queue.models import Account, Kind, QueuedPost, Status
from campaign.queue.store import Store
from campaign.tracking.matching import PledgerLookup
from campaign.tracking.models import AUTHORS, POSTS, TAGS

log = logging.getLogger("campaign.queue.amplify_auto")
QUEUED, SKIPPED, WOULD_QUEUE = "queued", "skipped", "would-queue"
# the reasons, in the order the rules are tried
REASONS = ("chosen", "after-quiet-hours", "already-amplified", "repost", "reply", "quote",
           "too-young", "too-old", "not-a-pledger", "not-listed", "pledge-status", "language",
           "hashtag", "blocked", "daily-cap", "refused")
# posts this much older than max_age are still read, and answered for as too-old
LOOKBACK = timedelta(days=1)
# amplifications that never went out do not use up a day's cap
_NOT_COUNTED = (Status.CANCELLED, Status.FAILED, Status.MISSED)
_AMPLIFIED = (Kind.REPOST.value, Kind.QUOTE.value)
_URL_HOST = re.compile(r"https?://([^/\s?#:]+)", re.IGNORECASE)
_X_STATUS = re.compile(r"/status(?:es)?/(\d+)")


@dataclass(frozen=True, slots=True)
class Decision:
    """What one pass decided about one collected post for one account, and why."""

    post_ref: int
    network: str  # the post's (and the account's: an account decides its own network's posts)
    remote_id: str
    url: str
    author: str  # the author's handle as last read
    created_at: datetime
    account: str  # NETWORK=HANDLE
    account_id: int
    action: str
    decision: str  # queued, skipped, would-queue
    reason: str  # one of REASONS
    detail: str = "{}"  # the machine detail: a JSON object, {"note": ..., values}; see message()
    due_at: datetime | None = None
    queued_post_id: int | None = None

    def message(self, language: str = "en") -> str:
        """The detail as a sentence in ``language`` (fr, en, es)."""
        from campaign.queue.amplify_labels import detail_message

        return detail_message(language, self.detail)

    def as_dict(self, language: str = "en") -> dict[str, Any]:
        """JSON-able, times as ISO 8601 UTC; the detail as data and as a sentence."""
        from campaign.queue.amplify_labels import detail_data

        return {"post_ref": self.post_ref, "network": self.network, "remote_id": self.remote_id,
                "url": self.url, "author": self.author, "created_at": iso(self.created_at),
                "account": self.account, "action": self.action, "decision": self.decision,
                "reason": self.reason, "detail": detail_data(self.detail),
                "message": self.message(language), "due_at": iso(self.due_at),
                "queued_post_id": self.queued_post_id}


@dataclass
class Decisions:
    """One pass of a policy: how many decisions of each kind, and the first ``keep`` of them,
    newest post first (all when keep is None): a pass over a million posts counts every
    decision but holds only those it will show."""

    run: str
    policy: str  # its name and digest
    at: datetime
    dry_run: bool
    keep: int | None = None
    items: list[Decision] = field(default_factory=list)
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)  # (decision, reason)
    logged: int = 0  # rows written to the audit log (new or changed decisions only)

    def add(self, item: Decision) -> int | None:
        """Count a decision, and keep it while fewer than ``keep`` are kept (its index)."""
        self.counts[item.decision, item.reason] += 1
        if self.keep is None or len(self.items) < self.keep:
            self.items.append(item)
            return len(self.items) - 1
        return None

    def replace(self, old: Decision, new: Decision, index: int | None) -> None:
        """A decision counted (and kept at ``index``) that turned out otherwise."""
        self.counts[old.decision, old.reason] -= 1
        self.counts[new.decision, new.reason] += 1
        if index is not None:
            self.items[index] = new

    @property
    def total(self) -> int:
        """Every decision of the pass, kept or not."""
        return sum(self.counts.values())

    @property
    def queued(self) -> int:
        """Posts queued (or, in a dry run, that would be)."""
        return sum(n for (decision, _), n in self.counts.items() if decision != SKIPPED)

    @property
    def skipped(self) -> Counter[str]:
        """Skipped decisions by reason."""
        found: Counter[str] = Counter()
        for (decision, reason), n in self.counts.items():
            if decision == SKIPPED:
                found[reason] += n
        return found

    def as_dict(self, language: str = "en") -> dict[str, Any]:
        """JSON-able: the summary, then the decisions kept (messages in ``language``)."""
        return {"run": self.run, "policy": self.policy, "at": iso(self.at),
                "dry_run": self.dry_run, "queued": self.queued,
                "skipped": dict(sorted(self.skipped.items())), "total": self.total,
                "logged": self.logged, "decisions": [d.as_dict(language) for d in self.items]}


def _note(note: str, **values: Any) -> str:
    """A machine detail: the note's code and its values, as compact JSON (keys sorted); the
    same few notes come back for most posts, so each is written once."""
    try:
        return _cached_note(note, tuple(sorted(values.items())))
    except TypeError:  # an unhashable value
        return _dumps(note, values)


@lru_cache(maxsize=4096)
def _cached_note(note: str, values: tuple[tuple[str, Any], ...]) -> str:
    return _dumps(note, dict(values))


def _dumps(note: str, values: dict[str, Any]) -> str:
    return json.dumps({"note": note, **values}, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":"))


_NO_DETAIL = "{}"


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
    tagged: bool  # carries one of the policy's hashtags (True when none is required)


@dataclass
class _Account:
    rule: AccountRule
    row: Account
    zone: ZoneInfo
    done: set[str]  # targets already amplified (compared form)
    due: Counter[date]  # amplifications due per local day


def decide(db: str | Store | None, policy: Policy, *, now: datetime, dry_run: bool = False,
           keep: int | None = None) -> Decisions:
    """Decide, for each recent collected post and each of the policy's accounts on its network,
    to queue it or why not; queue the chosen ones and log the decisions that are new or changed
    (a dry run changes nothing). ``keep``: how many decisions the result holds (all: None);
    every one is counted."""
    if now.tzinfo is None:
        raise ValueError("decide() needs an aware now (e.g. datetime.now(UTC))")
    now = now.astimezone(UTC)
    store = db if isinstance(db, Store) else Store(db)
    try:
        return _decide(store, policy, now, dry_run, keep)
    finally:
        if store is not db:
            store.close()


def _decide(store: Store, policy: Policy, now: datetime, dry_run: bool,
            keep: int | None) -> Decisions:
    result = Decisions(run=f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}", policy=policy.label,
                       at=now, dry_run=dry_run, keep=keep)
    accounts = _accounts(store, policy, now)
    on: dict[str, list[_Account]] = {}
    for account in accounts:
        on.setdefault(account.row.network, []).append(account)
    since = now - policy.max_age - LOOKBACK
    last = LastLogged()
    chosen: list[tuple[_Post, _Account, Decision, int | None]] = []  # bounded by the caps
    with store._connection() as conn:  # within the queue package, as amplify.py
        lookup = PledgerLookup(conn, sorted(on)) if policy.pledgers_only else None
        if not dry_run:
            last.load(conn, [a.row.id for a in accounts], since)
        audit = DecisionLog(conn, result, last)
        rules = _PostRules(policy, lookup, now)
        # one streamed query; decided in memory; what is chosen is queued once it is read
        for post in _candidates(conn, since, now, policy.hashtags, sorted(on)):
            refused = None  # the post's own reason, found once for every account of its network
            for account in on[post.network]:
                if _target_key(post.network, post.remote_id) in account.done or \
                        (post.url and _target_key(post.network, post.url) in account.done):
                    item = _decision(post, account, policy, SKIPPED, "already-amplified",
                                     _note("queued-before"))
                else:
                    if refused is None:
                        refused = rules.refusal(post) or ("", _NO_DETAIL)
                    item = _decision(post, account, policy, SKIPPED, *refused) if refused[0] \
                        else _choose(post, account, policy, now, dry_run)
                index = result.add(item)
                if item.decision == QUEUED:  # queued once the read is over (one connection)
                    chosen.append((post, account, item, index))
                elif not dry_run:
                    audit.add(item)
        audit.flush()
    for post, account, item, index in chosen:
        done = _queue(store, post, account, policy, item)
        result.replace(item, done, index)
        audit.add(done)
    if audit.rows:
        with store._connection() as conn:
            audit.flush(conn)
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


def _candidates(conn: Connection, since: datetime, now: datetime, tags: Sequence[str],
                networks: Sequence[str]) -> Iterator[_Post]:
    """The posts of the window on the accounts' networks with their authors, newest first,
    each with whether it carries one of ``tags``: one query, streamed."""
    tagged = exists().where(TAGS.c.post_ref == POSTS.c.id, TAGS.c.tag.in_(list(tags))) \
        if tags else true()
    query = (select(POSTS.c.id, POSTS.c.network, POSTS.c.remote_id, POSTS.c.url,
                    POSTS.c.author_ref, AUTHORS.c.author_id, AUTHORS.c.handle,
                    POSTS.c.author_handle, POSTS.c.created_at, POSTS.c.text, POSTS.c.language,
                    POSTS.c.kind, POSTS.c.links, tagged.label("tagged"))
             .join(AUTHORS, AUTHORS.c.id == POSTS.c.author_ref)
             .where(POSTS.c.created_at >= since, POSTS.c.created_at <= now,
                    POSTS.c.network.in_(list(networks)))
             .order_by(POSTS.c.created_at.desc(), POSTS.c.id.desc()))
    # the option on the statement: Connection.execution_options would stream every later
    # statement of the connection too (the audit log's inserts, on PostgreSQL a server cursor)
    for row in conn.execute(query.execution_options(yield_per=BATCH)):
        yield _Post(int(row[0]), row[1], row[2], row[3] or "", int(row[4]), row[5] or "",
                    row[6] or "", row[7] or "", row[8], row[9] or "", (row[10] or "").lower(),
                    row[11], row[12] or "[]", bool(row[13]))


class _PostRules:
    """The rules about a post itself (whoever amplifies it): kind, age, author, language,
    hashtag, block list."""

    def __init__(self, policy: Policy, lookup: PledgerLookup | None, now: datetime) -> None:
        self.policy, self.lookup, self.now = policy, lookup, now
        self.pledgers: dict[int, tuple[str, str]] = {}  # author_ref -> refusal, cached
        words = policy.block.words
        self.words = re.compile("|".join(f"(?<!\\w){re.escape(w)}(?!\\w)" for w in words)) \
            if words else None
        # a blocked domain written without https:// in the text (bit.ly/abc, or a subdomain)
        domains = policy.block.domains
        self.bare = re.compile("(?<![\\w.-])(?:[a-z0-9-]+\\.)*(?:" + "|".join(
            re.escape(d) for d in domains) + ")(?![\\w-]|\\.[a-z0-9])") if domains else None

    def refusal(self, post: _Post) -> tuple[str, str] | None:
        """The reason code and machine detail the post is skipped for, or None."""
        p = self.policy
        if post.kind == "repost":
            return "repost", _note("repost")
        if post.kind == "reply" and not p.allow_replies:
            return "reply", _note("reply")
        if post.kind == "quote" and not p.allow_quotes:
            return "quote", _note("quote")
        age = self.now - post.created_at
        if age < p.min_age:
            return "too-young", _note("too-young", age=_span(age), min_age=_span(p.min_age))
        if age > p.max_age:
            return "too-old", _note("too-old", age=_span(age), max_age=_span(p.max_age))
        who = self._who(post)
        if who:
            return who
        # a language tag counts by its primary language too: fr-CA is French
        if p.languages and post.language not in p.languages and \
                post.language.split("-")[0] not in p.languages:
            return "language", _note("language", language=post.language,
                                     languages=p.languages)
        if not post.tagged:
            return "hashtag", _note("hashtag", hashtags=tuple(f"#{t}" for t in p.hashtags))
        return self._blocked(post)

    def _who(self, post: _Post) -> tuple[str, str] | None:
        if not self.policy.pledgers_only:
            keys = {(post.network, handle_key(post.network, h))
                    for h in (post.handle, post.posted_as, post.author_id) if h}
            if keys & self.policy.handles:
                return None
            return "not-listed", _note("not-listed", author=post.handle or post.author_id)
        if post.author_ref not in self.pledgers:
            assert self.lookup is not None
            found = self.lookup.pledgers(post.network, post.author_id, post.handle)
            kept = [f for f in found if f.status in self.policy.statuses]
            self.pledgers[post.author_ref] = ("", "") if kept else \
                ("pledge-status", _note("pledge-status",
                                        pledges=tuple((f.pledge_id, f.status) for f in found))) \
                if found else ("not-a-pledger", _note("no-pledge",
                                                      author=post.handle or post.author_id))
        refused = self.pledgers[post.author_ref]
        return refused if refused[0] else None

    def _blocked(self, post: _Post) -> tuple[str, str] | None:
        block = self.policy.block
        if block.handles:
            for h in (post.handle, post.posted_as, post.author_id):
                if h and (post.network, handle_key(post.network, h)) in block.handles:
                    return "blocked", _note("block-handle", handle=f"{post.network}:{h}")
        if self.words:
            found = self.words.search(" ".join(post.text.casefold().split()))
            if found:
                return "blocked", _note("block-word", word=found.group())
        if block.domains:
            for host in sorted(_hosts(post)):
                if any(host == d or host.endswith("." + d) for d in block.domains):
                    return "blocked", _note("block-domain", host=host)
            assert self.bare is not None
            bare = self.bare.search(post.text.lower())
            if bare:
                return "blocked", _note("block-domain", host=bare.group())
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
              detail: str = _NO_DETAIL, **extra: Any) -> Decision:
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


def _choose(post: _Post, account: _Account, policy: Policy, now: datetime,
            dry_run: bool) -> Decision:
    """A post every rule lets through: to queue (due now or after the quiet hours) unless the
    day's cap is reached or the network would not take its address; counted in its day."""
    due, deferred = _due(account, now)
    day = due.astimezone(account.zone).date()
    cap = account.rule.max_per_day
    if account.due[day] >= cap:
        return _decision(post, account, policy, SKIPPED, "daily-cap",
                         _note("daily-cap", count=account.due[day], day=day.isoformat(),
                               timezone=account.rule.timezone, max_per_day=cap))
    problem = target_problem(account.row.network, post.remote_id)
    if problem:
        return _decision(post, account, policy, SKIPPED, "refused", _note("refused", error=problem))
    reason = "after-quiet-hours" if deferred else "chosen"
    detail = _note("after-quiet-hours", due=f"{due.astimezone(account.zone):%Y-%m-%d %H:%M}",
                   timezone=account.rule.timezone, quiet_hours=str(account.rule.quiet_hours)) \
        if deferred else _NO_DETAIL
    account.due[day] += 1
    account.done.add(_target_key(post.network, post.remote_id))
    return _decision(post, account, policy, WOULD_QUEUE if dry_run else QUEUED, reason, detail,
                     due_at=due)


def _queue(store: Store, post: _Post, account: _Account, policy: Policy,
           chosen: Decision) -> Decision:
    """Queue a chosen post: the decision with its queued post, or why it could not be."""
    from campaign.queue.amplify import queue_amplification

    text, language = policy.text_for(post.language) if policy.action == "quote" \
        else ("", post.language or "en")
    assert chosen.due_at is not None
    try:
        queued = queue_amplification(store, account.row, policy.action, post.remote_id,
                                     text=text, when=chosen.due_at, language=language[:16],
                                     review=policy.review)
    except StoreError as exc:  # another runner queued it at the same moment
        return dataclasses.replace(chosen, decision=SKIPPED, reason="already-amplified",
                                   detail=_note("queued-meanwhile", error=exc.message),
                                   due_at=None)
    except CampaignError as exc:  # an address the network would not take
        return dataclasses.replace(chosen, decision=SKIPPED, reason="refused",
                                   detail=_note("refused", error=exc.message), due_at=None)
    return dataclasses.replace(chosen, queued_post_id=queued.id)


# -- the audit log ------------------------------------------------------------------------------
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
        done = decide(store, last[0], now=clock(), keep=0)  # counted, none held
        log.info("amplify %s: queued %d, skipped %d, %d new or changed decisions logged",
                 last[0].name, done.queued, sum(done.skipped.values()), done.logged)

    return work
