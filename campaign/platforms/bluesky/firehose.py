"""Bluesky's repository firehose (``com.atproto.sync.subscribeRepos``) of a PDS or a relay, as a
source of hashtag posts, and the stream loop it shares with Jetstream (:mod:`.jetstream`).

Each frame is decoded once with the atproto SDK's own layers: the frame with
``atproto_subscription.frames.Frame`` (DAG-CBOR through libipld), a commit's blocks with libipld's
CAR decoder. Filtering comes first: a commit without a created or updated ``app.bsky.feed.post``
(likes, follows, reposts: most of the network) is passed over before its CAR is opened, a record
without '#', facets or ``tags`` before it is parsed, and a post is kept only when one of the
source's hashtags is among its own (facets, record ``tags`` and text, see
:func:`campaign.platforms.bluesky.parse.record_post`). The SDK's pydantic model of every commit
(``parse_subscribe_repos_message``) is not built: it costs more than all the rest of the path
and tells nothing the frame's body does not.

The transport is ``websockets.sync.client`` rather than the SDK's subscription client: its
``recv(timeout)`` lets the loop look at ``Context.stopping`` between frames, stop when caught up
(no event for ``idle_seconds``), and hand a page to the store every ``batch_events`` events or
``batch_seconds`` seconds; the SDK's client reconnects on its own and can only be stopped from a
callback. Every page's checkpoint is the sequence number (``{"seq": n}``) of the last event it
covers, including events that held no wanted post, and a later run asks for ``cursor=n``.

The firehose carries DIDs only. Handles come from ``#identity`` events seen by this source
(a run from ``from_start`` sees every account's): a post's author handle is the last one seen
for its DID, or '' (the store then keeps the handle it knew).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import libipld
from atproto_core.exceptions import AtProtocolError  # type: ignore[import-untyped]
from atproto_subscription.frames import ErrorFrame, Frame  # type: ignore[import-untyped]
from websockets.exceptions import (
    ConnectionClosed,
    ConnectionClosedOK,
    InvalidHandshake,
    InvalidStatus,
    InvalidURI,
)
from websockets.sync.client import ClientConnection, connect

from campaign.errors import CampaignError
from campaign.platforms.base import (
    AuthFailed,
    PublishError,
    RateLimited,
    Refused,
    Transient,
    reset_time,
)
from campaign.platforms.bluesky.parse import BadRecord, record_post
from campaign.tracking.collect import Context
from campaign.tracking.records import Observation, Page
from campaign.tracking.sources import SourceSpec

POST = "app.bsky.feed.post"
SUBSCRIBE_REPOS = "/xrpc/com.atproto.sync.subscribeRepos"
BATCH_EVENTS = 500  # a page (one transaction) every so many events...
BATCH_SECONDS = 1.0  # ...or so often, whichever comes first
IDLE_SECONDS = 2.0  # without follow: caught up after this long without an event
POLL = 0.2  # longest wait on the socket before looking at the stop flag again
MAX_FRAME = 8 * 1024 * 1024  # relays send frames up to a few MB (a big commit's blocks)
MAX_PROBLEMS = 5  # problems a page reports (the count of bad frames is whole)
# DID -> handle from identity events: a run from the oldest event (or a long --follow) of a relay
# sees millions of accounts, so the oldest noted are forgotten past this many
MAX_HANDLES = 100_000
# without follow, a run ends at the first event stamped after it began (a busy relay is never
# idle); a stamp further ahead of our clock than this is a host's skewed clock, not "now"
CLOCK_SKEW = 60.0
_ACTIONS = ("create", "update")
_POST_PATH = POST + "/"
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


class StreamConfigError(CampaignError):
    """A stream source configured so it cannot read anything."""


class BadFrame(ValueError):
    """A frame that cannot be read; counted in the page. ``position`` is the event's place in
    the stream when the frame said it, so the checkpoint still moves past it."""

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.position = position


class StreamError(Exception):
    """An error the stream itself sent (an error frame), with its code and message."""

    def __init__(self, error: str, message: str = "") -> None:
        super().__init__(f"{error}: {message}" if message else error)
        self.error, self.message = error, message


@dataclass(slots=True)
class Event:
    """One frame decoded as far as collecting needs: its place in the stream (a firehose seq, a
    Jetstream time_us; None when the frame has none), the wanted posts it holds, and the records
    in it that could not be read."""

    position: int | None
    posts: list[Observation] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    stamped: float | None = None  # when the host says the event happened (POSIX seconds)


def may_have_tags(record: Mapping[str, Any]) -> bool:
    """False when a post record cannot carry a hashtag: no facets, no ``tags``, no '#' in its
    text (so most records are never parsed)."""
    if record.get("facets") or record.get("tags"):
        return True
    text = record.get("text")
    return isinstance(text, str) and ("#" in text or "＃" in text)


def json_form(value: Any) -> Any:
    """A record decoded from DAG-CBOR in its JSON form: CID links (libipld gives their bytes)
    become ``{"$link": cid}`` as the JSON APIs and Jetstream write them."""
    if isinstance(value, dict):
        return {k: json_form(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_form(v) for v in value]
    if isinstance(value, bytes) and value[:1] == b"\x01":
        try:
            return {"$link": libipld.encode_cid(value)}
        except ValueError:
            return value  # plain bytes after all: parse keeps them as {"$bytes": ...}
    return value


def wanted_post(*, did: str, uri: str, record: Any, wanted: frozenset[str],
                handles: Mapping[str, str], cid: str = "",
                read_at: datetime | None = None) -> Observation | None:
    """The post of a record when it carries one of the ``wanted`` hashtags, else None; raises
    parse.BadRecord for a record that cannot be read."""
    if not isinstance(record, Mapping) or not may_have_tags(record):
        return None
    post = record_post(did=did, uri=uri, record=record, cid=cid, handle=handles.get(did, ""),
                       read_at=read_at or datetime.now(UTC))
    return post if not wanted.isdisjoint(post.hashtags) else None


def decode_frame(data: bytes | str, *, wanted: frozenset[str],
                 handles: dict[str, str]) -> Event:
    """One subscribeRepos frame: its seq and the wanted posts of its commit; an ``#identity``
    event's handle is noted in ``handles``. Raises BadFrame (unreadable) or StreamError (an
    error frame)."""
    if isinstance(data, str):
        raise BadFrame("a text frame where the firehose sends binary DAG-CBOR frames")
    try:
        frame = Frame.from_bytes(data)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError,
            AtProtocolError) as exc:
        # AttributeError: a header that is no map; RecursionError: nesting past the limit
        raise BadFrame(f"a frame that is not DAG-CBOR ({type(exc).__name__})") from None
    if isinstance(frame, ErrorFrame):
        raise StreamError(str(frame.body.error), str(frame.body.message or ""))
    body = frame.body
    if not isinstance(body, dict):
        raise BadFrame(f"a frame whose body is a {type(body).__name__}, not a map")
    seq = body.get("seq")
    event = Event(seq if isinstance(seq, int) and not isinstance(seq, bool) else None,
                  stamped=_stamp(body.get("time")))
    kind = frame.type
    if kind == "#commit":
        _commit_posts(body, event, wanted, handles)
    elif kind == "#identity":
        note_handle(handles, body.get("did"), body.get("handle"))
    return event


def note_handle(handles: dict[str, str], did: Any, handle: Any) -> None:
    """Remember ``did``'s handle from an identity event, forgetting the oldest past
    MAX_HANDLES (memory stays bounded however many accounts the stream names)."""
    if isinstance(did, str) and isinstance(handle, str) and handle:
        handles.pop(did, None)
        handles[did] = handle
        if len(handles) > MAX_HANDLES:
            del handles[next(iter(handles))]


def _stamp(value: Any) -> float | None:
    """An event's ``time`` (ISO 8601) as POSIX seconds, None when unreadable."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value[:64])
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _commit_posts(body: Mapping[str, Any], event: Event, wanted: frozenset[str],
                  handles: Mapping[str, str]) -> None:
    ops = body.get("ops")
    if not isinstance(ops, list):
        raise BadFrame("a commit without its list of operations", event.position)
    posts = [op for op in ops if isinstance(op, dict) and op.get("action") in _ACTIONS
             and str(op.get("path", "")).startswith(_POST_PATH)]
    if not posts:
        return  # a like, a follow, a delete: nothing to open
    repo = body.get("repo")
    try:
        blocks = libipld.decode_car(body["blocks"])[1]
    except (KeyError, TypeError, ValueError, RecursionError) as exc:
        raise BadFrame(f"a commit whose blocks are not a CAR file ({type(exc).__name__})",
                       event.position) from None
    read_at = datetime.now(UTC)
    for op in posts:
        uri = f"at://{repo}/{op['path']}"
        cid = op.get("cid")
        record = blocks.get(cid) if isinstance(cid, bytes) else None
        if record is None or not isinstance(cid, bytes):
            event.problems.append(f"{uri}: the commit lacks the record's block")
            continue
        try:
            if isinstance(record, dict) and "embed" in record:  # blob refs are CID links
                record = json_form(record)
            post = wanted_post(did=str(repo), uri=uri, record=record, wanted=wanted,
                               handles=handles, cid=libipld.encode_cid(cid), read_at=read_at)
        except RecursionError:
            event.problems.append(f"{uri}: the record is nested too deep")
            continue
        except (BadRecord, ValueError) as exc:
            event.problems.append(str(exc))
            continue
        if post is not None:
            event.posts.append(post)


