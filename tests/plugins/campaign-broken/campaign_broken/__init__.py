"""A plugin package whose export format entry point names an attribute that is not here, and
whose ``crash`` format fails while it writes (its own bug, not the user's input)."""

from pathlib import Path
from typing import Any


class _Crash:
    name = "crash"
    suffix = ".crash"

    @staticmethod
    def write(posts: Any, schedule: Any, out: Path, **options: Any) -> None:
        raise RuntimeError("the crash format has a bug")


crash = _Crash()
