"""Printing rich renderables line by line without the blanks rich pads cells with, so output
saved to a file or piped has no trailing spaces (its colours stay)."""

from __future__ import annotations

from typing import Any


def print_trimmed(console: Any, renderable: Any, *, width: int | None = None) -> None:
    """Print ``renderable`` on ``console`` (a rich Console) within ``width`` columns (the
    terminal's when None, or when narrower), each line's trailing blanks taken off."""
    from rich.segment import Segment, Segments

    width = console.width if width is None else min(console.width, width)
    options = console.options.update(width=width)
    for line in console.render_lines(renderable, options, pad=False, new_lines=False):
        while line and not line[-1].control and not line[-1].text.rstrip():
            line.pop()
        if line:
            last = line[-1]
            line[-1] = Segment(last.text.rstrip(), last.style, last.control)
        line.append(Segment.line())
        console.print(Segments(line), width=width, end="")
