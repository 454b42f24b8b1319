"""Tests for campaign.text.urls: the links X and Mastodon count, with every TLD twitter-text knows."""

from __future__ import annotations

import pytest

from campaign.text.measure import measure_mastodon
from campaign.text.urls import is_tld, x_url_spans
from campaign.text.xweight import x_weighted_length


def _urls(text: str) -> list[str]:
    return [text[start:end] for start, end in x_url_spans(text)]


@pytest.mark.parametrize(
    ("text", "urls"),
    [
        pytest.param("Écrire à M.Dupont demain", ["M.Dupont"], id="brand-gtld-bare"),
        pytest.param("see store.google/fr, home.bmw.", ["store.google/fr", "home.bmw"], id="brand-gtlds"),
        # .amazon was delegated after twitter-text's last list (2020): X counts it as text
        pytest.param("www.amazon/fr", [], id="a-brand-twitter-text-does-not-know"),
        pytest.param("file.txt M.Durand 1.2.3 etc.", [], id="not-tlds"),
        pytest.param("https://пример.рф/путь", ["https://пример.рф/путь"], id="idn-with-scheme"),
        pytest.param("пример.рф", [], id="idn-bare-has-no-ascii-part"),
        pytest.param("ilo.рф and ILO.РФ", ["ilo.рф", "ILO.РФ"], id="idn-tld-ignores-case"),
        pytest.param("x.한국어", ["x.한국"], id="idn-tld-followed-by-a-letter"),
        pytest.param("x.рфa", [], id="idn-tld-followed-by-an-ascii-letter"),
        pytest.param("a.xn--p1ai", ["a.xn--p1ai"], id="punycode"),
        pytest.param("x.comı", [], id="dotless-i-continues-the-tld-as-in-twitter-text"),
        # twitter-text ignores case with Python's rules, where [a-z] also matches 'ı' and 'İ'
        pytest.param("www.bı", ["www.bı"], id="dotless-i-in-a-tld-is-i"),
        pytest.param("comwww.aİ", ["comwww.aİ"], id="dotted-capital-i-in-a-tld-is-i"),
        pytest.param("ı.xn--p1aiıy", [], id="punycode-runs-on-through-dotless-i-and-fails-idna"),
    ],
)
def test_x_finds_the_urls_twitter_text_finds(text: str, urls: list[str]) -> None:
    assert _urls(text) == urls


@pytest.mark.parametrize(
    ("text", "length"),
    [
        pytest.param("M.Dupont", 23, id="brand"),
        pytest.param("https://пример.рф/путь", 23, id="idn"),
        # twitter-text keeps 'x1.한국/école' and moves on by its 11 characters: 'cole' is text
        pytest.param("x1.한국.net/école", 27, id="bare-idn-domain-with-a-path"),
        pytest.param("x1.한국.net", 27, id="bare-idn-domain-keeps-its-ascii-part"),
    ],
)
def test_x_weighs_links_under_every_tld(text: str, length: int) -> None:
    assert x_weighted_length(text) == length


def test_is_tld_knows_brands_and_idns_and_any_punycode() -> None:
    labels = ("dupont", "GOOGLE", "рф", "xn--anything", "txt", "amazon")
    assert [is_tld(label) for label in labels] == [True, True, True, True, False, False]


def test_mastodon_counts_a_brand_tld_link_as_23() -> None:
    assert measure_mastodon("https://about.google/" + "x" * 100).length == 23
