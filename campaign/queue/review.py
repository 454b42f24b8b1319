"""The review desk's changes to the queue: a person's new text for a post, a new post written by
an editor, approval (never of a post one wrote or edited oneself) and sending back with a
comment, one post or many at once.

Each change keeps who made it and the fields before and after on the post's event and in the
audit log, in the same transaction as the change. An edited post is always reviewed again: an
approved post goes back to draft, and a post a runner has claimed (in flight) is never edited.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from campaign.errors import CampaignError
from campaign.queue.engine import stored_text, utcnow
from campaign.queue.errors import PostNotFound
from campaign.queue.models import Account, Event, Kind, QueuedPost, Status, may_move, wrote_or_edited
from campaign.queue.planning import idempotency_key, local_month
from campaign.text.escape import CONTROL
from campaign.text.networks import DEFAULT_LIMITS, NetworkLimits, is_blank
from campaign.when import check_bounds, local_moment

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from campaign.queue.store import Store

# a post's words: a thread of a few dozen posts at most; more is a paste gone wrong
MAX_TEXT = 10_000
MAX_COMMENT = 1_000
# a post not yet out, whose words a person may still change
EDITABLE = (Status.DRAFT, Status.APPROVED, Status.SCHEDULED, Status.MISSED)
# what approval moves, and what sending back moves (a draft sent back stays a draft)
APPROVABLE = (Status.DRAFT, Status.SCHEDULED)
RETURNABLE = (Status.DRAFT, Status.APPROVED)
# why a post named was left as it was
MISSING, OWN, STATE = "missing", "own", "state"
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?")


@dataclass(frozen=True)
class Refusal:
    """A post named but left as it was, and why: ``missing`` (no such post), ``own`` (the
    person wrote or edited it) or ``state`` (its status, given, does not allow the change)."""

    post_id: int
    reason: str
    status: str = ""


@dataclass(frozen=True)
class Reviewed:
    """What an approval or a sending back did to the ids it was given."""

    requested: tuple[int, ...]
    done: tuple[int, ...]
    refused: tuple[Refusal, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether every post named was moved."""
        return not self.refused


@dataclass(frozen=True)
class Edit:
    """What an edit of a post's words did."""

    post_id: int
    changed: bool  # False: the text was the same, nothing was written
    status_before: str
    status: str
    parts: int


class EditRefused(CampaignError):
    """A post whose words can no longer change (in flight, out, or taken out of the queue)."""

    exit_code = 1

    def __init__(self, post_id: int, status: str) -> None:
        self.post_id, self.status = post_id, status
        why = ("a runner is sending it now" if status == Status.PUBLISHING
               else f"it is {status}")
        super().__init__(f"post {post_id} cannot be edited: {why}; only a draft, approved, "
                         "scheduled or missed post can")


