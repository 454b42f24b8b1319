"""From an account to its network's publisher; one publisher per account per runner.

An account whose credentials reference is ``outbox:PATH`` gets an OutboxPublisher on that file,
whatever its network: posts to it are published for real, into the file. Any other account gets
the publisher its network's platform makes (built in, or from a plugin: see registry).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from campaign.platforms.base import AuthFailed, Claimed, DestinationFailed, Publisher, PublishError
from campaign.platforms.credentials import CredentialsError, Secrets, load, redact
from campaign.platforms.outbox import OutboxPublisher, is_outbox, outbox_path
from campaign.platforms.registry import platform
from campaign.plugins import PluginError
from campaign.queue.engine import utcnow
from campaign.text.networks import NETWORK_NAMES


def open_publisher(network: str, handle: str, credentials_ref: str, base_url: str = "",
                   settings: dict[str, Any] | None = None, timeout: float = 30.0) -> Publisher:
    """The publisher of one account, its secrets read from where ``credentials_ref`` points.

    Raises CredentialsError (a CampaignError) when the secrets cannot be read.
    """
    if is_outbox(credentials_ref):
        return OutboxPublisher(outbox_path(credentials_ref))
    platform(network)  # a plugin network is loaded (its credential fields known) before the secrets
    return _build(network, handle, load(network, credentials_ref), base_url, settings, timeout)


def _build(network: str, handle: str, secrets: Secrets, base_url: str,
           settings: dict[str, Any] | None, timeout: float) -> Publisher:
    try:
        return platform(network).publisher(handle, secrets, base_url, timeout, settings or {})
    except Exception as exc:
        if isinstance(exc, PublishError) or network in NETWORK_NAMES:
            raise
        # a plugin's bug, before anything could be sent: told as a refused sign-in naming the
        # plugin (the runner stops the account, `accounts test` says FAIL), rather than the post
        # left 'publishing' with an outcome nobody can check
        raise AuthFailed(redact(_unmade(network, exc))) from None


def _unmade(network: str, exc: Exception) -> str:
    """The sentence naming a plugin whose publisher could not be made, and why."""
    from campaign import plugins

    return PluginError("network", network, plugins.distribution(plugins.PLATFORMS, network),
                       f"could not make its publisher ({type(exc).__name__}: {exc})").message


def _fingerprint(secrets: Secrets) -> str:
    return hashlib.sha256(repr(sorted(secrets.items())).encode()).hexdigest()


class PublisherPool:
    """Hands the runner the publisher of each claimed post's account, made once and reused (a
    signed-in session, an HTTP connection pool), and made again when its secrets change: a
    runner that stays up picks up credentials fixed after a refusal."""

    def __init__(self, timeout: float = 30.0, *, clock: Callable[[], datetime] = utcnow,
                 outbox_only: bool = False, delay: float = 0.0) -> None:
        self.timeout = timeout
        # outbox files stamp the runner's clock (a replayed one with --now); ``outbox_only``
        # makes sure a replayed past moment never reaches a network
        self.clock, self.outbox_only, self.delay = clock, outbox_only, delay
        self._open: dict[int, tuple[str, Publisher]] = {}
        self._outboxes: dict[Path, OutboxPublisher] = {}
        self._lock = threading.Lock()

    def __call__(self, post: Claimed) -> Publisher:
        if is_outbox(post.credentials_ref):
            return self._outbox(outbox_path(post.credentials_ref))
        if self.outbox_only:
            raise DestinationFailed(
                f"post #{post.id} is for {post.network} {post.handle}, a network account, and "
                "--now replays a past moment into outbox files only: run without --now",
                exit_code=2)
        try:
            platform(post.network)  # a plugin network is loaded before its secrets are read
            secrets = load(post.network, post.credentials_ref)
        except (CredentialsError, PluginError) as exc:
            # the runner stops the account and says why, like a refused sign-in (a broken
            # plugin stops its accounts only: the other networks' posts still go out)
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

    def _outbox(self, path: Path) -> OutboxPublisher:
        # one per file, shared by every account writing there: it remembers what it has read
        with self._lock:
            key = path.resolve()
            if key not in self._outboxes:
                self._outboxes[key] = OutboxPublisher(key, delay=self.delay, clock=self.clock)
            return self._outboxes[key]

    def close(self) -> None:
        """Close every publisher opened."""
        with self._lock:
            for _, publisher in self._open.values():
                publisher.close()
            self._open.clear()
            self._outboxes.clear()
