"""Pledge posts: rendered in fr/en/es for every network with the pledge's own values, queued
once on the pledger's outbox account (SQLite and PostgreSQL), or put in the pledger's share kit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from campaign.content.pledges import load_pledges
from campaign.content.schedule import Schedule, load_schedule
from campaign.errors import ScheduleProblems
from campaign.pledges.form import FormRules, validate_form
from campaign.pledges.posts import (
    NoPledgePosts,
    plan_pledge_posts,
    pledge_posts,
    pledger_accounts,
    render_pledges,
    write_pledge_kits,
)
from campaign.pledges.store import NewPledge, Pledge, PledgeStore, ProgressReport
from campaign.queue.store import Store
from campaign.text.measure import measure

LANGS = ("fr", "en", "es")
NETWORKS = ("x", "bluesky", "mastodon")
INDICATOR = {"name": "enfants scolarisés", "unit": "enfants", "baseline": 0, "target": 2000,
             "deadline": "2021-12-31"}
# numbers, percentages and money as Babel writes them in each language
WRITTEN = {
    "fr": ("1\u202f280", "64\u00a0%", "12\u202f500,50\u00a0€", "31 décembre 2021"),
    "en": ("1,280", "64%", "€12,500.50", "December 31, 2021"),
    "es": ("1.280", "64\u00a0%", "12.500,50\u00a0€", "31 de diciembre de 2021"),
}


@pytest.fixture
def pledges(tmp_path: Path) -> Iterator[PledgeStore]:
    """A migrated pledge store in a SQLite file (rendering needs no other backend)."""
    store = PledgeStore(f"sqlite:///{tmp_path / 'pledges.db'}")
    store.upgrade()
    yield store
    store.close()


@pytest.fixture
def add(pledge_data: Callable[..., dict[str, Any]],
        rules: FormRules) -> Callable[..., Pledge]:
    """Store a checked pledge (the valid one, with the fields given replaced) in ``store``."""

    def make(store: PledgeStore, *, kind: str = "country", today: date | None = None,
             **changes: Any) -> Pledge:
        checking = FormRules(**{**rules.__dict__, "today": today}) if today else rules
        # pledged in January unless said otherwise: its February announcement is not moved
        form = validate_form(pledge_data(**{"submitted_on": "2021-01-15", **changes}), checking)
        return store.add(NewPledge(form=form, kind=kind))

    return make


def _with_progress(store: PledgeStore, add: Callable[..., Pledge], **changes: Any) -> Pledge:
    pledge = add(store, indicators=[INDICATOR], cost={"amount": "12500.50", "currency": "EUR"},
                 **changes)
    return store.add_progress(pledge.id, "enfants scolarisés",
                              ProgressReport(on=date(2021, 6, 1), value=1280))


# -- rendering -------------------------------------------------------------------------------
@pytest.mark.parametrize("network", NETWORKS)
@pytest.mark.parametrize("lang", LANGS)
def test_the_four_posts_carry_the_pledges_values_within_the_networks_limit(
        schedule: Schedule, pledges: PledgeStore, add: Callable[..., Pledge], lang: str,
        network: str) -> None:
    pledge = _with_progress(pledges, add, language=lang)
    posts = pledge_posts(schedule, pledge, networks=[network])
    assert [(p.entry_id, p.due.month) for p in posts] == [
        (f"pledge-{pledge.id}-announce", 2), (f"pledge-{pledge.id}-progress", 6),
        (f"pledge-{pledge.id}-review", 7), (f"pledge-{pledge.id}-results", 12)]
    value, percent, cost, deadline = WRITTEN[lang]
    announce, progress, review, results = posts
    for post in posts:
        assert post.language == lang and post.network == network
        assert post.audience == "country" and pledge.form.title in post.text
        assert post.key == (f"endchildlabour2021/pledge-{pledge.id}-{post.entry_id.rsplit('-', 1)[1]}"
                            f"/country/{lang}/{network}")
        assert "None" not in post.text and "{" not in post.text
        assert all(measure(network, part).fits for part in post.parts)
    assert deadline in announce.text and pledge.form.name in announce.text
    assert value in progress.text and percent in progress.text and "#EndChildLabour " in \
        progress.text + " "
    assert value in review.text and percent in review.text
    assert cost in results.text and value in results.text


@pytest.mark.parametrize("lang", LANGS)
def test_a_pledge_without_indicator_or_cost_reads_well(
        schedule: Schedule, pledges: PledgeStore, add: Callable[..., Pledge], lang: str) -> None:
    pledge = add(pledges, language=lang, indicators=[], cost=None)
    posts = pledge_posts(schedule, pledge, networks=["mastodon"])
    assert len(posts) == 4
    for post in posts:
        assert "None" not in post.text and "•" not in post.text
        assert not post.text.rstrip().endswith(":"), post.text
    results = posts[-1].text
    assert not any(said in results for said in ("Coût de", "Implementation cost", "Costo de",
                                                "2025"))


@pytest.mark.parametrize("title", [
    pytest.param("<img src=x onerror=alert(1)>", id="html"),
    pytest.param("{{ 7*7 }} {% raw %}", id="jinja"),
    pytest.param("{{ ''.__class__.__mro__ }}", id="sandbox-escape"),
])
def test_a_pledges_values_are_data_never_template_source(
        schedule: Schedule, pledges: PledgeStore, add: Callable[..., Pledge], title: str,
        tmp_path: Path) -> None:
    pledge = add(pledges, title=title, name=title[:30])
    posts = pledge_posts(schedule, pledge, languages=LANGS, networks=NETWORKS)
    assert len(posts) == 4 * 3 * 3
    for post in posts:
        assert title in post.text and "49" not in post.text
    page = write_pledge_kits(schedule, [pledge], tmp_path)[0].path.read_text(encoding="utf-8")
    if title.startswith("<"):
        assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_a_long_pledge_becomes_a_thread(schedule: Schedule, pledges: PledgeStore,
                                        add: Callable[..., Pledge]) -> None:
    word = "x" * 190
    pledge = add(pledges, name="N" * 200, title=" ".join([word] * 20),
                 indicators=[{**INDICATOR, "name": "i" * 200, "unit": "u" * 200}])
    for post in pledge_posts(schedule, pledge):
        assert len(post.parts) > 1
        assert all(measure(post.network, part).fits for part in post.parts)


def test_a_calendar_moved_to_another_year_moves_the_pledge_posts(
        schedule: Schedule, pledges: PledgeStore, add: Callable[..., Pledge]) -> None:
    moved = load_schedule(schedule.path, year=2027)
    posts = pledge_posts(moved, add(pledges), networks=["x"])
    assert [p.due.date().isoformat() for p in posts] == [
        "2027-02-16", "2027-06-15", "2027-07-15", "2027-12-15"]
    assert posts[0].key.startswith("endchildlabour2021@2027/pledge-")


@pytest.mark.parametrize(("submitted", "expected"), [
    pytest.param("2021-01-10", ["2021-02-16", "2021-06-15", "2021-07-15", "2021-12-15"],
                 id="before-february"),
    pytest.param("2021-03-10", ["2021-03-11", "2021-06-15", "2021-07-15", "2021-12-15"],
                 id="in-march-announced-the-next-day"),
    pytest.param("2021-07-01", ["2021-07-02", "2021-07-15", "2021-12-15"],
                 id="in-july-no-june-progress"),
])
def test_a_pledge_made_later_is_announced_the_day_after(
        schedule: Schedule, pledges: PledgeStore, add: Callable[..., Pledge], submitted: str,
        expected: list[str]) -> None:
    pledge = add(pledges, submitted_on=submitted, today=date(2021, 9, 1))
    posts = pledge_posts(schedule, pledge, networks=["x"])
    assert [p.due.date().isoformat() for p in posts] == expected


def test_drafts_and_withdrawn_pledges_are_not_told(
        schedule: Schedule, pledges: PledgeStore, add: Callable[..., Pledge]) -> None:
    told = add(pledges)
    gone = pledges.set_status(add(pledges, title="Ratifier la Convention n° 138 en 2021").id,
                              "withdrawn")
    assert {p.entry_id.split("-")[1] for p in render_pledges(pledges, schedule)} == {str(told.id)}
    assert render_pledges(pledges, schedule, [gone.id])  # asked by id: shown all the same


def test_a_schedule_without_pledge_posts_says_where_to_add_them(
        tiny: Callable[..., Path], pledges: PledgeStore, add: Callable[..., Pledge],
        schedule: Schedule) -> None:
    pledge = add(pledges)
    other = load_schedule(tiny())
    with pytest.raises(NoPledgePosts, match="has no 'posts:' section"):
        pledge_posts(other, pledge)


# -- the posts: calendar ---------------------------------------------------------------------
GOOD = """\
schema: 1
form: https://tiny.example.org/pledge
audiences:
  person:
    suggestions:
      - {en: Write to a decision maker, fr: Écrire à un décideur}
