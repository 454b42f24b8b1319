"""Images attached to posts: where one may come from, and what each network needs to know about
it (type, size, shape).

A schedule travels between organisations, so its images are confined to its own folder: the path
is relative, has no ``..``, resolves (after symlinks) inside the folder, and is a regular file,
read with a size cap. Otherwise a shared schedule could make a private local picture get posted,
or hang the tool on a named pipe. The publishers read a planned image again through
:func:`read_image`, which refuses one replaced since planning (by a pipe, a link, a larger file).
"""

from __future__ import annotations

import io
import mimetypes
import os
import stat
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from campaign.errors import CampaignError

# the smallest of the networks' limits, so one file goes everywhere: Bluesky takes 1,000,000 bytes
MAX_BYTES = 1_000_000
TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")


class MediaError(CampaignError):
    """An image that cannot be posted: missing, outside its folder, of an unknown type, too large."""


def resolve_image(folder: Path, file: str) -> Path:
    """The path of image ``file`` (as written in a schedule) inside ``folder``, after symlinks;
    MediaError when it is absolute, climbs out with ``..``, or links outside the folder."""
    if not file or "\x00" in file:
        raise MediaError(f"image '{file}' is not a file name: give a path relative to the "
                         "schedule file, e.g. media/poster.png")
    if PurePosixPath(file).is_absolute() or PureWindowsPath(file).is_absolute() \
            or PureWindowsPath(file).drive:
        raise MediaError(f"image '{file}' is an absolute path: copy the image next to the "
                         "schedule and give its path relative to the schedule file")
    if ".." in PurePosixPath(file.replace("\\", "/")).parts:
        raise MediaError(f"image '{file}' goes out of the schedule's folder with '..': copy the "
                         "image into the schedule's folder")
    try:
        root = folder.resolve()
        path = (root / file).resolve()
    except (OSError, RuntimeError):  # a symlink loop
        raise MediaError(f"image '{file}' is a link that loops: give the path of an image "
                         "file") from None
    if not path.is_relative_to(root):
        raise MediaError(f"image '{file}' is a link to {path}, outside the schedule's folder "
                         f"{root}: copy the image into the folder instead")
    return path


@lru_cache(maxsize=64)  # one look per image, however many posts show it
def describe_image(path: Path) -> dict[str, Any]:
    """Path, MIME type, width and height of an image every network accepts, or MediaError.

    ``path`` should come from :func:`resolve_image`; the file is read here only if it is a regular
    file, and never past ``MAX_BYTES``.
    """
    import imagesize

    try:
        info = path.stat()
    except OSError:
        raise MediaError(f"image '{path.name}' does not exist (looked for {path}; the path is "
                         "relative to the schedule file)") from None
    if not stat.S_ISREG(info.st_mode):
        raise MediaError(f"image '{path.name}' is not a regular file (a folder, a named pipe or "
                         "a device): give the path of an image file")
    mime = mimetypes.guess_type(path.name)[0]
    if mime not in TYPES:
        raise MediaError(f"image '{path.name}' is not a PNG, JPEG, GIF or WebP file")
    if info.st_size > MAX_BYTES:
        raise MediaError(f"image '{path.name}' is {info.st_size:,} bytes; Bluesky takes at most "
                         f"{MAX_BYTES:,}: make it smaller")
    data = _read_capped(path)
    width, height = imagesize.get(io.BytesIO(data))
    if width <= 0 or height <= 0:
        raise MediaError(f"image '{path.name}' cannot be read as {mime}: is the file damaged?")
    return {"type": "image", "path": str(path.resolve()), "mime": mime, "width": width,
            "height": height}


def _read_capped(path: Path) -> bytes:
    try:
        # O_NONBLOCK: should the file have been swapped for a pipe since stat(), never wait on it
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise MediaError(f"image '{path.name}' cannot be read ({exc.strerror})") from None
    return _read_open(fd, path, f"image '{path.name}' is not a regular file: give the path of "
                      "an image file", f"image '{path.name}' is over {MAX_BYTES:,} bytes{{size}}; "
                      "Bluesky takes at most that: make it smaller",
                      f"image '{path.name}' cannot be read")


def _read_open(fd: int, path: Path, not_regular: str, too_big: str, unreadable: str,
               check: Callable[[int], None] = lambda fd: None) -> bytes:
    """Read at most MAX_BYTES from ``fd`` (closed after) when it is a regular file, else one of
    the MediaError messages (``{size}`` in ``too_big`` becomes the size when it is known);
    ``check`` may refuse the open file first."""
    try:
        # fstat before fdopen, which refuses a folder swapped in with an exception of its own
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise MediaError(not_regular)
        check(fd)
        if info.st_size > MAX_BYTES:
            raise MediaError(too_big.replace("{size}", f" (it is {info.st_size:,})"))
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise MediaError(f"{unreadable} ({exc.strerror})") from None
    finally:
        os.close(fd)
    if len(data) > MAX_BYTES:  # it grew since fstat
        raise MediaError(too_big.replace("{size}", ""))
    return data


def read_image(stored: str | Path) -> bytes:
    """The bytes of a planned image, read again at publish time, or MediaError.

    ``stored`` is the path :func:`describe_image` gave when the post was planned, already
    resolved; since then the file may have been replaced. It must still be a regular file at
    that very path (no link put in its place or in a folder above it), of at most ``MAX_BYTES``:
    otherwise a named pipe would hang the runner for good, and a link would post a private file.
    """
    path = Path(stored)
    again = "plan again (`campaign queue plan`)"
    if not path.is_absolute() or os.path.realpath(path) != str(path):
        raise MediaError(f"image {path} is no longer the file that was planned (a link was put "
                         f"in its place): {again}")
    try:
        # O_NOFOLLOW: a link swapped in just now is refused by open itself; O_NONBLOCK: a named
        # pipe never makes open wait for a writer
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0)
                     | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise MediaError(f"image {path} is no longer there: put it back or {again}") from None
    except OSError as exc:
        raise MediaError(f"image {path} is no longer readable ({exc.strerror}): {again}") from None

    def same_path(opened: int) -> None:
        if _opened_path(opened) not in (None, str(path)):
            raise MediaError(f"image {path} is no longer the file that was planned (a folder "
                             f"above it was replaced by a link): {again}")

    return _read_open(fd, path, f"image {path} is no longer a regular file (a named pipe, a "
                      f"device or a folder was put in its place): {again}",
                      f"image {path} is no longer under {MAX_BYTES:,} bytes{{size}}: make it "
                      f"smaller and {again}", f"image {path} is no longer readable", same_path)


def _opened_path(fd: int) -> str | None:
    """The path the kernel says ``fd`` was opened at (Linux), None where it cannot tell."""
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return None
