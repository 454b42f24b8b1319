"""Generate campaign/text/tlds.py, the top-level domains X counts as links, from twitter-text.

The source is twitter-text's ``conformance/tld_lib.yml`` (github.com/twitter/twitter-text), the
list every twitter-text implementation builds its URL pattern from: every ccTLD and every gTLD,
brand and internationalised ones included. The names keep the file's order, which is the order of
twitter-text's alternation (it decides which of two TLDs, one a prefix of the other, matches).

    python tools/gen_x_tlds.py                      # download the pinned commit's file
    python tools/gen_x_tlds.py --source tld_lib.yml # or read a local copy
    python tools/gen_x_tlds.py --check              # exit 1 if campaign/text/tlds.py is stale
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
import urllib.request
from pathlib import Path

import yaml

REPOSITORY = "twitter/twitter-text"
COMMIT = "30e2430d90cff3b46393ea54caf511441983c260"  # v3.1.0 and later; the repository's head
PATH = "conformance/tld_lib.yml"
URL = f"https://raw.githubusercontent.com/{REPOSITORY}/{COMMIT}/{PATH}"
OUTPUT = Path(__file__).resolve().parents[1] / "campaign/text/tlds.py"
WIDTH = 96  # display columns per data line (CJK names take two)


def _width(text: str) -> int:
    wide = sum(unicodedata.east_asian_width(char) in "WF" for char in text)
    marks = sum(unicodedata.combining(char) != 0 for char in text)
    return len(text) + wide - marks


def _wrapped(names: list[str]) -> str:
    lines: list[str] = []
    line = ""
    for name in names:
        if line and _width(line) + 1 + _width(name) > WIDTH:
            lines.append(line)
            line = ""
        line = f"{line} {name}" if line else name
    lines.append(line)
    return "".join(f"    {line}\n" for line in lines)


def read_source(source: str) -> dict[str, list[str]]:
    """The ``country`` and ``generic`` lists of a tld_lib.yml file or URL."""
    if source.startswith(("https://", "http://")):
        try:
            with urllib.request.urlopen(source, timeout=30) as response:
                text = response.read().decode("utf-8")
        except OSError as error:
            raise SystemExit(f"cannot download {source} ({error}); pass a local copy with --source") from None
    else:
        text = Path(source).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    lists = {kind: [str(name) for name in data[kind]] for kind in ("country", "generic")}
    for kind, names in lists.items():
        if not names or any(not name or name != name.strip() or " " in name for name in names):
            raise SystemExit(f"{source}: the {kind!r} list is empty or holds a malformed name")
    return lists


def render(lists: dict[str, list[str]]) -> str:
    """The text of campaign/text/tlds.py for these lists."""
    country, generic = lists["country"], lists["generic"]
    return (
        '"""Top-level domains X links: every ccTLD and gTLD twitter-text knows (GENERATED, do not edit).\n'
        "\n"
        f"Source: {PATH} of github.com/{REPOSITORY},\n"
        f"commit {COMMIT}.\n"
        "Generator: tools/gen_x_tlds.py (run it again to refresh this file).\n"
        f"{len(generic)} generic and {len(country)} country-code TLDs, in twitter-text's order.\n"
        '"""\n'
        "\n"
        "from __future__ import annotations\n"
        "\n"
        '_GENERIC = """\n'
        f"{_wrapped(generic)}"
        '"""\n'
        '_COUNTRY = """\n'
        f"{_wrapped(country)}"
        '"""\n'
        "GENERIC: tuple[str, ...] = tuple(_GENERIC.split())\n"
        "COUNTRY: tuple[str, ...] = tuple(_COUNTRY.split())\n"
        "TLDS: frozenset[str] = frozenset(GENERIC + COUNTRY)\n"
    )


def main(argv: list[str] | None = None) -> int:
    """Write (or with --check, compare) campaign/text/tlds.py."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default=URL, help="tld_lib.yml path or URL (default: %(default)s)")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="default: %(default)s")
    parser.add_argument("--check", action="store_true", help="exit 1 when the output is out of date")
    args = parser.parse_args(argv)
    lists = read_source(args.source)
    text = render(lists)
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.is_file() else ""
        same = current == text
        print(f"{args.output}: {'up to date' if same else 'out of date'}")
        return 0 if same else 1
    args.output.write_text(text, encoding="utf-8")
    print(f"{args.output}: {len(lists['generic'])} generic, {len(lists['country'])} country TLDs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
