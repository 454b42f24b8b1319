"""Plan from a schedule: render the posts asked for and queue them on the accounts named.

Every post is rendered (and so checked) before anything is written: a template that fails or a
post over its limit leaves the queue as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from campaign.content import selection as chosen_posts
from campaign.content.selection import Selection, Source
from campaign.queue.planning import PlanReport

if TYPE_CHECKING:
    from campaign.content.render import Renderer
    from campaign.queue.store import Store


@dataclass(frozen=True)
class PlanOutcome:
    """How many posts were rendered for the accounts, and what planning did with them."""

    rendered: int
    report: PlanReport


def plan_from_schedule(store: Store, source: Source | Renderer, selection: Selection,
                       account_names: Sequence[str], *, review: bool = False,
                       replace_account: bool = False,
                       progress: AbstractContextManager[object] | None = None) -> PlanOutcome:
    """Render the selection's posts for the accounts named (``NETWORK`` or ``NETWORK=HANDLE``,
    one per network) and queue them; running it again adds nothing twice. The same posts still
    queued on another account of their network are reported, and with ``replace_account``
    cancelled in the same transaction.

    ``source`` is where posts come from, or a renderer already made from it; ``progress`` is
    entered around the rendering and the writing (the CLI shows a spinner with it).
    """
    renderer = chosen_posts.renderer(source) if isinstance(source, Source) else source
    accounts = {}
    for name in account_names:
        account = store.named_account(name)
        accounts[account.network] = account  # the last one named for a network wins
    # the networks asked for that have an account (all of the accounts' when none was asked)
    wanted = tuple(n for n in (selection.networks or accounts) if n in accounts)
    with progress if progress is not None else nullcontext():
        posts = chosen_posts.posts(renderer, replace(selection, networks=wanted))
        report = store.plan(posts, accounts, review=review, replace_account=replace_account)
    return PlanOutcome(rendered=len(posts), report=report)
