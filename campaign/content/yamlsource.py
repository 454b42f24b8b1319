"""Read a YAML file into plain data while remembering the line of every key and item.

Files come from other people, so reading is bounded: a size limit checked before reading (and a
capped read, for a file that grows meanwhile), only regular files (never a pipe or a device that
would block), no control characters, no YAML aliases (an "alias bomb" expands a few lines into
gigabytes), and a limit on nesting.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from campaign.errors import CampaignError, ScheduleError
from campaign.text.escape import CONTROL

Loc = tuple[str | int, ...]

MAX_FILE_BYTES = 5_000_000  # the built-in year of posts is under 20 kB: 5 MB is generous
MAX_BYTES_ENV = "CAMPAIGN_MAX_FILE_BYTES"
MAX_DEPTH = 64  # the schema needs 5 levels; deeper nesting is a mistake or an attack
# the floor of the limit on YAML values (keys, values, items): the built-in year of posts has
# about 1,200 for 51 entries, and composing one costs about 15 µs
MAX_NODES = 25_000
# above that floor, one value for every BYTES_PER_VALUE bytes the size limit allows: 100,000 at
# the default 5 MB (a 500-entry campaign in six languages needs about 30,000), and raising
# CAMPAIGN_MAX_FILE_BYTES raises it too
BYTES_PER_VALUE = 50
# half of a surrogate pair alone is no character: it cannot be written out as UTF-8
_SURROGATE = re.compile("[\ud800-\udfff]")
_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")
# what may be in a value but never in a key: tab, line ends and the Unicode line separators
_NOT_ONE_LINE = re.compile("[\t\n\r\x85\u2028\u2029]")


class _Refused(Exception):
    """Raised inside the composer, turned into a ScheduleError with the file's path."""

    def __init__(self, problem: str, mark: yaml.Mark | None) -> None:
        super().__init__(problem)
        self.problem, self.mark = problem, mark


