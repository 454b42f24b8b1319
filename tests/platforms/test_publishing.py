"""Publishing for real, on each network's test server: `campaign run` end to end, read back from the
server; a crash between the network call and the database update; rate-limit and 5xx storms;
refused credentials; secrets that never leak; reposts and quotes.

X and Mastodon are local doubles built from recorded real traffic; Bluesky is a real PDS.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import Result

from campaign.platforms.pool import PublisherPool
from campaign.queue.engine import utcnow
from campaign.queue.runner import Dispatcher, Policy
from campaign.queue.store import Store
from tests.servers.mastodon import MastodonDouble
from tests.servers.networks import (
    NETWORKS,
    Live,
    bluesky_account,
    mastodon_account,
    x_account,
)

ROOT = Path(__file__).resolve().parents[2]
ZONE = "Europe/Paris"
CREATE_PATH = {"x": "/2/tweets", "mastodon": "/api/v1/statuses",
               "bluesky": "/xrpc/com.atproto.repo.putRecord"}
JOURNEE = ("🌍 Aujourd’hui, Journée mondiale contre le travail des enfants ✊🏽 : l’école, pas "
           "l’usine ! {{ campaign.hashtag }} #ÉducationPourTous")
FIL = ("Près de 160 millions d’enfants travaillent encore dans le monde, et la pandémie menace "
       "d’en pousser des millions d’autres vers le travail. L’Année internationale pour "
       "l’élimination du travail des enfants appelle chacun à agir : gouvernements, employeurs, "
       "syndicats, société civile et personnes engagées. Prenez un engagement concret, mesurable "
       "et daté, partagez-le, puis rendez compte de ce qu’il a changé. Les engagements "
       "d’action réunis en 2021 montreront ce qui marche, ce que cela coûte et comment "
       "l’étendre. Ensemble, mettons fin au travail des enfants 🧒🏾📚 {{ campaign.hashtag }} "
       "#Agir")
CARTE = ("Qu’est-ce que le travail des enfants ? Tout comprendre en cinq minutes : "
         "https://endchildlabour2021.org/fr {{ campaign.hashtag }}")


def schedule_text(today: str) -> str:
    """Three entries due today: an image post, a thread, a post with a link card."""
    return textwrap.dedent(f"""\
        schema: 1
        templates: tpl
        campaign:
          id: essai
          name: {{fr: Campagne d’essai}}
          year: {today[:4]}
          hashtag: "#EndChildLabour2021"
          site: https://endchildlabour2021.org
          contact: contact@example.org
          languages: [fr]
          timezone: {ZONE}
        audiences:
          - id: person
            kind: individual
            name: {{fr: Personne}}
        entries:
          - id: journee
            kind: observance
            title: {{fr: Journée mondiale}}
            date: {today}
            time: "00:00"
            audiences: [person]
            template: journee
            image:
              file: visuel.png
              alt: {{fr: "Visuel orange barré d’une large bande blanche"}}
          - id: fil
            title: {{fr: Un fil}}
            date: {today}
            time: "00:01"
            audiences: [person]
            template: fil
            thread: true
          - id: carte
            title: {{fr: S’informer sur le travail des enfants}}
            date: {today}
            time: "00:02"
            audiences: [person]
            template: carte
            card: true
        """)


@pytest.fixture(params=NETWORKS)
def live(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    """An account on the network's test server, its secrets in the environment."""
    if request.param == "bluesky":
        context = bluesky_account(request.getfixturevalue("local_pds"))
    else:
        context = x_account() if request.param == "x" else mastodon_account()
    with context as account:
        for name, value in account.env.items():
            monkeypatch.setenv(name, value)
        yield account


@pytest.fixture
def essai(tmp_path: Path) -> Path:
    """The test schedule, its templates and its image, due today in its timezone."""
    today = datetime.now(ZoneInfo(ZONE)).date().isoformat()
    for name, body in (("journee", JOURNEE), ("fil", FIL), ("carte", CARTE)):
        folder = tmp_path / "tpl" / "fr"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.j2").write_text(body, encoding="utf-8")
    shutil.copy(ROOT / "schedules" / "media" / "world-day-2021.png", tmp_path / "visuel.png")
    path = tmp_path / "essai.yaml"
    path.write_text(schedule_text(today), encoding="utf-8")
    return path


