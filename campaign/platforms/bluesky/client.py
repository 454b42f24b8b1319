"""Bluesky's XRPC client: the ``atproto`` SDK's ``Client`` on an account's PDS with a timeout,
signed in with an app password from the account's secrets, and the SDK's errors mapped to the
runner's outcomes (shared by the publisher and, next, a hashtag collector)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from atproto import Client
from atproto_client import exceptions as atx
from atproto_client.request import Request

from campaign.platforms.base import (
    AuthFailed,
    PublishError,
    RateLimited,
    Refused,
    Transient,
    reset_time,
)
from campaign.platforms.credentials import Secrets

DEFAULT_BASE_URL = "https://bsky.social"


def connect(base_url: str = "", timeout: float = 30.0) -> tuple[Client, str]:
    """A client for the PDS at ``base_url`` (bsky.social by default), not signed in yet, and
    that PDS's address without a trailing slash."""
    pds = (base_url or DEFAULT_BASE_URL).rstrip("/")
    return Client(base_url=pds + "/xrpc", request=Request(timeout=timeout)), pds


def sign_in(client: Client, secrets: Secrets, handle: str) -> tuple[str, str]:
    """Sign in with the app password (``createSession``; no appview needed): the account's DID
    and handle as the PDS says them. The identifier is the handle unless the secrets name one."""
    with mapped_errors():
        client.login(secrets.get("identifier") or handle, secrets["app_password"],
                     fetch_bsky_profile=False)
    session = client._session
    assert session is not None
    return session.did, session.handle


def close(client: Client) -> None:
    """Release the client's HTTP connections."""
    client.request._client.close()


def error_name(exc: atx.RequestErrorBase) -> str:
    content = exc.response.content if exc.response is not None else None
    return str(getattr(content, "error", "") or "")


def _error_text(exc: atx.RequestErrorBase) -> str:
    content = exc.response.content if exc.response is not None else None
    name, message = getattr(content, "error", None), getattr(content, "message", None)
    said = ": ".join(str(p) for p in (name, message) if p)
    return said or (f"HTTP {exc.response.status_code}" if exc.response is not None
                    else type(exc).__name__)


@contextmanager
def mapped_errors() -> Iterator[None]:
    """Turn the SDK's exceptions into the runner's outcomes."""
    try:
        yield
    except PublishError:
        raise
    except atx.RateLimitExceededError as exc:
        headers = exc.response.headers if exc.response is not None else {}
        raise RateLimited(f"Bluesky rate limit: {_error_text(exc)}",
                          reset_time(headers.get("ratelimit-reset"))) from None
    except (atx.UnauthorizedError, atx.LoginRequiredError) as exc:
        text = _error_text(exc) if isinstance(exc, atx.RequestErrorBase) else "not signed in"
        raise AuthFailed(f"Bluesky refused the credentials: {text}") from None
    except atx.BadRequestError as exc:
        if error_name(exc) in ("AuthenticationRequired", "ExpiredToken", "InvalidToken",
                               "AccountTakedown"):
            raise AuthFailed(f"Bluesky refused the credentials: {_error_text(exc)}") from None
        raise Refused(f"Bluesky refused the post: {_error_text(exc)}") from None
    except (atx.NetworkError, atx.InvokeTimeoutError) as exc:
        if exc.response is not None and exc.response.status_code == 413:
            raise Refused(f"Bluesky refused the post as too large: {_error_text(exc)}") from None
        raise Transient(f"Bluesky could not be reached: {_error_text(exc)}") from None
    except httpx.HTTPError as exc:  # what the SDK lets through (a dropped connection, a proxy)
        raise Transient(f"Bluesky could not be reached: {type(exc).__name__}") from None
    except atx.ModelError as exc:  # an answer that is not the XRPC it should be
        raise Transient(f"Bluesky answered something unexpected: {type(exc).__name__}") from None
    except atx.RequestException as exc:
        status = exc.response.status_code if exc.response is not None else 0
        if status >= 500 or status == 0:
            raise Transient(f"Bluesky server error: {_error_text(exc)}") from None
        raise Refused(f"Bluesky refused the post: {_error_text(exc)}") from None
