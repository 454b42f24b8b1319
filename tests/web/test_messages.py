"""Every message the dashboard shows is in the French and Spanish catalogs (extracted by Babel
from its templates and code), and the catalogs load with their plural rules."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from campaign.web import i18n

TOOL = Path(__file__).resolve().parents[2] / "tools" / "web_messages.py"
spec = importlib.util.spec_from_file_location("web_messages", TOOL)
assert spec and spec.loader
web_messages = importlib.util.module_from_spec(spec)
spec.loader.exec_module(web_messages)


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_every_message_is_translated(lang: str) -> None:
    assert web_messages.missing(lang) == []


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_placeholders_are_kept(lang: str) -> None:
    import re

    from babel.messages.pofile import read_po

    for path in (i18n.LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po"):
        with path.open("rb") as handle:
            for message in read_po(handle, locale=lang):
                ids = message.id if isinstance(message.id, tuple) else (message.id,)
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                wanted = set(re.findall(r"%\((\w+)\)s", ids[-1]))
                for text in strings:
                    assert set(re.findall(r"%\((\w+)\)s", text)) <= wanted | {"num"}, (path, ids)


def test_plural_rules_are_the_languages() -> None:
    token = i18n.use("fr")
    try:
        one = i18n.ngettext("%(num)s post did not go out.", "%(num)s posts did not go out.", 1)
        many = i18n.ngettext("%(num)s post did not go out.", "%(num)s posts did not go out.", 3)
    finally:
        i18n.reset(token)
    assert one == "1 publication n’est pas partie." and many.startswith("3 publications")
