"""Write one area's gettext catalogs (fr, es) from a table of translations, with Babel.

    python tools/po_write.py AREA TABLE.py

TABLE.py defines ``MESSAGES``: message id -> (French, Spanish), or for a plural
(singular, plural) -> ((fr singular, fr plural), (es singular, es plural)). The catalogs go to
campaign/web/locale/<lang>/LC_MESSAGES/AREA.po; a message already there is replaced.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]


def main(area: str, table: Path) -> None:
    """Merge ``table``'s translations into the area's catalogs."""
    messages = runpy.run_path(str(table))["MESSAGES"]
    for index, lang in enumerate(("fr", "es")):
        path = ROOT / "campaign" / "web" / "locale" / lang / "LC_MESSAGES" / f"{area}.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=lang)
        else:
            catalog = Catalog(locale=lang, project="endchildlabour-campaign", version="1",
                              domain="messages", charset="utf-8",
                              language_team=f"{lang} <https://endchildlabour2021.org>",
                              fuzzy=False)
        catalog.fuzzy = False  # the header is reviewed: gettext must read its plural rule
        for key, value in messages.items():
            text = value[index]
            if isinstance(key, tuple):  # CLDR may have more forms (French: one, many, other)
                text = tuple(text) + (text[-1],) * (catalog.num_plurals - len(text))
            if key in catalog:  # Catalog.add keeps an existing translation: replace it
                del catalog[key]
            catalog.add(key, text)
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100, omit_header=False, sort_output=True)


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
