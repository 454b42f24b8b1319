"""The outbox publisher: an account whose posts become JSON lines in a file instead of a network.

An account with the credentials reference ``outbox:PATH`` (on any network) publishes here, for
real: its posts are ``published`` with their events, like on a network. A dry run never writes
here (it only reports). Several runners may share one outbox: appends take an exclusive lock,
and ``lookup`` reads the file for the post's idempotency key, so a post found in the outbox
after a crash is not sent again.

Failures stop cleanly: a path that is not a regular file (``/dev/full``, a folder, a pipe) is
refused before anything is read; reads are bounded (a line longer than MAX_LINE is skipped);
each post is one ``os.write`` and a failed write (ENOSPC, EIO, EFBIG...) is truncated away, so
the outbox never holds a cut line and the post provably did not go out.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import stat
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from campaign.errors import CampaignError
from campaign.platforms.base import Claimed, DestinationFailed, Identity, Published
from campaign.queue.engine import utc_text, utcnow

log = logging.getLogger("campaign.outbox")
PREFIX = "outbox:"
# a post record is a few KB; anything longer is not ours and is skipped, never held in memory
MAX_LINE = 1 << 20
_CHUNK = 1 << 16
SQLITE_HEADER = b"SQLite format 3\x00"


class OutboxError(CampaignError):
    """An outbox path that cannot be used (a device, a folder, a missing folder)."""


def is_outbox(ref: str) -> bool:
    """Whether an account's credentials reference points to an outbox file."""
    return ref.startswith(PREFIX)


def outbox_path(ref: str) -> Path:
    """The file of an ``outbox:PATH`` reference."""
    return Path(ref[len(PREFIX):]).expanduser()


def path_problem(path: Path) -> str | None:
    """Why ``path`` cannot be an outbox, in one sentence; None when it can."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        folder = path.parent
        if not folder.is_dir():
            return f"outbox {path}: folder {folder} does not exist: create it or choose another path"
        if not os.access(folder, os.W_OK):
            return f"outbox {path}: folder {folder} is not writable: choose another path"
        return None
    except OSError as exc:
        return f"outbox {path} cannot be read ({exc.strerror}): choose another path"
    if not stat.S_ISREG(mode):
        # /dev/full or a pipe would be read without end, a folder cannot take lines
        return f"outbox {path} exists and is not a regular file: choose a file path"
    if is_sqlite(path):
        # a line appended to a database (the queue's own, say) corrupts it
        return f"outbox {path} is a SQLite database: choose another file path"
    return None


def is_sqlite(path: Path) -> bool:
    """Whether the regular file ``path`` starts with SQLite's header (False when unreadable)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        return os.read(fd, len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False
    finally:
        os.close(fd)


def database_files(database: str | None) -> list[Path]:
    """A SQLite database file and its companions (-wal, -shm, -journal), resolved; none for
    another database: no outbox or report may be written there."""
    if not database or database == ":memory:":
        return []
    main = Path(database).expanduser().resolve()
    return [main, *(main.with_name(main.name + suffix) for suffix in ("-wal", "-shm", "-journal"))]


def same_file(path: Path, others: list[Path]) -> Path | None:
    """The one of ``others`` that ``path`` names (after symlinks, or as a hard link), or None."""
    resolved = path.expanduser().resolve()
    for other in others:
        if resolved == other:
            return other
        try:
            if os.path.samefile(resolved, other):
                return other
        except OSError:
            continue
    return None


