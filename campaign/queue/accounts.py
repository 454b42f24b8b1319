"""Accounts posts go out from: registering, finding by name, settings, stopping and removing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    func,
    insert,
    select,
    update,
)

from campaign.errors import CampaignError, UsageError
from campaign.platforms.registry import check_network, is_network, network_names
from campaign.queue.engine import Database, chunks, utcnow
from campaign.queue.errors import AccountIdNotFound, AccountNotFound, AmbiguousAccount
from campaign.queue.models import WAITING, Account, Event, QueuedPost, Status, check_move, dispatchable


def destination(network: str, handle: str, credentials_ref: str, base_url: str = "") -> str:
    """Where an account's posts go, for messages: its outbox file or its network."""
    if credentials_ref.startswith("outbox:"):
        return credentials_ref[len("outbox:"):]
    return f"{network} {handle}" + (f" at {base_url}" if base_url else "")


@dataclass(frozen=True)
class Held:
    """A stopped account's due posts: how many, and the first of them (the lowest id)."""

    network: str
    handle: str
    reason: str
    posts: int
    first_post_id: int
    first_entry: str


def _matching(accounts: Iterable[Account], handle: str) -> list[Account]:
    """The accounts ``handle`` names: the one written exactly so, else those that differ only
    by a leading '@' or letter case."""
    from campaign.platforms.handles import same_account

    candidates = list(accounts)
    exact = [a for a in candidates if a.handle == handle]
    return exact or [a for a in candidates if same_account(a.handle, handle)]