posts:
  - id: announce
    month: 2
    day: 16
    time: "10:00"
    template: pledge/02-announce
    title: {en: Announced, fr: Annoncée}
"""


def _load(tmp_path: Path, text: str) -> Any:
    (tmp_path / "pledges.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "tiny.yaml").write_text("schema: 1\n", encoding="utf-8")
    return load_pledges(tmp_path / "tiny.yaml", "pledges.yaml", languages=("en", "fr"),
                        audiences=("person",), line=2)


def test_the_builtin_calendar_has_the_four_posts(schedule: Schedule) -> None:
    assert schedule.pledges is not None
    assert [(p.id, p.month, p.template) for p in schedule.pledges.posts] == [
        ("announce", 2, "pledge/02-announce"), ("progress", 6, "pledge/06-progress"),
        ("review", 7, "pledge/07-review"), ("results", 12, "pledge/12-results")]
    assert len(schedule.entries) == 51  # the schedule's own calendar is unchanged


def test_a_good_posts_section_loads(tmp_path: Path) -> None:
    assert _load(tmp_path, GOOD).posts[0].title == {"en": "Announced", "fr": "Annoncée"}


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param(GOOD.replace("    day: 16\n", "    day: 16\n    colour: red\n"),
                 "pledges.yaml:11 at 'posts[0].colour': unknown key 'colour'", id="unknown-key"),
    pytest.param(GOOD.replace(", fr: Annoncée", ""),
                 "at 'posts[0].title': has no text for language fr", id="missing-language"),
    pytest.param(GOOD.replace("    month: 2\n", "    month: 2\n    date: 02-16\n"),
                 "needs exactly one date rule among date and month (found date, month)",
                 id="two-date-rules"),
    pytest.param(GOOD.replace("    day: 16\n", "    day: 31\n"),
                 "at 'posts[0].day': impossible date", id="impossible-day"),
    pytest.param(GOOD.replace('"10:00"', '"25:00"'), "at 'posts[0].time': string should match",
                 id="bad-time"),
    pytest.param(GOOD.replace("pledge/02-announce", "../../etc/passwd"),
                 "at 'posts[0].template'", id="template-outside"),
    pytest.param(GOOD + GOOD[GOOD.index("  - id: announce"):],
                 "duplicate post id 'announce' (first used at line 8)", id="duplicate-id"),
])
def test_a_bad_posts_section_is_refused_naming_its_line(tmp_path: Path, text: str,
                                                         expected: str) -> None:
    with pytest.raises(ScheduleProblems) as caught:
        _load(tmp_path, text)
    assert expected in caught.value.message


# -- the queue -------------------------------------------------------------------------------
@pytest.fixture
def both(store: Store, database_url: str) -> Iterator[tuple[Store, PledgeStore]]:
    """The queue and the pledges in the same database of the test's backend."""
    pledge_store = PledgeStore(database_url)
    yield store, pledge_store
    pledge_store.close()


