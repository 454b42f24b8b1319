"""A post's preview on each network: its hashtags, mentions and links as the network finds them,
with the address each opens, and its length counted by the network's own rule."""

from __future__ import annotations

import pytest

from campaign.text.measure import measure
from campaign.text.networks import NetworkLimits
from campaign.text.preview import Segment, preview, segments

TEXT = "Act now #EndChildLabour2021: see ilo.org/childlabour and https://ilo.org/ipec — été"


def kinds(found: tuple[Segment, ...]) -> list[tuple[str, str, str]]:
    return [(s.kind, s.text, s.href) for s in found if s.kind != "text"]


def test_x_links_bare_domains_and_hashtags() -> None:
    assert kinds(segments("x", TEXT + " @ILO #2021")) == [
        ("tag", "#EndChildLabour2021", "https://x.com/hashtag/EndChildLabour2021"),
        ("link", "ilo.org/childlabour", "https://ilo.org/childlabour"),
        ("link", "https://ilo.org/ipec", "https://ilo.org/ipec"),
        ("mention", "@ILO", "https://x.com/ILO")]  # '#2021' is digits only: no hashtag


def test_mastodon_links_only_urls_with_a_scheme_and_opens_tags_on_the_instance() -> None:
    found = kinds(segments("mastodon", TEXT + " @ilo@mastodon.social @me", "https://m.example/"))
    assert found == [
        ("tag", "#EndChildLabour2021", "https://m.example/tags/EndChildLabour2021"),
        ("link", "https://ilo.org/ipec", "https://ilo.org/ipec"),
        ("mention", "@ilo@mastodon.social", "https://mastodon.social/@ilo"),
        ("mention", "@me", "https://m.example/@me")]


def test_bluesky_facets_become_segments_on_characters_not_bytes() -> None:
    text = "Été : #TravailDesEnfants — voir ilo.org et @ilo.bsky.social"
    found = segments("bluesky", text)
    assert "".join(s.text for s in found) == text
    assert kinds(found) == [
        ("tag", "#TravailDesEnfants", "https://bsky.app/hashtag/TravailDesEnfants"),
        ("link", "ilo.org", "https://ilo.org"),
        ("mention", "@ilo.bsky.social", "https://bsky.app/profile/ilo.bsky.social")]


@pytest.mark.parametrize("network", ["x", "bluesky", "mastodon"])
def test_lengths_are_the_networks_own_and_over_the_limit_is_flagged(network: str) -> None:
    long = "word " * 120
    shown = preview(network, [TEXT, long])
    first, second = shown.parts
    assert (first.number, first.total) == (1, 2)
    assert first.length == measure(network, TEXT).length and not first.over
    assert second.length == measure(network, long).length
    assert second.over == (not measure(network, long).fits) and shown.over == second.over
    assert "".join(s.text for s in first.segments) == TEXT


def test_a_mastodon_instance_with_its_own_limit() -> None:
    part = preview("mastodon", ["x" * 600], limits=NetworkLimits(mastodon_characters=1000)).parts[0]
    assert (part.length, part.limit, part.over) == (600, 1000, False)


def test_the_image_and_its_alt_text_and_the_link_card() -> None:
    media = [{"path": "/m/poster.png", "alt": "An orange poster", "mime": "image/png",
              "width": 1200, "height": 675},
             {"type": "card", "uri": "https://ilo.org", "title": "ILO", "description": "d"}]
    shown = preview("bluesky", ["Hello ilo.org"], media)
    assert [(i.index, i.alt, i.width) for i in shown.images] == [(0, "An orange poster", 1200)]
    assert shown.card is not None and shown.card.uri == "https://ilo.org"


def test_hostile_text_stays_text() -> None:
    hostile = '<img src=x onerror=alert(1)> "javascript:alert(1)"'
    assert [s.kind for s in segments("x", hostile)] == ["text"]
