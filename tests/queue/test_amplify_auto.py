"""`amplify auto` on SQLite and PostgreSQL: each rule of the policy proven on stored posts,
pledges and accounts; every decision in the audit log (none in a dry run); a second pass never
queues a post twice; the queued posts go out through the runner, once."""

from __future__ import annotations

import copy
import dataclasses
import json
import textwrap
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from campaign.content.schedule import Schedule
from campaign.pledges.form import FormRules
from campaign.pledges.store import PledgeStore
from campaign.pledges.submission import prepare
from campaign.queue.amplify import queue_amplification
from campaign.queue.amplify_auto import Decisions, decide
from campaign.queue.amplify_log import decision_log
from campaign.queue.amplify_policy import load_policy
from campaign.queue.models import AmplifyDecision, QueuedPost
from campaign.queue.store import Store
from campaign.tracking.records import Observation, PostKind
from campaign.tracking.store import TrackStore
from tests.pledges.conftest import PLEDGE
from tests.tracking.conftest import T0, make_post

NOW = T0 + timedelta(hours=1)  # 2021-06-12 09:00 UTC, 11:00 in Zurich
PLEDGER = {"author": "4242", "handle": "TravailSN"}  # PLEDGE's X handle
STRANGER = {"author": "777", "handle": "someone"}


