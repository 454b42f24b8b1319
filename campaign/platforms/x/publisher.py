"""X (Twitter) posts through the API v2 client of :mod:`campaign.platforms.x.client`: posts,
threads, images with alt text, reposts and quotes, deletes.

X has no idempotency key. So before a post whose outcome is unknown is sent again, the account's
recent posts are searched for it (and for each part of a thread), and only what is missing goes
out.
"""

from __future__ import annotations

import html
import mimetypes
import re
from pathlib import Path
from typing import Any

from campaign.platforms.base import (
    Claimed,
    Identity,
    Published,
    Refused,
    attempted_since,
    image_bytes,
    images,
    without_links,
)
from campaign.platforms.credentials import Secrets
from campaign.platforms.x.client import DEFAULT_BASE_URL, connect, mapped_errors

CHUNK = 1024 * 1024  # media upload v2 takes segments of up to 5 MB; 1 MB keeps retries cheap
_STATUS = re.compile(r"/status(?:es)?/(\d+)")


def _comparable(text: str) -> str:
    """Text as X gives it back has its links shortened to t.co, a link to its media appended and
    '&' escaped: so texts are compared without their links."""
    return without_links(html.unescape(text))


def tweet_id(target: str) -> str:
    """A post id from an id or an x.com / twitter.com status URL."""
    if target.isdigit():
        return target
    found = _STATUS.search(target)
    if not found:
        raise Refused(f"'{target}' is not an X post: give its id or its https://x.com/.../status/ID "
                      "address")
    return found.group(1)


class XPublisher:
    """Publishes to one X account."""

    def __init__(self, handle: str, secrets: Secrets, base_url: str = "",
                 timeout: float = 30.0) -> None:
        self.handle = handle.lstrip("@")
        # OAuth 2 user tokens go as a bearer token; OAuth 1.0a signs each request
        self.client, self.user_auth = connect(secrets, base_url or DEFAULT_BASE_URL, timeout)
        self._me: Identity | None = None

    def whoami(self) -> Identity:
        """``GET /2/users/me``."""
        if self._me is None:
            with mapped_errors():
                data = self.client.get_me(user_auth=self.user_auth).data
            self._me = Identity(handle=f"@{data.username}", user_id=str(data.id),
                                display_name=data.name or "",
                                url=f"https://x.com/{data.username}")
        return self._me

    def publish(self, post: Claimed) -> Published:
        """Send what of the post is not on X yet: a repost, or each missing part of a thread."""
        with mapped_errors():
            if post.kind == "repost":
                target = tweet_id(post.target or "")
                self.client.retweet(target, user_auth=self.user_auth)
                return Published(f"repost:{target}", self._url(target))
            # a retry may follow an attempt whose outcome is unknown: resume after what is there
            done = self._found_parts(post) if post.tried_before else []
            ids = list(done)
            for index in range(len(done), len(post.parts)):
                ids.append(self._create(post, index, ids[-1] if ids else None))
        return Published(ids[0], self._url(ids[0]))

    def _create(self, post: Claimed, index: int, reply_to: str | None) -> str:
        extra: dict[str, Any] = {}
        if reply_to:
            extra["in_reply_to_tweet_id"] = reply_to
        if index == 0 and images(post):
            # every image read before any is uploaded: one no longer fit to post uploads none
            bodies = [(m, image_bytes(m)) for m in images(post)]
            extra["media_ids"] = [self._upload(m, body) for m, body in bodies]
        if index == 0 and post.kind == "quote":
            extra["quote_tweet_id"] = tweet_id(post.target or "")
        response = self.client.create_tweet(text=post.parts[index], user_auth=self.user_auth,
                                            **extra)
        return str(response.data["id"])

    def _upload(self, media: dict[str, Any], body: bytes) -> str:
        """Media upload v2: initialize, append in segments, finalize, then set the alt text."""
        path = Path(media["path"])
        mime = media.get("mime") or mimetypes.guess_type(path.name)[0] or "image/png"
        init = self.client.request("POST", "/2/media/upload/initialize", json={
            "media_type": mime, "total_bytes": len(body), "media_category": "tweet_image"},
            user_auth=self.user_auth).json()
        media_id = str(init["data"]["id"])
        for index, start in enumerate(range(0, len(body), CHUNK)):
            self.client.request("POST", f"/2/media/upload/{media_id}/append",
                                files={"media": (path.name, body[start:start + CHUNK], mime)},
                                data={"segment_index": str(index)}, user_auth=self.user_auth)
        self.client.request("POST", f"/2/media/upload/{media_id}/finalize",
                            user_auth=self.user_auth)
        if media.get("alt"):
            self.client.request("POST", "/2/media/metadata", json={
                "id": media_id, "metadata": {"alt_text": {"text": media["alt"]}}},
                user_auth=self.user_auth)
        return media_id

    def _recent(self, post: Claimed) -> list[Any]:
        """The account's posts made since just before the post's first attempt (an older post
        with the same words, from another year, is not this one)."""
        me = self.whoami()
        since = attempted_since(post)
        # X bills reads per post returned: start_time keeps the answer to the few posts since
        response = self.client.get_users_tweets(
            me.user_id, max_results=100, user_auth=self.user_auth, start_time=since,
            tweet_fields=["created_at", "referenced_tweets"])
        return [t for t in response.data or [] if t.created_at is None or t.created_at >= since]

    def _found_parts(self, post: Claimed) -> list[str]:
        """Ids of the leading parts of ``post`` already among the account's recent posts."""
        if post.kind == "repost":
            return []
        recent = self._recent(post)
        found: list[str] = []
        for part in post.parts:
            wanted = _comparable(part)
            match = next((t for t in reversed(recent) if _comparable(t.text) == wanted
                          and (not found or _replies_to(t, found[-1]))), None)
            if match is None:
                break
            found.append(str(match.id))
        return found

    def lookup(self, post: Claimed) -> Published | None:
        """The post if every part of it is among the account's recent posts."""
        if post.kind == "repost":
            return None  # a repost is safe to send again: X keeps one per account and post
        with mapped_errors():
            found = self._found_parts(post)
        if found and len(found) == len(post.parts):
            return Published(found[0], self._url(found[0]))
        return None

    def delete(self, post: Claimed, remote_id: str) -> None:
        """Delete the post and the rest of its thread (found again among recent posts)."""
        with mapped_errors():
            if remote_id.startswith("repost:"):
                self.client.unretweet(remote_id.split(":", 1)[1], user_auth=self.user_auth)
                return
            ids = self._found_parts(post) or [remote_id]
            for found in reversed(ids):
                self.client.delete_tweet(found, user_auth=self.user_auth)

    def _url(self, post_id: str) -> str:
        return f"https://x.com/{self.handle}/status/{post_id}"

    def close(self) -> None:
        """Release the HTTP connections."""
        self.client.session.close()


def _replies_to(tweet: Any, parent: str) -> bool:
    refs = tweet.referenced_tweets or []
    return any(r.type == "replied_to" and str(r.id) == parent for r in refs)
