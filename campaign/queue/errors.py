"""Errors of the queue, each building its own message from what it is given."""

from __future__ import annotations

from collections.abc import Iterable

from campaign.errors import CampaignError, UsageError


class StoreError(CampaignError):
    """The database cannot be reached or is not in a usable state."""

    exit_code = 1


class DatabaseRefused(StoreError):
    """The --db given is not ours to use: not SQLite, another application's, of a newer schema, or
    in a folder that does not exist. Nothing was written to it."""

    exit_code = 2


class PostNotFound(CampaignError):
    """No queued post has this id."""

    def __init__(self, post_id: int | str) -> None:
        self.post_id = post_id
        super().__init__(f"no post with id {post_id}: see `campaign queue list`")


class AccountNotFound(UsageError):
    """No account (or no account in service) is named so; the message lists those there are."""

    def __init__(self, network: str, handle: str | None, choices: Iterable[str]) -> None:
        self.network, self.handle = network, handle
        wanted = f"{network}={handle}" if handle else network
        super().__init__("account", wanted,
                         list(choices) or ["(none: add one with `campaign accounts add`)"])


class AccountIdNotFound(CampaignError):
    """No account has this id (it is given by the code, not typed: a stale reference)."""

    def __init__(self, account_id: int) -> None:
        self.account_id = account_id
        super().__init__(f"no account #{account_id}: see `campaign accounts list`")


class AmbiguousAccount(CampaignError):
    """Several accounts answer to the name given; the message says how to pick one."""

    def __init__(self, network: str, handles: Iterable[str]) -> None:
        self.network, self.handles = network, list(handles)
        super().__init__(f"several accounts on {network} ({', '.join(self.handles)}): name one "
                         f"as --account {network}=HANDLE")


class TransitionRefused(CampaignError):
    """A change of status that the table of allowed transitions does not have (a bug in the
    caller, never a user's mistake): nothing was changed."""

    exit_code = 1

    def __init__(self, post_id: int, status: str, to: str, allowed: Iterable[str]) -> None:
        self.post_id, self.status, self.to = post_id, status, to
        self.allowed = sorted(allowed)
        targets = ", ".join(self.allowed) or "none: it is final"
        super().__init__(f"post #{post_id} is {status} and cannot become {to}: from {status} it "
                         f"may become {targets}")
