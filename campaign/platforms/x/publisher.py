"""X (Twitter) through tweepy's ``Client`` (API v2): posts, threads, images with alt text, reposts.

X has no idempotency key. So before a post whose outcome is unknown is sent again, the account's
recent posts are searched for it (and for each part of a thread), and only what is missing goes
out. tweepy sends every call to a host it hard-codes and sets no timeout; :class:`_Client` adds
both, so a proxy, a test double or a hung connection are all handled.
"""

from __future__ import annotations

import html
import mimetypes
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
import tweepy

from campaign.platforms.base import (
    AuthFailed,
    Claimed,
    Identity,
    Published,
    RateLimited,
    Refused,
    Transient,
    attempted_since,
    image_bytes,
    images,
    reset_time,
    without_links,
)
from campaign.platforms.credentials import Secrets

DEFAULT_BASE_URL = "https://api.x.com"
CHUNK = 1024 * 1024  # media upload v2 takes segments of up to 5 MB; 1 MB keeps retries cheap
_STATUS = re.compile(r"/status(?:es)?/(\d+)")


class _Client(tweepy.Client):  # type: ignore[misc]
    """tweepy's Client with a configurable host, a timeout, and multipart uploads."""

    def __init__(self, base_url: str, timeout: float, **credentials: Any) -> None:
        super().__init__(**credentials)
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def request(self, method: str, route: str, params: Any = None, json: Any = None,
                user_auth: bool = False, *, files: Any = None, data: Any = None) -> Any:
        headers = {"User-Agent": self.user_agent}
        auth = None
        if user_auth:
            auth = tweepy.OAuth1UserHandler(self.consumer_key, self.consumer_secret,
                                            self.access_token, self.access_token_secret
                                            ).apply_auth()
        else:
            headers["Authorization"] = f"Bearer {self.bearer_token}"
        response = self.session.request(method, self.base_url + route, params=params, json=json,
                                        files=files, data=data, headers=headers, auth=auth,
                                        timeout=self.timeout)
        _raise_for_status(response)
        return response


def _raise_for_status(response: requests.Response) -> None:
    """The same exceptions tweepy raises, so callers handle one family."""
    status = response.status_code
    if 200 <= status < 300:
        return
    if status == 429:
        reset = response.headers.get("x-rate-limit-reset")
        raise tweepy.TooManyRequests(response, reset_time=int(reset) if reset else None)
    errors: dict[int, type[tweepy.HTTPException]] = {
        400: tweepy.BadRequest, 401: tweepy.Unauthorized, 403: tweepy.Forbidden,
        404: tweepy.NotFound}
    if status >= 500:
        raise tweepy.TwitterServerError(response)
    raise errors.get(status, tweepy.HTTPException)(response)


_ACCOUNT_PROBLEMS = ("oauth1-permissions", "client-forbidden", "unsupported-authentication",
                     "usage-capped", "not-authorized-for-resource")


def _problem_type(exc: tweepy.HTTPException) -> str:
    """The ``type`` of X's problem document, '' when the body has none."""
    try:
        body = exc.response.json()
    except ValueError:
        return ""
    return str(body.get("type") or "") if isinstance(body, dict) else ""


def _message(exc: tweepy.HTTPException) -> str:
    """X's own words: the API's messages, else the status line."""
    said = "; ".join(m for m in exc.api_messages if m) if exc.api_messages else ""
    return said or f"{exc.response.status_code} {exc.response.reason}"


@contextmanager
def _mapped_errors() -> Iterator[None]:
    """Turn tweepy's and requests' exceptions into the runner's outcomes."""
    try:
        yield
    except tweepy.TooManyRequests as exc:
        raise RateLimited(f"X rate limit: {_message(exc)}", reset_time(exc.reset_time)) from None
    except tweepy.Unauthorized as exc:
        raise AuthFailed(f"X refused the credentials: {_message(exc)}") from None
    except tweepy.Forbidden as exc:
        # a 403 is about the account only for these problem types; otherwise (duplicate text,
        # a deleted post replied to or reposted) it is about this post
        if _problem_type(exc).rsplit("/", 1)[-1] in _ACCOUNT_PROBLEMS:
            raise AuthFailed(f"X refused the account (does the app have Read and write "
                             f"permission?): {_message(exc)}") from None
        raise Refused(f"X refused the post: {_message(exc)}") from None
    except (tweepy.BadRequest, tweepy.NotFound) as exc:
        raise Refused(f"X refused the post: {_message(exc)}") from None
    except tweepy.TwitterServerError as exc:
        raise Transient(f"X server error: {_message(exc)}") from None
    except tweepy.HTTPException as exc:
        raise Transient(f"X answered {_message(exc)}") from None
    except requests.RequestException as exc:
        raise Transient(f"X could not be reached: {type(exc).__name__}") from None


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
        self.user_auth = "oauth2_token" not in secrets
        self.client = _Client(
            base_url or DEFAULT_BASE_URL, timeout, bearer_token=secrets.get("oauth2_token"),
            consumer_key=secrets.get("consumer_key"), consumer_secret=secrets.get("consumer_secret"),
            access_token=secrets.get("access_token"),
            access_token_secret=secrets.get("access_token_secret"))
        self._me: Identity | None = None

    def whoami(self) -> Identity:
        """``GET /2/users/me``."""
        if self._me is None:
            with _mapped_errors():
                data = self.client.get_me(user_auth=self.user_auth).data
            self._me = Identity(handle=f"@{data.username}", user_id=str(data.id),
                                display_name=data.name or "",
                                url=f"https://x.com/{data.username}")
        return self._me

    def publish(self, post: Claimed) -> Published:
        """Send what of the post is not on X yet: a repost, or each missing part of a thread."""
        with _mapped_errors():
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
        with _mapped_errors():
            found = self._found_parts(post)
        if found and len(found) == len(post.parts):
            return Published(found[0], self._url(found[0]))
        return None

    def delete(self, post: Claimed, remote_id: str) -> None:
        """Delete the post and the rest of its thread (found again among recent posts)."""
        with _mapped_errors():
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