@pytest.fixture
def world(store: Store, schedule: Schedule, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """Two outbox accounts, a pledge (X @TravailSN, Mastodon), and the stores."""
    store.add_account("x", "@ILO_fr", f"outbox:{tmp_path / 'x.jsonl'}")
    store.add_account("bluesky", "ilo.bsky.social", f"outbox:{tmp_path / 'bsky.jsonl'}")
    tracks, pledges = TrackStore(store.url), PledgeStore(store.url)
    rules = FormRules.from_schedule(schedule, today=date(2021, 3, 1))

    def pledge(status: str = "submitted", **changes: Any) -> int:
        data = copy.deepcopy(PLEDGE)
        data.update(changes)
        item, _ = prepare(data, rules)
        added = pledges.add(item).id
        if status != "submitted":
            pledges.set_status(added, status)
        return added

    pledge()
    yield {"store": store, "tracks": tracks, "pledge": pledge, "dir": tmp_path}
    tracks.close()
    pledges.close()


def posts(world: dict[str, Any], *items: Observation) -> None:
    world["tracks"].save_posts("test", list(items))


def post(n: int, who: dict[str, str] = PLEDGER, *, at: datetime | None = None,
         **extra: Any) -> Observation:
    made = make_post(n, author=who["author"], handle=who["handle"],
                     language=extra.pop("language", "fr"), **extra)
    return dataclasses.replace(made, created_at=at) if at else made


def policy(world: dict[str, Any], text: str = "", accounts: str = "[x=@ILO_fr]") -> Any:
    path = world["dir"] / "policy.yaml"
    path.write_text(f"accounts: {accounts}\n" + textwrap.dedent(text), encoding="utf-8")
    return load_policy(path)


def run(world: dict[str, Any], text: str = "", *, now: datetime = NOW, dry_run: bool = False,
        accounts: str = "[x=@ILO_fr]") -> Decisions:
    return decide(world["store"], policy(world, text, accounts), now=now, dry_run=dry_run)


def why(result: Decisions) -> dict[str, str]:
    """remote id -> decision:reason, for one account's decisions."""
    return {d.remote_id: f"{d.decision}:{d.reason}" for d in result.items}


def test_pledgers_only_by_default(world: dict[str, Any]) -> None:
    posts(world, post(1), post(2, STRANGER))
    result = run(world)
    assert why(result) == {"1": "queued:chosen", "2": "skipped:not-a-pledger"}
    (queued,) = [d for d in result.items if d.decision == "queued"]
    row = world["store"].get(queued.queued_post_id)
    assert (row.kind, row.target, row.network, row.language) == ("repost", "1", "x", "fr")


def test_a_withdrawn_pledger_is_not_amplified(world: dict[str, Any]) -> None:
    world["pledge"]("withdrawn", name="Autre", handles={"x": "@Other"})
    posts(world, post(1, {"author": "9", "handle": "other"}))
    assert why(run(world)) == {"1": "skipped:pledge-status"}
    assert why(run(world, "pledge_statuses: [accepted]\n")) == {"1": "skipped:pledge-status"}


def test_a_list_of_handles_instead_of_pledgers(world: dict[str, Any]) -> None:
    posts(world, post(1), post(2, STRANGER))
    assert why(run(world, "who: [x:@Someone]\n")) == {"1": "skipped:not-listed",
                                                     "2": "queued:chosen"}


def test_originals_only_unless_replies_are_allowed(world: dict[str, Any]) -> None:
    posts(world, post(1, kind=PostKind.REPLY), post(2, kind=PostKind.QUOTE),
          post(3, kind=PostKind.REPOST), post(4))
    assert why(run(world, dry_run=True)) == {
        "1": "skipped:reply", "2": "skipped:quote",
        "3": "skipped:repost", "4": "would-queue:chosen"}
    assert why(run(world, "allow_replies: true\nallow_quotes: true\n", dry_run=True)) == {
        "1": "would-queue:chosen", "2": "would-queue:chosen", "3": "skipped:repost",
        "4": "would-queue:chosen"}


def test_never_the_same_post_twice(world: dict[str, Any]) -> None:
    posts(world, post(1), post(2))
    first = run(world)
    assert first.queued == 2
    second = run(world, now=NOW + timedelta(minutes=15))
    assert why(second) == {"1": "skipped:already-amplified", "2": "skipped:already-amplified"}
    # a quote now of what was reposted is still the same post twice
    assert run(world, "action: quote\nquote_text: {fr: Bravo}\n").queued == 0
    store = world["store"]
    assert sum(1 for p in store.posts() if p.kind == "repost") == 2
    # one reposted by hand (by its address) counts too
    posts(world, post(3))
    queue_amplification(store, store.named_account("x=@ILO_fr"), "repost",
                        "https://x.com/TravailSN/status/3", text="", when=NOW, language="fr",
                        review=False)
    assert why(run(world))["3"] == "skipped:already-amplified"


def test_each_account_amplifies_its_own_network(world: dict[str, Any]) -> None:
    world["pledge"](name="Bsky", handles={"bluesky": "travail.bsky.social"})
    at_uri = "at://did:plc:abc/app.bsky.feed.post/3kx"
    posts(world, post(1), dataclasses.replace(
        make_post(2, network="bluesky", author="did:plc:abc", handle="travail.bsky.social",
                  language="fr"), remote_id=at_uri))
    result = run(world, accounts="[x=@ILO_fr, bluesky=ilo.bsky.social]")
    found = {(d.remote_id, d.account): f"{d.decision}:{d.reason}" for d in result.items}
    # no decision at all for a post of another network: nothing a person could act on
    assert found == {("1", "x=@ILO_fr"): "queued:chosen",
                     (at_uri, "bluesky=ilo.bsky.social"): "queued:chosen"}
    assert result.total == 2 and result.logged == 2


def test_the_daily_cap_counts_on_the_accounts_clock(world: dict[str, Any]) -> None:
    store = world["store"]
    # amplified by hand at 01:00 UTC: 12 June in UTC, still 11 June (20:00) in Lima
    posts(world, post(9))
    queue_amplification(store, store.named_account("x=@ILO_fr"), "repost", "9", text="",
                        when=datetime(2021, 6, 12, 1, 0, tzinfo=UTC), language="fr", review=False)
    now = datetime(2021, 6, 12, 6, 0, tzinfo=UTC)  # 01:00 on 12 June in Lima
    posts(world, *(post(n, at=now - timedelta(hours=1, minutes=n)) for n in (1, 2, 3)))
    in_utc = run(world, "max_per_day: 2\ntimezone: UTC\n", now=now, dry_run=True)
    assert [why(in_utc)[k] for k in "123"] == ["would-queue:chosen", "skipped:daily-cap",
                                               "skipped:daily-cap"]
    in_lima = run(world, "max_per_day: 2\ntimezone: America/Lima\n", now=now)
    assert [why(in_lima)[k] for k in "123"] == ["queued:chosen", "queued:chosen",
                                                "skipped:daily-cap"]  # newest first
    capped = next(d for d in in_lima.items if d.reason == "daily-cap")
    assert "2021-06-12 (America/Lima)" in capped.message()
    assert "le 2021-06-12 (America/Lima)" in capped.message("fr")
    assert json.loads(capped.detail) == {"note": "daily-cap", "count": 2, "day": "2021-06-12",
                                         "timezone": "America/Lima", "max_per_day": 2}


@pytest.mark.parametrize(("now", "due", "reason"), [
    (datetime(2021, 6, 12, 21, 30, tzinfo=UTC), datetime(2021, 6, 13, 5, 0, tzinfo=UTC),
     "after-quiet-hours"),  # 23:30 in Zurich: due at 07:00 the next morning
    (datetime(2021, 6, 12, 22, 30, tzinfo=UTC), datetime(2021, 6, 13, 5, 0, tzinfo=UTC),
     "after-quiet-hours"),  # 00:30, past midnight
    (datetime(2021, 6, 13, 4, 59, tzinfo=UTC), datetime(2021, 6, 13, 5, 0, tzinfo=UTC),
     "after-quiet-hours"),
    (datetime(2021, 6, 13, 5, 0, tzinfo=UTC), datetime(2021, 6, 13, 5, 0, tzinfo=UTC), "chosen"),
    (datetime(2021, 6, 12, 19, 59, tzinfo=UTC), datetime(2021, 6, 12, 19, 59, tzinfo=UTC),
     "chosen"),  # 21:59
], ids=["evening", "after-midnight", "a-minute-before-the-end", "the-end", "before"])
def test_quiet_hours_across_midnight(world: dict[str, Any], now: datetime, due: datetime,
                                     reason: str) -> None:
    posts(world, post(1, at=now - timedelta(hours=1)))
    (decision,) = run(world, 'quiet_hours: "22:00-07:00"\ntimezone: Europe/Zurich\n',
                      now=now).items
    assert (decision.decision, decision.reason, decision.due_at) == ("queued", reason, due)
    assert world["store"].get(decision.queued_post_id).due_at == due


def test_min_and_max_age(world: dict[str, Any]) -> None:
    posts(world, post(1, at=NOW - timedelta(minutes=10)), post(2, at=NOW - timedelta(hours=2)),
          post(3, at=NOW - timedelta(days=3, hours=2)),
          post(4, at=NOW - timedelta(days=30)),  # past the lookback: not even read
          post(5, at=NOW + timedelta(minutes=5)))  # after now: not yet posted
    assert why(run(world, "min_age: 30m\nmax_age: 3d\n", dry_run=True)) == {
        "1": "skipped:too-young", "2": "would-queue:chosen", "3": "skipped:too-old"}


def test_languages_hashtags_and_the_block_list(world: dict[str, Any]) -> None:
    posts(world, post(1, language="de"), post(2, tags=("otherthing",)),
          post(3, links=("https://www.bit.ly/abc",)),
          dataclasses.replace(post(4), text="Gagnez au CASINO aujourd'hui #EndChildLabour2021"),
          post(5, {"author": "66", "handle": "Spam_Account"}), post(6, language="es"))
    world["pledge"](name="Spam", handles={"x": "@spam_account"})
    text = ("languages: [fr, es]\nblock:\n  handles: [x:@spam_account]\n  words: [casino]\n"
            "  domains: [bit.ly]\n")
    result = run(world, text, dry_run=True)
    assert why(result) == {"1": "skipped:language", "2": "skipped:hashtag", "3": "skipped:blocked",
                           "4": "skipped:blocked", "5": "skipped:blocked", "6": "would-queue:chosen"}
    details = {d.remote_id: d.message() for d in result.items}
    assert "www.bit.ly" in details["3"] and "“casino”" in details["4"]
    assert "x:Spam_Account" in details["5"]
    french = {d.remote_id: d.message("fr") for d in result.items}
    assert french["1"] == "en de, pas en fr, es" and french["3"] == "un lien vers www.bit.ly"
    assert {d.remote_id: d.message("es") for d in result.items}["4"] == \
        "el texto contiene «casino»"


def test_a_language_counts_by_its_primary_tag(world: dict[str, Any]) -> None:
    posts(world, post(1, language="fr-CA"), post(2, language="en-US"))
    assert why(run(world, "languages: [fr]\n", dry_run=True)) == {
        "1": "would-queue:chosen", "2": "skipped:language"}
    result = run(world, "languages: [fr]\naction: quote\nquote_text: {en: Look, fr: Voyez}\n")
    (chosen,) = [d for d in result.items if d.decision == "queued"]
    assert world["store"].get(chosen.queued_post_id).text == "Voyez"  # fr-CA: the French words


def test_a_blocked_domain_written_without_its_scheme(world: dict[str, Any]) -> None:
    texts = {1: "Gagnez sur bit.ly/abc #EndChildLabour2021", 2: "Voir SUB.BIT.LY/x",
             3: "notbit.ly et bit.lyx #EndChildLabour2021", 4: "écrire à a@bit.ly"}
    posts(world, *(dataclasses.replace(post(n), text=t) for n, t in texts.items()))
    result = run(world, "block:\n  domains: [bit.ly]\nhashtags: []\n", dry_run=True)
    assert why(result) == {"1": "skipped:blocked", "2": "skipped:blocked",
                           "3": "would-queue:chosen", "4": "skipped:blocked"}
    assert {d.remote_id: d.message() for d in result.items}["2"] == "a link to sub.bit.ly"


def _counts(store: Store) -> tuple[int, int]:
    with store._session() as s:
        return (int(s.scalar(select(func.count()).select_from(QueuedPost)) or 0),
                int(s.scalar(select(func.count()).select_from(AmplifyDecision)) or 0))


def test_a_dry_run_writes_nothing(world: dict[str, Any]) -> None:
    posts(world, post(1), post(2, STRANGER))
    before = _counts(world["store"])
    result = run(world, dry_run=True)
    assert _counts(world["store"]) == before == (0, 0)
    assert why(result) == {"1": "would-queue:chosen", "2": "skipped:not-a-pledger"}
    assert result.as_dict()["dry_run"] is True and result.queued == 1


def test_the_audit_log_records_every_decision(world: dict[str, Any]) -> None:
    posts(world, post(1), post(2, STRANGER), post(3, kind=PostKind.REPLY))
    result = run(world, accounts="[x=@ILO_fr, bluesky=ilo.bsky.social]")
    assert len(result.items) == 3 and _counts(world["store"]) == (1, 3)
    logged = decision_log(world["store"])
    assert {(d.remote_id, d.account, d.decision, d.reason) for d in logged} == {
        (d.remote_id, d.account, d.decision, d.reason) for d in result.items}
    assert {d.run for d in logged} == {result.run}
    assert all(d.policy.startswith("policy sha256:") for d in logged)
    queued = next(d for d in logged if d.decision == "queued")
    assert queued.author == "TravailSN" and queued.queued_post_id is not None
    assert decision_log(world["store"], since=NOW + timedelta(seconds=1)) == []
    assert len(decision_log(world["store"], limit=2)) == 2


def test_a_repeated_decision_is_not_logged_again(world: dict[str, Any]) -> None:
    """The runner's turns every 15 minutes: the second logs only what changed."""
    posts(world, post(1, at=NOW - timedelta(minutes=10)), post(2, STRANGER),
          post(3, kind=PostKind.REPLY), post(4))
    first = run(world)
    assert why(first) == {"1": "skipped:too-young", "2": "skipped:not-a-pledger",
                          "3": "skipped:reply", "4": "queued:chosen"}
    assert first.logged == 4 and _counts(world["store"]) == (1, 4)
    second = run(world, now=NOW + timedelta(minutes=15))  # 25 minutes old: still too young
    assert second.total == 4 and second.logged == 1  # only 4: chosen -> already amplified
    assert {(d.remote_id, d.reason) for d in decision_log(world["store"])
            if d.run == second.run} == {("4", "already-amplified")}
    third = run(world, now=NOW + timedelta(minutes=30))  # post 1 is 40 minutes old: chosen
    assert third.logged == 1 and why(third)["1"] == "queued:chosen"
    assert run(world, now=NOW + timedelta(minutes=45)).logged == 1  # 1: now already amplified
    assert run(world, now=NOW + timedelta(minutes=60)).logged == 0
    assert _counts(world["store"]) == (2, 7)
    # another detail, same decision and reason: still a repeat (the age in too-young changes)
    log_rows = decision_log(world["store"])
    assert sum(1 for d in log_rows if d.remote_id == "1" and d.reason == "too-young") == 1


def test_a_pass_counts_every_decision_and_holds_only_those_kept(world: dict[str, Any]) -> None:
    posts(world, *(post(n, STRANGER) for n in range(1, 8)), post(8))
    result = decide(world["store"], policy(world), now=NOW, dry_run=True, keep=3)
    assert len(result.items) == 3 and result.total == 8
    assert result.queued == 1 and result.skipped == {"not-a-pledger": 7}
    assert [d.remote_id for d in result.items] == ["1", "2", "3"]  # newest first
    assert result.as_dict()["total"] == 8 and len(result.as_dict()["decisions"]) == 3


def test_queued_posts_go_out_through_the_runner_once(world: dict[str, Any]) -> None:
    from campaign.platforms.pool import PublisherPool
    from campaign.queue.runner import Dispatcher

    posts(world, post(1), post(2))
    store = world["store"]
    pool = PublisherPool(clock=lambda: NOW)
    try:
        assert run(world).queued == 2
        first = Dispatcher(store, pool, worker="w", clock=lambda: NOW).run_once()
        assert first.published == 2
        assert run(world).queued == 0  # a second pass: already amplified
        assert Dispatcher(store, pool, worker="w", clock=lambda: NOW).run_once().published == 0
    finally:
        pool.close()
    lines = [json.loads(line) for line in
             (world["dir"] / "x.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted((r["kind"], r["target"]) for r in lines) == [("repost", "1"), ("repost", "2")]


def test_a_failing_chore_does_not_stop_the_runner(world: dict[str, Any]) -> None:
    from campaign.platforms.memory import MemoryPublisher
    from campaign.queue.amplify_auto import scheduled
    from campaign.queue.runner import Chore, Dispatcher, Runner

    posts(world, post(1))
    path = world["dir"] / "policy.yaml"
    path.write_text("accounts: [x=@ILO_fr]\n", encoding="utf-8")
    calls: list[str] = []

    def broken() -> None:
        calls.append("broken")
        raise RuntimeError("boom")

    publisher = MemoryPublisher()
    dispatcher = Dispatcher(world["store"], lambda p: publisher, worker="w", clock=lambda: NOW)
    runner = Runner(dispatcher, chores=[
        Chore("broken", timedelta(minutes=1), broken),
        Chore("amplify", timedelta(minutes=15), scheduled(world["store"], path, lambda: NOW))])
    runner._chore_due("broken")
    runner._chore_due("amplify")
    runner.run_chores()
    assert calls == ["broken"]
    assert dispatcher.run_once().published == 1  # what the policy chose goes out
    runner.run_chores()  # nothing due: nothing done
    assert calls == ["broken"]
