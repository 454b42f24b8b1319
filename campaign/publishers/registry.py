"""From an account to its network's publisher; one publisher per account per runner."""

from __future__ import annotations

import hashlib
import threading
from typing import Any

from campaign.credentials import CredentialsError, Secrets, load
from campaign.publishers.base import AuthFailed, Publisher
from campaign.store import Claimed


def open_publisher(network: str, handle: str, credentials_ref: str, base_url: str = "",
                   settings: dict[str, Any] | None = None, timeout: float = 30.0) -> Publisher:
    """The publisher of one account, its secrets read from where ``credentials_ref`` points.

    Raises CredentialsError (a CampaignError) when the secrets cannot be read.
    """
    return _build(network, handle, load(network, credentials_ref), base_url, settings, timeout)


def _build(network: str, handle: str, secrets: Secrets, base_url: str,
           settings: dict[str, Any] | None, timeout: float) -> Publisher:
    if network == "x":
        from campaign.publishers.x import XPublisher

        return XPublisher(handle, secrets, base_url, timeout)
    if network == "bluesky":
        from campaign.publishers.bluesky import BlueskyPublisher

        return BlueskyPublisher(handle, secrets, base_url, timeout)
    from campaign.publishers.mastodon import MastodonPublisher

    return MastodonPublisher(handle, secrets, base_url, timeout, settings)


def _fingerprint(secrets: Secrets) -> str:
    return hashlib.sha256(repr(sorted(secrets.items())).encode()).hexdigest()


class PublisherPool:
    """Hands the runner the publisher of each claimed post's account, made once and reused (a
    signed-in session, an HTTP connection pool), and made again when its secrets change: a
    runner that stays up picks up credentials fixed after a refusal."""

    def __init__(self, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self._open: dict[int, tuple[str, Publisher]] = {}
        self._lock = threading.Lock()

    def __call__(self, post: Claimed) -> Publisher:
        try:
            secrets = load(post.network, post.credentials_ref)
        except CredentialsError as exc:
            # the runner stops the account and says why, like a refused sign-in
            raise AuthFailed(exc.message) from None
        fingerprint = _fingerprint(secrets)
        with self._lock:
            found = self._open.get(post.account_id)
            if found is not None and found[0] == fingerprint:
                return found[1]
            if found is not None:
                found[1].close()
            publisher = _build(post.network, post.handle, secrets, post.base_url,
                               post.account_settings, self.timeout)
            self._open[post.account_id] = (fingerprint, publisher)
            return publisher

    def close(self) -> None:
        """Close every publisher opened."""
        with self._lock:
            for _, publisher in self._open.values():
                publisher.close()
            self._open.clear()
