"""Bulk work (an import of pledges, a page of collected posts): the cyclic garbage collector run
less often meanwhile.

Such work makes hundreds of thousands of young objects that live until they are stored; at
Python's default threshold (a collection every 700 allocations) the collector walks them dozens
of times, a fifth to a third of an import's time, though reference counting frees almost all of
them. Nested and concurrent bulk work (the tracking runner's threads) share one setting,
restored when the last one ends.
"""

from __future__ import annotations

import contextlib
import gc
import threading


class fewer_collections(contextlib.ContextDecorator):
    """A context (or decorator) with the garbage collector's first threshold raised."""

    THRESHOLD = 100_000
    _lock = threading.Lock()
    _depth = 0
    _saved: tuple[int, ...] = ()

    def __enter__(self) -> None:
        cls = fewer_collections
        with cls._lock:
            if cls._depth == 0:
                cls._saved = gc.get_threshold()
                first, *rest = cls._saved
                gc.set_threshold(max(first, cls.THRESHOLD), *rest)
            cls._depth += 1

    def __exit__(self, *exc: object) -> None:
        cls = fewer_collections
        with cls._lock:
            cls._depth -= 1
            if cls._depth == 0:
                gc.set_threshold(*cls._saved)
