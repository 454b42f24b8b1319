"""Handles checked per network; `accounts add` warns about a credentials file at once;
`accounts list` fits in 80 columns."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from campaign.platforms.handles import HandleError, check_handle
from campaign.queue.store import Store
from tests.content.test_bad_input import assert_clean_failure

VALID = [
    ("x", "@ILO_fr"), ("x", "ILO_fr"), ("x", "a"), ("x", "@" + "a" * 15),
    ("bluesky", "oit-fr.test"), ("bluesky", "ilo.bsky.social"), ("bluesky", "@ilo.bsky.social"),
    ("bluesky", "x1.example-org.com"), ("bluesky", ".".join(["a" * 63] * 3) + ".org"),
    ("mastodon", "@oit"), ("mastodon", "oit"), ("mastodon", "@ilo@mastodon.social"),
    ("mastodon", "@ilo_fr@social.example.org"), ("mastodon", "@ilo@localhost.test:3000"),
]
INVALID = [
    ("x", "demo-x", "X handle 'demo-x' is not valid", "@ILO_fr"),
    ("x", "@" + "a" * 16, "1 to 15 letters", "@ILO_fr"),
    ("x", "@", "is not valid", "@ILO_fr"),
    ("x", "ilo fr", "is not valid", "@ILO_fr"),
    ("bluesky", "ilo", "Bluesky handle 'ilo' is not valid", "ilo.bsky.social"),
    ("bluesky", "ilo.123", "is not valid", "ilo.bsky.social"),
    ("bluesky", "-ilo.bsky.social", "is not valid", "ilo.bsky.social"),
    ("bluesky", "ilo..social", "is not valid", "ilo.bsky.social"),
    ("bluesky", "a" * 64 + ".social", "is not valid", "ilo.bsky.social"),
    ("bluesky", ".".join(["a" * 63] * 4) + ".org", "over the 253", "ilo.bsky.social"),
    ("bluesky", "ilo.local", "ends in .local", "ilo.bsky.social"),
    ("bluesky", "ilo_fr.bsky.social", "is not valid", "ilo.bsky.social"),
    ("mastodon", "@ilo@", "Mastodon handle '@ilo@' is not valid", "@ilo@mastodon.social"),
    ("mastodon", "@ilo@127.0.0.1", "is not valid", "@ilo@mastodon.social"),
    ("mastodon", "@il o", "is not valid", "@ilo@mastodon.social"),
    ("mastodon", "@ilo@a@b.org", "is not valid", "@ilo@mastodon.social"),
]


def _handle_ids(cases: list[tuple[str, ...]]) -> list[str]:
    """``network-handle`` for each case, a long handle named by its length."""
    return [f"{network}-{handle if len(handle) <= 30 else f'{len(handle)}-characters'}"
            for network, handle, *_ in cases]


@pytest.mark.parametrize(("network", "handle"), VALID, ids=_handle_ids(VALID))
def test_valid_handles_are_accepted(network: str, handle: str) -> None:
    assert check_handle(network, handle) == handle


@pytest.mark.parametrize(("network", "handle", "needle", "example"), INVALID, ids=_handle_ids(INVALID))
def test_invalid_handles_name_the_network_and_give_an_example(
        network: str, handle: str, needle: str, example: str) -> None:
    with pytest.raises(HandleError) as caught:
        check_handle(network, handle)
    assert needle in caught.value.message and f"write e.g. {example}" in caught.value.message
    assert caught.value.exit_code == 2


@pytest.mark.parametrize("network", ["x", "bluesky", "mastodon", "outbox"])
@pytest.mark.parametrize("char", ["\x00", "\x1b", "\n", "\u202e", "\u200b"],
                         ids=["nul", "escape", "newline", "bidi-override", "zero-width-space"])
def test_control_characters_are_refused_everywhere(network: str, char: str) -> None:
    with pytest.raises(HandleError, match="contains control character U\\+"):
        check_handle(network, f"ilo{char}fr")


@pytest.fixture
def db(tmp_path: Path, run: Callable[..., Result]) -> str:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    assert run("db", "upgrade", "--db", url).exit_code == 0
    return url


def _accounts(run: Callable[..., Result], db: str) -> list[dict[str, object]]:
    listed = run("accounts", "list", "--json", "--db", db)
    assert listed.exit_code == 0, listed.output
    return list(json.loads(listed.stdout))


@pytest.mark.parametrize(("network", "handle", "needle", "example"), INVALID[:1] + INVALID[4:5]
                         + INVALID[12:13], ids=_handle_ids(INVALID[:1] + INVALID[4:5] + INVALID[12:13]))
def test_accounts_add_refuses_a_bad_handle_and_adds_nothing(
        run: Callable[..., Result], db: str, network: str, handle: str, needle: str,
        example: str) -> None:
    assert_clean_failure(run("accounts", "add", network, handle, "--db", db), needle, example)
    assert _accounts(run, db) == []


def test_the_readme_handles_are_accepted(run: Callable[..., Result], db: str) -> None:
    for network, handle in (("x", "@ILO_fr"), ("mastodon", "@oit"), ("bluesky", "oit-fr.test")):
        assert run("accounts", "add", network, handle, "--db", db).exit_code == 0
    assert len(_accounts(run, db)) == 3


def test_an_outbox_account_takes_any_handle_but_control_characters(
        run: Callable[..., Result], db: str, tmp_path: Path) -> None:
    outbox = f"outbox:{tmp_path / 'out.jsonl'}"
    added = run("accounts", "add", "x", "demo-x", "--credentials", outbox, "--db", db)
    assert added.exit_code == 0, added.output
    assert_clean_failure(run("accounts", "add", "x", "demo\x1bx", "--credentials", outbox,
                             "--db", db), "contains control character U+001B")
    assert [a["handle"] for a in _accounts(run, db)] == ["demo-x"]


def _toml(path: Path, mode: int, body: str = '[oit]\napp_password = "abcd-efgh-ijkl-mnop"\n') -> str:
    path.write_text(body, encoding="utf-8")
    path.chmod(mode)
    return f"file:{path}#oit"


@pytest.mark.parametrize(("setup", "needle"), [
    ("missing", "cannot be read (No such file or directory)"),
    ("open", "can be read by other users (mode 0644): run `chmod 600"),
    ("section", "has no table [oit]"),
    ("fields", "'app_password' in [oit]"),
])
def test_accounts_add_warns_at_once_about_its_file_and_still_adds(
        run: Callable[..., Result], db: str, tmp_path: Path, setup: str, needle: str) -> None:
    path = tmp_path / "secrets.toml"
    ref = f"file:{path}#oit" if setup == "missing" else \
        _toml(path, 0o644) if setup == "open" else \
        _toml(path, 0o600, '[other]\napp_password = "x"\n') if setup == "section" else \
        _toml(path, 0o600, '[oit]\nuser = "x"\n')
    added = run("accounts", "add", "bluesky", "oit-fr.test", "--credentials", ref, "--db", db)
    assert added.exit_code == 0, added.output
    assert added.stderr.startswith("Warning: ") and needle in added.stderr
    assert [a["credentials"] for a in _accounts(run, db)] == [ref]


def test_accounts_add_is_quiet_when_the_file_is_right(run: Callable[..., Result], db: str,
                                                     tmp_path: Path) -> None:
    ref = _toml(tmp_path / "secrets.toml", 0o600)
    added = run("accounts", "add", "bluesky", "oit-fr.test", "--credentials", ref, "--db", db)
    assert added.exit_code == 0 and added.stderr == ""
    assert "abcd-efgh" not in added.output


def test_accounts_list_stays_within_80_columns(run: Callable[..., Result], db: str,
                                               tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    deep = tmp_path.joinpath(*["a-rather-long-folder-name"] * 4)
    deep.mkdir(parents=True)
    long_handle = "a-very-long-handle-of-an-organisation.bsky.social"
    for network, handle, ref in (
            ("bluesky", long_handle, f"file:{deep / 'secrets.toml'}#oit"),
            ("bluesky", "oit-fr.test", _toml(tmp_path / "s.toml", 0o644)),
            ("x", "@ILO_fr", ""), ("mastodon", "@oit@mastodon.social", "")):
        args = ("--credentials", ref) if ref else ()
        assert run("accounts", "add", network, handle, *args, "--db", db).exit_code == 0
    listed = run("accounts", "list", "--db", db)
    assert listed.exit_code == 0
    lines = listed.stdout.splitlines()
    assert all(len(line.rstrip()) <= 80 for line in lines), "\n" + listed.stdout
    for state in ("no file", "file open to others", "secrets missing"):
        assert state in listed.stdout
    assert "[oit]" not in listed.stdout or "no [oit]" in listed.stdout  # no markup lost
    assert "--json" in lines[-1]
    whole = {a["handle"]: a for a in _accounts(run, db)}
    assert "run `chmod 600" in str(whole["oit-fr.test"]["secrets"])  # the whole sentence
    assert whole[long_handle]["handle"] == long_handle


@pytest.mark.parametrize(("network", "first", "again"), [
    ("x", "@ILO_fr", "ilo_fr"), ("bluesky", "ilo.bsky.social", "@ILO.bsky.social"),
    ("mastodon", "@oit@mastodon.social", "oit@Mastodon.Social"),
])
def test_one_account_whatever_the_at_sign_and_case(store: Store, network: str, first: str,
                                                   again: str) -> None:
    added = store.add_account(network, first, "env:A")
    assert store.add_account(network, again, "env:B").id == added.id
    assert [a.handle for a in store.accounts()] == [first]  # kept as first written
    assert store.named_account(f"{network}={again}").id == added.id


def test_handles_differing_only_in_case_from_an_older_database_are_never_guessed(
        store: Store) -> None:
    from sqlalchemy import update

    from campaign.errors import CampaignError
    from campaign.queue.models import Account
    from tests.queue.raw import raw_connection

    first = store.add_account("x", "@demo", "env:A")
    second = store.add_account("x", "@other", "env:B")
    with raw_connection(store) as conn:  # as an older version could store them: no match without case
        conn.execute(update(Account).where(Account.id == second.id).values(handle="@Demo"))
    assert store.add_account("x", "@demo", "env:C").id == first.id  # the exact one
    with pytest.raises(CampaignError, match="several accounts on x match DEMO"):
        store.add_account("x", "DEMO", "env:D")
