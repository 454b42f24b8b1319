"""Group posts the way people read a calendar: by month, then by card (entry, audience, language)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby

from campaign.content.render import RenderedPost


@dataclass(frozen=True)
class Card:
    """One entry for one audience in one language, with its text on each network."""

    first: RenderedPost
    by_network: dict[str, RenderedPost]


def months(posts: Sequence[RenderedPost]) -> Iterator[tuple[tuple[int, int], list[Card]]]:
    """((year, month), cards) in calendar order; posts of one card keep their network order."""
    ordered = sorted(posts, key=lambda p: (p.due, p.entry_id, p.audience, p.language))
    for month, in_month in groupby(ordered, key=lambda p: (p.due.year, p.due.month)):
        cards: list[Card] = []
        for _, same in groupby(in_month, key=lambda p: (p.due, p.entry_id, p.audience, p.language)):
            group = list(same)
            cards.append(Card(first=group[0], by_network={p.network: p for p in group}))
        yield month, cards
