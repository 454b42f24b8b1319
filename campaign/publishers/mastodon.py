"""Mastodon through Mastodon.py: posts with language and visibility, images with descriptions,
threads, boosts and quotes.

Every status is sent with an ``Idempotency-Key`` derived from the post's idempotency key (one per
part), so the instance itself answers a retry with the status it already made. Instances keep
those keys for a limited time (an hour on Mastodon), so after a longer outage ``lookup`` also
looks for the text among the account's recent statuses.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mastodon import Mastodon
from mastodon import errors as mx

from campaign.credentials import Secrets
from campaign.publishers.base import (
    AuthFailed,
    Identity,
    Published,
    PublishError,
    RateLimited,
    Refused,
    Transient,
    images,
    reset_time,
)
from campaign.store import Claimed
from campaign.textrules import NetworkLimits, measure_mastodon

VISIBILITIES = ("public", "unlisted", "private", "direct")
_TAGS = re.compile(r"<[^>]+>")
_URL = re.compile(r"https?://\S+")


def _said(exc: mx.MastodonError) -> str:
    """The instance's own message (Mastodon.py packs status, reason and error into args)."""
    args = [str(a) for a in exc.args if a not in (None, "")]
    return args[-1] if args else type(exc).__name__


@contextmanager
def _mapped_errors(api: Mastodon) -> Iterator[None]:
    """Turn Mastodon.py's exceptions into the runner's outcomes."""
    try:
        yield
    except PublishError:
        raise
    except mx.MastodonRatelimitError as exc:
        raise RateLimited(f"Mastodon rate limit: {_said(exc)}",
                          reset_time(api.ratelimit_reset)) from None
    except mx.MastodonUnauthorizedError as exc:
        raise AuthFailed(f"Mastodon refused the access token: {_said(exc)}") from None
    except (mx.MastodonServerError, mx.MastodonNetworkError) as exc:
        raise Transient(f"Mastodon instance unavailable: {_said(exc)}") from None
    except mx.MastodonAPIError as exc:
        status = exc.args[1] if len(exc.args) > 1 else None
        if status == 403:
            raise AuthFailed(f"Mastodon refused the account (does the token have the write "
                             f"scopes?): {_said(exc)}") from None
        if status == 429:
            raise RateLimited(f"Mastodon rate limit: {_said(exc)}",
                              reset_time(api.ratelimit_reset)) from None
        raise Refused(f"Mastodon refused the post: {_said(exc)}") from None
    except mx.MastodonError as exc:
        raise Refused(f"Mastodon refused the post: {_said(exc)}") from None


def _plain(content: str) -> str:
    """A status's HTML as comparable text: markup dropped (a hashtag is a link around '#' and
    a span), paragraphs and line breaks as spaces."""
    for br in ("<br>", "<br/>", "<br />", "</p>"):
        content = content.replace(br, " ")
    return _comparable(html.unescape(_TAGS.sub("", content)))


def _comparable(text: str) -> str:
    """Text without its links (an instance may shorten how they show) and extra spaces."""
    return " ".join(_URL.sub(" ", text).split())