def planned(run: Callable[..., Result], live: Live, schedule: Path, db: str) -> None:
    """Database, account and plan: what a communications team does before the runner."""
    for args in (("db", "upgrade"),
                 ("accounts", "add", live.network, live.handle, "--base-url", live.base_url),
                 ("queue", "plan", "--schedule", schedule, "--account", live.name)):
        result = run(*args, "--db", db)
        assert result.exit_code == 0, result.output


def expected_parts(db: str) -> list[list[str]]:
    store = Store(db)
    try:
        return [json.loads(p.parts_json) for p in store.posts()]
    finally:
        store.close()


def assert_each_part_once(live: Live, db: str) -> None:
    """Every part of every planned post is on the server exactly once, threads chained."""
    posted = live.read_back()
    texts = [p.text for p in posted]
    for parts in expected_parts(db):
        for part in parts:
            assert texts.count(part) == 1, (part, texts)
        chain = [next(p for p in posted if p.text == part) for part in parts]
        assert chain[0].reply_to is None
        for parent, child in itertools.pairwise(chain):
            assert child.reply_to == parent.id, "thread parts must reply to the part before"


def test_accounts_test_signs_in_and_says_who(run: Callable[..., Result], live: Live,
                                             tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    run("db", "upgrade", "--db", db)
    run("accounts", "add", live.network, live.handle, "--base-url", live.base_url, "--db", db)
    result = run("accounts", "test", live.name, "--db", db)
    assert result.exit_code == 0, result.output
    assert "ok" in result.output and f"signed in as @{live.handle.lstrip('@')}" in result.output
    [row] = json.loads(run("accounts", "test", "--json", "--db", db).output)
    assert row["ok"] and row["user_id"]
    if live.network == "mastodon":
        assert row["settings"]["max_characters"] == 500


def test_campaign_run_publishes_everything_once_with_facets_alt_text_and_threads(
        run: Callable[..., Result], live: Live, essai: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    planned(run, live, essai, db)
    result = run("run", "--once", "--grace", "30h", "--json", "--db", db)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output[result.output.index("{"):])
    assert report["published"] == 3 and report["failed"] == 0, result.output
    assert_each_part_once(live, db)
    posted = live.read_back()
    journee = next(p for p in posted if p.text.startswith("🌍 Aujourd’hui"))
    assert journee.alts == ("Visuel orange barré d’une large bande blanche",)
    for post in posted:
        assert post.language in (None, "fr")
    # hashtags with accents are clickable (Bluesky: facets checked byte for byte on read-back)
    assert {"EndChildLabour2021", "ÉducationPourTous"} <= {t for t in journee.tags} | \
        {t.lower() for t in journee.tags} or \
        {"endchildlabour2021", "éducationpourtous"} <= {t.lower() for t in journee.tags}
    fil = [p for p in posted if "(1/" in p.text or "(2/" in p.text or "(3/" in p.text]
    assert len(fil) >= 2, "the long entry went out as a thread"
    store = Store(db)
    assert {p.status for p in store.posts()} == {"published"}
    assert all(p.remote_id and p.remote_url for p in store.posts())
    store.close()
    again = run("run", "--once", "--grace", "30h", "--json", "--db", db)
    assert json.loads(again.output[again.output.index("{"):])["published"] == 0
    assert len(live.read_back()) == len(posted)


def test_deleting_a_published_post_removes_every_part_of_it(
        run: Callable[..., Result], live: Live, essai: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    planned(run, live, essai, db)
    run("run", "--once", "--grace", "30h", "--db", db)
    store = Store(db)
    thread = next(p for p in store.posts() if p.entry == "fil")
    store.close()
    before = len(live.read_back())
    result = run("queue", "delete", str(thread.id), "--db", db)
    assert result.exit_code == 0 and "Deleted 1 post(s)." in result.output, result.output
    after = live.read_back()
    assert len(after) == before - len(json.loads(thread.parts_json))
    assert not any("(1/" in p.text for p in after)
    assert json.loads(run("queue", "show", str(thread.id), "--json", "--db", db).output)[
        "status"] == "deleted"


def test_bluesky_link_card_is_built_for_the_first_link(run: Callable[..., Result],
                                                       essai: Path, tmp_path: Path,
                                                       local_pds: Any,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    with bluesky_account(local_pds) as live:
        for name, value in live.env.items():
            monkeypatch.setenv(name, value)
        db = f"sqlite:///{tmp_path / 'c.db'}"
        planned(run, live, essai, db)
        run("run", "--once", "--grace", "30h", "--db", db)
        records = local_pds.list_records(live.extra["did"])
        card = next(r["value"] for r in records if "cinq minutes" in r["value"]["text"])
        assert card["embed"]["$type"] == "app.bsky.embed.external"
        assert card["embed"]["external"]["uri"] == "https://endchildlabour2021.org/fr"
        assert card["embed"]["external"]["title"] == "S’informer sur le travail des enfants"
        image = next(r["value"] for r in records if r["value"]["text"].startswith("🌍"))
        assert image["embed"]["images"][0]["aspectRatio"] == {"width": 1200, "height": 675}


def test_x_publishes_with_an_oauth2_user_token(run: Callable[..., Result], essai: Path,
                                               tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    with x_account() as live:
        prefix = next(iter(live.env)).rsplit("_CONSUMER_KEY", 1)[0]
        monkeypatch.setenv(f"{prefix}_OAUTH2_TOKEN", live.extra["oauth2_token"])
        db = f"sqlite:///{tmp_path / 'c.db'}"
        planned(run, live, essai, db)
        result = run("run", "--once", "--grace", "30h", "--db", db)
        assert "Published 3" in result.output, result.output
        assert_each_part_once(live, db)
        assert {r.auth for r in live.server.requests if r.method == "POST"} == {"oauth2"}


def test_mastodon_posts_with_the_account_visibility(run: Callable[..., Result], essai: Path,
                                                    tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    with mastodon_account() as live:
        for name, value in live.env.items():
            monkeypatch.setenv(name, value)
        db = f"sqlite:///{tmp_path / 'c.db'}"
        run("db", "upgrade", "--db", db)
        run("accounts", "add", "mastodon", live.handle, "--base-url", live.base_url,
            "--visibility", "unlisted", "--db", db)
        run("queue", "plan", "--schedule", essai, "--account", live.name, "--db", db)
        run("run", "--once", "--grace", "30h", "--db", db)
        statuses = live.server.live_statuses("ilo")  # type: ignore[attr-defined]
        assert statuses and {s["visibility"] for s in statuses} == {"unlisted"}
        assert {s["language"] for s in statuses} == {"fr"}


def test_bluesky_mentions_resolve_to_dids_and_threads_keep_their_root(local_pds: Any) -> None:
    from campaign.platforms.base import Claimed
    from campaign.platforms.bluesky.publisher import BlueskyPublisher
    from campaign.platforms.credentials import Secrets
    from campaign.text.facets import bluesky_facets, facets_to_atproto

    with bluesky_account(local_pds) as live:
        parts = (f"Merci @{live.handle} pour votre engagement 🙌 #EndChildLabour2021 (1/3)",
                 "Deuxième partie du fil, avec des accents : é, è, à. (2/3)",
                 "Troisième partie #ÉducationPourTous (3/3)")
        when = utcnow()
        post = Claimed(
            id=1, idempotency_key="m" * 32, post_key="t/e/a/fr/bluesky", network="bluesky",
            account_id=1, handle=live.handle, credentials_ref="", base_url=live.base_url,
            language="fr", text=" ".join(parts), parts=parts,
            facets=[facets_to_atproto(bluesky_facets(p)) for p in parts], due_at=when,
            timezone=ZONE, day_bound=False, deadline_at=None, attempts=1, created_at=when,
            first_attempt_at=when)
        publisher = BlueskyPublisher(live.handle, Secrets(dict(live.secrets)), live.base_url)
        published = publisher.publish(post)
        publisher.close()
        records = {r["uri"]: r for r in local_pds.list_records(live.extra["did"])}
        first = records[published.remote_id]["value"]
        [mention] = [f for f in first["facets"]
                     if f["features"][0]["$type"] == "app.bsky.richtext.facet#mention"]
        assert mention["features"][0]["did"] == live.extra["did"]
        start, end = mention["index"]["byteStart"], mention["index"]["byteEnd"]
        assert first["text"].encode()[start:end].decode() == f"@{live.handle}"
        replies = [r["value"]["reply"] for r in records.values() if "reply" in r["value"]]
        assert len(replies) == 2
        assert {r["root"]["uri"] for r in replies} == {published.remote_id}
        assert {r["root"]["cid"] for r in replies} == {records[published.remote_id]["cid"]}


def _after_its_lease(store: Store, pool: PublisherPool, lease: timedelta) -> Dispatcher:
    """A second runner whose clock is already past the dead runner's lease (no waiting for it to
    run out): it takes the interrupted posts over."""
    later = utcnow() + lease + timedelta(seconds=1)
    return Dispatcher(store, pool, worker="second", clock=lambda: later,
                      policy=Policy(grace=timedelta(hours=30)))


def _campaign_process(db: str, *args: str) -> subprocess.Popen[bytes]:
    # a short --lease needs a --timeout shorter still: the runner refuses a lease that could
    # end while a network call runs
    exe = Path(sys.executable).with_name("campaign")
    return subprocess.Popen([str(exe), "run", "--once", "--grace", "30h", "--db", db, *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=os.environ.copy())


def test_a_crash_between_the_network_call_and_the_database_leaves_one_post(
        run: Callable[..., Result], live: Live, essai: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    planned(run, live, essai, db)
    victim: dict[str, int] = {}
    live.server.on_commit(lambda request: os.kill(victim["pid"], signal.SIGKILL),
                          method="POST", path=CREATE_PATH[live.network], times=1)
    first = _campaign_process(db, "--lease", "60s", "--timeout", "30")
    victim["pid"] = first.pid
    first.communicate(timeout=60)
    assert first.returncode == -signal.SIGKILL
    assert len(live.read_back()) == 1, "the post reached the server before the crash"
    store = Store(db)
    assert store.counts().get("publishing", 0) >= 1
    pool = PublisherPool(timeout=10)
    second = _after_its_lease(store, pool, timedelta(seconds=60))
    report = second.run_once()
    pool.close()
    assert report.reconciled == 1, report  # found on the network, not sent again
    assert report.ok and set(store.counts()) == {"published"}, (report, store.counts())
    store.close()
    assert_each_part_once(live, db)


def _part_text(request: Any) -> str:
    """The text a create request carries, on any of the three APIs."""
    for name in ("text", "status"):
        value = request.value(name)
        if isinstance(value, str):
            return value
    record = request.value("record")
    return str(record.get("text", "")) if isinstance(record, dict) else ""


def test_a_rate_limit_in_the_middle_of_a_thread_resumes_after_the_parts_out(
        run: Callable[..., Result], live: Live, essai: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    planned(run, live, essai, db)
    path = CREATE_PATH[live.network]
    armed: list[bool] = []

    def limit_after_first_part(request: Any) -> None:
        if "(1/" in _part_text(request) and not armed:
            armed.append(True)
            live.server.inject(429, method="POST", path=path, times=1)

    live.server.on_commit(limit_after_first_part, method="POST", path=path)
    store = Store(db)
    now = [utcnow()]
    pool = PublisherPool(timeout=10)
    dispatcher = Dispatcher(store, pool, worker="w", clock=lambda: now[0],
                            policy=Policy(grace=timedelta(hours=30)))
    assert dispatcher.run_once().retried >= 1
    live.server.clear_faults()
    if isinstance(live.server, MastodonDouble):
        live.server.expire_idempotency_keys()  # Mastodon's 3-hour window outlives its keys
    now[0] += timedelta(hours=3, minutes=1)
    dispatcher.run_once()
    pool.close()
    assert set(store.counts()) == {"published"}, store.counts()
    store.close()
    assert_each_part_once(live, db)


def test_a_crash_after_the_first_part_of_a_thread_sends_only_the_rest(
        run: Callable[..., Result], live: Live, essai: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    planned(run, live, essai, db)
    victim: dict[str, int] = {}
    live.server.on_commit(
        lambda request: os.kill(victim["pid"], signal.SIGKILL) if "(1/" in _part_text(request)
        else None, method="POST", path=CREATE_PATH[live.network])
    # a lease long enough for the first sign-in (the PDS hashes passwords slowly)
    first = _campaign_process(db, "--lease", "60s", "--timeout", "30")
    victim["pid"] = first.pid
    said = first.communicate(timeout=60)
    assert first.returncode == -signal.SIGKILL, said
    live.server.clear_faults()
    store = Store(db)
    pool = PublisherPool(timeout=10)
    second = _after_its_lease(store, pool, timedelta(seconds=60))
    reports = [second.run_once() for _ in range(2)]  # unfinished thread: queued again, then sent
    pool.close()
    assert set(store.counts()) == {"published"}, (store.counts(), reports)
    store.close()
    assert_each_part_once(live, db)


@pytest.mark.parametrize(("problem", "account_stopped"), [
    ({"type": "https://api.twitter.com/2/problems/oauth1-permissions", "title": "Forbidden",
      "status": 403, "detail": "Your client app is not configured with the appropriate oauth1 "
      "app permissions for this endpoint."}, True),
    ({"type": "about:blank", "title": "Forbidden", "status": 403,
      "detail": "You attempted to reply to a Tweet that is deleted or not visible to you."}, False),
], ids=["app-permissions-stop-the-account", "deleted-tweet-keeps-the-account"])
def test_x_stops_the_account_only_for_a_403_about_the_account(
        run: Callable[..., Result], essai: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        problem: dict[str, Any], account_stopped: bool) -> None:
    with x_account() as live:
        for name, value in live.env.items():
            monkeypatch.setenv(name, value)
        db = f"sqlite:///{tmp_path / 'c.db'}"
        planned(run, live, essai, db)
        live.server.inject(403, method="POST", path="/2/tweets", times=1, body=problem)
        result = run("run", "--once", "--grace", "30h", "--db", db)
        assert problem["detail"] in result.output
        [account] = json.loads(run("accounts", "list", "--json", "--db", db).output)
        assert bool(account["disabled"]) is account_stopped
        counts = Store(db).counts()
        assert counts.get("published", 0) == (0 if account_stopped else 2), counts


@pytest.mark.parametrize("fault", ["rate-limit", "server-errors", "outcome-unknown"])
def test_storms_end_with_every_post_out_once(run: Callable[..., Result], live: Live,
                                             essai: Path, tmp_path: Path, fault: str) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    planned(run, live, essai, db)
    path = CREATE_PATH[live.network]
    if fault == "rate-limit":
        live.server.inject(429, method="POST", path=path, times=None)
    elif fault == "server-errors":
        live.server.inject(503, method="POST", path=path, times=4)
    else:  # stored, but the client only sees a 502: it must not post a second copy
        live.server.inject_after(502, method="POST", path=path, times=2)
    store = Store(db)
    now = [utcnow()]
    pool = PublisherPool(timeout=10)
    dispatcher = Dispatcher(store, pool, worker="storm", clock=lambda: now[0],
                            policy=Policy(grace=timedelta(hours=30), backoff=timedelta(seconds=5)))
    first = dispatcher.run_once()
    if fault == "rate-limit":
        assert first.published == 0 and first.retried >= 1
        [waiting] = {p.next_attempt_at for p in store.posts() if p.next_attempt_at}
        assert waiting > now[0], "a rate limit waits for the reset the server gave"
        assert "rate limit" in (store.posts()[0].last_error or "")
        live.server.clear_faults()
    for _ in range(6):  # let time pass until every retry is due
        if set(store.counts()) == {"published"}:
            break
        due = [p.next_attempt_at for p in store.posts() if p.next_attempt_at]
        now[0] = max([now[0], *due]) + timedelta(seconds=1)
        dispatcher.run_once()
    assert set(store.counts()) == {"published"}, store.counts()
    pool.close()
    store.close()
    assert_each_part_once(live, db)
    if live.network == "x" and fault == "outcome-unknown":
        # X bills each post a read returns: the lookup asks only for posts since the attempt
        reads = [r for r in live.server.requests if r.method == "GET" and r.path.endswith("/tweets")]
        assert reads and all("start_time" in r.query for r in reads)


def test_refused_credentials_stop_the_account_and_say_why(
        run: Callable[..., Result], live: Live, essai: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    planned(run, live, essai, db)
    wrong = "wrong-Secret-Value-42x"
    for name in live.env:
        monkeypatch.setenv(name, wrong)
    tested = run("accounts", "test", live.name, "--db", db)
    assert tested.exit_code == 1 and "FAIL" in tested.output and wrong not in tested.output
    result = run("run", "--once", "--grace", "30h", "--db", db)
    assert result.exit_code == 1, result.output  # an account stopped: cron must hear of it
    assert "account stopped: credentials refused" in result.stderr and wrong not in result.output
    store = Store(db)
    [account] = store.accounts()
    assert account.disabled_reason and "queue retry" in account.disabled_reason
    assert store.counts().get("published", 0) == 0
    store.close()
    assert live.read_back() == []


def test_a_known_secret_never_appears_in_output_logs_database_or_exports(
        run: Callable[..., Result], live: Live, essai: Path, tmp_path: Path,
        capfd: pytest.CaptureFixture[str]) -> None:
    db_file = tmp_path / "c.db"
    db = f"sqlite:///{db_file}"
    planned(run, live, essai, db)
    secret_values = list(live.secrets.values())
    # a server that echoes the token back in its error must not get it printed either
    live.server.inject(503, method="POST", path=CREATE_PATH[live.network], times=1,
                       body={"error": f"bad gateway for {secret_values[-1]}",
                             "detail": f"bad gateway for {secret_values[-1]}"})
    outputs = [run("accounts", "test", "--json", "--db", db).output,
               run("accounts", "list", "--json", "--db", db).output,
               run("run", "--once", "--grace", "30h", "--json", "--db", db).output,
               run("queue", "list", "--json", "--db", db).output]
    for post in json.loads(outputs[-1]):
        outputs.append(run("queue", "show", str(post["id"]), "--json", "--db", db).output)
    run("export", "--schedule", essai, "--format", "json", "--out", tmp_path / "export.json")
    captured = capfd.readouterr()
    everything = "\n".join([*outputs, captured.out, captured.err,
                            (tmp_path / "export.json").read_text(encoding="utf-8")])
    dump = db_file.read_bytes() + Path(f"{db_file}-wal").read_bytes() \
        if Path(f"{db_file}-wal").exists() else db_file.read_bytes()
    for value in secret_values:
        assert value not in everything
        assert value.encode() not in dump


@pytest.mark.parametrize("how", ["repost", "quote"])
def test_amplification_goes_through_the_queue(run: Callable[..., Result], live: Live,
                                              tmp_path: Path, how: str) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    run("db", "upgrade", "--db", db)
    run("accounts", "add", live.network, live.handle, "--base-url", live.base_url, "--db", db)
    target = live.make_target("Notre engagement d’action pour 2021 #EndChildLabour2021")
    words = ("--text", "Bravo pour cet engagement 👏 #EndChildLabour2021") if how == "quote" else ()
    for _ in range(2):  # queued twice: still one amplification
        queued = run("amplify", how, target, "--account", live.name, *words, "--db", db)
        assert queued.exit_code == 0, queued.output
    result = run("run", "--once", "--json", "--db", db)
    assert json.loads(result.output[result.output.index("{"):])["published"] == 1, result.output
    again = run("run", "--once", "--json", "--db", db)
    assert json.loads(again.output[again.output.index("{"):])["published"] == 0
    if how == "repost":
        assert len(live.reposts()) == 1
    else:
        [quote] = live.read_back()
        assert quote.text.startswith("Bravo pour cet engagement 👏")
        # Mastodon before 4.5 (the double is 4.3) has no quote posts: the link stands for it
        assert quote.quotes or target in quote.text, "the quote refers to the post it quotes"


def test_a_quote_on_mastodon_4_5_is_a_real_quote_post(run: Callable[..., Result],
                                                       tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    with mastodon_account(version="4.5.0") as live:
        for name, value in live.env.items():
            monkeypatch.setenv(name, value)
        db = f"sqlite:///{tmp_path / 'c.db'}"
        run("db", "upgrade", "--db", db)
        run("accounts", "add", "mastodon", live.handle, "--base-url", live.base_url, "--db", db)
        run("accounts", "test", "--db", db)  # reads the instance's version
        target = live.make_target("Notre engagement #EndChildLabour2021")
        run("amplify", "quote", target, "--account", live.name, "--text", "Bravo 👏", "--db", db)
        run("run", "--once", "--db", db)
        [quote] = live.read_back()
        assert quote.text == "Bravo 👏" and quote.quotes, quote


def test_the_long_running_runner_publishes_when_posts_fall_due_and_stops_on_sigterm(
        run: Callable[..., Result], live: Live, essai: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    planned(run, live, essai, db)
    store = Store(db)
    ids = [str(p.id) for p in store.posts()]
    soon = (datetime.now(ZoneInfo(ZONE)) + timedelta(seconds=4)).isoformat(timespec="seconds")
    for post_id in ids:  # due in a few seconds: the runner must wake up for them by itself
        assert run("queue", "reschedule", post_id, soon, "--db", db).exit_code == 0
    runner = subprocess.Popen([str(Path(sys.executable).with_name("campaign")), "run",
                               "--db", db], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=os.environ.copy())
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and store.counts() != {"published": len(ids)}:
            time.sleep(0.5)
    finally:
        runner.send_signal(signal.SIGTERM)
        out, err = runner.communicate(timeout=30)
    assert store.counts() == {"published": len(ids)}, (out, err)
    store.close()
    assert runner.returncode == 0, err
    assert_each_part_once(live, db)


def test_record_keys_are_valid_tids_derived_from_the_idempotency_key() -> None:
    import re

    from campaign.platforms.bluesky.publisher import tid

    moment = datetime(2021, 6, 12, 7, 0, 0, tzinfo=UTC)
    keys = {tid(f"{n:032x}:0", moment) for n in range(2000)}
    assert len(keys) == 2000, "keys of one batch, claimed in the same second, stay apart"
    # the atproto TID syntax: 13 base32-sortable characters, the first one's top bit clear
    assert all(re.fullmatch(r"[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}", k)
               for k in keys)
    assert tid("k:0", moment) == tid("k:0", moment) != tid("k:1", moment)


UPLOAD_PATH = {"x": "/2/media/upload", "mastodon": "/media",
               "bluesky": "/xrpc/com.atproto.repo.uploadBlob"}


@pytest.mark.parametrize("swap", ["fifo", "link"])
def test_an_image_swapped_after_planning_fails_its_post_without_hanging_or_uploading(
        run: Callable[..., Result], live: Live, essai: Path, tmp_path: Path, swap: str) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    planned(run, live, essai, db)
    image = essai.parent / "visuel.png"
    image.unlink()
    if swap == "fifo":
        os.mkfifo(image)  # nothing ever writes to it: reading it would wait for ever
        needle = "is no longer a regular file"
    else:
        private = tmp_path.parent / f"{tmp_path.name}-private.png"
        shutil.copy(ROOT / "schedules" / "media" / "world-day-2021.png", private)
        os.symlink(private, image)  # a private picture, outside the schedule's folder
        needle = "is no longer the file that was planned"
    # its own process with a timeout: a hang fails the test instead of freezing it
    done = subprocess.run([str(Path(sys.executable).with_name("campaign")), "run", "--once",
                           "--grace", "30h", "--json", "--db", db], capture_output=True,
                          text=True, timeout=60, env=os.environ.copy(), check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert needle in done.stdout + done.stderr and "plan again" in done.stdout + done.stderr
    store = Store(db)
    try:
        by_entry = {p.entry: p for p in store.posts()}
        assert by_entry["journee"].status == "failed"
        assert needle in (by_entry["journee"].last_error or "")
        assert {by_entry["fil"].status, by_entry["carte"].status} == {"published"}
    finally:
        store.close()
    assert not [r for r in live.server.requests if UPLOAD_PATH[live.network] in r.path]
    assert not [p for p in live.read_back() if p.text.startswith("🌍 Aujourd’hui")]