# -- the stream loop, shared with Jetstream ---------------------------------------------------

def stream_url(base_url: str, path: str, what: str) -> tuple[str, str]:
    """``(host, ws(s) URL of path)`` for a stream given as ws(s):// or http(s)://, with or
    without its path."""
    parts = urlsplit(base_url.strip())
    scheme = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}.get(parts.scheme.lower())
    if scheme is None or not parts.hostname:
        raise StreamConfigError(f"{what} address {base_url!r} is not a ws://, wss://, http:// "
                                "or https:// URL: give the host, e.g. wss://bsky.network")
    full = parts.path.rstrip("/")
    if not full.endswith(path):
        full += path
    return parts.netloc, urlunsplit((scheme, parts.netloc, full, "", ""))


@dataclass
class _Batch:
    """The page being filled."""

    stream: str
    key: str
    posts: list[Observation] = field(default_factory=list)
    events: int = 0
    bad: int = 0
    problems: list[str] = field(default_factory=list)
    position: int | None = None
    started: float = field(default_factory=time.monotonic)

    def note(self, problem: str) -> None:
        self.bad += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

    def take(self) -> Page | None:
        """The page so far (None when empty), and a fresh start."""
        if not self.events and not self.bad:
            return None
        checkpoint = None if self.position is None else (self.stream, {self.key: self.position})
        page = Page(self.posts, checkpoint, read=len(self.posts), bad=self.bad,
                    problems=tuple(self.problems))
        self.posts, self.problems = [], []
        self.events = self.bad = 0
        self.started = time.monotonic()
        return page


