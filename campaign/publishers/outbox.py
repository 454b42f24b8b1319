"""The dry-run publisher: each post becomes one JSON line in an outbox file instead of a network.

Several runners may share one outbox: appends take an exclusive lock, and ``lookup`` reads the
file for the post's idempotency key, so a post found in the outbox after a crash is not sent again.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from campaign.publishers.base import Identity, Published
from campaign.store import Claimed, utcnow

log = logging.getLogger("campaign.outbox")


class OutboxPublisher:
    """Appends published posts to a JSON Lines file."""

    def __init__(self, path: Path, delay: float = 0.0,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.path = Path(path).resolve()
        self.delay = delay
        self.clock = clock  # the runner's, so a replayed day (--now) stamps replayed times
        self._known: dict[str, Published] = {}
        self._read_upto = 0

    def publish(self, post: Claimed) -> Published:
        """Append the post as one line, flushed to disk before returning."""
        if self.delay:
            import time

            time.sleep(self.delay)
        record: dict[str, Any] = {
            "idempotency_key": post.idempotency_key, "post_key": post.post_key,
            "network": post.network, "account": post.handle, "language": post.language,
            "due_at": post.due_at.isoformat() + "Z", "published_at": self.clock().isoformat() + "Z",
            "parts": list(post.parts),
        }
        if post.facets and any(post.facets):
            record["facets"] = post.facets
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self.path.open("a+", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                # under the lock, the outbox is its own idempotency check (like a network's key)
                found = self._scan(handle).get(post.idempotency_key)
                if found is not None:
                    return found
                if handle.tell() and not self._ends_with_newline(handle):
                    handle.write("\n")  # a line cut by a crash must not swallow this one
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return Published(remote_id=f"outbox:{post.idempotency_key}", url=self.path.as_uri())

    @staticmethod
    def _ends_with_newline(handle: IO[str]) -> bool:
        with open(handle.name, "rb") as raw:
            raw.seek(-1, os.SEEK_END)
            return raw.read(1) == b"\n"

    def _scan(self, handle: IO[str]) -> dict[str, Published]:
        """Read lines added since the last scan; leaves the handle at the end of the file."""
        size = os.fstat(handle.fileno()).st_size
        if size < self._read_upto:  # replaced or truncated: read it again from the start
            self._known.clear()
            self._read_upto = 0
        with open(handle.name, "rb") as raw:
            raw.seek(self._read_upto)
            for line in raw:
                if not line.endswith(b"\n"):
                    break  # a line cut by a crash was never published
                self._read_upto += len(line)
                try:
                    key = json.loads(line)["idempotency_key"]
                except (ValueError, KeyError, TypeError):
                    log.warning("%s: skipping a line that is not a post record", self.path)
                    continue
                self._known[key] = Published(f"outbox:{key}", self.path.as_uri())
        handle.seek(0, os.SEEK_END)
        return self._known

    def lookup(self, post: Claimed) -> Published | None:
        """Whether a line with the post's idempotency key is already in the outbox."""
        if not self.path.exists():
            return None
        with self.path.open("r", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_SH)
            try:
                return self._scan(handle).get(post.idempotency_key)
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def whoami(self) -> Identity:
        """The outbox stands in for any account."""
        return Identity(handle="outbox", user_id="outbox")

    def delete(self, post: Claimed, remote_id: str) -> None:
        """Nothing is on a network, so there is nothing to delete."""

    def close(self) -> None:
        """Nothing to release: the file is opened per call."""
