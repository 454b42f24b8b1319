"""Write a file all at once or not at all, so an interrupted export never leaves half a file.

A full disk, an I/O error or a file-size limit while writing, syncing or renaming becomes one
ExportError sentence: the temporary file is removed and the old file is left as it was. A
destination that exists and is not a regular file (``/dev/full``, a folder, a pipe) is refused
before anything is written: renaming over it would replace a device node.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from campaign.errors import CampaignError, ExportError

# what a full or failing disk raises; any of them means the file could not be written
DISK_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG, errno.EROFS})


class DestinationError(CampaignError):
    """An export destination that cannot be a file: a device, a folder, a pipe."""


def check_destination(path: Path) -> None:
    """Refuse a destination that exists and is not a regular file, or whose folder is missing."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError(f"{path}: folder {folder} does not exist: create it or choose another --out")
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise DestinationError(f"{path} cannot be checked ({exc.strerror}): choose another --out") \
            from None
    if not stat.S_ISREG(mode):
        raise DestinationError(f"{path} exists and is not a regular file: choose a file path "
                               "for --out")


@contextlib.contextmanager
def atomic_open(path: Path, *, newline: str | None = None) -> Iterator[IO[str]]:
    """Open a temporary file beside ``path`` for UTF-8 text; it replaces ``path`` only on success."""
    with _replacing(Path(path)) as (fd, _tmp), \
            os.fdopen(fd, "w", encoding="utf-8", newline=newline) as handle:
        yield handle
        handle.flush()
        os.fsync(handle.fileno())


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all (an image copied into a kit, say)."""
    with _replacing(Path(path)) as (fd, _tmp), os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


@contextlib.contextmanager
def _replacing(path: Path) -> Iterator[tuple[int, Path]]:
    """A temporary file beside ``path`` (its descriptor and path) that replaces ``path`` once the
    caller's block ends without error, and is removed otherwise."""
    check_destination(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ExportError(f"{path}: cannot write in {folder} ({exc.strerror})") from None
    tmp = Path(tmp_name)
    try:
        yield fd, tmp
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.errno in DISK_ERRORS:
            raise ExportError(f"{path}: writing failed ({exc.strerror}); the old file, if any, is "
                              "unchanged: free some space or choose another --out") from None
        raise
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
