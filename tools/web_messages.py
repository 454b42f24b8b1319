"""The dashboard's messages: extract them from its templates and code with Babel, and say which
a language's catalogs lack (or have but no longer use).

    python tools/web_messages.py check          # exit 1 when a catalog lacks a message
    python tools/web_messages.py missing fr     # the missing ones, as .po entries to fill in
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "campaign" / "web"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}


def extracted() -> dict[str, str | None]:
    """Every message id the dashboard uses -> its plural id (None when it has none)."""
    from babel.messages.extract import extract

    found: dict[str, str | None] = {}
    sources: list[tuple[str, Path]] = [("python", p) for p in sorted(WEB.rglob("*.py"))]
    sources += [("jinja2", p) for p in sorted((WEB / "templates").rglob("*.html"))]
    for method, path in sources:
        how = "jinja2.ext:babel_extract" if method == "jinja2" else "python"
        options = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true",
                   "lstrip_blocks": "true"} if method == "jinja2" else {}
        with path.open("rb") as handle:
            for _line, message, _comments, _context in extract(how, handle, keywords=KEYWORDS,
                                                                options=options):
                if isinstance(message, tuple):
                    found.setdefault(message[0], message[1])
                elif message:
                    found.setdefault(message, None)
    return found


def catalog_ids(lang: str) -> dict[str, bool]:
    """The message ids of ``lang``'s catalogs -> whether each is translated (not fuzzy)."""
    from babel.messages.pofile import read_po

    ids: dict[str, bool] = {}
    for path in sorted((WEB / "locale" / lang / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle, locale=lang):
                if not message.id:
                    continue
                key = message.id[0] if isinstance(message.id, tuple) else message.id
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                ids[key] = all(strings) and not message.fuzzy
    return ids


def missing(lang: str) -> list[str]:
    """The message ids the dashboard uses that ``lang`` does not translate."""
    have = catalog_ids(lang)
    return [m for m in extracted() if not have.get(m)]


def _entries(lang: str) -> Iterator[str]:
    plurals = extracted()
    for message in missing(lang):
        def quoted(text: str) -> str:
            return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
        if plurals[message]:
            yield (f"msgid {quoted(message)}\nmsgid_plural {quoted(plurals[message] or '')}\n"
                   'msgstr[0] ""\nmsgstr[1] ""\n')
        else:
            yield f'msgid {quoted(message)}\nmsgstr ""\n'


def main(argv: list[str]) -> int:
    """The command line."""
    if argv[:1] == ["missing"] and len(argv) == 2:
        print("\n".join(_entries(argv[1])))
        return 0
    if argv == ["check"]:
        bad = {lang: missing(lang) for lang in ("fr", "es")}
        for lang, ids in bad.items():
            for message in ids:
                print(f"{lang}: no translation of {message!r}")
        return 1 if any(bad.values()) else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