def _write_error(path: Path, post: Claimed, exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    hint = ("free some space or choose another outbox" if exc.errno in
            (errno.ENOSPC, errno.EDQUOT, errno.EFBIG) else "check the disk or choose another outbox")
    return (f"outbox {path}: writing post #{post.id} failed ({reason}); nothing of it was kept: "
            f"{hint}, then run again")


class OutboxPublisher:
    """Appends published posts to a JSON Lines file."""

    def __init__(self, path: Path, delay: float = 0.0,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.path = Path(path).expanduser().resolve()
        self.delay = delay
        self.clock = clock  # the runner's, so a replayed day (--now) stamps replayed times
        self._known: dict[str, Published] = {}
        self._read_upto = 0

    def publish(self, post: Claimed) -> Published:
        """Append the post as one line, on disk before returning; a failed write leaves no trace."""
        if self.delay:
            import time

            time.sleep(self.delay)
        record: dict[str, Any] = {
            "idempotency_key": post.idempotency_key, "post_key": post.post_key,
            "network": post.network, "account": post.handle, "language": post.language,
            "due_at": utc_text(post.due_at), "published_at": utc_text(self.clock()),
            "parts": list(post.parts),
        }
        if post.facets and any(post.facets):
            record["facets"] = post.facets
        if post.kind != "post":
            record["kind"], record["target"] = post.kind, post.target
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        fd = self._open(os.O_RDWR | os.O_APPEND | os.O_CREAT)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            # under the lock, the outbox is its own idempotency check (like a network's key)
            found = self._scan(fd).get(post.idempotency_key)
            if found is not None:
                return found
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                line = b"\n" + line  # a line cut by a crash must not swallow this one
            self._append(fd, size, line, post)
            self._read_upto = size + len(line)
            published = Published(remote_id=f"outbox:{post.idempotency_key}", url=self.path.as_uri())
            self._known[post.idempotency_key] = published
            return published
        finally:
            os.close(fd)  # also releases the lock

    def _open(self, flags: int) -> int:
        problem = path_problem(self.path)
        if problem:
            raise DestinationFailed(problem, exit_code=2)
        try:
            # O_NONBLOCK: a pipe swapped in after the check must not block the open
            fd = os.open(self.path, flags | os.O_CLOEXEC | os.O_NONBLOCK, 0o644)
        except OSError as exc:
            raise DestinationFailed(f"outbox {self.path} cannot be opened ({exc.strerror}): "
                                    "choose another path", exit_code=2) from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise DestinationFailed(f"outbox {self.path} exists and is not a regular file: "
                                    "choose a file path", exit_code=2)
        return fd

    def _append(self, fd: int, size: int, data: bytes, post: Claimed) -> None:
        """One write of the whole line, synced; on any failure the file is cut back to ``size``."""
        try:
            written = os.write(fd, data)
            while written < len(data):
                # a short write on a regular file means no more room: writing the rest says
                # why (ENOSPC, EFBIG...); the line is cut back below either way
                more = os.write(fd, data[written:])
                if more <= 0:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                written += more
            os.fsync(fd)
        except OSError as exc:
            try:
                os.ftruncate(fd, size)
                os.fsync(fd)
            except OSError as again:  # pragma: no cover - the disk refuses even to shrink
                log.error("%s: could not cut back a failed write: %s", self.path, again)
                raise DestinationFailed(_write_error(self.path, post, exc),
                                        went_out=None) from None
            raise DestinationFailed(_write_error(self.path, post, exc)) from None

    def _scan(self, fd: int) -> dict[str, Published]:
        """Read the complete lines added since the last scan, in bounded chunks."""
        size = os.fstat(fd).st_size
        if size < self._read_upto:  # replaced or truncated: read it again from the start
            self._known.clear()
            self._read_upto = 0
        pos, carry, skipping = self._read_upto, bytearray(), False
        while pos < size:  # the size when the scan began: a growing file cannot keep it reading
            chunk = os.pread(fd, min(_CHUNK, size - pos), pos)
            if not chunk:
                break
            start = 0
            while True:
                end = chunk.find(b"\n", start)
                if end < 0:
                    if not skipping:
                        carry += chunk[start:]
                        if len(carry) > MAX_LINE:
                            log.warning("%s: skipping a line longer than %d bytes", self.path,
                                        MAX_LINE)
                            carry, skipping = bytearray(), True
                    break
                if skipping:
                    skipping = False
                elif len(carry) + end - start <= MAX_LINE:
                    self._remember(bytes(carry) + chunk[start:end])
                else:
                    log.warning("%s: skipping a line longer than %d bytes", self.path, MAX_LINE)
                carry = bytearray()
                start = end + 1
                self._read_upto = pos + start  # only past complete lines: a cut one is not ours
            pos += len(chunk)
        return self._known

    def _remember(self, line: bytes) -> None:
        try:
            key = json.loads(line)["idempotency_key"]
        except (ValueError, KeyError, TypeError):
            log.warning("%s: skipping a line that is not a post record", self.path)
            return
        if isinstance(key, str):
            self._known[key] = Published(f"outbox:{key}", self.path.as_uri())

    def lookup(self, post: Claimed) -> Published | None:
        """Whether a line with the post's idempotency key is already in the outbox."""
        if not os.path.lexists(self.path):
            return None
        fd = self._open(os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            return self._scan(fd).get(post.idempotency_key)
        finally:
            os.close(fd)

    def whoami(self) -> Identity:
        """The outbox stands in for any account: it names its file."""
        problem = path_problem(self.path)
        if problem:
            raise DestinationFailed(problem, exit_code=2)
        return Identity(handle="outbox", user_id="outbox", display_name=str(self.path),
                        url=self.path.as_uri())

    def delete(self, post: Claimed, remote_id: str) -> None:
        """Nothing is on a network, so there is nothing to delete."""

    def close(self) -> None:
        """Nothing to release: the file is opened per call."""
