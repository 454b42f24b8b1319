"""Delete published posts from their network (every part of a thread, or the repost), and mark
them ``deleted``; their history is kept."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from campaign.platforms.base import Claimed, Publisher, PublishError
from campaign.queue.editing import Edited, edited
from campaign.queue.models import Status

if TYPE_CHECKING:
    from campaign.queue.store import Store


def delete_published(store: Store, ids: Sequence[int], *, timeout: float = 30.0,
                     publishers: Callable[[Claimed], Publisher] | None = None) -> Edited:
    """Delete the published posts among ``ids`` from their networks; a network's refusal is kept
    in ``problems`` (one line per post) and the post stays published.

    ``publishers`` gives the publisher of each post's account (by default each account's own,
    opened once and closed at the end).
    """
    from campaign.platforms.pool import PublisherPool

    pool = None
    if publishers is None:
        publishers = pool = PublisherPool(timeout=timeout)
    deleted: list[int] = []
    problems: list[str] = []
    try:
        for post in store.claimed(ids):
            row = store.get(post.id)
            if row.status != Status.PUBLISHED or not row.remote_id:
                continue
            try:
                publishers(post).delete(post, row.remote_id)
            except PublishError as exc:
                problems.append(f"#{post.id}: {exc.message}")
                continue
            deleted += store.transition([post.id], Status.DELETED,
                                        allowed_from=(Status.PUBLISHED,),
                                        actor="review", detail=f"deleted from {post.network}")
    finally:
        if pool is not None:
            pool.close()
    return edited(store, ids, deleted, problems=problems)