class StreamSource:
    """A websocket stream read in pages: the firehose here, Jetstream in :mod:`.jetstream`."""

    network = "bluesky"
    what = "Bluesky stream"  # names the source in messages
    path = ""
    key = "position"  # the checkpoint's field

    def __init__(self, spec: SourceSpec) -> None:
        self.spec = spec
        self.name = spec.source_name
        self.host, self.url = stream_url(spec.base_url, self.path, self.what)
        self.stream = self.host
        self.wanted = frozenset(spec.tags)
        if not self.wanted:
            raise StreamConfigError(f"{self.what} {self.host}: name at least one hashtag to "
                                    "collect (a stream carries every post of the network)")
        options = spec.options
        self.batch_events = max(int(options.get("batch_events", BATCH_EVENTS)), 1)
        self.batch_seconds = float(options.get("batch_seconds", BATCH_SECONDS))
        self.idle_seconds = float(options.get("idle_seconds", IDLE_SECONDS))
        self.handles: dict[str, str] = {}  # DID -> handle, from identity events seen
        self._ws: ClientConnection | None = None

    # what a kind of stream says -------------------------------------------------------------
    def query(self, state: Mapping[str, Any] | None) -> dict[str, Any]:
        """The subscription's query parameters, resuming from ``state`` (None: first run)."""
        raise NotImplementedError

    def decode(self, data: bytes | str) -> Event:
        """One frame as an Event."""
        raise NotImplementedError

    def refusal(self, error: StreamError) -> PublishError:
        """The run's outcome for an error the stream sent."""
        text = f"{self.what} at {self.host} sent an error: {error}"
        if error.error in ("ConsumerTooSlow", "Timeout", "InternalServerError"):
            return Transient(text)
        return Refused(text)

    # the loop -------------------------------------------------------------------------------
    def pages(self, context: Context) -> Iterator[Page]:
        """Pages of wanted posts from the stored position on, until stopped, caught up (without
        follow), at ``until`` or at the limit."""
        state = context.checkpoints.get(self.stream)
        query = self.query(state)
        url = self.url + ("?" + urlencode(query, doseq=True) if query else "")
        resumed = state.get(self.key) if state else None
        ws = self._connect(url)
        with ws:  # closed however the run ends (a context manager for websockets' sake too)
            self._ws = ws
            try:
                yield from self._read(ws, context,
                                      resumed if isinstance(resumed, int) else None)
            finally:
                self._ws = None

    def _read(self, ws: ClientConnection, context: Context,
              resumed: int | None = None) -> Iterator[Page]:
        """The loop. ``resumed`` is the stored position: events at or before it (a Jetstream
        rewind reads a few seconds again) neither move the checkpoint back nor count towards
        the limit, so a capped run always gets further than the last one."""
        batch = _Batch(self.stream, self.key)
        taken = 0
        started = time.time()  # without follow, an event stamped after this means caught up
        last_event = time.monotonic()  # idle time counts from here: the last frame or page
        stopping, follow, until = context.stopping, context.follow, context.until
        while not stopping.is_set():
            now = time.monotonic()
            if batch.events and now - batch.started >= self.batch_seconds \
                    and (page := batch.take()) is not None:
                yield page
                now = last_event = time.monotonic()  # storing the page is no idle time
            if until is not None and datetime.now(UTC) >= until:
                break
            wait = POLL
            if batch.events:
                # the page is due at its deadline, not a POLL later: at the end of a replay (or
                # in a lull) the last posts are stored as soon as batch_seconds allow
                wait = max(min(wait, batch.started + self.batch_seconds - now), 0.0)
            if not follow:
                left = self.idle_seconds - (now - last_event)
                if left <= 0:
                    break  # caught up
                wait = min(wait, left)
            try:
                data = ws.recv(timeout=wait)
            except TimeoutError:
                continue
            except ConnectionClosedOK:
                if follow:
                    yield from _rest(batch)
                    raise Transient(f"{self.what} at {self.host} closed the stream; it resumes "
                                    "where it stopped") from None
                break
            except ConnectionClosed as exc:
                yield from _rest(batch)
                reason = exc.rcvd.reason if exc.rcvd is not None and exc.rcvd.reason else \
                    "the connection dropped"
                raise Transient(f"{self.what} at {self.host} closed the stream with an error: "
                                f"{reason[:200]}") from None
            last_event = time.monotonic()
            batch.events += 1
            try:
                event = self.decode(data)
            except BadFrame as exc:
                batch.note(str(exc))
                if exc.position is not None and (resumed is None or exc.position > resumed):
                    batch.position = exc.position
                continue
            except StreamError as exc:
                batch.events -= 1
                yield from _rest(batch)
                raise self.refusal(exc) from None
            again = resumed is not None and event.position is not None \
                and event.position <= resumed
            if event.position is not None and not again:
                batch.position = event.position
            if event.posts:
                batch.posts.extend(event.posts)
                if not again:
                    taken += len(event.posts)
            for problem in event.problems:
                batch.note(problem)
            if context.limit is not None and taken >= context.limit:
                break
            if not follow and event.stamped is not None \
                    and started <= event.stamped <= time.time() + CLOCK_SKEW:
                break  # caught up: a busy stream (a relay, Jetstream) is never idle
            if batch.events >= self.batch_events and (page := batch.take()) is not None:
                yield page
                last_event = time.monotonic()
        yield from _rest(batch)

    def _connect(self, url: str) -> ClientConnection:
        host = urlsplit(url).hostname or ""
        try:
            return connect(url, open_timeout=self.spec.timeout, max_size=MAX_FRAME,
                           proxy=None if host in _LOOPBACK else True,
                           user_agent_header="campaign-tracker")
        except InvalidStatus as exc:
            raise self._status_error(exc) from None
        except InvalidURI:
            raise Refused(f"{self.what} address {url} is not a websocket URL") from None
        except InvalidHandshake as exc:
            raise Refused(f"{self.what} at {self.host} did not answer as a websocket stream "
                          f"({type(exc).__name__}): is {self.spec.base_url} its address?") \
                from None
        except (OSError, TimeoutError) as exc:
            raise Transient(f"{self.what} at {self.host} could not be reached "
                            f"({type(exc).__name__})") from None

    def _status_error(self, exc: InvalidStatus) -> PublishError:
        response = exc.response
        status = response.status_code
        kind = response.headers.get("Content-Type", "").split(";")[0].strip()
        said = f"HTTP {status}" + (" with an HTML page" if kind == "text/html" else "")
        if kind == "application/json" and response.body:
            said += f" ({response.body[:200].decode(errors='replace')})"
        text = f"{self.what} at {self.host} answered {said} instead of a websocket stream"
        if status == 429:
            return RateLimited(text, reset_time(response.headers.get("ratelimit-reset")))
        if status in (401, 403):
            return AuthFailed(f"{text}: this host wants credentials the stream cannot give")
        if status >= 500:
            return Transient(text)
        return Refused(f"{text}: is {self.spec.base_url} the stream's address?")

    def close(self) -> None:
        """Close the connection (a run stopped between two pages leaves it open)."""
        ws, self._ws = self._ws, None
        if ws is not None:
            ws.close()


