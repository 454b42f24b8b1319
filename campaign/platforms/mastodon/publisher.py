"""Mastodon through the client of :mod:`campaign.platforms.mastodon.client`: posts with language
and visibility, images with descriptions, threads, boosts and quotes, deletes.

Every status is sent with an ``Idempotency-Key`` derived from the post's idempotency key (one per
part), so the instance itself answers a retry with the status it already made. Instances keep
those keys for a limited time (an hour on Mastodon), so after a longer outage ``lookup`` also
looks for the text among the account's recent statuses.
"""

from __future__ import annotations

import html
import mimetypes
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mastodon import errors as mx

from campaign.platforms.base import (
    Claimed,
    Identity,
    Published,
    Refused,
    Transient,
    attempted_since,
    image_bytes,
    images,
    without_links,
)
from campaign.platforms.credentials import Secrets
from campaign.platforms.mastodon.client import connect, mapped_errors
from campaign.text.measure import measure_mastodon
from campaign.text.networks import NetworkLimits

VISIBILITIES = ("public", "unlisted", "private", "direct")
_TAGS = re.compile(r"<[^>]+>")
_REMOTE_MENTION = re.compile(r"@(\w+)@[\w.-]+\w")
MEDIA_WAIT = 60.0  # seconds an instance may take to process an image


def _plain(content: str) -> str:
    """A status's HTML as comparable text: markup dropped (a hashtag is a link around '#' and
    a span), paragraphs and line breaks as spaces."""
    for br in ("<br>", "<br/>", "<br />", "</p>"):
        content = content.replace(br, " ")
    return _comparable(html.unescape(_TAGS.sub("", content)))


def _comparable(text: str) -> str:
    """Text without its links (an instance may shorten how they show), remote mentions as the
    instance shows them (@user), and without extra spaces."""
    return without_links(_REMOTE_MENTION.sub(r"@\1", text))


def _aware(moment: Any) -> datetime:
    """A status's creation time, aware; the epoch when it has none (it is then never 'recent')."""
    if not isinstance(moment, datetime):
        return datetime.fromtimestamp(0, UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class MastodonPublisher:
    """Publishes to one Mastodon account on its instance."""

    def __init__(self, handle: str, secrets: Secrets, base_url: str = "",
                 timeout: float = 30.0, settings: dict[str, Any] | None = None) -> None:
        self.handle = handle
        self.api, self.base_url = connect(handle, secrets, base_url, timeout)
        self.settings = settings or {}
        self._me: Identity | None = None

    def whoami(self) -> Identity:
        """``verify_credentials``, plus the instance's real limits for the text rules."""
        if self._me is None:
            with mapped_errors(self.api):
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
        version = str(self._instance().get("version", ""))
        numbers = tuple(int(n) for n in re.findall(r"\d+", version)[:2])
        return numbers >= (4, 5)

    def _instance(self) -> dict[str, Any]:
        """What `accounts test` kept about the instance, else what signing in now tells."""
        return self.settings if "max_characters" in self.settings else self.whoami().settings

    def limits(self) -> NetworkLimits:
        """The text rules' limits for this instance."""
        found = self._instance()
        return NetworkLimits(mastodon_characters=int(found.get("max_characters", 500)),
                             mastodon_url_length=int(found.get("characters_reserved_per_url", 23)))

    def publish(self, post: Claimed) -> Published:
        """Each part as a reply to the one before, each with its own Idempotency-Key; after an
        earlier attempt, the parts already out are found first and not sent again (the
        instance forgets idempotency keys after an hour)."""
        with mapped_errors(self.api):
            if post.kind == "repost":
                target = self._status_id(post.target or "")
                self.api.status_reblog(target)
                return Published(f"reblog:{target}", str(post.target))
            self._check_length(post)
            chain = self._found_parts(post) if post.tried_before else []
            for index in range(len(chain), len(post.parts)):
                chain.append(self._post_part(post, index, str(chain[-1]["id"]) if chain else None))
        first = chain[0]
        return Published(str(first["id"]), first.get("url") or first.get("uri") or "")

    def _post_part(self, post: Claimed, index: int, reply_to: str | None) -> Any:
        part = post.parts[index]
        extra: dict[str, Any] = {}
        if index == 0 and images(post):
            # every image read before any is uploaded: one no longer fit to post uploads none
            bodies = [(m, image_bytes(m)) for m in images(post)]
            extra["media_ids"] = [self._upload(m, data) for m, data in bodies]
        if index == 0 and post.kind == "quote":
            if self._knows_quotes():
                extra["quoted_status_id"] = self._status_id(post.target or "")
            elif post.target and post.target not in part:
                part = f"{part} {post.target}"  # the way quotes were made before 4.5
        return self.api.status_post(
            part, in_reply_to_id=reply_to, visibility=self.settings.get("visibility") or "public",
            language=post.language, idempotency_key=f"{post.idempotency_key}-{index}", **extra)

    def _found_parts(self, post: Claimed) -> list[Any]:
        """The leading parts of ``post`` among the account's statuses made since its first
        attempt, each replying to the one before."""
        me = self.whoami()
        since = attempted_since(post)
        recent = sorted((s for s in self.api.account_statuses(me.user_id, limit=40)
                         if not s.get("reblog") and _aware(s.get("created_at")) >= since),
                        key=lambda s: int(s["id"]))
        found: list[Any] = []
        for part in post.parts:
            wanted = _comparable(part)
            parent = str(found[-1]["id"]) if found else None
            match = next((s for s in recent if _plain(s.get("content") or "") == wanted
                          and (str(s["in_reply_to_id"]) if s.get("in_reply_to_id") else None)
                          == parent), None)
            if match is None:
                break
            found.append(match)
        return found

    def _check_length(self, post: Claimed) -> None:
        limits = self.limits()
        for number, part in enumerate(post.parts, start=1):
            measured = measure_mastodon(part, limits)
            if not measured.fits:
                raise Refused(f"part {number} is {measured.length} characters and this instance "
                              f"allows {limits.mastodon_characters}: plan the posts again "
                              "(`campaign queue plan`) so they are split for it")

    def _upload(self, media: dict[str, Any], data: bytes) -> str:
        """Upload an image (its bytes, read and checked already) with its description and wait
        until the instance has processed it (a status with an unprocessed attachment is
        refused), within MEDIA_WAIT."""
        path = Path(media["path"])
        mime = media.get("mime") or mimetypes.guess_type(path.name)[0] or "image/png"
        # bytes, never the path: Mastodon.py would open the file again, following any link.
        # Our own wait rather than Mastodon.py's synchronous mode, which has no deadline and
        # turns a passing 5xx while polling into a final "could not be processed"
        uploaded = self.api.media_post(data, mime_type=mime, file_name=path.name,
                                       description=media.get("alt") or None)
        deadline = time.monotonic() + MEDIA_WAIT
        while not uploaded.get("url"):
            if time.monotonic() > deadline:
                raise Transient(f"Mastodon is still processing image {path.name} after "
                                f"{MEDIA_WAIT:.0f} s: will try again")
            time.sleep(1)
            uploaded = self.api.media(uploaded["id"])
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
        """The post if every part of it is among the account's recent statuses."""
        if post.kind == "repost":
            return None  # boosting again is harmless: an account boosts a status once
        with mapped_errors(self.api):
            found = self._found_parts(post)
        if not found or len(found) < len(post.parts):
            return None
        return Published(str(found[0]["id"]), found[0].get("url") or "")

    def delete(self, post: Claimed, remote_id: str) -> None:
        """Delete the status and the replies of its thread made by this account."""
        with mapped_errors(self.api):
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
