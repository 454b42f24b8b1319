"""Tests for campaign.text.facets: Bluesky tags, links and mentions by UTF-8 byte offsets."""

from __future__ import annotations

import pytest

from campaign.text.facets import Facet, bluesky_facets, facets_to_atproto


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
    ids=[
        "tag-before-a-full-stop",
        "tag-after-a-french-quote",
        "tag-with-an-accent",
        "full-width-hash-tag",
        "numbers-are-not-tags",
        "tags-inside-words-are-not-tags",
        "65-character-tag-too-long",
        "64-character-tag",
        "mention-before-a-full-stop",
        "mention-in-brackets",
        "mastodon-and-email-are-not-mentions",
        "bare-link-in-brackets",
        "link-in-french-quotes",
        "link-with-balanced-brackets",
        "file-names-and-numbers-are-not-links",
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