def test_posts_are_queued_once_on_the_pledgers_outbox_account(
        both: tuple[Store, PledgeStore], schedule: Schedule, add: Callable[..., Pledge],
        tmp_path: Path) -> None:
    queue, pledge_store = both
    # registered as the secretariat typed it: another case, without the '@'
    account = queue.add_account("x", "travailsn", f"outbox:{tmp_path / 'outbox.jsonl'}")
    queue.add_account("mastodon", "@someone@mastodon.social", "outbox:other.jsonl")
    pledge = _with_progress(pledge_store, add)
    plan = plan_pledge_posts(queue, pledge_store, schedule)
    assert [(p.pledge_id, p.accounts, p.added) for p in plan.planned] == [
        (pledge.id, ("x=travailsn",), 4)]
    queued = queue.posts()
    assert {p.account_id for p in queued} == {account.id}
    assert [p.entry for p in queued] == [f"pledge-{pledge.id}-{k}" for k in
                                         ("announce", "progress", "review", "results")]
    again = plan_pledge_posts(queue, pledge_store, schedule)
    assert (again.added, again.planned[0].unchanged) == (0, 4)
    edited = pledge_store.edit(pledge.id, pledge.form.model_copy(
        update={"title": "Scolariser 2 000 enfants d’ici à la fin 2021"}), smart={},
        kind="country")
    third = plan_pledge_posts(queue, pledge_store, schedule, [edited.id])
    assert (third.added, third.planned[0].updated) == (0, 4)
    assert all("Scolariser 2" in p.text for p in queue.posts())
    assert len(queue.posts()) == 4


