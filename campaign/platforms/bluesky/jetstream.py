"""Bluesky's Jetstream (``/subscribe``), the firehose as JSON events, as a source of hashtag
posts: ``wantedCollections=app.bsky.feed.post``, resumed with ``cursor`` = a ``time_us``.

An event is ``{"did", "time_us", "kind": "commit" | "identity" | "account", ...}``; a commit says
``{"rev", "operation", "collection", "rkey", "record", "cid"}``. Created and updated posts are
kept when they carry one of the source's hashtags (the same filter as the firehose's); an
``identity`` event gives its DID's handle for the posts after it. Each page's checkpoint is
``{"time_us": n}`` of the last event it covers. Cursors are times, so a restart goes back
``rewind_seconds`` (3 by default) before the stored one, as Jetstream's documentation advises
for gapless playback (switching hosts included); the events read twice are stored once.

The SDK's Jetstream client speaks only Jetstream's newer ``xrpc.v1.json`` wire, not this
documented ``/subscribe`` one, so the events are read with :func:`json.loads` under the stream
loop of :mod:`.firehose`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from campaign.platforms.bluesky.firehose import (
    POST,
    BadFrame,
    Event,
    StreamError,
    StreamSource,
    note_handle,
    wanted_post,
)
from campaign.platforms.bluesky.parse import BadRecord
from campaign.tracking.sources import SourceSpec

REWIND_SECONDS = 3.0
_ACTIONS = ("create", "update")


def decode_event(data: bytes | str, *, wanted: frozenset[str],
                 handles: dict[str, str]) -> Event:
    """One Jetstream event: its time_us and its post when it carries a wanted hashtag; an
    identity event's handle is noted in ``handles``. Raises BadFrame or StreamError (an
    ``{"error": ...}`` object in place of an event)."""
    try:
        event = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadFrame(f"a frame that is not JSON: {str(data[:60])!r}") from None
    if not isinstance(event, dict):
        raise BadFrame(f"a JSON {type(event).__name__} where an event object is expected")
    at = event.get("time_us")
    if not isinstance(at, int) or isinstance(at, bool):
        if "error" in event:
            raise StreamError(str(event.get("error")), str(event.get("message") or ""))
        raise BadFrame("an event without its time_us")
    out = Event(at, stamped=min(at, 2**62) / 1_000_000)  # (a float cannot hold every int)
    kind, did = event.get("kind"), event.get("did")
    if kind == "commit":
        commit = event.get("commit")
        if not isinstance(commit, dict):
            raise BadFrame(f"a commit event without its commit (time_us {at})", at)
        if commit.get("collection") != POST or commit.get("operation") not in _ACTIONS:
            return out
        uri = f"at://{did}/{POST}/{commit.get('rkey')}"
        try:
            post = wanted_post(did=str(did), uri=uri, record=commit.get("record"), wanted=wanted,
                               handles=handles, cid=str(commit.get("cid") or ""))
        except BadRecord as exc:
            out.problems.append(str(exc))
            return out
        if post is not None:
            out.posts.append(post)
    elif kind == "identity":
        identity = event.get("identity")
        note_handle(handles, did, identity.get("handle") if isinstance(identity, dict) else None)
    return out


class Jetstream(StreamSource):
    """A Jetstream host's ``/subscribe``; checkpoint ``{"time_us": n}``. A first run starts at
    ``since`` when the source has one, else live, or from the oldest event the host keeps with
    ``options: {from_start: true}``."""

    what = "Bluesky Jetstream"
    path = "/subscribe"
    key = "time_us"

    def __init__(self, spec: SourceSpec) -> None:
        super().__init__(spec)
        self.rewind_us = int(float(spec.options.get("rewind_seconds", REWIND_SECONDS)) * 1e6)

    def query(self, state: Mapping[str, Any] | None) -> dict[str, Any]:
        """Only posts; ``cursor`` a little before the stored time_us (a host sends the events
        from the cursor on: without rewind, the one after the last read)."""
        query: dict[str, Any] = {"wantedCollections": POST}
        if state and isinstance(state.get("time_us"), int):
            query["cursor"] = max(state["time_us"] + 1 - self.rewind_us, 1)
        elif self.spec.since is not None:
            query["cursor"] = int(self.spec.since.timestamp() * 1_000_000)
        elif self.spec.options.get("from_start"):
            query["cursor"] = 1  # 0 would mean "live" to some hosts
        return query

    def decode(self, data: bytes | str) -> Event:
        """One Jetstream event (see :func:`decode_event`)."""
        return decode_event(data, wanted=self.wanted, handles=self.handles)
