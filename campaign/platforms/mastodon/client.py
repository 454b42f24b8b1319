"""Mastodon's client: Mastodon.py on the account's instance, signed in with its access token,
with a timeout and rate limits raised rather than slept through, and Mastodon.py's errors mapped
to the runner's outcomes (shared by the publisher and, next, a hashtag collector)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from mastodon import Mastodon
from mastodon import errors as mx

from campaign.platforms.base import (
    AuthFailed,
    PublishError,
    RateLimited,
    Refused,
    Transient,
    reset_time,
)
from campaign.platforms.credentials import Secrets


def connect(handle: str, secrets: Secrets, base_url: str = "",
            timeout: float = 30.0) -> tuple[Mastodon, str]:
    """A client of the account's instance (``base_url``, else the instance in the handle) and
    that instance's address; Refused when neither names one."""
    instance = base_url or instance_of(handle)
    if not instance:
        raise Refused(f"Mastodon account {handle} names no instance: add it as "
                      "@user@instance.example or give --base-url https://instance.example")
    instance = instance.rstrip("/")
    # "throw": the runner decides when to come back, rather than a sleep inside a call
    api = Mastodon(access_token=secrets["access_token"], api_base_url=instance,
                   ratelimit_method="throw", request_timeout=timeout, version_check_mode="none")
    return api, instance


def connect_public(instance: str, token: str | None = None,
                   timeout: float = 30.0) -> Mastodon:
    """A client of ``instance`` for reading (tag timelines), signed in only when given a token:
    most instances serve hashtag timelines to anyone, some only to logged-in users."""
    return Mastodon(access_token=token or None, api_base_url=instance.rstrip("/"),
                    ratelimit_method="throw", request_timeout=timeout, version_check_mode="none")


def _said(exc: mx.MastodonError) -> str:
    """The instance's own message (Mastodon.py packs status, reason and error into args)."""
    args = [str(a) for a in exc.args if a not in (None, "")]
    return args[-1] if args else type(exc).__name__


@contextmanager
def mapped_errors(api: Mastodon, what: str = "the post") -> Iterator[None]:
    """Turn Mastodon.py's exceptions into the runner's outcomes (``what`` was refused: the
    post, or what a collector asked for)."""
    try:
        yield
    except PublishError:
        raise
    except mx.MastodonRatelimitError as exc:
        raise RateLimited(f"Mastodon rate limit: {_said(exc)}",
                          reset_time(api.ratelimit_reset)) from None
    except mx.MastodonUnauthorizedError as exc:
        raise AuthFailed(f"Mastodon refused the access token: {_said(exc)}") from None
    except mx.MastodonNetworkError:
        # its text is urllib3's whole chain (pools, resolvers): the host says enough
        raise Transient(f"Mastodon instance {api.api_base_url} could not be reached: check the "
                        "address and the network") from None
    except mx.MastodonServerError as exc:
        raise Transient(f"Mastodon instance unavailable: {_said(exc)}") from None
    except mx.MastodonAPIError as exc:
        status = exc.args[1] if len(exc.args) > 1 else None
        if status == 403 and "scope" in _said(exc).lower():
            raise AuthFailed(f"Mastodon refused the account (does the token have the write "
                             f"scopes?): {_said(exc)}") from None
        if status == 429:
            raise RateLimited(f"Mastodon rate limit: {_said(exc)}",
                              reset_time(api.ratelimit_reset)) from None
        raise Refused(f"Mastodon refused {what}: {_said(exc)}") from None
    except mx.MastodonError as exc:
        raise Refused(f"Mastodon refused {what}: {_said(exc)}") from None


def instance_of(handle: str) -> str:
    """``https://instance`` from ``@user@instance``, else ''."""
    parts = handle.lstrip("@").split("@")
    return f"https://{parts[1]}" if len(parts) == 2 and parts[1] else ""
