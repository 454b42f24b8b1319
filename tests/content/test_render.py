"""Rendering: every post of the campaign fits, dates are localized, user templates override."""

from __future__ import annotations

from pathlib import Path

import pytest

from campaign.content.profile import Profile, load_profile
from campaign.content.render import Renderer, clean_text
from campaign.content.schedule import Schedule
from campaign.text.measure import measure

LANGS = ("fr", "en", "es")
NETWORKS = ("x", "bluesky", "mastodon")
LONG_PROFILE = Profile(name="Ministère du Travail et de l’Emploi", handle="@ministere",
                       site="https://travail.example.org",
                       pledge_title="Adopter une politique nationale sur le travail des enfants")


@pytest.mark.parametrize("profile", [Profile(), LONG_PROFILE], ids=["empty", "long"])
def test_every_post_renders_and_fits(schedule: Schedule, profile: Profile) -> None:
    renderer = Renderer(schedule, profile=profile)
    posts = list(renderer.posts(schedule.occurrences))
    assert len(posts) > 1500
    for post in posts:
        for part in post.parts:
            assert measure(post.network, part).fits, (post.key, part)
        assert "  " not in post.text and "\n\n\n" not in post.text, post.key


@pytest.mark.parametrize(("lang", "expected"), [
    ("fr", "12 juin 2021"), ("en", "June 12, 2021"), ("es", "12 de junio de 2021"),
])
def test_dates_are_formatted_for_the_language(renderer: Renderer, schedule: Schedule, lang: str,
                                              expected: str) -> None:
    occ = schedule.occurrence_by_id["world-day-against-child-labour"]
    assert renderer.context(occ, "individual", lang, "x")["date"] == expected


@pytest.mark.parametrize("network", NETWORKS)
@pytest.mark.parametrize("lang", LANGS)
def test_guide_ready_made_posts_carry_their_hashtags(renderer: Renderer, schedule: Schedule,
                                                    lang: str, network: str) -> None:
    occ = schedule.occurrence_by_id["labour-day"]
    text = renderer.render(occ, "individual", lang, network).text
    assert "#LabourDay" in text and "#EndChildLabour2021" in text


def test_french_labour_day_keeps_the_guides_wording(renderer: Renderer, schedule: Schedule) -> None:
    text = renderer.render(schedule.occurrence_by_id["labour-day"], "individual", "fr", "x").text
    assert "Si nous célébrons la Fête du travail aujourd’hui" in text


def test_quick_share_is_the_guides_message(renderer: Renderer, schedule: Schedule) -> None:
    text = renderer.render(schedule.occurrence_by_id["quick-1-share"], "individual", "fr",
                           "bluesky").text
    assert "Agissons pour mettre fin au travail des enfants #EndChildLabour2021" in text


def test_profile_values_reach_the_template(schedule: Schedule) -> None:
    renderer = Renderer(schedule, profile=LONG_PROFILE)
    post = renderer.render(schedule.occurrence_by_id["inspire-02-selfie-video"], "country", "fr",
                           "mastodon")
    assert LONG_PROFILE.pledge_title in post.text


def test_user_template_overrides_builtin(schedule: Schedule, tmp_path: Path) -> None:
    folder = tmp_path / "mine" / "en" / "days"
    folder.mkdir(parents=True)
    (folder / "labour-day.j2").write_text("Our own words {{ campaign.hashtag }}", encoding="utf-8")
    renderer = Renderer(schedule, template_dirs=[tmp_path / "mine"])
    occ = schedule.occurrence_by_id["labour-day"]
    assert renderer.render(occ, "country", "en", "x").text == "Our own words #EndChildLabour2021"
    # other languages and templates still come from the built-in folder
    assert "#LabourDay" in renderer.render(occ, "country", "fr", "x").text


def test_thread_entry_splits_into_numbered_parts(schedule: Schedule, tmp_path: Path) -> None:
    folder = tmp_path / "mine" / "en" / "amplify"
    folder.mkdir(parents=True)
    long_text = " ".join(f"Sentence number {i} tells what our pledge achieved." for i in range(12))
    (folder / "12-results.j2").write_text(long_text, encoding="utf-8")
    renderer = Renderer(schedule, template_dirs=[tmp_path / "mine"])
    post = renderer.render(schedule.occurrence_by_id["amplify-12-results"], "country", "en", "x")
    assert len(post.parts) > 1
    assert all(measure("x", p).fits for p in post.parts)
    assert post.parts[0].endswith(f"(1/{len(post.parts)})")


def test_profile_file_and_vars(tmp_path: Path) -> None:
    path = tmp_path / "me.yaml"
    path.write_text("name: ILO\nhandle: \"@ilo\"\nhandle_bluesky: ilo.org\n", encoding="utf-8")
    profile = load_profile(path, ["pledge_title=Ratify C138"])
    assert profile.for_network("bluesky").handle == "ilo.org"
    assert profile.for_network("x").handle == "@ilo"
    assert profile.pledge_title == "Ratify C138"


def test_clean_text_tidies_whitespace() -> None:
    assert clean_text("  a  \n\n\n\nb \n") == "a\n\nb"