class Accounts(Database):
    """Accounts posts go out from: registering, finding by name, settings, stopping and removing."""

    # -- accounts --------------------------------------------------------------------------
    def add_account(self, network: str, handle: str, credentials_ref: str = "",
                    base_url: str = "") -> Account:
        """Register an account, or update the reference and URL of an existing (or removed) one.

        Only a reference to where the secret lives is stored, never the secret.
        """
        from campaign.platforms.handles import check_handle

        # an unknown network names the choices; a plugin network is loaded, so that its own
        # handle check runs below
        check_network(network)
        # an outbox account only names a file: its handle need not exist on the network
        check_handle("outbox" if credentials_ref.startswith("outbox:") else network, handle)
        with self._session() as s:
            # '@ilo.bsky.social' and 'ilo.bsky.social' are one account, not two sharing secrets
            alike = _matching(s.scalars(select(Account).where(Account.network == network)),
                              handle)
            if len(alike) > 1:  # a database from before handles were matched without case
                raise CampaignError(
                    f"several accounts on {network} match {handle} "
                    f"({', '.join(a.handle for a in alike)}): give one exactly as listed")
            found = alike[0] if alike else None
            if found is None:
                found = Account(network=network, handle=handle, credentials_ref=credentials_ref,
                                base_url=base_url, settings_json="{}", created_at=utcnow())
                s.add(found)
                return found
            found.credentials_ref = credentials_ref or found.credentials_ref
            found.base_url = base_url or found.base_url
            if found.removed_at is not None:  # added again: back in service
                found.removed_at, found.disabled_reason = None, None
            return found

    def accounts(self, include_removed: bool = False) -> list[Account]:
        """Every account, by network then handle; removed ones only when asked."""
        query = select(Account).order_by(Account.network, Account.handle)
        if not include_removed:
            query = query.where(Account.removed_at.is_(None))
        with self._session() as s:
            return list(s.scalars(query))

    def find_account(self, network: str, handle: str | None = None) -> Account:
        """The account on ``network`` (with ``handle``, or the only one); unknown names choices."""
        accounts = [a for a in self.accounts() if a.network == network]
        if handle is not None:
            accounts = _matching(accounts, handle)
        if len(accounts) == 1:
            return accounts[0]
        if not accounts:
            raise AccountNotFound(network, handle, [f"{a.network}={a.handle}"
                                                    for a in self.accounts()])
        raise AmbiguousAccount(network, [a.handle for a in accounts])

    def named_account(self, name: str) -> Account:
        """The account a user names as NETWORK[=HANDLE]; an unknown network or account names
        the choices."""
        network, _, handle = name.partition("=")
        if not is_network(network):
            raise UsageError("network", network, network_names())
        return self.find_account(network, handle or None)

    def save_account_settings(self, account_id: int, settings: dict[str, Any]) -> None:
        """Keep what the network said about the account (merged into what was kept before)."""
        with self._session() as s:
            account = s.get(Account, account_id)
            if account is None:
                raise AccountIdNotFound(account_id)
            merged = {**json.loads(account.settings_json or "{}"), **settings}
            account.settings_json = json.dumps(merged, ensure_ascii=False, sort_keys=True)

    def remove_account(self, account_id: int, *, cancel_open: bool) -> int:
        """Take an account out of service, keeping its history; return how many posts were
        cancelled. Refuses while it has posts not yet out, unless ``cancel_open``."""
        now = utcnow()
        with self._session() as s:
            account = s.get(Account, account_id)
            if account is None:
                raise AccountIdNotFound(account_id)
            rows = s.execute(select(QueuedPost.id, QueuedPost.status).where(
                QueuedPost.account_id == account_id,
                QueuedPost.status.in_((*WAITING, Status.PUBLISHING)))).all()
            if any(r.status == Status.PUBLISHING for r in rows):
                raise CampaignError(f"account {account.network} {account.handle} has a post being "
                                    "published right now: stop the runner or try again in a minute")
            if rows and not cancel_open:
                raise CampaignError(
                    f"account {account.network} {account.handle} has {len(rows)} posts not yet "
                    "out: pass --cancel-open to cancel them, or move them first")
            for row in rows:
                check_move(row.id, row.status, Status.CANCELLED)
            for chunk in chunks(list(rows), 2000):
                s.execute(update(QueuedPost).where(QueuedPost.id.in_([r.id for r in chunk]))
                          .values(status=Status.CANCELLED, updated_at=now))
                s.execute(insert(Event), [{
                    "post_id": r.id, "at": now, "from_status": r.status,
                    "to_status": Status.CANCELLED,
                    "actor": "accounts", "detail": "account removed"} for r in chunk])
            account.removed_at, account.disabled_reason = now, "removed"
            account.credentials_ref = ""
        return len(rows)

    def disable_account(self, account_id: int, reason: str) -> None:
        """Stop dispatching an account's posts until someone fixes its credentials."""
        with self._session() as s:
            s.execute(update(Account).where(Account.id == account_id)
                      .values(disabled_reason=reason))

    def enable_account(self, account_id: int) -> None:
        """Let an account's posts go out again after its credentials were fixed."""
        with self._session() as s:
            s.execute(update(Account).where(Account.id == account_id,
                                            Account.removed_at.is_(None))
                      .values(disabled_reason=None))

    def open_accounts(self, due_by: datetime | None = None,
                      require_review: bool = False) -> list[Account]:
        """Accounts with posts a runner would still send (due by ``due_by`` when given) or
        still holds in ``publishing``."""
        statuses = (*dispatchable(require_review), Status.PUBLISHING)
        query = select(QueuedPost.account_id).where(QueuedPost.status.in_(statuses))
        if due_by is not None:
            query = query.where(QueuedPost.due_at <= due_by)
        with self._session() as s:
            return list(s.scalars(select(Account).where(Account.id.in_(query.distinct()))
                                  .order_by(Account.network, Account.handle)))

    def held_by_stopped_accounts(self, now: datetime,
                                 require_review: bool = False) -> list[Held]:
        """Per stopped account with due posts, what it holds, by network and handle."""
        query = (select(Account.network, Account.handle, Account.disabled_reason.label("reason"),
                        func.count(QueuedPost.id).label("posts"),
                        func.min(QueuedPost.id).label("first_post_id"))
                 .join(Account, Account.id == QueuedPost.account_id)
                 .where(QueuedPost.status.in_(dispatchable(require_review)), QueuedPost.due_at <= now,
                        Account.disabled_reason.is_not(None), Account.removed_at.is_(None))
                 .group_by(Account.id, Account.network, Account.handle, Account.disabled_reason)
                 .order_by(Account.network, Account.handle))
        with self._session() as s:
            rows = s.execute(query).all()
            entries = dict(s.execute(select(QueuedPost.id, QueuedPost.entry).where(
                QueuedPost.id.in_([r.first_post_id for r in rows]))).all()) if rows else {}
        return [Held(network=r.network, handle=r.handle, reason=r.reason or "", posts=r.posts,
                     first_post_id=r.first_post_id, first_entry=entries.get(r.first_post_id, ""))
                for r in rows]