def test_a_pledger_without_an_account_gets_a_share_kit(
        both: tuple[Store, PledgeStore], schedule: Schedule, add: Callable[..., Pledge],
        tmp_path: Path) -> None:
    queue, pledge_store = both
    pledge = add(pledge_store, language="es")
    plan = plan_pledge_posts(queue, pledge_store, schedule)
    assert plan.planned == () and plan.without_account == (pledge.id,)
    assert queue.posts() == []
    pages = write_pledge_kits(schedule, pledge_store.pledges(ids=plan.without_account),
                              tmp_path / "kits")
    assert [(p.pledge_id, p.path.name, p.posts) for p in pages] == [
        (pledge.id, f"pledge-{pledge.id}.html", 12)]
    page = pages[0].path.read_text(encoding="utf-8")
    assert '<html lang="es"' in page and "Promesa de acción" in page
    assert pledge.form.title in page


def test_a_withdrawn_pledge_is_not_queued(both: tuple[Store, PledgeStore], schedule: Schedule,
                                          add: Callable[..., Pledge], tmp_path: Path) -> None:
    queue, pledge_store = both
    queue.add_account("x", "@TravailSN", f"outbox:{tmp_path / 'outbox.jsonl'}")
    pledge = pledge_store.set_status(add(pledge_store).id, "withdrawn")
    plan = plan_pledge_posts(queue, pledge_store, schedule)
    assert plan.not_told == ((pledge.id, "withdrawn"),) and queue.posts() == []


def test_accounts_match_by_handle_or_did(both: tuple[Store, PledgeStore],
                                         add: Callable[..., Pledge]) -> None:
    queue, pledge_store = both
    pledge = add(pledge_store, handles={"bluesky": "travail.bsky.social", "x": "@TravailSN"})
    queue.add_account("bluesky", "TRAVAIL.bsky.social", "outbox:b.jsonl")
    queue.add_account("x", "@TravailSenegal", "outbox:x.jsonl")
    found = pledger_accounts(queue.accounts(), pledge, NETWORKS)
    assert {n: a.handle for n, a in found.items()} == {"bluesky": "TRAVAIL.bsky.social"}


