"""Read a YAML file into plain data while remembering the line of every key and item."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from campaign.errors import ScheduleError

Loc = tuple[str | int, ...]


class _PlainLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as strings, so we can report an impossible date with its line."""


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


def read_text(path: Path) -> str:
    """Read a UTF-8 text file, turning every way it can fail into a one-sentence error."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScheduleError(path, "file not found: check the path") from None
    except IsADirectoryError:
        raise ScheduleError(path, "is a folder, not a file: give a file path") from None
    except OSError as exc:
        raise ScheduleError(path, f"cannot be read ({exc.strerror})") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScheduleError(
            path, f"is not UTF-8 (byte {exc.start}): save it as UTF-8", line=line
        ) from None


def load_yaml(path: Path) -> SourceData:
    """Parse ``path`` into a SourceData, refusing bad syntax and duplicate keys with their line."""
    text = read_text(path)
    loader = _PlainLoader(text)
    try:
        node = loader.get_single_node()
        source = SourceData(path=path, data=None)
        if node is not None:
            source.data = _convert(loader, node, (), source)
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


def _convert(loader: _PlainLoader, node: yaml.Node, loc: Loc, source: SourceData) -> Any:
    source.lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, (list, dict)):
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
    return loader.construct_object(node, deep=True)