def clean_text(text: str, *, what: str = "text", limit: int = MAX_TEXT) -> str:
    """Words typed by a person: line ends made \\n, outer space trimmed; blank words, control
    characters or more than ``limit`` characters are refused, naming ``what``."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if is_blank(text):
        raise CampaignError(f"the {what} is empty: write something")
    if len(text) > limit:
        raise CampaignError(f"the {what} is {len(text):,} characters long: at most {limit:,}")
    if (bad := CONTROL.search(text)) is not None:
        raise CampaignError(f"the {what} holds the control character U+{ord(bad.group()):04X}: "
                            "remove it (paste as plain text)")
    return text


def _parts(network: str, text: str, limits: NetworkLimits, *, thread: bool = True) -> list[str]:
    """``text`` as the posts it goes out as, by the same rules planning splits with."""
    from campaign.text.measure import measure
    from campaign.text.threads import split_thread

    counted = measure(network, text, limits)
    if counted.fits:
        return [text]
    if not thread:
        raise CampaignError(f"the text is {counted.length} {counted.unit} long, more than one "
                            f"{network} post ({counted.limit}): shorten it")
    try:
        return split_thread(text, network, limits)
    except ValueError:
        raise CampaignError(f"the text holds a word longer than a whole {network} post: "
                            "shorten it") from None


def _facets_json(network: str, parts: Sequence[str]) -> str:
    if network != "bluesky":
        return "[]"
    from campaign.text.facets import bluesky_facets, facets_to_atproto

    return json.dumps([facets_to_atproto(bluesky_facets(p)) for p in parts], ensure_ascii=False)


def _media_for(media: list[dict[str, Any]], first_part: str) -> list[dict[str, Any]]:
    """The post's media with its link card following the first link of the new first part (a
    card without a link left is dropped: it would show a page the post no longer names)."""
    from campaign.text.facets import bluesky_facets

    if not any(m.get("type") == "card" for m in media):
        return media
    links = [f.value for f in bluesky_facets(first_part) if f.kind == "link"]
    return [({**m, "uri": links[0]} if m.get("type") == "card" else m) for m in media
            if m.get("type") != "card" or links]


def _content_hash(parts_json: str, media_json: str, post: QueuedPost) -> str:
    """The hash planning gives a post of these parts, media, due time and timezone."""
    media = json.loads(media_json)
    hashed = f"{parts_json}\x00{media_json}" if media else parts_json
    return hashlib.sha256(
        f"{hashed}\x00{stored_text(post.due_at)}\x00{post.timezone}".encode()).hexdigest()


def _limits(account: Account, limits: NetworkLimits | None) -> NetworkLimits:
    from campaign.queue.planning import _own_limits  # within the store's package

    return _own_limits(account) or limits or DEFAULT_LIMITS


def _record(s: Session, *, actor: str, action: str, post_id: int, before: Mapping[str, Any],
            after: Mapping[str, Any], detail: str) -> None:
    from campaign.users.audit import record

    record(s.connection(), at=utcnow(), actor=actor, action=action, object_kind="post",
           object_id=post_id, before=before, after=after, detail=detail)


def edit_post(store: Store, post_id: int, text: str, *, actor: str,
              limits: NetworkLimits | None = None) -> Edit:
    """Give a post not yet out new words, split into its network's posts as planning splits
    them; an approved post goes back to draft (an edit is always reviewed again). A post a
    runner is sending, or one already out, is refused (EditRefused); an unknown id raises
    PostNotFound. ``limits`` are the campaign's (a Mastodon instance's own come first)."""
    text = clean_text(text)
    with store._session() as s:  # within the store's package: one transaction, row locked
        query = select(QueuedPost).where(QueuedPost.id == post_id)
        post = s.scalar(query.with_for_update() if store.is_postgres else query)
        if post is None:
            raise PostNotFound(post_id)
        old_status = Status(post.status)
        if old_status not in EDITABLE:
            raise EditRefused(post_id, old_status)
        if post.kind == Kind.REPOST:
            raise CampaignError(f"post {post_id} is a repost: it has no words of its own to edit")
        if text == post.text:
            return Edit(post_id, False, old_status, old_status, len(json.loads(post.parts_json)))
        account = s.get(Account, post.account_id)
        assert account is not None  # a foreign key
        parts = _parts(post.network, text, _limits(account, limits),
                       thread=post.kind == Kind.POST)
        parts_json = json.dumps(parts, ensure_ascii=False)
        media = _media_for(json.loads(post.media_json or "[]"), parts[0])
        media_json = json.dumps(media, ensure_ascii=False) if media else "[]"
        # back to draft where the table allows it, so the new words wait for an approval
        status = Status.DRAFT if may_move(old_status, Status.DRAFT) else old_status
        before, after = {"text": post.text}, {"text": text}
        post.text, post.parts_json = text, parts_json
        post.facets_json = _facets_json(post.network, parts)
        post.media_json = media_json
        post.link_card = any(m.get("type") == "card" for m in media)
        post.content_hash = _content_hash(parts_json, media_json, post)
        post.status, post.reviewed, post.updated_at = status, False, utcnow()
        s.add(Event(post_id=post_id, at=post.updated_at, from_status=old_status, to_status=status,
                    actor=actor, detail="edited", before_json=json.dumps(before, ensure_ascii=False),
                    after_json=json.dumps(after, ensure_ascii=False)))
        _record(s, actor=actor, action="post.edit", post_id=post_id,
                before={**before, "status": str(old_status)}, after={**after, "status": str(status)},
                detail="edited")
        return Edit(post_id, True, old_status, status, len(parts))


def _authored(store: Store, ids: Sequence[int], actor: str) -> set[int]:
    """The posts among ``ids`` that ``actor`` wrote or whose words they edited."""
    if not ids:
        return set()
    with store._session() as s:
        return set(s.scalars(select(Event.post_id).where(
            Event.post_id.in_(list(ids)), wrote_or_edited(actor))))


def authored_by(store: Store, post_id: int, actor: str) -> bool:
    """Whether ``actor`` wrote the post or edited its words (so may not approve it)."""
    return post_id in _authored(store, [post_id], actor)


def _outcome(store: Store, ids: Sequence[int], moved: Sequence[int], actor: str,
             allowed: Sequence[Status], *, check_own: bool) -> Reviewed:
    """What a move did, each post left alone with its reason (read after the move: the rule
    itself was applied inside the move's transaction)."""
    rest = sorted(set(ids) - set(moved))
    found = {p.id: p.status for p in store.posts(ids=rest)} if rest else {}
    own = _authored(store, [i for i in rest if found.get(i) in allowed], actor) \
        if check_own else set()
    refused = []
    for post_id in rest:
        if post_id not in found:
            refused.append(Refusal(post_id, MISSING))
        elif post_id in own:
            refused.append(Refusal(post_id, OWN, str(found[post_id])))
        else:
            refused.append(Refusal(post_id, STATE, str(found[post_id])))
    return Reviewed(requested=tuple(dict.fromkeys(ids)), done=tuple(moved), refused=tuple(refused))


def _named(ids: Sequence[int], what: str) -> list[int]:
    if not ids:
        raise CampaignError(f"choose the posts to {what}")
    return list(dict.fromkeys(ids))


def approve_posts(store: Store, ids: Sequence[int], *, actor: str) -> Reviewed:
    """Approve drafts (or scheduled posts) so a runner that requires review sends them; a post
    ``actor`` wrote or edited is refused, under the same lock as the approval."""
    wanted = _named(ids, "approve")
    moved = store.transition(wanted, Status.APPROVED, allowed_from=APPROVABLE, actor=actor,
                             detail="approved", not_authored_by=actor, audit="post.approve",
                             reviewed=True)
    return _outcome(store, wanted, moved, actor, APPROVABLE, check_own=True)


def send_back(store: Store, ids: Sequence[int], *, actor: str, comment: str) -> Reviewed:
    """Send approved posts back to draft (drafts stay drafts) with a comment saying what to
    change; the comment is kept on each post's history."""
    comment = clean_text(comment, what="comment", limit=MAX_COMMENT)
    wanted = _named(ids, "send back")
    moved = store.transition(wanted, Status.DRAFT, allowed_from=RETURNABLE, actor=actor,
                             detail=f"sent back: {comment}", audit="post.send_back",
                             reviewed=False)
    return _outcome(store, wanted, moved, actor, RETURNABLE, check_own=False)


def new_post(store: Store, *, account: str, text: str, due: str, language: str, actor: str,
             campaign: str, timezone: str, limits: NetworkLimits | None = None,
             audience: str = "-") -> int:
    """Write a new post (a draft) on ``account`` (``NETWORK`` or ``NETWORK=HANDLE``), due at
    ``due`` (ISO; without an offset, in ``timezone``), split as planning splits; its id."""
    text = clean_text(text)
    if not _LANGUAGE.fullmatch(language):
        raise CampaignError(f"language '{language[:20]}' is not a language code: e.g. en, fr, es")
    chosen = store.named_account(account)
    moment, _note = local_moment(due, timezone)
    check_bounds(moment, store.campaign_start(campaign), timezone)
    parts = _parts(chosen.network, text, _limits(chosen, limits))
    parts_json = json.dumps(parts, ensure_ascii=False)
    entry = f"written-{secrets.token_hex(6)}"  # a new entry of its own: never a planned post's
    post_key = "/".join((campaign, entry, audience, language, chosen.network))
    now = utcnow()
    with store._session() as s:  # within the store's package
        post = QueuedPost(
            idempotency_key=idempotency_key(post_key, chosen.network, chosen.handle),
            post_key=post_key, campaign=campaign, entry=entry, audience=audience,
            language=language, network=chosen.network, kind=Kind.POST, target=None,
            account_id=chosen.id, text=text, parts_json=parts_json,
            facets_json=_facets_json(chosen.network, parts), media_json="[]", link_card=False,
            content_hash="", due_at=moment, timezone=timezone,
            due_month=local_month(moment, timezone), day_bound=False, deadline_at=None,
            status=Status.DRAFT, reviewed=False, attempts=0, created_at=now, updated_at=now)
        post.content_hash = _content_hash(parts_json, "[]", post)
        s.add(post)
        s.flush()
        after = {"text": text, "due_at": moment.isoformat(), "account": f"{chosen.network}="
                 f"{chosen.handle}", "language": language}
        s.add(Event(post_id=post.id, at=now, from_status=None, to_status=Status.DRAFT,
                    actor=actor, detail="written", after_json=json.dumps(after, ensure_ascii=False)))
        _record(s, actor=actor, action="post.new", post_id=post.id, before={},
                after={**after, "status": "draft"}, detail="written")
        return post.id



# -- the desk's reads ------------------------------------------------------------------------
PER_PAGE = 50
# what the desk lists: drafts by default; approved posts to send back
LISTED = (Status.DRAFT, Status.APPROVED)


@dataclass(frozen=True)
class Filters:
    """What the desk lists: posts of one status, narrowed by network, account, language and
    month (of the due time on the post's own clocks)."""

    status: str = Status.DRAFT
    network: str = ""
    account: str = ""  # NETWORK=HANDLE
    language: str = ""
    month: int | None = None


def filters(store: Store, *, status: str = "", network: str = "", account: str = "",
            language: str = "", month: str = "") -> Filters:
    """The desk's filters from what a person typed; a bad one is refused, naming the field."""
    from campaign.errors import UsageError

    status = status or Status.DRAFT
    if status not in LISTED:
        raise UsageError("status", status[:20], LISTED)
    accounts = store.accounts()
    networks = sorted({a.network for a in accounts})
    if network and network not in networks:
        raise UsageError("network", network[:20], networks or ["(no account yet)"])
    if account:
        store.named_account(account[:300])  # AccountNotFound names the choices
    if language and not _LANGUAGE.fullmatch(language):
        raise CampaignError(f"language '{language[:20]}' is not a language code: e.g. en, fr, es")
    number = None
    if month:
        if not month.isdigit() or not 1 <= int(month) <= 12:
            raise CampaignError(f"month must be a number from 1 to 12, got '{month[:20]}'")
        number = int(month)
    return Filters(status=status, network=network, account=account, language=language,
                   month=number)


@dataclass(frozen=True)
class DeskPost:
    """A post as the desk shows it, with its preview on its network."""

    id: int
    network: str
    account: str  # NETWORK=HANDLE
    handle: str
    language: str
    entry: str
    audience: str
    kind: str
    target: str
    due_at: Any  # aware UTC datetime
    timezone: str
    status: str
    reviewed: bool
    text: str
    preview: Any  # campaign.text.preview.Preview


@dataclass(frozen=True)
class DeskPage:
    """One page of the desk."""

    posts: tuple[DeskPost, ...]
    page: int
    has_next: bool
    total: int
    filters: Filters


def _desk_post(post: QueuedPost, account: Account, limits: NetworkLimits | None) -> DeskPost:
    from campaign.text.preview import preview

    shown = preview(post.network, json.loads(post.parts_json), json.loads(post.media_json or "[]"),
                    limits=_limits(account, limits), home=account.base_url or "")
    return DeskPost(id=post.id, network=post.network, account=f"{account.network}={account.handle}",
                    handle=account.handle, language=post.language, entry=post.entry,
                    audience=post.audience, kind=post.kind, target=post.target or "",
                    due_at=post.due_at, timezone=post.timezone, status=str(post.status),
                    reviewed=post.reviewed, text=post.text, preview=shown)


def desk(store: Store, chosen: Filters, page: int = 1, *, limits: NetworkLimits | None = None,
         per_page: int = PER_PAGE) -> DeskPage:
    """One page of the posts ``chosen`` selects, in due order, cut in SQL."""
    from sqlalchemy import func

    conditions: list[Any] = [QueuedPost.status == chosen.status]
    if chosen.network:
        conditions.append(QueuedPost.network == chosen.network)
    if chosen.account:
        conditions.append(QueuedPost.account_id == store.named_account(chosen.account).id)
    if chosen.language:
        conditions.append(QueuedPost.language == chosen.language)
    if chosen.month:
        conditions.append(QueuedPost.due_month == chosen.month)
    query = (select(QueuedPost, Account).join(Account, Account.id == QueuedPost.account_id)
             .where(*conditions).order_by(QueuedPost.due_at, QueuedPost.id)
             .limit(per_page + 1).offset((page - 1) * per_page))
    with store._session() as s:  # within the store's package
        rows = list(s.execute(query).all())
        total = int(s.scalar(select(func.count()).select_from(QueuedPost).where(*conditions)) or 0)
    return DeskPage(posts=tuple(_desk_post(p, a, limits) for p, a in rows[:per_page]), page=page,
                    has_next=len(rows) > per_page, total=total, filters=chosen)


@dataclass(frozen=True)
class HistoryItem:
    """One event of a post's history: who moved it, when, from what to what, and what changed."""

    at: Any  # aware UTC datetime
    actor: str
    from_status: str
    to_status: str
    detail: str
    before: Mapping[str, Any]
    after: Mapping[str, Any]


@dataclass(frozen=True)
class PostView:
    """One post on the desk: its preview, its history, and what the viewer may do with it."""

    post: DeskPost
    history: tuple[HistoryItem, ...]
    authored_by_viewer: bool  # the viewer wrote or edited it: they may not approve it
    editable: bool
    approvable: bool
    returnable: bool
    due_local: str  # its due time on its own clocks, as a datetime-local field shows it


def post_view(store: Store, post_id: int, viewer: str, *,
              limits: NetworkLimits | None = None) -> PostView:
    """One post with its history and the viewer's standing; PostNotFound for an unknown id."""
    from zoneinfo import ZoneInfo

    with store._session() as s:  # within the store's package
        row = s.execute(select(QueuedPost, Account).join(Account, Account.id == QueuedPost.account_id)
                        .where(QueuedPost.id == post_id)).first()
        if row is None:
            raise PostNotFound(post_id)
        events = list(s.scalars(select(Event).where(Event.post_id == post_id)
                                .order_by(Event.id.desc()).limit(500)))
    post, account = row
    history = tuple(HistoryItem(at=e.at, actor=e.actor, from_status=str(e.from_status or ""),
                                to_status=str(e.to_status), detail=e.detail,
                                before=json.loads(e.before_json or "{}"),
                                after=json.loads(e.after_json or "{}")) for e in events)
    status = Status(post.status)
    local = post.due_at.astimezone(ZoneInfo(post.timezone))
    return PostView(post=_desk_post(post, account, limits), history=history,
                    authored_by_viewer=authored_by(store, post_id, viewer),
                    editable=status in EDITABLE and post.kind != Kind.REPOST,
                    approvable=status in APPROVABLE, returnable=status in RETURNABLE,
                    due_local=local.strftime("%Y-%m-%dT%H:%M"))


def image_file(store: Store, post_id: int, index: int) -> tuple[str, str]:
    """The path and MIME type of image ``index`` of a post (only a file its media names, and
    only an image); PostNotFound for an unknown post, CampaignError for no such image."""
    post = store.get(post_id)
    media = json.loads(post.media_json or "[]")
    if not 0 <= index < len(media) or media[index].get("type") == "card" \
            or not str(media[index].get("mime", "")).startswith("image/"):
        raise CampaignError(f"post {post_id} has no image number {index}")
    return str(media[index]["path"]), str(media[index]["mime"])
