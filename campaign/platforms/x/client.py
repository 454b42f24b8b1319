"""X's API v2 client: tweepy's ``Client`` with a configurable host and a timeout, signed in from an
account's secrets, and X's answers mapped to the runner's outcomes (shared by the publisher and,
next, a hashtag collector).

tweepy sends every call to a host it hard-codes and sets no timeout; :class:`Client` adds both,
so a proxy, a test double or a hung connection are all handled.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import requests
import tweepy

from campaign.platforms.base import AuthFailed, RateLimited, Refused, Transient, reset_time
from campaign.platforms.credentials import Secrets

DEFAULT_BASE_URL = "https://api.x.com"


class Client(tweepy.Client):  # type: ignore[misc]
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


def connect(secrets: Secrets, base_url: str = "", timeout: float = 30.0) -> tuple[Client, bool]:
    """A client signed in with an account's secrets, and whether its calls use OAuth 1.0a user
    context (``user_auth``) rather than an OAuth 2 user token sent as a bearer token."""
    user_auth = "oauth2_token" not in secrets
    client = Client(
        base_url or DEFAULT_BASE_URL, timeout, bearer_token=secrets.get("oauth2_token"),
        consumer_key=secrets.get("consumer_key"), consumer_secret=secrets.get("consumer_secret"),
        access_token=secrets.get("access_token"),
        access_token_secret=secrets.get("access_token_secret"))
    return client, user_auth


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
def mapped_errors() -> Iterator[None]:
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
        host = urlsplit(exc.request.url or "").netloc if exc.request is not None else ""
        raise Transient(f"X{f' at {host}' if host else ''} could not be reached "
                        f"({type(exc).__name__}): check the address and the network") from None
