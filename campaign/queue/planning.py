"""Planning: rendered posts become queued posts, once each, updated while not yet out.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    String,
    func,
    literal,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session

from campaign.queue.accounts import Accounts
from campaign.queue.engine import EVENTS, POSTS, chunks, to_utc, utcnow
from campaign.queue.models import FINAL, Account, Event, Post
from campaign.text.rules import NetworkLimits


@dataclass(frozen=True)
class PlanReport:
    """What planning did: posts added, updated (not yet published), and left alone."""

    added: int
    updated: int
    unchanged: int
    kept_final: int

    def as_dict(self) -> dict[str, int]:
        """Plain data for ``--json``."""
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "left_alone_final": self.kept_final}


def idempotency_key(post_key: str, network: str, handle: str) -> str:
    """The post's identity on one account: the same plan on the same account gives the same key."""
    return hashlib.sha256(f"{post_key}@{network}:{handle}".encode()).hexdigest()[:32]


def day_deadline(due: datetime) -> datetime:
    """The start of the next day in the post's own timezone, as naive UTC: it is late from then.

    The next midnight, not 23:59:59.999 of the day: that one is ambiguous where clocks fall back
    at midnight, and would make a post missed an hour early.
    """
    next_day = datetime.combine(due.date() + timedelta(days=1), time(0), tzinfo=due.tzinfo)
    return to_utc(next_day)


def _own_limits(account: Account) -> NetworkLimits | None:
    """A Mastodon instance's own limits, read by `accounts test`, when they differ from 500/23."""
    settings = json.loads(account.settings_json or "{}")
    if account.network != "mastodon" or "max_characters" not in settings:
        return None
    limits = NetworkLimits(
        mastodon_characters=int(settings["max_characters"]),
        mastodon_url_length=int(settings.get("characters_reserved_per_url", 23)))
    return None if limits == NetworkLimits() else limits


def _split_for(post: Any, limits: NetworkLimits) -> Any:
    """The post split again for an instance with other limits (a longer or shorter post)."""
    from campaign.text.rules import measure, split_thread

    if measure(post.network, post.text, limits).fits:
        return post._replace(parts=(post.text,))
    return post._replace(parts=tuple(split_thread(post.text, post.network, limits)))


def _row(post: Any, account_id: int, network: str, handle: str, review: bool,
         now: datetime) -> dict[str, Any]:
    parts_json = json.dumps(list(post.parts), ensure_ascii=False)
    facets_json = "[]"
    if post.network == "bluesky":
        from campaign.text.rules import facets_to_atproto

        facets_json = json.dumps([facets_to_atproto(f) for f in post.facets()], ensure_ascii=False)
    due_at = to_utc(post.due)
    timezone = post.timezone
    key = post.key
    media = post.media
    media_json = json.dumps(list(media), ensure_ascii=False) if media else "[]"
    # facets derive from the parts, so parts, media, time and zone say whether anything changed
    # (media only when there are some: posts planned before images existed keep their hash)
    hashed = f"{parts_json}\x00{media_json}" if media else parts_json
    content_hash = hashlib.sha256(
        f"{hashed}\x00{due_at.isoformat()}\x00{timezone}".encode()).hexdigest()
    return {
        "idempotency_key": idempotency_key(key, network, handle),
        "post_key": key, "campaign": post.campaign, "entry": post.entry_id,
        "audience": post.audience, "language": post.language, "network": post.network,
        "account_id": account_id, "text": post.text, "parts_json": parts_json,
        "facets_json": facets_json, "media_json": media_json,
        "link_card": any(m.get("type") == "card" for m in media),
        "content_hash": content_hash, "due_at": due_at,
        "timezone": timezone, "day_bound": post.day_bound,
        "deadline_at": day_deadline(post.due) if post.day_bound else None,
        "status": "draft" if review else "scheduled", "reviewed": False, "attempts": 0,
        "created_at": now, "updated_at": now,
    }



class Planning(Accounts):
    """Planning: rendered posts become queued posts, once each, updated while not yet out."""

    # -- planning --------------------------------------------------------------------------
    def plan(self, posts: Iterable[Any], accounts: dict[str, Account], *,
             review: bool = False) -> PlanReport:
        """Turn rendered posts into queued posts; running it again adds nothing twice.

        A post whose text or time changed is updated while it is not yet out; a post already
        published, failed, missed or cancelled is never touched.
        """
        now = utcnow()
        rows: dict[str, dict[str, Any]] = {}
        # plain values, read once: an ORM attribute per post costs more than the post's row
        plain = {n: (a.id, a.network, a.handle) for n, a in accounts.items()}
        own_limits = {n: _own_limits(a) for n, a in accounts.items()}
        for post in posts:
            account = plain.get(post.network)
            if account is None:
                continue
            limits = own_limits.get(post.network)
            if limits is not None:
                post = _split_for(post, limits)
            row = _row(post, *account, review, now)
            rows[row["idempotency_key"]] = row
        added = updated = unchanged = kept = 0
        with self.session() as s:
            existing: dict[str, Any] = {}
            for keys in chunks(list(rows), 2000):
                existing.update((r.idempotency_key, r) for r in s.execute(
                    select(Post.id, Post.idempotency_key, Post.status, Post.content_hash)
                    .where(Post.idempotency_key.in_(keys))))
            new_rows = [r for k, r in rows.items() if k not in existing]
            if new_rows:
                # a plain executemany, as fast as sqlite3's own; the creation events are then
                # written by the database from the rows this call inserted (same created_at)
                s.execute(POSTS.insert(), new_rows)
                account_ids = {r["account_id"] for r in new_rows}
                s.execute(EVENTS.insert().from_select(
                    ["post_id", "at", "from_status", "to_status", "actor", "detail"],
                    select(POSTS.c.id, literal(now), literal(None, String), POSTS.c.status,
                           literal("plan"), literal("planned"))
                    .where(POSTS.c.created_at == now, POSTS.c.account_id.in_(account_ids),
                           POSTS.c.idempotency_key.in_(list(rows)) if len(rows) <= 2000
                           else true())))
                added = len(new_rows)
            for key, row in rows.items():
                old = existing.get(key)
                if old is None:
                    continue
                if old.status in FINAL or old.status == "publishing":
                    kept += 1
                elif old.content_hash == row["content_hash"]:
                    unchanged += 1
                elif self._update_planned(s, old.id, old.status, row, now):
                    updated += 1
                else:
                    kept += 1
        return PlanReport(added=added, updated=updated, unchanged=unchanged, kept_final=kept)

    def _update_planned(self, s: Session, post_id: int, status: str, row: dict[str, Any],
                        now: datetime) -> bool:
        values = {k: row[k] for k in ("text", "parts_json", "facets_json", "media_json",
                                      "link_card", "content_hash",
                                      "due_at", "timezone", "day_bound", "deadline_at")}
        # changed text was never reviewed: an approved post goes back to draft
        new_status = "draft" if status == "approved" else status
        changed = s.execute(
            update(Post).where(Post.id == post_id, Post.status == status)  # not if a runner moved it
            .values(**values, updated_at=now, status=new_status,
                    reviewed=False if new_status == "draft" else Post.reviewed)
            .returning(Post.id)).first()
        if changed is None:
            return False
        s.add(Event(post_id=post_id, at=now, from_status=status, to_status=new_status,
                    actor="plan", detail="content or time changed"))
        return True

    def campaign_start(self, campaign: str) -> datetime | None:
        """The due time (naive UTC) of the earliest post planned for ``campaign``."""
        with self.session() as s:
            return s.scalar(select(func.min(Post.due_at)).where(Post.campaign == campaign))
