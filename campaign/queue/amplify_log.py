"""The audit log of `campaign amplify auto`: which decisions a pass writes (a decision new
for its post and account, or changed; never a repeat of the last one), and the log as read back
by `campaign amplify log`.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Connection, Table, func, insert, select

from campaign.queue.models import Account, AmplifyDecision
from campaign.queue.store import Store
from campaign.tracking.models import AUTHORS, POSTS

if TYPE_CHECKING:
    from campaign.queue.amplify_auto import Decision, Decisions

DECISIONS = cast(Table, AmplifyDecision.__table__)
BATCH = 5000  # rows a statement, and rows read at a time


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")



class LastLogged:
    """The last decision the audit log holds for each (post, account) of the window: sorted
    post ids and a code per post, per account (9 bytes a pair, read in one query)."""

    def __init__(self) -> None:
        self.refs: dict[int, array[int]] = {}
        self.codes: dict[int, bytearray] = {}
        self.names: dict[tuple[str, str], int] = {}

    def code(self, decision: str, reason: str) -> int:
        return self.names.setdefault((decision, reason), len(self.names))  # < 3 * 17

    def load(self, conn: Connection, account_ids: Sequence[int], since: datetime) -> None:
        """Read the latest row of each pair logged since ``since`` (decisions about a post are
        never older than the post, so that covers every candidate)."""
        if not account_ids:
            return
        latest = (select(func.max(DECISIONS.c.id))
                  .where(DECISIONS.c.account_id.in_(account_ids), DECISIONS.c.at >= since,
                         DECISIONS.c.post_ref.is_not(None))
                  .group_by(DECISIONS.c.account_id, DECISIONS.c.post_ref))
        query = (select(DECISIONS.c.account_id, DECISIONS.c.post_ref, DECISIONS.c.decision,
                        DECISIONS.c.reason)
                 .where(DECISIONS.c.id.in_(latest))
                 .order_by(DECISIONS.c.account_id, DECISIONS.c.post_ref))
        for account_id, post_ref, decision, reason in \
                conn.execute(query.execution_options(yield_per=BATCH)):
            self.refs.setdefault(account_id, array("q")).append(post_ref)
            self.codes.setdefault(account_id, bytearray()).append(self.code(decision, reason))

    def same(self, item: Decision) -> bool:
        """Whether the last logged decision for the pair is this one (decision and reason)."""
        refs = self.refs.get(item.account_id)
        if refs is None:
            return False
        at = bisect_left(refs, item.post_ref)
        return at < len(refs) and refs[at] == item.post_ref and \
            self.codes[item.account_id][at] == self.names.get((item.decision, item.reason), -1)


class DecisionLog:
    """The audit log of a pass: a decision is written when it is new for its (post, account)
    or differs from the last one logged for it (decision or reason); a repeat is not."""

    def __init__(self, conn: Connection, result: Decisions, last: LastLogged) -> None:
        self.conn, self.result, self.last = conn, result, last
        self.rows: list[dict[str, Any]] = []

    def add(self, d: Decision) -> None:
        if self.last.same(d):
            return
        self.rows.append({
            "at": self.result.at, "run": self.result.run, "policy": self.result.policy,
            "account_id": d.account_id, "post_ref": d.post_ref, "network": d.network,
            "remote_id": d.remote_id[:500], "url": d.url[:500], "action": d.action,
            "decision": d.decision, "reason": d.reason, "detail": d.detail,
            "queued_post_id": d.queued_post_id, "dry_run": False})
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self, conn: Connection | None = None) -> None:
        if self.rows:
            (conn or self.conn).execute(insert(DECISIONS), self.rows)
            self.result.logged += len(self.rows)
            self.rows = []


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
    detail: str  # the machine detail (JSON); a sentence in rows logged before it was
    queued_post_id: int | None

    def message(self, language: str = "en") -> str:
        """The detail as a sentence in ``language`` (fr, en, es)."""
        from campaign.queue.amplify_labels import detail_message

        return detail_message(language, self.detail)

    def as_dict(self, language: str = "en") -> dict[str, Any]:
        """JSON-able: the detail as data and as a sentence in ``language``."""
        from campaign.queue.amplify_labels import detail_data

        return {"at": iso(self.at), "run": self.run, "policy": self.policy,
                "account": self.account, "author": self.author, "network": self.network,
                "remote_id": self.remote_id, "url": self.url, "action": self.action,
                "decision": self.decision, "reason": self.reason,
                "detail": detail_data(self.detail), "message": self.message(language),
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
