"""Escape text from others for where it lands: the terminal, Markdown, links.

Schedules, templates, profiles and collected posts may come from anyone. HTML is escaped by
Jinja's autoescape; these helpers cover the other places a value lands, so a title cannot move
the cursor, recolour the terminal, inject rich markup, or turn into a Markdown link or heading.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# ANSI/VT escape sequences: CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), and two-byte ones;
# also the 8-bit C1 forms (U+009B CSI, U+009D OSC)
_ANSI = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b\]|\x9d).*?(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[@-Z\\-_]"
    r"|\x1b.?",
    re.DOTALL,
)
# C0 controls but tab, newline and carriage return, DEL, and C1 controls (NEL included): what
# no text from a file may hold, and what the terminal must never be sent
CONTROL_CHARS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
# the characters a file from someone else may not hold (also the non-characters U+FFFE and
# U+FFFF, which YAML refuses too)
CONTROL = re.compile(f"[{CONTROL_CHARS}\ufffe\uffff]")
# printed, also carriage return and the bidi overrides that can make a line read differently
# from what it holds (CVE-2021-42574)
_CONTROL = re.compile(f"[{CONTROL_CHARS}\r\u202a-\u202e\u2066-\u2069]")
_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~#!&])")
_MD_LINE_START = re.compile(r"^(\s*)([-+=>])", re.MULTILINE)
# an ordered-list marker is escaped on its punctuation: CommonMark shows "1\\." as "1."
_MD_ORDERED = re.compile(r"^(\s*\d+)([.)])", re.MULTILINE)
SAFE_SCHEMES = ("http", "https", "mailto")


def terminal(text: object) -> str:
    """Text safe to print on a terminal: escape sequences and control characters removed."""
    value = "" if text is None else str(text)
    if "\x1b" in value or "\x9b" in value or "\x9d" in value:
        value = _ANSI.sub("", value)
    return _CONTROL.sub("", value)


def rich_literal(text: object) -> str:
    """Terminal-safe text whose square brackets rich prints as they are, never as markup."""
    from rich.markup import escape

    return escape(terminal(text))


def markdown(text: object) -> str:
    """Text that Markdown renders as written: no emphasis, link, image, HTML, heading or list."""
    value = terminal(text)
    value = _MD_INLINE.sub(r"\\\1", value)
    value = _MD_ORDERED.sub(lambda m: m.group(1) + "\\" + m.group(2), value)
    return _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), value)


def safe_link(url: object) -> str | None:
    """``url`` when it is an http(s) or mailto address, else None (``javascript:``, ``data:``…)."""
    value = terminal(url).strip()
    if not value or any(c.isspace() for c in value):
        return None
    try:
        scheme = urlsplit(value).scheme.lower()
    except ValueError:
        return None
    return value if scheme in SAFE_SCHEMES else None
