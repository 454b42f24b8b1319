"""Tests for campaign.text.rules: network lengths, Bluesky facets and thread splitting."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from campaign.text import rules as textrules
from campaign.text.rules import (
    DEFAULT_LIMITS,
    NETWORKS,
    Facet,
    Measure,
    NetworkLimits,
    bluesky_facets,
    facets_to_atproto,
    measure,
    measure_bluesky,
    measure_mastodon,
    measure_x,
    split_thread,
    x_weighted_length,
)

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
# must agree. Left out on purpose: brand gTLDs missing from our compact list ('M.Dupont' is a
# link on X), IDN TLDs such as '.рф', and emoji newer than the oracle's Emoji 12.0 data.
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


def test_embedded_tlds_are_all_real() -> None:
    pytest.importorskip("twitter_text")
    from twitter_text.regexp.valid_cctld import valid_cctld
    from twitter_text.regexp.valid_gtld import valid_gtld

    unknown = [tld for tld in textrules._TLDS if not valid_gtld.fullmatch(tld)]
    assert [tld for tld in unknown if not valid_cctld.fullmatch(tld)] == []


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


# --- Bluesky facets ---------------------------------------------------------------------------
def _spans(text: str) -> list[tuple[str, str, str]]:
    raw = text.encode("utf-8")
    return [
        (f.kind, raw[f.byte_start : f.byte_end].decode("utf-8"), f.value)
        for f in bluesky_facets(text)
    ]


def test_facets_use_utf8_byte_offsets_after_accents_and_emoji() -> None:
    text = (
        "Journée mondiale 🌍 contre le travail des enfants #EndChildLabour2021 — "
        "endchildlabour2021.org"
    )
    assert bluesky_facets(text) == [
        Facet("tag", 53, 72, "EndChildLabour2021"),
        Facet("link", 77, 99, "https://endchildlabour2021.org"),
    ]
    raw = text.encode("utf-8")
    assert raw[53:72].decode() == "#EndChildLabour2021"
    assert raw[77:99].decode() == "endchildlabour2021.org"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Rejoignez #EndChildLabour2021.", [("tag", "#EndChildLabour2021", "EndChildLabour2021")]),
        ("«\u00a0#Enfance»", [("tag", "#Enfance", "Enfance")]),
        ("#Année2021, vraiment !", [("tag", "#Année2021", "Année2021")]),
        ("＃タグ です", [("tag", "＃タグ", "タグ")]),
        ("#2021 #2021! #12.5 ne sont pas des tags", []),
        ("mot#collé et «#Enfance» ne sont pas des tags", []),
        ("#" + "a" * 65, []),
        ("#" + "a" * 64, [("tag", "#" + "a" * 64, "a" * 64)]),
        ("Suivez @ilo.bsky.social.", [("mention", "@ilo.bsky.social", "ilo.bsky.social")]),
        ("(@ilo.bsky.social)", [("mention", "@ilo.bsky.social", "ilo.bsky.social")]),
        ("Pas des mentions : @alice, @bob@mastodon.social, a@ilo.org", []),
        (
            "Voir (endchildlabour2021.org).",
            [("link", "endchildlabour2021.org", "https://endchildlabour2021.org")],
        ),
        (
            "«https://ilo.org/fr/page?x=1»",
            [("link", "https://ilo.org/fr/page?x=1", "https://ilo.org/fr/page?x=1")],
        ),
        (
            "Lisez https://fr.wikipedia.org/wiki/Enfant_(droit)).",
            [
                (
                    "link",
                    "https://fr.wikipedia.org/wiki/Enfant_(droit)",
                    "https://fr.wikipedia.org/wiki/Enfant_(droit)",
                )
            ],
        ),
        ("Pas des liens : fichier.txt, 1.5, contact@ilo.org, M.Durand", []),
    ],
)
def test_facet_detection(text: str, expected: list[tuple[str, str, str]]) -> None:
    assert _spans(text) == expected


def test_facets_come_in_text_order() -> None:
    text = "#Un @ilo.bsky.social endchildlabour2021.org/fr #Deux https://ilo.org #Trois"
    assert [(kind, value) for kind, _, value in _spans(text)] == [
        ("tag", "Un"),
        ("mention", "ilo.bsky.social"),
        ("link", "https://endchildlabour2021.org/fr"),
        ("tag", "Deux"),
        ("link", "https://ilo.org"),
        ("tag", "Trois"),
    ]


def test_facets_to_atproto() -> None:
    facets = [
        Facet("tag", 0, 8, "Enfance"),
        Facet("link", 9, 31, "https://endchildlabour2021.org"),
        Facet("mention", 32, 48, "ilo.bsky.social"),
    ]
    assert facets_to_atproto(facets) == [
        {
            "index": {"byteStart": 0, "byteEnd": 8},
            "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "Enfance"}],
        },
        {
            "index": {"byteStart": 9, "byteEnd": 31},
            "features": [
                {"$type": "app.bsky.richtext.facet#link", "uri": "https://endchildlabour2021.org"}
            ],
        },
        {
            "index": {"byteStart": 32, "byteEnd": 48},
            "features": [
                {
                    "$type": "app.bsky.richtext.facet#mention",
                    "did": None,
                    "handle": "ilo.bsky.social",
                }
            ],
        },
    ]
    with pytest.raises(ValueError, match="unknown facet kind 'emoji'"):
        facets_to_atproto([Facet("emoji", 0, 1, "x")])


# --- Threads ----------------------------------------------------------------------------------
FRENCH_900 = (
    "Le 12 juin, c’est la Journée mondiale contre le travail des enfants. Aujourd’hui encore, "
    "160 millions d’enfants travaillent dans le monde, soit près d’un enfant sur dix. Près de la "
    "moitié d’entre eux effectuent des travaux dangereux qui mettent en péril leur santé, leur "
    "sécurité ou leur développement moral. En 2021, Année internationale pour l’élimination du "
    "travail des enfants, nous appelons chacun à agir : gouvernements, entreprises, syndicats, "
    "organisations de la société civile et citoyens. Que pouvez-vous faire ? Parlez-en autour de "
    "vous, soutenez les initiatives locales et prenez un engagement concret sur "
    "endchildlabour2021.org ! Ensemble, nous pouvons mettre fin au travail des enfants… Chaque "
    "action compte, même la plus petite. Partagez ce message avec vos proches, vos collègues et "
    "vos élus, et suivez https://www.ilo.org/fr pour les dernières nouvelles. #EndChildLabour2021 "
    "#Enfance 🌍"
)
SUFFIX = re.compile(r" \((\d+)/(\d+)\)$")


def _unnumbered(parts: list[str]) -> list[str]:
    count = len(parts)
    stripped = []
    for number, part in enumerate(parts, 1):
        found = SUFFIX.search(part)
        assert found is not None and found.groups() == (str(number), str(count)), part
        stripped.append(part[: found.start()])
    return stripped


def test_french_text_splits_into_fitting_numbered_posts() -> None:
    assert len(FRENCH_900) >= 900
    parts = split_thread(FRENCH_900, "x")
    assert len(parts) > 1
    assert all(measure_x(part).fits for part in parts)
    bodies = _unnumbered(parts)
    assert " ".join(bodies).split() == FRENCH_900.split()
    # Parts end on sentence ends whenever a whole sentence fits.
    assert all(body[-1] in ".!?…" for body in bodies[:-1])


@pytest.mark.parametrize("network", NETWORKS)
def test_split_never_cuts_a_url_or_hashtag(network: str) -> None:
    limits = NetworkLimits(x_limit=120, bluesky_graphemes=120, mastodon_characters=120)
    parts = split_thread(FRENCH_900, network, limits)
    assert all(measure(network, part, limits).fits for part in parts)
    words = [word for part in _unnumbered(parts) for word in part.split()]
    assert words == FRENCH_900.split()
    for whole in ("endchildlabour2021.org", "https://www.ilo.org/fr", "#EndChildLabour2021"):
        assert any(whole in part for part in parts)


def test_split_without_numbering() -> None:
    parts = split_thread(FRENCH_900, "mastodon", numbered=False)
    assert len(parts) == 2
    assert all(measure_mastodon(part).fits and not SUFFIX.search(part) for part in parts)
    assert " ".join(parts).split() == FRENCH_900.split()


@pytest.mark.parametrize("network", NETWORKS)
def test_a_fitting_text_is_returned_unchanged(network: str) -> None:
    text = "Journée mondiale 🌍\n\nendchildlabour2021.org  #EndChildLabour2021 "
    assert split_thread(text, network) == [text]


def test_suffix_width_grows_with_the_part_count() -> None:
    text = " ".join(f"Phrase numéro {n} sur le travail des enfants." for n in range(60))
    parts = split_thread(text, "x", NetworkLimits(x_limit=100))
    assert len(parts) >= 10
    assert all(measure_x(part, NetworkLimits(x_limit=100)).fits for part in parts)
    assert " ".join(_unnumbered(parts)).split() == text.split()


def test_a_word_longer_than_a_post_is_cut_on_grapheme_boundaries() -> None:
    word = "🇫🇷" * 200  # 400 weighted characters, never cut inside a flag
    parts = split_thread(f"Début {word} fin.", "x")
    assert all(measure_x(part).fits for part in parts)
    assert "".join(_unnumbered(parts)[1:-1]) == word


def test_spacing_inside_a_part_is_kept() -> None:
    text = "Première ligne.\nDeuxième ligne. " + "Encore une phrase assez longue. " * 20
    parts = split_thread(text.strip(), "x", numbered=False)
    assert parts[0].startswith("Première ligne.\nDeuxième ligne.")


def test_split_rejects_an_unknown_network() -> None:
    with pytest.raises(ValueError, match="x, bluesky, mastodon"):
        split_thread("hello", "threads")
