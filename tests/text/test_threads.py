"""Tests for campaign.text.threads: splitting long texts into numbered posts that each fit."""

from __future__ import annotations

import re

import pytest

from campaign.text.measure import measure, measure_mastodon, measure_x
from campaign.text.networks import NETWORKS, NetworkLimits
from campaign.text.threads import split_thread

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


def _reference_split(text: str, network: str, limits: NetworkLimits) -> list[str]:
    """The splitting rule written the slow, obvious way: numbering widths found by a fixpoint,
    each part the most whole words that fit, ended on its last sentence end."""
    words = text.split()

    def pack(suffix: str) -> list[str]:
        parts, i = [], 0
        while i < len(words):
            k = 0
            while i + k < len(words) and measure(network, " ".join(words[i:i + k + 1]) + suffix,
                                                   limits).fits:
                k += 1
            assert k, "the reference handles whole words only"
            if i + k < len(words):
                k = next((j - i + 1 for j in range(i + k - 1, i - 1, -1)
                          if re.search(r"[.!?…][\"'”’»)\]]*$", words[j])), k)
            parts.append(" ".join(words[i:i + k]))
            i += k
        return parts

    total = len(pack(""))
    while len(parts := pack(f" ({total}/{total})")) > total:
        total = len(parts)
    return [f"{part} ({n}/{len(parts)})" for n, part in enumerate(parts, 1)]


@pytest.mark.parametrize("network", NETWORKS)
def test_the_fast_split_gives_the_slow_rules_answer(network: str) -> None:
    # the splitter gallops from a guess and packs once for up to nine parts: shortcuts that
    # must never change where a thread is cut
    import random

    rng = random.Random(2021)
    vocabulary = ["child", "labour", "école", "niño", "👩🏽‍🏫", "#EndChildLabour2021",
                  "https://endchildlabour2021.org/take-action", "trabajo.", "infantil!", "日本語",
                  "مرحبا", "a", "b", "c", "travail…", "fin."]
    tight = NetworkLimits(x_limit=90, bluesky_graphemes=80, mastodon_characters=100)
    checked = 0
    for _ in range(150):
        text = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(20, 260)))
        for limits in (NetworkLimits(), tight):
            if measure(network, text, limits).fits:
                continue
            assert split_thread(text, network, limits) == _reference_split(text, network, limits)
            checked += 1
    assert checked > 150