def _rest(batch: _Batch) -> Iterator[Page]:
    page = batch.take()
    if page is not None:
        yield page


class Firehose(StreamSource):
    """``com.atproto.sync.subscribeRepos`` of a PDS or relay; checkpoint ``{"seq": n}``; a first
    run starts live, or from the oldest event kept with ``options: {from_start: true}``."""

    what = "Bluesky firehose"
    path = SUBSCRIBE_REPOS
    key = "seq"

    def query(self, state: Mapping[str, Any] | None) -> dict[str, Any]:
        """``cursor`` = the stored seq (the stream sends the events after it)."""
        if state and isinstance(state.get("seq"), int):
            return {"cursor": state["seq"]}
        return {"cursor": 0} if self.spec.options.get("from_start") else {}

    def decode(self, data: bytes | str) -> Event:
        """One subscribeRepos frame (see :func:`decode_frame`)."""
        return decode_frame(data, wanted=self.wanted, handles=self.handles)

    def refusal(self, error: StreamError) -> PublishError:
        """A cursor ahead of the stream means the host was reset or is another one."""
        if error.error == "FutureCursor":
            return Refused(f"{self.what} at {self.host} has no event as recent as the stored "
                           f"checkpoint ({error}): reset this source's checkpoint if the host "
                           "was reset")
        return super().refusal(error)
