"""What a team needs to see first: how many posts are in each state, those that failed or were
missed (never silently: each with its reason), what goes out next, and stopped accounts. The
dashboard's home page shows it."""

from __future__ import annotations

from dataclasses import dataclass

from campaign.queue.models import Account, QueuedPost, Status
from campaign.queue.store import Store

SHOWN = 5  # posts of each list on the overview; the queue page has them all


@dataclass(frozen=True)
class Overview:
    """The queue at a glance."""

    counts: dict[str, int]
    problems: list[QueuedPost]  # failed and missed, newest first
    problem_count: int
    drafts: int
    next_posts: list[QueuedPost]
    stopped: list[Account]


def overview(store: Store) -> Overview:
    """The queue's state now: counts, the first problems, the next posts, stopped accounts."""
    counts = {str(status): n for status, n in store.counts().items()}
    problems = store.latest_problems(SHOWN)
    waiting = store.posts(statuses=[Status.APPROVED, Status.SCHEDULED], limit=SHOWN)
    stopped = [a for a in store.accounts() if a.disabled_reason]
    return Overview(counts=counts, problems=problems,
                    problem_count=counts.get(Status.FAILED.value, 0)
                    + counts.get(Status.MISSED.value, 0),
                    drafts=counts.get(Status.DRAFT.value, 0), next_posts=waiting,
                    stopped=stopped)
