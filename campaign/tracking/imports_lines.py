"""Reading archive files safely: a regular file opened without blocking, lines bounded in
length (a longer one skipped unread), CSV records over several lines, JSON lines cleaned of what
no database takes, and posts fitted to the store's columns."""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import IO

from campaign.errors import CampaignError
from campaign.tracking.records import Observation

MAX_INT = 2**63 - 1  # the store's count columns (BIGINT)
# JSON values (or CSV cells) in one line, counted by their separators before parsing: a parsed
# value costs up to ~25 times its bytes (`{},` is 3 bytes, a dict 64), so a line within
# MAX_LINE could still take a gigabyte; a 500-tweet twarc2 page with includes holds ~60,000
MAX_VALUES = 250_000
CROWDED = f"over {MAX_VALUES:,} values in one line (no API page holds that many): skipped unread"
_BOM = b"\xef\xbb\xbf"
_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_LONE = re.compile(rb"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
                   rb"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}")


class ArchiveError(CampaignError):
    """An archive that cannot be imported at all (nothing of it is stored)."""


def read_lines(handle: IO[bytes], line: int, offset: int, max_line: int
                ) -> Iterator[tuple[int, int, bytes | None]]:
    """(line number, offset after it, its bytes or None when over ``max_line``) from
    ``offset``; a line too long is read past in chunks, never held whole."""
    handle.seek(offset)
    readline = handle.readline
    n = line
    while True:
        raw = readline(max_line + 1)
        if not raw:
            return
        n += 1
        offset += len(raw)
        if n == 1 and raw.startswith(_BOM):
            raw = raw[3:]
        if len(raw) > max_line and not raw.endswith(b"\n"):
            while True:
                chunk = readline(1 << 20)
                offset += len(chunk)
                if not chunk or chunk.endswith(b"\n"):
                    break
            yield n, offset, None
            continue
        yield n, offset, raw


def csv_records(handle: IO[bytes], line: int, offset: int, max_line: int
                ) -> Iterator[tuple[int, int, str | None, str | None]]:
    """(last line number, offset after it, the record's text, why it is bad) per CSV record:
    physical lines joined while a quoted cell is open (a text with line breaks)."""
    # one buffer, not a list of lines: a quoted cell of a million line breaks would cost ~40
    # bytes of list and object per byte of file
    parts = bytearray()
    quotes = 0
    first, last, n = line + 1, offset, line
    for n, end, raw in read_lines(handle, line, offset, max_line):
        last = end
        if raw is None or len(parts) + len(raw) > max_line:
            parts, quotes = bytearray(), 0
            yield n, end, None, f"over {max_line:,} bytes (an unclosed quote?): skipped"
            first = n + 1
            continue
        parts += raw
        quotes += raw.count(b'"')
        if quotes % 2:
            continue
        record = bytes(parts)
        parts, quotes = bytearray(), 0
        try:
            yield n, end, record.decode("utf-8"), None
        except UnicodeDecodeError:
            yield n, end, None, "not UTF-8: save the file as CSV UTF-8"
        first = n + 1
    if parts:
        yield (n, last, None,
               f"a quoted cell opened on line {first} is never closed (the file ends inside it)")


def crowded(raw: bytes | str, separator: str = ",") -> bool:
    """Whether a line holds more values than parsing it may take memory for (a hostile or
    broken line: checked before it is parsed, and cheap: one pass in C)."""
    if isinstance(raw, bytes):
        return raw.count(separator.encode()) > MAX_VALUES
    return raw.count(separator) > MAX_VALUES


def clean(raw: bytes) -> bytes:
    """A line with what no database takes replaced by U+FFFD: NUL, and a lone UTF-16 surrogate
    escape (JSON allows ``\\ud800`` alone; UTF-8 cannot hold it). Most lines pass untouched."""
    if b"\\u0000" in raw:
        raw = raw.replace(b"\\u0000", b"\\ufffd")
    if (b"\\ud" in raw or b"\\uD" in raw) and _lone_surrogate(raw):
        raw = _LONE.sub(b"\\\\ufffd", raw)
    return raw


def _lone_surrogate(raw: bytes) -> bool:
    expect = -1
    for match in _SURROGATE.finditer(raw):
        high = match.group()[3] in b"89abAB"
        if expect >= 0:
            if high or match.start() != expect:
                return True
            expect = -1
        elif high:
            expect = match.end()
        else:
            return True
    return expect >= 0


def why_bad(raw: bytes, exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "nested too deeply to read"
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 (byte {exc.start})"
    if not raw.endswith(b"\n"):
        return "truncated: the file ends inside it"
    if isinstance(exc, json.JSONDecodeError):
        return f"corrupt JSON ({exc.msg} at character {exc.pos})"
    return f"corrupt JSON ({exc})"


def fit(post: Observation) -> Observation | str:
    """The post as the store's columns take it, or why it cannot be stored: ids and addresses
    are bounded (a longer one is a broken or hostile record); a name is cut, a count too large
    for the store dropped (not said)."""
    author = post.author
    if not post.remote_id or len(post.remote_id) > 500 or len(post.uri) > 500 \
            or any(len(r.target_id) > 500 for r in post.relations):
        return f"post id or a related post's id empty or over 500 characters ({post.remote_id[:60]!r})"
    if not author.author_id or len(author.author_id) > 300 or len(author.handle) > 300:
        return f"post {post.remote_id[:80]}: author id or handle empty or over 300 characters"
    if len(post.url) > 500 or len(author.url) > 500 or len(author.display_name) > 300 \
            or any(v > MAX_INT for v in post.metrics.values()) \
            or any(c is not None and c > MAX_INT
                   for c in (author.followers, author.following, author.posts)):
        def count(c: int | None) -> int | None:
            return c if c is None or c <= MAX_INT else None

        author = replace(author, url=author.url if len(author.url) <= 500 else "",
                         display_name=author.display_name[:300],
                         followers=count(author.followers), following=count(author.following),
                         posts=count(author.posts))
        post = replace(post, author=author, url=post.url if len(post.url) <= 500 else "",
                       metrics={k: v for k, v in post.metrics.items() if v <= MAX_INT})
    return post


def open_file(path: Path) -> IO[bytes]:
    """A regular file opened for reading, never blocking on a pipe or a device."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ArchiveError(f"{path}: file not found: check the path") from None
    except (OSError, ValueError) as exc:
        raise ArchiveError(f"{path} cannot be read ({getattr(exc, 'strerror', None) or exc})"
                           ) from None
    _check_kind(path, info.st_mode)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise ArchiveError(f"{path} cannot be read ({exc.strerror})") from None
    try:
        _check_kind(path, os.fstat(fd).st_mode)  # swapped for a pipe since stat()?
    except ArchiveError:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb", buffering=1 << 20)


def _check_kind(path: Path, mode: int) -> None:
    if stat.S_ISDIR(mode):
        raise ArchiveError(f"{path} is a folder, not a file: give the archive's path")
    if not stat.S_ISREG(mode):
        raise ArchiveError(f"{path} is not a regular file (a pipe or a device?): save the "
                           "archive to a file and import that")
