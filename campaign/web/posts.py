"""What the queue's and the review desk's pages share: a post's id from the address, library
calls in a worker thread with an unknown post answered 404, and the one-line result kept in the
session across the redirect after a form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request

from campaign.queue.editing import MAX_POST_ID
from campaign.queue.errors import PostNotFound

_T = TypeVar("_T")


async def call(function: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
    """A library call in a worker thread; an unknown post is a 404 page."""
    try:
        return await run_in_threadpool(function, *args, **kwargs)
    except PostNotFound:
        raise HTTPException(404) from None


def post_id(request: Request) -> int:
    """The post the address names; a number no post can have is a 404 page."""
    number = int(request.path_params["post_id"])
    if not 0 < number <= MAX_POST_ID:  # no post has it (and the database cannot take it)
        raise HTTPException(404)
    return number


def take_flash(request: Request, key: str) -> dict[str, Any] | None:
    """The result a form left in the session for the page after its redirect, once."""
    found = request.session.pop(key, None)
    return found if isinstance(found, dict) else None
