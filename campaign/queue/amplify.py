"""Amplification: reposts and quote posts of someone else's post, queued like campaign posts.

They go through the same queue, so they get the same exactly-once claims, retries and
rate-limit pauses. One account amplifies one post once: queuing the same repost again changes
nothing, and queuing a quote again with new words updates it while it is not yet out.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime

from sqlalchemy import select

from campaign.errors import CampaignError
from campaign.queue.engine import stored_text, utcnow
from campaign.queue.models import FINAL, Account, Event, Kind, QueuedPost, Status
from campaign.queue.planning import local_month
from campaign.queue.store import Store
from campaign.text.measure import measure
from campaign.text.networks import is_blank
from campaign.text.threads import split_thread
from campaign.when import check_year

# what a post address looks like on each network, to refuse a wrong one before it is queued
_TARGETS = {
    "x": re.compile(r"^(\d+|https://(?:www\.)?(?:x|twitter)\.com/\w+/status/\d+\S*)$"),
    "bluesky": re.compile(r"^(at://\S+/app\.bsky\.feed\.post/\S+|https://bsky\.app/profile/"
                          r"[^/\s]+/post/\w+)$"),
    "mastodon": re.compile(r"^(\d+|https?://\S+)$"),
}
_EXAMPLES = {"x": "https://x.com/ilo/status/1403627382364495873",
             "bluesky": "https://bsky.app/profile/ilo.org/post/3kxyz...",
             "mastodon": "https://mastodon.social/@ilo/1234567890"}


def parse_when(text: str | None, option: str = "--at") -> datetime:
    """An ISO date-time (UTC when it has no offset) in UTC, aware; now when not given;
    ``option`` names the option it came from in the error."""
    if not text:
        return utcnow()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CampaignError(f"{option} '{text}' is not a date-time: write e.g. "
                            "2021-06-12T10:00+02:00") from None
    check_year(moment, f"{option} '{text}'")
    # text without an offset is UTC, as the option's help says (not the machine's zone)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def target_problem(network: str, target: str) -> str | None:
    """Why ``network`` would not take ``target`` as the address of a post to amplify, or None."""
    if network not in _TARGETS:  # a plugin's network: its post addresses are unknown here
        return (f"amplify reposts and quotes on {', '.join(_TARGETS)}, not on {network}: "
                "choose an account on one of those")
    if not _TARGETS[network].match(target.strip()):
        return (f"'{target.strip()}' is not the address of a post on {network}: give one like "
                f"{_EXAMPLES[network]}")
    return None


def amplification_key(how: str, target: str, network: str, handle: str) -> str:
    """One amplification per account and target post."""
    return hashlib.sha256(f"amplify/{how}/{target}@{network}:{handle}".encode()).hexdigest()[:32]


def queue_amplification(store: Store, account: Account, how: str, target: str, *, text: str,
                        when: datetime, language: str, review: bool) -> QueuedPost:
    """Add (or update, while not yet out) a repost or a quote of ``target`` from ``account``."""
    target = target.strip()
    problem = target_problem(account.network, target)
    if problem:
        raise CampaignError(problem)
    if how == Kind.QUOTE and is_blank(text):
        # zero-width spaces or joiners alone are an empty post, as render.py rules
        raise CampaignError("a quote needs its words: --text is empty or only spaces and "
                            "invisible characters: pass --text '...'")
    if how == Kind.REPOST and text:
        raise CampaignError("a repost has no words of its own: drop --text, or use `amplify quote`")
    parts = split_thread(text, account.network, numbered=False) if text else [""]
    if text and len(parts) > 1:
        length = measure(account.network, text).length
        raise CampaignError(f"--text is {length} long, more than one {account.network} post: "
                            "shorten it")
    key = amplification_key(how, target, account.network, account.handle)
    now = utcnow()
    values = {
        "post_key": f"amplify/{how}/{account.network}/{key[:12]}", "campaign": "amplify",
        "entry": how, "audience": "-", "language": language, "network": account.network,
        "kind": how, "target": target, "account_id": account.id, "text": text,
        "parts_json": json.dumps(parts, ensure_ascii=False), "facets_json": _facets(account, parts),
        "content_hash": hashlib.sha256(f"{text}\x00{stored_text(when)}".encode()).hexdigest(),
        "due_at": when, "due_month": local_month(when, "UTC"), "timezone": "UTC",
        "day_bound": False, "deadline_at": None,
        "updated_at": now}
    with store._session() as s:  # within the store's package
        post = s.scalar(select(QueuedPost).where(QueuedPost.idempotency_key == key))
        if post is None:
            post = QueuedPost(idempotency_key=key, status=Status.DRAFT if review else Status.SCHEDULED,
                        reviewed=False, attempts=0, created_at=now, media_json="[]",
                        link_card=False, **values)
            s.add(post)
            s.flush()
            s.add(Event(post_id=post.id, at=now, from_status=None, to_status=post.status,
                        actor="amplify", detail=f"{how} of {target}"))
        elif post.status not in FINAL and post.status != Status.PUBLISHING \
                and post.content_hash != values["content_hash"]:
            for name, value in values.items():
                setattr(post, name, value)
            s.add(Event(post_id=post.id, at=now, from_status=post.status, to_status=post.status,
                        actor="amplify", detail="words or time changed"))
        return post


def _facets(account: Account, parts: list[str]) -> str:
    if account.network != "bluesky":
        return "[]"
    from campaign.text.facets import bluesky_facets, facets_to_atproto

    return json.dumps([facets_to_atproto(bluesky_facets(p)) for p in parts], ensure_ascii=False)

