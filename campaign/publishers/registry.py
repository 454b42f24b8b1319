"""From an account to its network's publisher; one publisher per account per runner."""

from __future__ import annotations

import threading
from typing import Any

from campaign.credentials import CredentialsError, load
from campaign.publishers.base import AuthFailed, Publisher
from campaign.store import Claimed


def open_publisher(network: str, handle: str, credentials_ref: str, base_url: str = "",
                   settings: dict[str, Any] | None = None, timeout: float = 30.0) -> Publisher:
    """The publisher of one account, its secrets read from where ``credentials_ref`` points.

    Raises CredentialsError (a CampaignError) when the secrets cannot be read.
    """
    secrets = load(network, credentials_ref)
    if network == "x":
        from campaign.publishers.x import XPublisher

        return XPublisher(handle, secrets, base_url, timeout)
    if network == "bluesky":
        from campaign.publishers.bluesky import BlueskyPublisher

        return BlueskyPublisher(handle, secrets, base_url, timeout)
    from campaign.publishers.mastodon import MastodonPublisher

    return MastodonPublisher(handle, secrets, base_url, timeout, settings)


class PublisherPool:
    """Hands the runner the publisher of each claimed post's account, made once and reused
    (a signed-in session, an HTTP connection pool)."""

    def __init__(self, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self._open: dict[int, Publisher] = {}
        self._lock = threading.Lock()

    def __call__(self, post: Claimed) -> Publisher:
        with self._lock:
            found = self._open.get(post.account_id)
            if found is None:
                try:
                    found = open_publisher(post.network, post.handle, post.credentials_ref,
                                           post.base_url, post.account_settings, self.timeout)
                except CredentialsError as exc:
                    # the runner stops the account and says why, like a refused sign-in
                    raise AuthFailed(exc.message) from None
                self._open[post.account_id] = found
            return found

    def close(self) -> None:
        """Close every publisher opened."""
        with self._lock:
            for publisher in self._open.values():
                publisher.close()
            self._open.clear()