def test_a_mastodon_account_registered_with_its_instance_address_is_the_pledgers(
        both: tuple[Store, PledgeStore], add: Callable[..., Pledge]) -> None:
    queue, pledge_store = both
    # as the README registers one: the bare user, the instance in --base-url
    pledge = add(pledge_store, handles={"mastodon": "@travail@mastodon.social"})
    queue.add_account("mastodon", "@travail", "outbox:m.jsonl",
                      base_url="https://Mastodon.Social/")
    queue.add_account("mastodon", "@autre", "outbox:o.jsonl", base_url="https://mastodon.social")
    found = pledger_accounts(queue.accounts(), pledge, NETWORKS)
    assert [(a.handle, a.base_url) for a in found.values()] == [
        ("@travail", "https://Mastodon.Social/")]
    queue.add_account("mastodon", "@travail", "outbox:m.jsonl", base_url="https://other.example")
    assert pledger_accounts(queue.accounts(), pledge, NETWORKS) == {}


def test_a_pledge_withdrawn_after_its_posts_were_queued_has_them_cancelled(
        both: tuple[Store, PledgeStore], schedule: Schedule, add: Callable[..., Pledge],
        tmp_path: Path) -> None:
    queue, pledge_store = both
    queue.add_account("x", "@TravailSN", f"outbox:{tmp_path / 'outbox.jsonl'}")
    pledge = add(pledge_store)
    assert plan_pledge_posts(queue, pledge_store, schedule).added == 4
    pledge_store.set_status(pledge.id, "withdrawn")
    plan = plan_pledge_posts(queue, pledge_store, schedule)
    assert plan.not_told == ((pledge.id, "withdrawn"),) and plan.cancelled == ((pledge.id, 4),)
    assert {str(p.status) for p in queue.posts()} == {"cancelled"}
    assert plan.as_dict()["not_told"] == [{"pledge": pledge.id, "status": "withdrawn",
                                           "cancelled": 4}]
    again = plan_pledge_posts(queue, pledge_store, schedule)  # nothing left to cancel
    assert again.cancelled == () and len(queue.posts()) == 4


def test_posts_left_by_a_removed_handle_or_a_new_language_are_cancelled(
        both: tuple[Store, PledgeStore], schedule: Schedule, add: Callable[..., Pledge],
        tmp_path: Path) -> None:
    queue, pledge_store = both
    queue.add_account("x", "@TravailSN", f"outbox:{tmp_path / 'x.jsonl'}")
    queue.add_account("mastodon", "@travail@mastodon.social", f"outbox:{tmp_path / 'm.jsonl'}")
    pledge = add(pledge_store)
    assert plan_pledge_posts(queue, pledge_store, schedule).added == 8
    # planning one network leaves the other's posts alone
    assert plan_pledge_posts(queue, pledge_store, schedule, networks=["x"]).planned[0].cancelled \
        == 0
    english = pledge_store.edit(pledge.id, pledge.form.model_copy(
        update={"language": "en", "handles": {"x": "@TravailSN"}}), smart={}, kind="country")
    plan = plan_pledge_posts(queue, pledge_store, schedule)
    # the four French posts on X give way to English ones; the Mastodon ones are cancelled
    assert (plan.planned[0].added, plan.planned[0].cancelled) == (4, 8)
    waiting = [p for p in queue.posts() if str(p.status) != "cancelled"]
    assert {(p.network, p.language) for p in waiting} == {("x", "en")}
    gone = pledge_store.edit(english.id, english.form.model_copy(update={"handles": {}}),
                             smart={}, kind="country")
    plan = plan_pledge_posts(queue, pledge_store, schedule)
    assert plan.without_account == (gone.id,) and plan.cancelled == ((gone.id, 4),)
    assert {str(p.status) for p in queue.posts()} == {"cancelled"}
