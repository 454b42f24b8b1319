"""The dashboard's languages: gettext catalogs (``locale/<lang>/LC_MESSAGES/*.po``, kept with
Babel) and the request's language, followed from the browser and changed by the switch.

Message ids are the English text, so English needs no catalog. The ``.po`` files are read with
Babel when first needed and compiled in memory: nothing binary is committed, and a catalog edit
shows after a restart. Every page's strings are in each catalog (a test extracts them with
Babel and compares).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any, Final

LANGUAGES: Final = ("en", "fr", "es")
DEFAULT: Final = "en"
NAMES: Final[Mapping[str, str]] = {"en": "English", "fr": "Français", "es": "Español"}
LOCALE_DIR = Path(__file__).parent / "locale"
COOKIE = "lang"

_current: ContextVar[str] = ContextVar("campaign_web_language", default=DEFAULT)


@cache
def catalog(lang: str) -> Any:
    """The gettext translations of ``lang`` (Babel's ``Translations``), every ``.po`` of its
    folder merged; English and a language without a catalog translate to themselves."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import NullTranslations, Translations

    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    files = sorted(folder.glob("*.po")) if folder.is_dir() else []
    if not files:
        return NullTranslations()
    merged: Translations | None = None
    for path in files:
        with path.open("rb") as handle:
            messages = read_po(handle, locale=lang)
        buffer = io.BytesIO()
        write_mo(buffer, messages, use_fuzzy=False)
        buffer.seek(0)
        part = Translations(buffer)
        if merged is None:
            merged = part
        else:
            merged.merge(part)
    return merged


def language() -> str:
    """The language of the request being answered."""
    return _current.get()


def use(lang: str) -> Any:
    """Answer the current request in ``lang``; returns a token for :func:`reset`."""
    return _current.set(lang if lang in LANGUAGES else DEFAULT)


def reset(token: Any) -> None:
    """Back to the language before :func:`use`."""
    _current.reset(token)


def gettext(message: str, **values: Any) -> str:
    """``message`` in the request's language, with ``%(name)s`` placeholders filled."""
    text: str = catalog(_current.get()).gettext(message)
    return text % values if values else text


def ngettext(singular: str, plural: str, n: int, **values: Any) -> str:
    """The singular or plural of a message for ``n``, in the request's language."""
    text: str = catalog(_current.get()).ngettext(singular, plural, n)
    return text % ({"num": n} | values)


_ = gettext


def from_header(header: str) -> str | None:
    """The first of our languages an ``Accept-Language`` header asks for (by q-value)."""
    wanted: list[tuple[float, int, str]] = []
    for index, item in enumerate(header.split(",")[:20]):  # a hostile header is cut short
        tag, _sep, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        base = tag.strip().lower().split("-")[0]
        if base in LANGUAGES and quality > 0:
            wanted.append((-quality, index, base))
    return min(wanted)[2] if wanted else None


def choose(query: str | None, cookie: str | None, header: str | None) -> str:
    """The request's language: the switch (``?lang=``), then the cookie it set, then the
    browser's preference, then English."""
    for value in (query, cookie):
        if value in LANGUAGES:
            return str(value)
    return from_header(header or "") or DEFAULT
