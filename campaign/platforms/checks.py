"""An account's checks: adding one whose reference and address make sense, whether its secrets
are where its reference points, and signing in with it (``accounts add|list|test``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from campaign.errors import CampaignError
from campaign.platforms.base import Publisher, PublishError
from campaign.platforms.credentials import CredentialsError, check_ref, default_ref, load
from campaign.platforms.outbox import is_outbox, outbox_path
from campaign.platforms.registry import platform
from campaign.plugins import PluginError

if TYPE_CHECKING:
    from campaign.queue.models import Account
    from campaign.queue.store import Store

# how a check opens an account's publisher: (network, handle, credentials_ref, base_url,
# settings, timeout), as campaign.platforms.pool.open_publisher does
Opener = Callable[[str, str, str, str, dict[str, Any] | None, float], Publisher]


@dataclass(frozen=True)
class Added:
    """An account added (or changed) and what its owner should know next."""

    account: Account
    outbox: bool
    # what a file reference lacks (missing, open to others, no such section), said at once
    warning: str = ""


def check_base_url(url: str) -> None:
    """Refuse a ``--base-url`` that is not an http(s) address."""
    if not url:
        return
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise CampaignError(f"--base-url '{url}' is not an http(s) address: write e.g. "
                            "https://bsky.social or https://mastodon.social")


def add_account(store: Store, network: str, handle: str, credentials_ref: str = "",
                base_url: str = "", visibility: str | None = None) -> Added:
    """Add an account, or change where its secrets live (idempotent), after checking the
    reference, the address and, for an outbox, that its file may be written."""
    from campaign.queue.preflight import check_outbox

    ref = check_ref(credentials_ref or default_ref(network, handle))
    check_base_url(base_url)
    if is_outbox(ref):
        # a SQLite database (the queue's own, or any) or a file of the queue's database would
        # be corrupted by the lines appended to it
        check_outbox(store, outbox_path(ref))
    account = store.add_account(network, handle, ref, base_url.rstrip("/"))
    if visibility:
        store.save_account_settings(account.id, {"visibility": visibility})
    warning = ""
    if ref.startswith("file:"):  # variables are usually set later, in the runner's environment
        try:
            platform(network)
            load(network, ref)
        except CredentialsError as exc:
            # added all the same: the file can be written after it
            warning = exc.message
    return Added(account=account, outbox=is_outbox(ref), warning=warning)


@dataclass(frozen=True)
class AccountState:
    """An account as ``accounts list`` shows it: whether its secrets are there, or why not."""

    account: Account
    state: str  # a few words: ready, secrets missing, stopped: ...
    secrets: str  # "ready", or the whole sentence saying what to do

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        from campaign.queue.engine import utc_text

        a = self.account
        return {"state": self.state, "id": a.id, "network": a.network, "handle": a.handle,
                "credentials": a.credentials_ref, "secrets": self.secrets,
                "base_url": a.base_url or None, "settings": json.loads(a.settings_json),
                "disabled": a.disabled_reason,
                "removed_at": utc_text(a.removed_at) if a.removed_at else None}


def account_states(store: Store, include_removed: bool = False) -> list[AccountState]:
    """Every account with the state of its secrets (read now, never shown)."""
    states = []
    for account in store.accounts(include_removed):
        short = "ready"
        try:
            platform(account.network)  # a plugin network: its credential fields come with it
            load(account.network, account.credentials_ref)
            secrets = "ready"
        except CampaignError as exc:  # secrets missing, or the network's plugin broken
            secrets = exc.message if account.removed_at is None else "-"
            short = getattr(exc, "short", "plugin broken") if account.removed_at is None else "-"
        state = f"stopped: {account.disabled_reason}" if account.disabled_reason else short
        states.append(AccountState(account=account, state=state, secrets=secrets))
    return states


@dataclass(frozen=True)
class SignIn:
    """One account's sign-in: who it is on its network, or why it could not sign in."""

    account: str  # NETWORK=HANDLE
    ok: bool
    error: str = ""
    handle: str = ""
    user_id: str = ""
    name: str = ""
    url: str = ""
    settings: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        if not self.ok:
            return {"account": self.account, "ok": False, "error": self.error}
        return {"account": self.account, "ok": True, "handle": self.handle,
                "user_id": self.user_id, "name": self.name, "url": self.url,
                "settings": self.settings}


def sign_in(store: Store, names: Sequence[str] = (), *, timeout: float = 20.0,
                  opener: Opener | None = None) -> list[SignIn]:
    """Sign in with each account named (``NETWORK[=HANDLE]``; all by default); keep what the
    network says about itself (the user id, a Mastodon instance's limits) and re-enable an
    account that signs in again."""
    if opener is None:
        from campaign.platforms.pool import open_publisher

        opener = open_publisher
    chosen = [store.named_account(n) for n in names] or store.accounts()
    if not chosen:
        raise CampaignError("no accounts to test: add one with `campaign accounts add`")
    results = []
    for account in chosen:
        name = f"{account.network}={account.handle}"
        try:
            publisher = opener(account.network, account.handle, account.credentials_ref,
                               account.base_url, None, timeout)
            try:
                identity = publisher.whoami()
            finally:
                publisher.close()
        except (CredentialsError, PublishError, PluginError) as exc:
            # a broken plugin fails its own accounts only: the others are still tested
            results.append(SignIn(account=name, ok=False, error=exc.message))
            continue
        store.save_account_settings(account.id, {"user_id": identity.user_id,
                                                 **identity.settings})
        if account.disabled_reason and account.removed_at is None:
            store.enable_account(account.id)  # signing in works again
        results.append(SignIn(account=name, ok=True, handle=identity.handle,
                              user_id=identity.user_id, name=identity.display_name,
                              url=identity.url, settings=identity.settings))
    return results
