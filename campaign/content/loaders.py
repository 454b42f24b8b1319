"""Where templates are read from: a name check and a loader confined to its folders, with a size
bound on every template read.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterable
from pathlib import Path

import jinja2
from jinja2.exceptions import SecurityError

from campaign.content.limits import MAX_TEMPLATE_BYTES

# a template name is a relative path of plain parts: no backslash (one file name on Linux, a
# separator in our own checks), no '..', no control or other unusual character
_TEMPLATE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*(?:/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$")


def template_parts(template: str) -> list[str]:
    """The parts of a template name, or SecurityError for a name that could leave its folder."""
    parts = template.split("/")
    if not _TEMPLATE_NAME.match(template) or any(p in ("", ".", "..") for p in parts):
        raise SecurityError(f"template name '{template}' is not allowed: use letters, digits, "
                            "'_', '-', '.' and '/' between folder names")
    return parts


class FolderLoader(jinja2.BaseLoader):
    """Templates read from folders, the first folder first, never from outside them.

    The file a name leads to must be a regular file (not a pipe or a device, which would block
    or never end) whose real path, links followed, lies inside the real path of the folder it was
    found in, and it is read with a size cap: checked before a byte is read.
    """

    def __init__(self, folders: Iterable[Path | str]) -> None:
        self.folders = [Path(f) for f in folders]

    def get_source(self, environment: jinja2.Environment,
                   template: str) -> tuple[str, str | None, Callable[[], bool] | None]:
        """The template's source from the first folder that has it."""
        parts = template_parts(template)
        for folder in self.folders:
            candidate = folder.joinpath(*parts)
            if not os.path.exists(candidate):  # a dangling link counts as absent
                continue
            return _read_template(folder, candidate, template)
        raise jinja2.TemplateNotFound(template)

    def list_templates(self) -> list[str]:
        """Every ``.j2`` file name of every folder."""
        found: set[str] = set()
        for folder in self.folders:
            if folder.is_dir():
                found.update(p.relative_to(folder).as_posix() for p in folder.rglob("*.j2"))
        return sorted(found)


def _read_template(folder: Path, path: Path,
                   template: str) -> tuple[str, str, Callable[[], bool]]:
    real = path.resolve()
    if not real.is_relative_to(folder.resolve()):
        raise SecurityError(f"template '{template}' is a link to {real}, outside its folder")
    fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)  # before fdopen, which refuses a folder with an error of its own
        if not stat.S_ISREG(info.st_mode):
            raise SecurityError(f"template '{template}' is not a regular file")
        if info.st_size > MAX_TEMPLATE_BYTES:
            raise SecurityError(f"template '{template}' is larger than "
                                f"{MAX_TEMPLATE_BYTES:,} bytes")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(MAX_TEMPLATE_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_TEMPLATE_BYTES:  # it grew while being read
        raise SecurityError(f"template '{template}' is larger than {MAX_TEMPLATE_BYTES:,} bytes")
    mtime = info.st_mtime_ns

    def uptodate() -> bool:
        try:
            return os.stat(real).st_mtime_ns == mtime
        except OSError:
            return False

    return data.decode("utf-8"), str(path), uptodate


class BoundedLoader(jinja2.BaseLoader):
    """A loader that refuses unsafe names and template sources that are too large.

    User folders go through :class:`FolderLoader`, which checks files before reading them;
    other loaders (the package's own templates) are only bounded once read.
    """

    def __init__(self, inner: jinja2.BaseLoader) -> None:
        self.inner = inner
        self.has_source_access = inner.has_source_access

    def get_source(self, environment: jinja2.Environment,
                   template: str) -> tuple[str, str | None, Callable[[], bool] | None]:
        """The template's source, checked for its name and size."""
        template_parts(template)
        source, filename, uptodate = self.inner.get_source(environment, template)
        if len(source) > MAX_TEMPLATE_BYTES:
            raise SecurityError(f"template '{template}' is longer than {MAX_TEMPLATE_BYTES:,} "
                                "characters")
        return source, filename, uptodate

    def list_templates(self) -> list[str]:
        """The inner loader's templates."""
        return self.inner.list_templates()
