"""Tests for campaign.text.measure and xweight: each network's length rule, X's conformance."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from campaign.text.measure import Measure, measure, measure_bluesky, measure_mastodon, measure_x
from campaign.text.networks import DEFAULT_LIMITS, NETWORKS, NetworkLimits
from campaign.text.xweight import x_weighted_length

VALIDATE_YML = Path(__file__).resolve().parents[3] / "shared/reference/twitter-text/validate.yml"
FAMILY = "👨‍👩‍👧‍👦"


def _conformance_cases() -> list[Any]:
    if not VALIDATE_YML.is_file():
        reason = f"twitter-text conformance file not found at {VALIDATE_YML}"
        return [pytest.param(None, id="conformance-file-missing", marks=pytest.mark.skip(reason))]
    suite = yaml.safe_load(VALIDATE_YML.read_text(encoding="utf-8"))
    cases = suite["tests"]["WeightedTweetsWithDiscountedEmojiCounterTest"]
    return [pytest.param(case, id=case["description"]) for case in cases]


@pytest.mark.parametrize("case", _conformance_cases())
def test_x_matches_twitter_text_conformance(case: dict[str, Any]) -> None:
    result = measure_x(case["text"])
    expected = case["expected"]
    assert (result.length, result.fits) == (expected["weightedLength"], expected["valid"])


# Texts where twitter-text-parser (the oracle, test-only: 1 ms per call) and our implementation
# must agree; test_x_differential.py compares 20,000 generated ones. Left out on purpose: emoji
# newer than the oracle's Emoji 12.0 data, which we count as X does today (one emoji, 2).
ORACLE_CORPUS = [
    "Aujourd’hui, c’est la Journée mondiale contre le travail des enfants. Agissons : "
    "endchildlabour2021.org #Enfance #EndChildLabour2021",
    "Journée mondiale 🌍 contre le travail des enfants #EndChildLabour2021 — "
    "endchildlabour2021.org",
    "« Chaque enfant a droit à l’école » : rendez-vous sur https://endchildlabour2021.org/fr/agir?ref=x.",
    "Voir https://www.ilo.org/global/topics/child-labour/lang--fr/index.htm (OIT) et "
    "www.ilo.org/fr.",
    "¡Hoy es el Día mundial contra el trabajo infantil! Más información: endchildlabour2021.org "
    "#NiñosLibres",
    "El año pasado, 160 millones de niñas y niños trabajaban… ¿Qué podemos hacer? 👉 https://t.co/abc1",
    "Today we say no to child labour ❤️ Join @ILO and @UNICEF at https://endchildlabour2021.org/en",
    f"Family {FAMILY}, flags 🇫🇷🇪🇸🇬🇧, skin tones 👋🏽👍🏿, keycaps 1️⃣ #️⃣ 1⃣, England 🏴󠁧󠁢󠁥󠁮󠁧󠁿, 🏳️‍🌈",
    "Emoji text style ☺ ☺️ ✌ ✌🏼 ❤ ❤️ 🧑‍🤝‍🧑 👁️‍🗨️",
    "中文：童工问题依然严重。请访问 endchildlabour2021.org 了解更多。日本語のテキスト。",
    "한국어 텍스트와 https://example.com/경로 그리고 이모지 🙂",
    "Copyright © 2021 ® ™ — all rights reserved ‼ ⁉",
    "Mail contact@endchildlabour2021.org or see sub.domain.example.co.uk/path_(x) and "
    "ilo.org:8080/x",
    "Ponctuation française : « guillemets », points de suspension… et tirets – — ‐ ‰ • €",
    "Trailing dots: example.com. And example.org, example.net; example.fr! (example.de)",
    "Not links: file.txt, version 1.2.3, M.Durand, etc., under_score.com, -leading.com",
    "Combining: e\u0301cole, cafe\u0301 (NFD input) and ésub.example.co.uk at the start",
    "ésub.example.co.uk starts the text; «endchildlabour2021.org» is quoted",
    "Windows line\r\nendings\r\nhere and https://example.com\r\n",
    "Long URL https://example.com/" + "a" * 200 + " still counts 23",
    "Port and query: http://example.org:8080/path?query=1&x=y#frag end",
    "Parentheses: https://ex.com/p(abc) https://ex.com/p.(abc) (ex.com/p) https://ex.com/a_(b)",
    "Ελληνικά και Кириллица: пример и текст",
    "Arabic: مرحبا بالعالم and Hebrew: שלום עולם",
    "Zero width: a\u200bb\u200cc\u200dd and nbsp\u00a0and narrow\u202fnbsp !",
    "Bare gTLDs: campaign.ngo ilo.org unicef.org who.int europa.eu gouv.fr x.com",
    "Brand gTLDs are links: M.Dupont, www.amazon, home.bmw/fr, store.google?x=1 and about.lego.",
    "IDN TLDs: https://пример.рф/путь, ilo.рф, x.한국, 日本.中国, example.みんな and шкоd.рф",
    "x" * 300,
    "é" * 281,
    "🙂" * 141,
    "",
]


def _ids(texts: list[str]) -> list[str]:
    return [f"{index}:{text[:24]!r}" for index, text in enumerate(texts)]


@pytest.mark.parametrize("text", ORACLE_CORPUS, ids=_ids(ORACLE_CORPUS))
def test_x_weighted_length_agrees_with_twitter_text(text: str) -> None:
    twitter_text = pytest.importorskip("twitter_text")
    assert x_weighted_length(text) == twitter_text.parse_tweet(text).weightedLength


@pytest.mark.parametrize(
    ("text", "length", "fits"),
    [
        ("", 0, False),  # like twitter-text, an empty tweet is not valid
        ("x" * 280, 280, True),
        ("x" * 281, 281, False),
        ("é" * 280, 280, True),  # Latin accents weigh 1
        ("日" * 140, 280, True),  # CJK weighs 2
        ("日" * 141, 282, False),
        ("line\r\nbreak", 10, True),  # CR LF counts as one line feed
        ("e\u0301", 1, True),  # counted after NFC normalization
        ("ok \uffff", 5, False),  # invalid characters never fit
        ("https://endchildlabour2021.org/" + "x" * 300, 23, True),
        ("endchildlabour2021.org", 23, True),
        (FAMILY * 140, 280, True),
    ],
    ids=[
        "empty",
        "280-latin",
        "281-latin",
        "280-accented",
        "140-cjk",
        "141-cjk",
        "crlf",
        "nfd-accent",
        "invalid-character",
        "long-url",
        "bare-domain",
        "140-family-emoji",
    ],
)
def test_measure_x(text: str, length: int, fits: bool) -> None:
    assert measure_x(text) == Measure("x", length, 280, fits, "weighted characters")


def test_measure_x_respects_a_custom_limit() -> None:
    assert measure_x("x" * 200, NetworkLimits(x_limit=100)) == Measure(
        "x", 200, 100, False, "weighted characters"
    )


# --- Bluesky ----------------------------------------------------------------------------------
GRAPHEME_CORPUS = [t for t in ORACLE_CORPUS if "🧑‍🤝‍🧑" not in t] + [
    "Thai สวัสดีชาวโลก and Korean 한국어 and jamo \u1100\u1161\u11a8",
    "Combining marks: a\u0300\u0301\u0302 x\u20dd and Cyrillic \u0439\u0483",
    "Regional indicators alone: \U0001f1eb \U0001f1eb\U0001f1f7\U0001f1eb",
    "Tabs\tand\nnewlines\r\nand \x7f controls",
]


@pytest.mark.parametrize("text", GRAPHEME_CORPUS, ids=_ids(GRAPHEME_CORPUS))
def test_bluesky_graphemes_agree_with_grapheme_package(text: str) -> None:
    grapheme = pytest.importorskip("grapheme")
    assert measure_bluesky(text).length == grapheme.length(text)


@pytest.mark.parametrize(
    ("text", "length", "fits"),
    [
        ("", 0, True),
        ("x" * 300, 300, True),
        ("x" * 301, 301, False),
        (FAMILY * 300, 300, False),  # 300 graphemes but 7,500 bytes
        (FAMILY * 120, 120, True),  # 3,000 bytes exactly
        (FAMILY * 121, 121, False),  # 3,025 bytes
        ("🇫🇷🇪🇸 1️⃣ e\u0301", 6, True),
    ],
    ids=[
        "empty",
        "300-latin",
        "301-latin",
        "300-family-emoji-over-the-bytes",
        "120-family-emoji-at-the-bytes",
        "121-family-emoji",
        "flags-keycap-and-nfd-accent",
    ],
)
def test_measure_bluesky(text: str, length: int, fits: bool) -> None:
    assert measure_bluesky(text) == Measure("bluesky", length, 300, fits, "graphemes")


def test_measure_bluesky_respects_custom_limits() -> None:
    limits = NetworkLimits(bluesky_graphemes=10, bluesky_bytes=12)
    assert measure_bluesky("x" * 10, limits).fits
    assert not measure_bluesky("é" * 10, limits).fits  # 20 bytes
    assert not measure_bluesky("x" * 11, limits).fits


# --- Mastodon ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("Voir https://endchildlabour2021.org/" + "a" * 100, 5 + 23),
        ("Voir http://a.fr", 5 + 23),  # short URLs count 23 too
        ("Voir endchildlabour2021.org", 27),  # bare domains are plain text on Mastodon
        ("Merci @alice@mastodon.social !", 14),  # only '@alice' counts
        ("Merci @alice !", 14),
        ("Famille " + FAMILY, 9),  # graphemes, not code points
        ("Journée « école » — 🌍", 21),
    ],
    ids=[
        "long-url",
        "short-url",
        "bare-domain",
        "remote-mention",
        "local-mention",
        "family-emoji",
        "accents-and-emoji",
    ],
)
def test_measure_mastodon(text: str, length: int) -> None:
    assert measure_mastodon(text) == Measure("mastodon", length, 500, True, "characters")


def test_measure_mastodon_limit_is_configurable() -> None:
    assert measure_mastodon("x" * 500).fits
    assert not measure_mastodon("x" * 501).fits
    limits = NetworkLimits(mastodon_characters=1000, mastodon_url_length=30)
    assert measure_mastodon("x" * 501, limits) == Measure("mastodon", 501, 1000, True, "characters")
    assert measure_mastodon("https://a.fr", limits).length == 30


# --- Dispatch ---------------------------------------------------------------------------------
@pytest.mark.parametrize("network", NETWORKS)
def test_measure_dispatches_to_the_network_rule(network: str) -> None:
    text = "Journée mondiale 🌍 endchildlabour2021.org #EndChildLabour2021"
    rule = {"x": measure_x, "bluesky": measure_bluesky, "mastodon": measure_mastodon}[network]
    assert measure(network, text) == rule(text, DEFAULT_LIMITS)
    assert measure(network, text).network == network


def test_measure_rejects_an_unknown_network_naming_the_choices() -> None:
    with pytest.raises(ValueError, match=r"'threads'.*x, bluesky, mastodon"):
        measure("threads", "hello")