class MastodonPublisher:
    """Publishes to one Mastodon account on its instance."""

    def __init__(self, handle: str, secrets: Secrets, base_url: str = "",
                 timeout: float = 30.0, settings: dict[str, Any] | None = None) -> None:
        self.handle = handle
        instance = base_url or _instance_of(handle)
        if not instance:
            raise Refused(f"Mastodon account {handle} names no instance: add it as "
                          "@user@instance.example or give --base-url https://instance.example")
        self.base_url = instance.rstrip("/")
        self.settings = settings or {}
        # "throw": the runner decides when to come back, rather than a sleep inside a call
        self.api = Mastodon(access_token=secrets["access_token"], api_base_url=self.base_url,
                            ratelimit_method="throw", request_timeout=timeout,
                            version_check_mode="none")
        self._me: Identity | None = None

    def whoami(self) -> Identity:
        """``verify_credentials``, plus the instance's real limits for the text rules."""
        if self._me is None:
            with _mapped_errors(self.api):
                account = self.api.account_verify_credentials()
                limits = self._limits()
            self._me = Identity(handle=f"@{account['acct']}", user_id=str(account["id"]),
                                display_name=account.get("display_name") or "",
                                url=account.get("url") or "", settings=limits)
        return self._me

    def _limits(self) -> dict[str, Any]:
        """``configuration.statuses`` of the instance (v2, else v1; defaults when it has none),
        and its version, which says whether it knows quote posts."""
        try:
            instance = self.api.instance_v2()
        except mx.MastodonAPIError:
            instance = self.api.instance_v1()
        statuses = (instance.get("configuration") or {}).get("statuses") or {}
        return {"max_characters": int(statuses.get("max_characters") or 500),
                "characters_reserved_per_url": int(statuses.get("characters_reserved_per_url")
                                                   or 23),
                "max_media_attachments": int(statuses.get("max_media_attachments") or 4),
                "version": str(instance.get("version") or "")}

    def _knows_quotes(self) -> bool:
        """Quote posts exist from Mastodon 4.5 on; older instances would drop the quote."""
        version = str((self.settings or self.whoami().settings).get("version", ""))
        numbers = tuple(int(n) for n in re.findall(r"\d+", version)[:2])
        return numbers >= (4, 5)

    def limits(self) -> NetworkLimits:
        """The text rules' limits for this instance."""
        found = self.settings or self.whoami().settings
        return NetworkLimits(mastodon_characters=int(found.get("max_characters", 500)),
                             mastodon_url_length=int(found.get("characters_reserved_per_url", 23)))

    def publish(self, post: Claimed) -> Published:
        """Each part as a reply to the one before, each with its own Idempotency-Key."""
        with _mapped_errors(self.api):
            if post.kind == "repost":
                target = self._status_id(post.target or "")
                self.api.status_reblog(target)
                return Published(f"reblog:{target}", str(post.target))
            self._check_length(post)
            visibility = self.settings.get("visibility") or "public"
            first: dict[str, Any] | None = None
            previous: str | None = None
            for index, part in enumerate(post.parts):
                extra: dict[str, Any] = {}
                if index == 0 and images(post):
                    extra["media_ids"] = [self._upload(m) for m in images(post)]
                if index == 0 and post.kind == "quote":
                    if self._knows_quotes():
                        extra["quoted_status_id"] = self._status_id(post.target or "")
                    elif post.target and post.target not in part:
                        part = f"{part} {post.target}"  # the way quotes were made before 4.5
                status = self.api.status_post(
                    part, in_reply_to_id=previous, visibility=visibility,
                    language=post.language, idempotency_key=f"{post.idempotency_key}-{index}",
                    **extra)
                previous = str(status["id"])
                first = first or status
        assert first is not None
        return Published(str(first["id"]), first.get("url") or first.get("uri") or "")

    def _check_length(self, post: Claimed) -> None:
        limits = self.limits()
        for number, part in enumerate(post.parts, start=1):
            measured = measure_mastodon(part, limits)
            if not measured.fits:
                raise Refused(f"part {number} is {measured.length} characters and this instance "
                              f"allows {limits.mastodon_characters}: plan the posts again "
                              "(`campaign queue plan`) so they are split for it")

    def _upload(self, media: dict[str, Any]) -> str:
        path = Path(media["path"])
        if not path.is_file():
            raise Refused(f"image {path} cannot be read: it does not exist")
        # synchronous: wait until the instance has processed it, or the status may go out bare
        uploaded = self.api.media_post(str(path), mime_type=media.get("mime"),
                                       description=media.get("alt") or None, synchronous=True)
        return str(uploaded["id"])

    def _status_id(self, target: str) -> str:
        """A local status id from an id or any status URL (resolved by the instance)."""
        if target.isdigit():
            return target
        found = self.api.search_v2(target, resolve=True, result_type="statuses")
        statuses = found.get("statuses") or []
        if not statuses:
            raise Refused(f"Mastodon status {target} was not found from this instance")
        return str(statuses[0]["id"])

    def lookup(self, post: Claimed) -> Published | None:
        """The post if its first part is among the account's recent statuses."""
        if post.kind == "repost":
            return None  # boosting again is harmless: an account boosts a status once
        with _mapped_errors(self.api):
            me = self.whoami()
            recent = self.api.account_statuses(me.user_id, limit=40)
        wanted = _comparable(post.parts[0])
        for status in recent:
            if _plain(status.get("content") or "") == wanted:
                return Published(str(status["id"]), status.get("url") or "")
        return None

    def delete(self, post: Claimed, remote_id: str) -> None:
        """Delete the status and the replies of its thread made by this account."""
        with _mapped_errors(self.api):
            if remote_id.startswith("reblog:"):
                self.api.status_unreblog(remote_id.split(":", 1)[1])
                return
            me = self.whoami()
            chain = [remote_id]
            for status in reversed(self.api.account_statuses(me.user_id, limit=40)):
                if str(status.get("in_reply_to_id")) == chain[-1]:
                    chain.append(str(status["id"]))
            for status_id in reversed(chain[:len(post.parts)]):
                self.api.status_delete(status_id)

    def close(self) -> None:
        """Release the HTTP connections."""
        self.api.session.close()


def _instance_of(handle: str) -> str:
    """``https://instance`` from ``@user@instance``, else ''."""
    parts = handle.lstrip("@").split("@")
    return f"https://{parts[1]}" if len(parts) == 2 and parts[1] else ""
