"""Content debts paid: the organiser in each language, hashtags named by role, a January Agir
post per stakeholder type with the guide's suggested pledges, no calendar date written in a
template, and the sender's name and handle wherever a post speaks for it."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from campaign.content.hashtags import HashtagRoleError, Hashtags
from campaign.content.profile import Profile
from campaign.content.render import Renderer
from campaign.content.schedule import Schedule, load_schedule
from campaign.errors import ScheduleProblems, TemplateError
from campaign.exporters import export
from campaign.text.measure import measure
from tests.conftest import MINIMAL

ROOT = Path(__file__).resolve().parents[2]
POSTS = ROOT / "templates" / "posts"
EXAMPLE = ROOT / "schedules" / "examples" / "cleanair2030.yaml"
LANGS = ("fr", "en", "es")
NETWORKS = ("x", "bluesky", "mastodon")
MINISTRY = Profile(name="Ministère du Travail", handle="@ministere")


def _templates() -> list[Path]:
    return sorted([*POSTS.rglob("*.j2"), *(EXAMPLE.parent / "cleanair2030").rglob("*.j2")])


# -- organiser ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("lang", "name"), [
    pytest.param("fr", "Alliance 8.7", id="fr"), pytest.param("en", "Alliance 8.7", id="en"),
    pytest.param("es", "Alianza 8.7", id="es"),
])
def test_the_organiser_speaks_the_posts_language(renderer: Renderer, schedule: Schedule,
                                                 lang: str, name: str) -> None:
    occ = schedule.occurrence_by_id["indiv-03-follow-alliance"]
    for network in NETWORKS:
        post = renderer.render(occ, "individual", lang, network)
        assert f" {name}, " in post.text and "{" not in post.text


def test_a_plain_organiser_is_the_same_in_every_language() -> None:
    example = load_schedule(EXAMPLE)
    assert example.campaign.organiser == "Clean Air Coalition (example)"
    assert {example.campaign.organiser_in(lang) for lang in ("en", "de")} == \
        {"Clean Air Coalition (example)"}


def test_a_localised_organiser_needs_every_language(tiny: Callable[..., Path]) -> None:
    path = tiny(MINIMAL.replace("  year: 2030\n", "  organiser: {en: Tiny Org}\n  year: 2030\n"))
    with pytest.raises(ScheduleProblems) as caught:
        load_schedule(path)
    assert "at 'campaign.organiser': has no text for language fr" in caught.value.message


def test_the_share_kit_shows_the_organiser_in_its_language(renderer: Renderer,
                                                           schedule: Schedule,
                                                           tmp_path: Path) -> None:
    posts = list(renderer.posts(schedule.select(entries=["labour-day"]), languages=["es"],
                                audiences=["individual"]))
    export("html", posts, schedule, tmp_path / "kit.html", locale="es")
    page = (tmp_path / "kit.html").read_text(encoding="utf-8")
    assert "Alianza 8.7 · " in page and "{&#39;" not in page and "{'fr'" not in page


# -- hashtags by role -----------------------------------------------------------------------------
def test_no_template_picks_a_hashtag_by_position() -> None:
    by_position = [p for p in _templates() if re.search(r"hashtags\s*\[", p.read_text("utf-8"))]
    assert by_position == []


def test_the_builtin_hashtags_have_roles(schedule: Schedule) -> None:
    tags = schedule.campaign.hashtags
    assert tags.roles == ("movement", "labour_day", "literacy_day", "childrens_day")
    assert (tags["labour_day"], tags[1]) == ("#LabourDay", "#LabourDay")  # positions still work
    assert list(tags) == ["#EndChildLabour", "#LabourDay", "#LiteracyDay", "#ChildrensDay"]
    # JSON output writes them as the schedule does
    assert schedule.campaign.model_dump(mode="json")["hashtags"]["childrens_day"] == \
        "#ChildrensDay"


@pytest.mark.parametrize(("days", "tag"), [
    pytest.param("labour-day", "#LabourDay", id="labour-day"),
    pytest.param("literacy-day", "#LiteracyDay", id="literacy-day"),
    pytest.param("childrens-day", "#ChildrensDay", id="childrens-day"),
    pytest.param("mental-health-day", "#EndChildLabour ", id="movement"),
])
def test_each_day_carries_the_hashtag_of_its_role(renderer: Renderer, schedule: Schedule,
                                                  days: str, tag: str) -> None:
    for lang in LANGS:
        assert tag in renderer.render(schedule.occurrence_by_id[days], "individual", lang,
                                      "x").text


def test_a_list_of_hashtags_still_works_by_position(tiny: Callable[..., Path]) -> None:
    path = tiny(MINIMAL.replace("  hashtag:", '  hashtags: ["#Air", "#Sky"]\n  hashtag:'),
                {"en": "{{ campaign.hashtags[1] }} {{ campaign.hashtags|join(' ') }}",
                 "fr": "{{ campaign.hashtags[0] }}"})
    tiny_schedule = load_schedule(path)
    assert tiny_schedule.campaign.hashtags.roles == ()
    post = Renderer(tiny_schedule).render(tiny_schedule.occurrence_by_id["hello"], "person",
                                          "en", "x")
    assert post.text == "#Sky #Air #Sky"


ROLES = '  hashtags: {movement: "#Air", day: "#AirDay"}\n  hashtag:'


@pytest.mark.parametrize(("hashtags", "template", "expected"), [
    pytest.param(ROLES, "Hello\n{{ campaign.hashtags.labor_day }}",
                 "uses hashtag role 'labor_day', which campaign.hashtags does not define: name "
                 "one of its roles (movement, day)", id="unknown-role"),
    pytest.param(ROLES, "Hello\n{{ campaign.hashtags['labor_day'] }}",
                 "uses hashtag role 'labor_day'", id="unknown-role-subscript"),
    pytest.param(ROLES, "Hello\n{{ campaign.hashtags[5] }}",
                 "uses hashtag number 5, but campaign.hashtags has 2", id="position-out-of-range"),
    pytest.param('  hashtags: ["#Air"]\n  hashtag:', "Hello\n{{ campaign.hashtags.day }}",
                 "uses hashtag role 'day', but campaign.hashtags has no roles", id="list-has-no-roles"),
    pytest.param("  hashtag:", "Hello\n{{ campaign.hashtags.day }}",
                 "uses hashtag role 'day', but campaign.hashtags has no roles", id="no-hashtags"),
])
def test_an_unknown_role_names_the_template_its_line_and_the_role(
        tiny: Callable[..., Path], run: Callable[..., Result], hashtags: str, template: str,
        expected: str) -> None:
    path = tiny(MINIMAL.replace("  hashtag:", hashtags),
                {"en": template, "fr": "Bonjour {{ campaign.hashtag }}"})
    result = run("validate", path)
    assert result.exit_code == 2
    assert "template 'en/hello.j2' line 2 (entry 'hello'): " + expected in result.output
    assert "Traceback" not in result.output


def test_a_private_name_on_the_hashtags_is_refused_by_the_sandbox(
        tiny: Callable[..., Path]) -> None:
    path = tiny(MINIMAL.replace("  hashtag:", ROLES),
                {"en": "{{ campaign.hashtags.__class__ }}", "fr": "x"})
    tiny_schedule = load_schedule(path)
    with pytest.raises(TemplateError, match="not allowed in a template"):
        Renderer(tiny_schedule).render(tiny_schedule.occurrence_by_id["hello"], "person", "en", "x")


@pytest.mark.parametrize(("hashtags", "expected"), [
    pytest.param('{Labour-Day: "#LabourDay"}', "'Labour-Day' is not a hashtag role", id="bad-role"),
    pytest.param('{roles: "#LabourDay"}', "and not 'roles'", id="reserved-role"),
    pytest.param('{labour_day: "LabourDay"}', "'LabourDay' is not a hashtag", id="bad-tag"),
    pytest.param('["#A", "B"]', "'B' is not a hashtag", id="bad-tag-in-list"),
    pytest.param('{labour_day: "#LabourDay\\n"}', "'#LabourDay\\n' is not a hashtag",
                 id="line-break-after-the-tag"),
    pytest.param('"#Alone"', "a mapping of role to hashtag", id="not-a-collection"),
])
def test_bad_hashtags_are_refused_with_their_line(tiny: Callable[..., Path], hashtags: str,
                                                  expected: str) -> None:
    path = tiny(MINIMAL.replace("  hashtag:", f"  hashtags: {hashtags}\n  hashtag:"))
    with pytest.raises(ScheduleProblems) as caught:
        load_schedule(path)
    assert "tiny.yaml:7 at 'campaign.hashtags': " in caught.value.message
    assert expected in caught.value.message


def test_hashtag_role_error_is_not_a_lookup_error() -> None:
    # a KeyError would become Jinja's undefined value, whose message cannot name the roles
    with pytest.raises(HashtagRoleError) as caught:
        Hashtags({"movement": "#A"})["other"]
    assert not isinstance(caught.value, LookupError)


# -- January Agir: each stakeholder type's Action Pledge -----------------------------------------
def test_every_audience_has_one_january_agir_entry(schedule: Schedule) -> None:
    for audience in schedule.audiences:
        found = [o for o in schedule.occurrences if o.audiences == (audience.id,)
                 and o.entry.part == "agir" and o.due.month == 1
                 and o.entry.template == "agir/01-pledge"]
        assert len(found) == 1, audience.id
        assert found[0].entry.thread


@pytest.mark.parametrize("profile", [Profile(), MINISTRY], ids=["no-profile", "ministry"])
def test_agir_posts_carry_the_form_and_every_suggestion(schedule: Schedule,
                                                        profile: Profile) -> None:
    assert schedule.pledges is not None
    renderer = Renderer(schedule, profile=profile)
    for audience in schedule.audiences:
        occ = schedule.occurrence_by_id[f"agir-01-pledge-{audience.id}"]
        for lang in LANGS:
            ideas = schedule.pledges.ideas(audience.id, lang)
            for network in NETWORKS:
                post = renderer.render(occ, audience.id, lang, network)
                assert ideas.form in post.parts[0], (audience.id, lang, network)
                for idea in ideas.suggestions:
                    assert f"• {idea.rstrip('.')}." in post.text, (audience.id, lang, idea)
                if ideas.smart:
                    assert ideas.smart in post.text
                assert all(measure(network, part).fits for part in post.parts)
                assert post.text.endswith("#EndChildLabour2021")


@pytest.mark.parametrize("lang", LANGS)
def test_agir_posts_speak_in_the_senders_name(schedule: Schedule, lang: str) -> None:
    renderer = Renderer(schedule, profile=MINISTRY)
    org = renderer.render(schedule.occurrence_by_id["agir-01-pledge-org-government"],
                          "org-government", lang, "mastodon")
    assert org.text.startswith("Ministère du Travail ") and "@ministere" in org.parts[0]
    person = renderer.render(schedule.occurrence_by_id["agir-01-pledge-individual"],
                             "individual", lang, "mastodon")
    assert "Ministère" not in person.text and "@ministere" not in person.text
    assert "take-action/individuals/" in person.parts[0]


# -- no calendar date in a template ---------------------------------------------------------------
MONTHS = (
    "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre|"
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|"
    "Januar|Februar|März|Mai|Juni|Juli|Oktober|Dezember"
)
# 2025 is the deadline of target 8.7 for ending child labour: a goal, not a date of the calendar
YEAR = re.compile(r"\b(?:19|20)(?!25\b)\d\d\b")
MONTH = re.compile(rf"\b(?:{MONTHS})\b")


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_writes_a_year_or_a_month(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert not YEAR.search(text), YEAR.search(text)
    assert not MONTH.search(text), MONTH.search(text)


def test_a_moved_calendar_says_its_own_year(schedule: Schedule) -> None:
    moved = load_schedule(schedule.path, year=2027)
    renderer = Renderer(moved)
    for post in renderer.posts(moved.occurrences):
        text = post.text.replace("#EndChildLabour2021", "").replace("endchildlabour2021", "")
        # the guide's suggested pledges speak of the year too: "by the end of 2021" moves with it
        assert "2021" not in text, post.key
    agir = renderer.render(moved.occurrence_by_id["agir-01-pledge-country"], "country", "en", "x")
    assert "Action Pledge for 2027" in agir.text
    assert "by the end of 2027" in agir.text
    as_written = Renderer(schedule).render(schedule.occurrence_by_id["agir-01-pledge-country"],
                                           "country", "fr", "x")
    assert "d’ici à la fin 2021" in as_written.text  # the guide's own words in its own year


@pytest.mark.parametrize(("lang", "day"), [
    pytest.param("fr", "Le 12 juin, Journée", id="fr"),
    pytest.param("en", "On June 12, World Day", id="en"),
    pytest.param("es", "El 12 de junio, Día", id="es"),
])
def test_a_post_leading_up_to_a_day_names_that_days_date(renderer: Renderer, schedule: Schedule,
                                                         lang: str, day: str) -> None:
    occ = schedule.occurrence_by_id["inspire-06-live-event"]
    assert occ.due.day == 5  # a week before the World Day: its own date is not the one it names
    assert renderer.render(occ, "country", lang, "x").text.startswith(day)
    plain = schedule.occurrence_by_id["labour-day"]
    assert renderer.context(plain, "country", lang, "x")["anchor_day_month"] == ""


# -- the sender's name and handle ----------------------------------------------------------------
def _readme_table() -> dict[str, set[str]]:
    text = (POSTS / "README.md").read_text(encoding="utf-8")
    section = text.split("## Who speaks", 1)[1]
    header = next(line for line in section.splitlines() if line.startswith("| template |"))
    columns = [c.strip(" `") for c in header.strip("|").split("|")][1:]
    table: dict[str, set[str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if line.startswith("| `") and len(cells) == len(columns) + 1:
            table[cells[0].strip("`")] = {c for c, mark in zip(columns, cells[1:], strict=True)
                                          if mark == "✓"}
    return table


def _profile_variables() -> dict[str, set[str]]:
    """Per template (without its language), the profile variables it reads, the same in every
    language (``mention`` is the handle)."""
    found: dict[str, dict[str, set[str]]] = {}
    for path in sorted(POSTS.rglob("*.j2")):
        lang, *rest = path.relative_to(POSTS).with_suffix("").parts
        used = set(re.findall(r"profile\.(\w+)", path.read_text(encoding="utf-8")))
        found.setdefault("/".join(rest), {})[lang] = {"handle" if u == "mention" else u
                                                      for u in used}
    for name, by_lang in found.items():
        assert set(by_lang) == set(LANGS), name
        assert len({frozenset(v) for v in by_lang.values()}) == 1, (name, by_lang)
    return {name: by_lang["en"] for name, by_lang in found.items() if by_lang["en"]}


def test_the_readme_table_matches_the_templates() -> None:
    assert _readme_table() == _profile_variables()


def test_a_ministrys_kit_speaks_in_its_name(schedule: Schedule) -> None:
    renderer = Renderer(schedule, profile=MINISTRY)
    posts = list(renderer.posts(schedule.occurrences, audiences=["org-government"],
                                languages=["fr"]))
    named = [p for p in posts if "Ministère du Travail" in p.text or "@ministere" in p.text]
    assert len(posts) == 60 and len(named) >= 33
    table = _readme_table()
    for post in posts:
        template = post.template.split("/", 1)[1].removesuffix(".j2")
        uses = table.get(template, set())
        assert ("Ministère du Travail" in post.text) == ("name" in uses), post.key
        assert ("@ministere" in post.text) == ("handle" in uses), post.key


def test_a_sender_with_a_long_official_name_still_gets_its_whole_kit(schedule: Schedule) -> None:
    # a ministry's full name, its Bluesky handle, its site and a pledge title: every post that
    # speaks for the sender grows with them, and one that no longer fits becomes a thread
    # rather than stopping the kit (before the sender's name was used, this kit rendered whole)
    sender = Profile(name="Ministère du Travail, de l’Emploi et de l’Insertion",
                     handle="@travail-gouv.bsky.social", site="https://travail-emploi.gouv.fr",
                     pledge_title="Éliminer le travail des enfants dans nos chaînes "
                                  "d’approvisionnement d’ici à la fin de l’année 2021")
    renderer = Renderer(schedule, profile=sender)
    assert renderer.check(schedule.occurrences) == []
    posts = list(renderer.posts(schedule.occurrences))
    assert all(measure(p.network, part, renderer.limits).fits for p in posts for part in p.parts)
    assert any(len(p.parts) > 1 and sender.name in p.text for p in posts)


@pytest.mark.parametrize("lang", LANGS)
def test_without_a_profile_the_posts_read_as_we(renderer: Renderer, schedule: Schedule,
                                                lang: str) -> None:
    for post in renderer.posts(schedule.occurrences, audiences=["org-government"],
                               languages=[lang]):
        assert not re.search(r"(^|\s)[:,.!]|@\W|\(\)|  ", post.text), post.key
