"""A connection of the tests' own to a queue database, outside the Store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, create_engine

from campaign.queue.store import Store


@contextmanager
def raw_connection(store: Store) -> Iterator[Connection]:
    """One transaction on the store's database through an engine of its own, as another program
    (or an older version of campaign) would write it: for rows the Store itself never writes."""
    engine = create_engine(store.url)
    try:
        with engine.begin() as conn:
            yield conn
    finally:
        engine.dispose()


def force_status(store: Store, post_ids: list[int], status: str) -> None:
    """Put posts in ``status`` directly, as a runner's whole life would have left them (published,
    failed...): setting up a state, not a move the Store would make."""
    from sqlalchemy import text

    with raw_connection(store) as conn:
        for post_id in post_ids:
            conn.execute(text("UPDATE posts SET status = :s WHERE id = :i"),
                         {"s": status, "i": post_id})
