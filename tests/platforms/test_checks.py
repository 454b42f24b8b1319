"""An account's checks as the library makes them (``accounts add|list|test`` and the web
dashboard): the reference and address checked on adding, the state of its secrets, signing in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from campaign.errors import CampaignError
from campaign.platforms.base import AuthFailed, Identity, Publisher
from campaign.platforms.checks import account_states, add_account, sign_in
from campaign.platforms.memory import MemoryPublisher
from campaign.platforms.outbox import OutboxError
from campaign.queue.store import Store


class Signed(MemoryPublisher):
    """Signs in as the account it was opened for, with a Mastodon instance's limits."""

    def __init__(self, handle: str) -> None:
        super().__init__()
        self.handle = handle

    def whoami(self) -> Identity:
        return Identity(handle=self.handle, user_id="42",
                        settings={"max_characters": 1000, "characters_reserved_per_url": 23})


def opener(refuse: set[str]) -> Any:
    """Open a publisher that signs in, unless its handle is in ``refuse``."""

    def open_one(network: str, handle: str, ref: str, base_url: str,
                 settings: dict[str, Any] | None, timeout: float) -> Publisher:
        if handle in refuse:
            raise AuthFailed(f"{network} refused {handle}")
        return Signed(handle)

    return open_one


def test_add_account_defaults_its_reference_and_strips_the_url(store: Store) -> None:
    added = add_account(store, "mastodon", "@oit", base_url="https://mastodon.social/",
                        visibility="unlisted")
    assert added.account.credentials_ref == "env:CAMPAIGN_MASTODON_OIT"
    assert added.account.base_url == "https://mastodon.social" and not added.outbox
    assert '"visibility": "unlisted"' in store.named_account("mastodon").settings_json


@pytest.mark.parametrize(("kwargs", "needle"), [
    pytest.param({"base_url": "bsky.social"}, r"is not an http\(s\) address", id="bare-host"),
    pytest.param({"credentials_ref": "vault:x"}, "is not understood", id="unknown-reference"),
])
def test_add_account_refuses_a_bad_reference_or_address(store: Store, kwargs: dict[str, str],
                                                        needle: str) -> None:
    with pytest.raises(CampaignError, match=needle):
        add_account(store, "bluesky", "a.test", **kwargs)
    assert store.accounts() == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # a queue that is a file
def test_add_account_refuses_the_queue_database_as_an_outbox(store: Store) -> None:
    database = store.sqlite_path
    with pytest.raises(OutboxError, match="is the queue database"):
        add_account(store, "x", "demo", credentials_ref=f"outbox:{database}")


def test_add_account_warns_of_a_file_open_to_others(store: Store, tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("[oit]\napp_password = \"abcd-efgh\"\n", encoding="utf-8")
    secrets.chmod(0o644)
    added = add_account(store, "bluesky", "oit.test", credentials_ref=f"file:{secrets}#oit")
    assert "can be read by other users" in added.warning
    assert store.named_account("bluesky").credentials_ref == f"file:{secrets}#oit"  # added anyway


def test_account_states_say_whether_secrets_are_there(store: Store,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    monkeypatch.setenv("CAMPAIGN_MASTODON_OIT_ACCESS_TOKEN", "token-1234")
    add_account(store, "mastodon", "@oit")
    add_account(store, "x", "@ilo")
    add_account(store, "bluesky", "out.test", credentials_ref=f"outbox:{tmp_path / 'o.jsonl'}")
    states = {s.account.network: s for s in account_states(store)}
    assert states["mastodon"].state == "ready" and states["bluesky"].state == "ready"
    assert states["x"].state != "ready" and "CAMPAIGN_X_ILO_" in states["x"].secrets
    assert states["x"].as_dict()["removed_at"] is None


def test_sign_in_keeps_what_the_network_says_and_restarts_the_account(store: Store) -> None:
    add_account(store, "mastodon", "@oit")
    add_account(store, "x", "@ilo")
    store.disable_account(store.named_account("mastodon").id, "credentials refused")
    results = sign_in(store, timeout=5, opener=opener(refuse={"@ilo"}))
    assert [(r.account, r.ok) for r in results] == [("mastodon=@oit", True), ("x=@ilo", False)]
    assert results[1].as_dict() == {"account": "x=@ilo", "ok": False, "error": "x refused @ilo"}
    mastodon = store.named_account("mastodon")
    assert mastodon.disabled_reason is None and '"max_characters": 1000' in mastodon.settings_json


def test_sign_in_names_accounts_or_refuses_when_there_are_none(store: Store) -> None:
    with pytest.raises(CampaignError, match="no accounts to test"):
        sign_in(store, opener=opener(set()))
    add_account(store, "x", "@ilo")
    add_account(store, "mastodon", "@oit")
    assert [r.account for r in sign_in(store, ["x"], opener=opener(set()))] == ["x=@ilo"]
