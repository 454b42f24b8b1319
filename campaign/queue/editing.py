"""Review edits of queued posts: approve, cancel, queue again (retry) and reschedule.

Each edit moves only the posts whose status allows it and says which ids it moved, which name
no post and which were in a state that does not allow it, so the caller (the CLI, the web
dashboard) can report each and fail unless everything named was moved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from campaign.errors import CampaignError
from campaign.queue.dispatch import REQUEUE
from campaign.queue.models import Status
from campaign.queue.planning import day_deadline
from campaign.when import check_bounds, local_moment

if TYPE_CHECKING:
    from campaign.queue.store import Store

# the posts table's ids are PostgreSQL integers: a larger number names no post (and would
# overflow the database driver)
MAX_POST_ID = 2**31 - 1
# a post not yet out, which review may still cancel
OPEN = (Status.DRAFT, Status.APPROVED, Status.SCHEDULED, Status.FAILED, Status.MISSED)
# a post whose time review may still change
RESCHEDULABLE = (Status.DRAFT, Status.APPROVED, Status.SCHEDULED, Status.MISSED)


@dataclass(frozen=True)
class Edited:
    """What an edit did to the ids it was given."""

    requested: tuple[int, ...]
    moved: tuple[int, ...]
    missing: tuple[int, ...] = ()  # ids no post has
    note: str = ""  # how a typed time was read (a DST gap or fold), when it needed saying
    problems: tuple[str, ...] = ()  # what a network answered when it refused

    @property
    def skipped(self) -> tuple[int, ...]:
        """Ids of posts in a state that does not allow the edit."""
        return tuple(sorted(set(self.requested) - set(self.moved) - set(self.missing)))

    @property
    def ok(self) -> bool:
        """Whether every id named was moved."""
        return not (self.skipped or self.missing or self.problems)


def post_ids(texts: Sequence[str]) -> list[int]:
    """Ids typed by a person as numbers; a word, or a number too large for any post, is refused
    before anything changes."""
    try:
        numbers = [int(i) for i in texts]
    except ValueError:
        raise CampaignError(f"post ids are numbers, got {' '.join(texts)}: see "
                            "`campaign queue list`") from None
    for number in numbers:
        if abs(number) > MAX_POST_ID:  # no post has it, and the database driver cannot take it
            raise CampaignError(f"no post with id {number}: see `campaign queue list`; nothing "
                                "was changed")
    return numbers


def edited(store: Store, requested: Sequence[int], moved: Sequence[int], *, note: str = "",
           problems: Sequence[str] = ()) -> Edited:
    """The outcome of an edit, with the ids that name no post looked up."""
    return Edited(requested=tuple(requested), moved=tuple(moved),
                  missing=tuple(store.missing_ids(requested)), note=note,
                  problems=tuple(problems))


def approve(store: Store, ids: Sequence[int] = (), *, all_drafts: bool = False,
            months: Sequence[int] = (), networks: Sequence[str] = (),
            actor: str = "review") -> Edited:
    """Approve drafts (or scheduled posts) so a runner that requires review sends them;
    ``all_drafts`` adds every draft of the months and networks given."""
    wanted = list(ids)
    if all_drafts:
        wanted += [p.id for p in store.posts(statuses=[Status.DRAFT], months=months,
                                             networks=networks)]
    elif not wanted:
        raise CampaignError("name the posts to approve (ids from `campaign queue list`) or use "
                            "--all-drafts")
    moved = store.transition(wanted, Status.APPROVED,
                             allowed_from=(Status.DRAFT, Status.SCHEDULED),
                             actor=actor, detail="approved", reviewed=True)
    return edited(store, wanted, moved)


def cancel(store: Store, ids: Sequence[int] = (), *, account: str | None = None,
           actor: str = "review") -> Edited:
    """Cancel posts not yet out; ``account`` (``NETWORK=HANDLE``) adds all of that account's."""
    wanted = list(ids)
    if account:
        wanted += [p.id for p in store.posts(statuses=OPEN, account=account)]
    elif not wanted:
        raise CampaignError("name the posts to cancel (ids from `campaign queue list`) or use "
                            "--account NETWORK=HANDLE")
    moved = store.transition(wanted, Status.CANCELLED, allowed_from=OPEN, actor=actor,
                             detail="cancelled")
    return edited(store, wanted, moved)


def retry(store: Store, ids: Sequence[int], *, actor: str = "review") -> Edited:
    """Queue failed or missed posts again, attempts reset, and re-enable their accounts."""
    moved = store.transition(ids, REQUEUE, allowed_from=(Status.FAILED, Status.MISSED),
                             actor=actor, detail="retry requested", attempts=0,
                             next_attempt_at=None, last_error=None)
    # only the accounts of posts moved: posts(ids=[]) filters nothing, and would restart every
    # account stopped for refused credentials when nothing was retried
    for account_id in {p.account_id for p in store.posts(ids=moved)} if moved else set():
        store.enable_account(account_id)
    return edited(store, ids, moved)


def local_moment_text(moment: datetime, timezone: str) -> str:
    """A stored moment on the clocks of ``timezone``, in ISO form with its offset."""
    return moment.astimezone(ZoneInfo(timezone)).isoformat()


def reschedule(store: Store, post_id: int, when: str, *, actor: str = "review") -> Edited:
    """Move a post to ``when`` (ISO; without an offset, in the post's own timezone).

    A time skipped by a DST jump moves forward by the jump; a time that happens twice is the
    first (summer time) unless an offset is given; the result's ``note`` says so. A missed post
    moved goes back in the queue. The time before and after goes to the event and the audit log.
    """
    post = store.get(post_id)
    # a day-bound post's day is the day in its own timezone, whatever offset was typed
    moment, note = local_moment(when, post.timezone)
    check_bounds(moment, store.campaign_start(post.campaign), post.timezone)
    # only from the status just read: a post another reviewer (or a runner) moved meanwhile is
    # left as it is and reported skipped, never moved back to what it was (an approval undone)
    moved = store.transition([post_id], post.status,
                             allowed_from=(post.status,) if post.status in RESCHEDULABLE else (),
                             actor=actor, detail=f"rescheduled to {moment.isoformat()}",
                             before={"due_at": local_moment_text(post.due_at, post.timezone)},
                             after={"due_at": moment.isoformat()}, audit="post.reschedule",
                             due_at=moment, next_attempt_at=None,
                             deadline_at=day_deadline(moment) if post.day_bound else None)
    if post.status == Status.MISSED and moved:
        store.transition([post_id], REQUEUE, allowed_from=(Status.MISSED,), actor=actor,
                         detail="rescheduled")
    return edited(store, [post_id], moved, note=note)