class _PlainLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as strings (so we report an impossible date with its line),
    refuses aliases and bounds nesting."""

    def __init__(self, stream: str, max_nodes: int = MAX_NODES) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0
        self._max_nodes = max_nodes

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        """One node of the document, refusing aliases, nesting deeper than MAX_DEPTH and more
        than ``max_nodes`` nodes (counted while composing, before they take memory)."""
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise _Refused("YAML aliases (*name) are not accepted: write the value out in full "
                           "where it is used", event.start_mark)
        self._nodes += 1
        if self._nodes > self._max_nodes:
            raise _Refused(f"more than {self._max_nodes:,} values (keys, items and texts): a "
                           f"schedule needs a few thousand; split the file, or raise "
                           f"{MAX_BYTES_ENV}, which raises this limit with it",
                           self.peek_event().start_mark)  # type: ignore[no-untyped-call]
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(f"nested more than {MAX_DEPTH} levels deep: a schedule needs only "
                               "a few", self.peek_event().start_mark)  # type: ignore[no-untyped-call]
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_PlainLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class SourceData:
    """The data of a YAML file and the 1-based line where each location starts."""

    path: Path
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)

    def line_of(self, loc: Loc) -> int | None:
        """Line of ``loc`` or of its nearest parent that has one."""
        for cut in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:cut]))
            if line is not None:
                return line
        return None


def max_file_bytes(limit: int | None = None, *, env: str = MAX_BYTES_ENV,
                   default: int = MAX_FILE_BYTES) -> int:
    """The size limit: ``limit`` when given, else the variable ``env``
    (``CAMPAIGN_MAX_FILE_BYTES``), else ``default`` (5 MB)."""
    if limit is not None:
        return limit
    text = os.environ.get(env, "").strip().replace("_", "")
    if not text:
        return default
    if not text.isdigit() or int(text) <= 0:
        raise CampaignError(f"{env}='{text}' is not a number of bytes: write e.g. "
                            f"{env}={4 * default} for {4 * default // 1_000_000} MB")
    return int(text)


def max_values(limit: int | None = None) -> int:
    """How many YAML values a file may hold, from the size limit (see BYTES_PER_VALUE)."""
    return max(MAX_NODES, max_file_bytes(limit) // BYTES_PER_VALUE)


def read_bytes(path: Path, limit: int | None = None, *, env: str = MAX_BYTES_ENV) -> bytes:
    """The bytes of a regular file no larger than the limit, never blocking on a pipe or device
    and never reading more than the limit, whatever the file does meanwhile; ``env`` is the
    variable that raises the limit, named when a file is over it."""
    cap = max_file_bytes(limit, env=env)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ScheduleError(path, "file not found: check the path") from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ScheduleError(path, f"cannot be read ({reason})") from None
    _check_kind(path, info.st_mode)
    _check_size(path, info.st_size, cap, env=env)
    try:
        # O_NONBLOCK: if the file was swapped for a pipe since stat(), open must not wait
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise ScheduleError(path, f"cannot be read ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as handle:
        _check_kind(path, os.fstat(fd).st_mode)
        try:
            raw = handle.read(cap + 1)
        except OSError as exc:
            raise ScheduleError(path, f"cannot be read ({exc.strerror})") from None
    _check_size(path, len(raw), cap, env=env, read=True)
    return raw


def _check_kind(path: Path, mode: int) -> None:
    if stat.S_ISDIR(mode):
        raise ScheduleError(path, "is a folder, not a file: give a file path")
    if not stat.S_ISREG(mode):
        kind = "a named pipe" if stat.S_ISFIFO(mode) else \
            "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else \
            "a socket" if stat.S_ISSOCK(mode) else "not a regular file"
        raise ScheduleError(path, f"is {kind}, not a regular file: give the path of a file")


def _check_size(path: Path, size: int, cap: int, *, env: str, read: bool = False) -> None:
    if size > cap:
        # a capped read stops at cap + 1 bytes: the file grew past the limit while being read
        shown = f"over {cap:,} bytes" if read else f"{size:,} bytes"
        raise ScheduleError(path, f"is {shown}, over the limit of {cap:,} bytes: split it, or "
                            f"raise the limit with {env}")


def read_text(path: Path, limit: int | None = None) -> str:
    """Read a UTF-8 text file, turning every way it can fail into a one-sentence error."""
    raw = read_bytes(path, limit)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScheduleError(
            path, f"is not UTF-8 (byte {exc.start}): save it as UTF-8", line=line
        ) from None
    found = CONTROL.search(text)
    if found:
        start = found.start()
        line = text.count("\n", 0, start) + 1
        column = start - (text.rfind("\n", 0, start) + 1) + 1
        raise ScheduleError(path, f"column {column}: control character U+{ord(found.group()):04X} "
                            "is not allowed: remove it (only tab and newlines are)", line=line)
    return text


def load_yaml(path: Path, limit: int | None = None) -> SourceData:
    """Parse ``path`` into a SourceData, refusing bad syntax, aliases and duplicate keys with
    their line, and a file over the size limit (see :func:`max_file_bytes`)."""
    text = read_text(path, limit)
    try:
        loader = _PlainLoader(text, max_values(limit))
    except yaml.YAMLError as exc:  # the reader checks characters as soon as it is made
        raise ScheduleError(path, f"invalid YAML: {exc}".splitlines()[0]) from None
    try:
        node = loader.get_single_node()
        source = SourceData(path=path, data=None)
        if node is not None:
            source.data = _convert(loader, node, (), source)
    except _Refused as exc:
        raise ScheduleError(path, exc.problem,
                            line=exc.mark.line + 1 if exc.mark else None) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        raise ScheduleError(path, f"invalid YAML syntax: {problem}", line=line) from None
    except yaml.YAMLError as exc:
        raise ScheduleError(path, f"invalid YAML syntax: {exc}") from None
    finally:
        loader.dispose()
    return source


def _construct(loader: _PlainLoader, node: yaml.Node, source: SourceData) -> Any:
    try:
        value = loader.construct_object(node, deep=True)
    except (ValueError, OverflowError, TypeError) as exc:
        # Python refuses an integer of more than 4,300 digits; a !!set of lists is unhashable
        value = str(node.value) if isinstance(node, yaml.ScalarNode) else node.tag
        shown = value if len(value) <= 40 else value[:40] + "…"
        raise ScheduleError(source.path, f"value '{shown}' cannot be read ({exc})"[:300],
                            line=node.start_mark.line + 1) from None
    if isinstance(value, str):
        # the raw text had none, but a double-quoted "\x00" or "\e" escape writes one
        found = CONTROL.search(value)
        if found:
            raise ScheduleError(source.path, f"the escape for control character "
                                f"U+{ord(found.group()):04X} is not allowed: remove it (only "
                                "tab and newlines are)", line=node.start_mark.line + 1)
        # "\ud83c\udf0d" is a surrogate pair, as JSON writes 🌍: make it the one character;
        # half of a pair alone ("\ud800") is no character, and no output (terminal, file,
        # network) could encode it
        value = _PAIR.sub(_joined, value)
        found = _SURROGATE.search(value)
        if found:
            raise ScheduleError(source.path, f"the escape for U+{ord(found.group()):04X} (half "
                                "of a surrogate pair) is not a character: write the character "
                                "itself, or its \\U0001xxxx escape", line=node.start_mark.line + 1)
    return value


def _joined(pair: re.Match[str]) -> str:
    high, low = (ord(c) for c in pair.group())
    return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))


def _check_key(key: Any, node: yaml.Node, source: SourceData) -> None:
    """A key is one line of text: a line break in it would print as a line of its own in the
    list of problems, where it could pass for one of ours."""
    if isinstance(key, str) and _NOT_ONE_LINE.search(key):
        shown = repr(key if len(key) <= 40 else key[:40] + "…")
        raise ScheduleError(source.path, f"key {shown} is not one line: remove its line breaks "
                            "and tabs", line=node.start_mark.line + 1)


def _convert(loader: _PlainLoader, node: yaml.Node, loc: Loc, source: SourceData) -> Any:
    source.lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise ScheduleError(source.path, "merge keys (<<) are not accepted: write the "
                                    "keys out in full", line=key_node.start_mark.line + 1)
        loader.flatten_mapping(node)  # only turns '=' keys into text now that merges are refused
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _construct(loader, key_node, source)
            _check_key(key, key_node, source)
            if key is not None and not isinstance(key, (str, int, float, bool)):
                raise ScheduleError(
                    source.path, "a mapping key must be a plain value",
                    line=key_node.start_mark.line + 1,
                )
            if key in result:
                raise ScheduleError(
                    source.path,
                    f"key '{key}' appears twice in the same mapping: keep one",
                    line=key_node.start_mark.line + 1,
                    key=".".join(str(p) for p in (*loc, key)),
                )
            result[key] = _convert(loader, value_node, (*loc, str(key)), source)
            source.lines[(*loc, str(key))] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(loader, item, (*loc, i), source) for i, item in enumerate(node.value)]
    return _construct(loader, node, source)


def key_path(loc: Sequence[Any]) -> str:
    """A location in a file as a message names it: ``sources[2].every``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def secret_spot(data: Any, keys: re.Pattern[str], values: re.Pattern[str] | None = None, *,
                allow: Collection[str] = (), loc: Loc = ()) -> tuple[Loc, bool] | None:
    """The first place in a file's data that looks like it holds a secret: a key matching
    ``keys`` (but those in ``allow``), or a text value matching ``values``; its location and
    whether it is the value. None when there is none. Each file's own check words the refusal."""
    if isinstance(data, dict):
        for key, value in data.items():
            at = (*loc, str(key))
            if isinstance(key, str) and key not in allow and keys.search(key):
                return at, False
            found = secret_spot(value, keys, values, allow=allow, loc=at)
            if found:
                return found
    elif isinstance(data, list):
        for i, item in enumerate(data):
            found = secret_spot(item, keys, values, allow=allow, loc=(*loc, i))
            if found:
                return found
    elif values is not None and isinstance(data, str) and values.search(data):
        return loc, True
    return None
