"""Authors matched to pledgers by the handles their pledges declare, on SQLite and PostgreSQL:
Bluesky by DID (a handle change keeps the match), X by user id once resolved (a rename keeps
it), Mastodon by user@instance whatever the case, and the authors no pledge declares."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from campaign.content.schedule import Schedule
from campaign.errors import UsageError
from campaign.pledges.form import FormRules, validate_form
from campaign.pledges.store import NewPledge, PledgeStore
from campaign.tracking.matching import AuthorMatch, authors, mastodon_key, x_key
from campaign.tracking.store import TrackStore
from tests.pledges.conftest import PLEDGE
from tests.tracking.conftest import T0, make_post

DID = "did:plc:abcdefghijklmnopqrstuvwx"


@pytest.fixture
def add_pledge(tracks: TrackStore, schedule: Schedule) -> Iterator[Callable[..., int]]:
    """Store a real pledge (the form checked) with these handles; its id."""
    pledges = PledgeStore(tracks.url)
    rules = FormRules.from_schedule(schedule, today=date(2021, 3, 1))
    count = iter(range(1, 1000))

    def add(handles: dict[str, str], dids: dict[str, str] | None = None, **changes: Any) -> int:
        data = copy.deepcopy(PLEDGE)
        n = next(count)
        data.update({"name": f"{PLEDGE['name']} {n}", "handles": handles, **changes})
        form = validate_form(data, rules)
        return pledges.add(NewPledge(form=form, kind=rules.audiences[form.audience],
                                     dids=dids or {})).id

    yield add
    pledges.close()


def one(found: list[AuthorMatch], author_id: str) -> AuthorMatch:
    (match,) = [a for a in found if a.author_id == author_id]
    return match


def test_a_bluesky_handle_change_is_still_matched_by_did(
        tracks: TrackStore, add_pledge: Callable[..., int]) -> None:
    pledge_id = add_pledge({"bluesky": "travail.bsky.social"}, {"bluesky": DID})
    tracks.save_posts("s", [make_post(1, network="bluesky", author=DID,
                                      handle="travail.bsky.social")])
    # the pledger renames themselves on Bluesky: a later post carries the new handle
    tracks.save_posts("s", [make_post(2, network="bluesky", author=DID,
                                      handle="travail-senegal.bsky.social",
                                      read_at=T0 + timedelta(days=1))])
    match = one(authors(tracks, "pledgers"), DID)
    assert match.handle == "travail-senegal.bsky.social"
    assert [p.pledge_id for p in match.pledgers] == [pledge_id]
    assert (match.pledgers[0].organisation, match.pledgers[0].audience,
            match.pledgers[0].country) == (f"{PLEDGE['name']} 1", "country", "SN")
    assert match.posts == 2 and match.first_post == T0 - timedelta(minutes=2)
    assert match.last_post == T0 - timedelta(minutes=1)


def test_a_bluesky_pledge_without_a_did_is_matched_by_handle(
        tracks: TrackStore, add_pledge: Callable[..., int]) -> None:
    pledge_id = add_pledge({"bluesky": "travail.bsky.social"})
    tracks.save_posts("s", [make_post(1, network="bluesky", author=DID,
                                      handle="Travail.bsky.social")])
    assert [p.pledge_id for p in one(authors(tracks), DID).pledgers] == [pledge_id]


def test_an_x_rename_is_matched_by_the_user_id_once_resolved(
        tracks: TrackStore, add_pledge: Callable[..., int]) -> None:
    pledge_id = add_pledge({"x": "@TravailSN"})
    tracks.save_posts("s", [make_post(1, network="x", author="4242", handle="travailsn")])
    assert [p.pledge_id for p in one(authors(tracks, network="x"), "4242").pledgers] == [pledge_id]
    pledges = PledgeStore(tracks.url)
    assert pledges.get(pledge_id).dids == {"x": "4242"}  # the id is recorded on the pledge
    assert pledges.events(pledge_id)[-1].detail["did"] == "4242"
    pledges.close()
    # renamed; and someone else takes the old name: the id decides, not the name
    tracks.save_posts("s", [make_post(2, network="x", author="4242", handle="TravailSenegal",
                                      read_at=T0 + timedelta(days=1)),
                            make_post(3, network="x", author="777", handle="TravailSN",
                                      read_at=T0 + timedelta(days=1))])
    found = authors(tracks.url, "all", "x")
    assert [p.pledge_id for p in one(found, "4242").pledgers] == [pledge_id]
    assert not one(found, "777").matched


def test_an_x_account_renamed_before_its_first_match_is_found_by_its_history(
        tracks: TrackStore, add_pledge: Callable[..., int]) -> None:
    pledge_id = add_pledge({"x": "@TravailSN"})
    tracks.save_posts("s", [make_post(1, network="x", author="4242", handle="TravailSN")])
    tracks.save_posts("s", [make_post(2, network="x", author="4242", handle="NewName",
                                      read_at=T0 + timedelta(days=1))])
    assert [p.pledge_id for p in one(authors(tracks), "4242").pledgers] == [pledge_id]


@pytest.mark.parametrize("declared", [
    pytest.param("@travail@mastodon.social", id="as-stored"),
    pytest.param("@Travail@Mastodon.Social", id="mixed-case"),
])
def test_mastodon_is_matched_by_user_at_instance_whatever_the_case(
        tracks: TrackStore, add_pledge: Callable[..., int], declared: str) -> None:
    pledge_id = add_pledge({"mastodon": declared})
    tracks.save_posts("s", [make_post(1, network="mastodon", author="Travail@MASTODON.social",
                                      handle="Travail@MASTODON.social")])
    match = one(authors(tracks, "pledgers"), "Travail@MASTODON.social")
    assert [p.pledge_id for p in match.pledgers] == [pledge_id]


def test_unmatched_lists_only_the_authors_no_pledge_declares(
        tracks: TrackStore, add_pledge: Callable[..., int]) -> None:
    add_pledge({"x": "@TravailSN", "mastodon": "@travail@mastodon.social"})
    tracks.save_posts("s", [
        make_post(1, network="x", author="1", handle="TravailSN"),
        make_post(2, network="x", author="2", handle="someone"),
        make_post(3, network="x", author="2", handle="someone"),
        make_post(4, network="mastodon", author="bob@mastodon.social", handle="bob"),
        make_post(5, network="bluesky", author=DID, handle="alice.bsky.social"),
    ])
    unmatched = authors(tracks, "unmatched")
    assert [(a.network, a.author_id, a.posts) for a in unmatched] == [
        ("x", "2", 2), ("bluesky", DID, 1), ("mastodon", "bob@mastodon.social", 1)]
    assert [a.author_id for a in authors(tracks, "pledgers")] == ["1"]
    assert len(authors(tracks)) == 4
    assert [a.author_id for a in authors(tracks, "unmatched", "mastodon")] == [
        "bob@mastodon.social"]
    as_json = unmatched[0].as_dict()
    assert as_json["first_post"].endswith("Z") and as_json["pledgers"] == []


def test_an_unknown_choice_names_the_choices(tracks: TrackStore) -> None:
    with pytest.raises(UsageError, match="pledgers"):
        authors(tracks, "friends")


def test_an_empty_store_has_no_authors(tracks: TrackStore) -> None:
    assert authors(tracks) == []


def test_handles_are_compared_as_their_networks_do() -> None:
    assert x_key(" @ILO ") == x_key("ilo")
    assert mastodon_key("@Ilo@Mastodon.SOCIAL") == "ilo@mastodon.social"


def test_an_archive_never_ties_an_x_pledge_to_an_account_for_good(
        tracks: TrackStore, add_pledge: Callable[..., int]) -> None:
    """An archive line anyone could write claims that id 666 is @TravailSN: shown as matched by
    its username while it is, never recorded; the account a collector reads from X is."""
    from campaign.pledges.store import PledgeStore

    pledge_id = add_pledge({"x": "@TravailSN"})
    tracks.save_posts("import:forged.jsonl", [make_post(1, network="x", author="666",
                                                        handle="TravailSN")])
    assert [p.pledge_id for p in one(authors(tracks), "666").pledgers] == [pledge_id]
    assert not PledgeStore(tracks.url).get(pledge_id).dids.get("x")
    tracks.save_posts("x-search:https://api.x.com", [
        make_post(2, network="x", author="4242", handle="TravailSN",
                  read_at=T0 + timedelta(hours=1))])
    found = authors(tracks)
    assert [p.pledge_id for p in one(found, "4242").pledgers] == [pledge_id]
    assert one(found, "666").pledgers == ()
    assert PledgeStore(tracks.url).get(pledge_id).dids.get("x") == "4242"
