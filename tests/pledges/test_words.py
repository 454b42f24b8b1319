"""Words are counted as a web form counts them: runs of characters that are not white space."""

from __future__ import annotations

import pytest

from campaign.pledges.words import count_words, words


@pytest.mark.parametrize(("text", "count"), [
    pytest.param("«l’élimination»", 1, id="guillemets-and-apostrophe-one-word"),
    pytest.param("l’élimination du travail des enfants", 5, id="elision-is-one-word"),
    pytest.param("« Sensibiliser »", 3, id="spaced-guillemets-count-as-the-browser-does"),
    pytest.param("un\u00a0deux\u202ftrois", 3, id="no-break-spaces-separate"),
    pytest.param("un\u200bdeux", 1, id="zero-width-space-does-not"),
    pytest.param("  \n\t ", 0, id="only-white-space"),
    pytest.param("", 0, id="empty"),
    pytest.param("ODD-8.7 https://example.org/a b", 3, id="hyphens-and-urls"),
    pytest.param("un\ufeffdeux", 2, id="bom-is-space-as-in-javascript"),
])
def test_counts(text: str, count: int) -> None:
    assert count_words(text) == count == len(words(text))


def test_the_guides_smart_example_has_21_words() -> None:
    """The guide's own regional example is one word over the title's limit (its slip «d’une»)."""
    text = ("Tenir une conférence en 2021 où les États membres adoptent d’une feuille de route "
            "régionale pour l’élimination du travail des enfants")
    assert count_words(text) == 21
