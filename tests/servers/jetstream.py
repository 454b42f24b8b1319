"""A Jetstream double on 127.0.0.1: the local PDS's firehose served as Jetstream's JSON events.

A reader thread follows the PDS's ``com.atproto.sync.subscribeRepos`` from cursor 0, decodes each
frame with the atproto SDK (``Frame``, ``parse_subscribe_repos_message``, ``CAR``) and keeps every
event in a replay buffer, converted to the documented shape: one event per record operation

    {"did", "time_us", "kind": "commit",
     "commit": {"rev", "operation", "collection", "rkey", "record", "cid"}}
    {"did", "time_us", "kind": "identity", "identity": {"did", "handle", "seq", "time"}}
    {"did", "time_us", "kind": "account", "account": {"did", "active", "seq", "time"}}

with ``time_us`` the microsecond it reached the double (strictly increasing). A websockets server
in a thread serves ``/subscribe``: ``cursor`` (a time_us: events from it on, from the buffer,
then live; none: live), ``wantedCollections`` (repeated; commits only, as Jetstream filters).

Faults, each for the next connection (in order): ``inject("garbage")`` sends a non-JSON text
frame before the events, ``inject("html")`` answers the upgrade with an HTML page,
``inject("status", status=503)`` with that status, ``inject("close", after=n)`` closes with 1011
after ``n`` events, ``inject("frames", frames=[...])`` sends exactly those frames (bytes or text,
on any path, so a firehose client can be fed error frames) and closes normally.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any, Self

from atproto_core.car import CAR
from atproto_core.cid import CID
from atproto_firehose import parse_subscribe_repos_message
from atproto_subscription.frames import Frame
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.client import connect
from websockets.sync.server import Server, ServerConnection, serve

HOST = "127.0.0.1"


def json_form(value: Any) -> Any:
    """A DAG-CBOR value as Jetstream writes it in JSON (CID links as ``{"$link": ...}``)."""
    if isinstance(value, dict):
        return {k: json_form(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_form(v) for v in value]
    if isinstance(value, CID):
        return {"$link": value.encode()}
    if isinstance(value, bytes):
        return {"$link": CID.from_decoded_bytes(value).encode()}
    return value


def events_of(data: bytes, now_us: Callable[[], int]) -> list[dict[str, Any]]:
    """The Jetstream events of one firehose frame (none for #sync, #info and the like)."""
    frame = Frame.from_bytes(data)
    if not frame.is_message:
        return []
    kind, body = frame.type, frame.body
    if kind == "#identity":
        identity = {k: body[k] for k in ("did", "handle", "seq", "time") if body.get(k) is not None}
        return [{"did": body["did"], "time_us": now_us(), "kind": "identity", "identity": identity}]
    if kind == "#account":
        account = {k: body[k] for k in ("did", "active", "status", "seq", "time")
                   if body.get(k) is not None}
        return [{"did": body["did"], "time_us": now_us(), "kind": "account", "account": account}]
    if kind != "#commit":
        return []
    commit = parse_subscribe_repos_message(frame)
    blocks = CAR.from_bytes(commit.blocks).blocks if commit.blocks else {}
    events = []
    for op in commit.ops:
        collection, _, rkey = op.path.partition("/")
        out: dict[str, Any] = {"rev": commit.rev, "operation": op.action,
                               "collection": collection, "rkey": rkey}
        if op.action != "delete" and op.cid is not None:
            out["record"] = json_form(blocks.get(op.cid))
            out["cid"] = op.cid.encode()
        events.append({"did": commit.repo, "time_us": now_us(), "kind": "commit",
                       "commit": out})
    return events


@dataclass
class Fault:
    kind: str  # garbage, html, status, close, frames
    status: int = 503
    after: int = 0
    frames: list[bytes | str] = field(default_factory=list)


class JetstreamDouble:
    """Jetstream over the PDS at ``pds_url``; use as a context manager."""

    def __init__(self, pds_url: str) -> None:
        self.pds_url = pds_url
        self.events: list[dict[str, Any]] = []
        self._times: list[int] = []
        self._cond = threading.Condition()
        self._last_us = 0
        self._stop = threading.Event()
        self._faults: list[Fault] = []
        self._pending: dict[int, Fault] = {}
        self.requests: list[str] = []  # path and query of every connection, in order
        self._server: Server | None = None
        self._threads: list[threading.Thread] = []
        self.port = 0

    # -- lifecycle ------------------------------------------------------------------------
    def __enter__(self) -> Self:
        self._server = serve(self._handle, HOST, 0, process_request=self._process_request,
                             compression=None)
        self.port = self._server.socket.getsockname()[1]
        self._threads = [threading.Thread(target=self._server.serve_forever, daemon=True),
                         threading.Thread(target=self._follow_pds, daemon=True)]
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
        for thread in self._threads:
            thread.join(timeout=5)

    @property
    def url(self) -> str:
        """The base URL a Jetstream source is given (ws://127.0.0.1:PORT)."""
        return f"ws://{HOST}:{self.port}"

    # -- the PDS's firehose ---------------------------------------------------------------
    def _now_us(self) -> int:
        self._last_us = max(time.time_ns() // 1000, self._last_us + 1)
        return self._last_us

    def _follow_pds(self) -> None:
        base = self.pds_url.replace("http://", "ws://", 1)
        url = f"{base}/xrpc/com.atproto.sync.subscribeRepos?cursor=0"
        while not self._stop.is_set():
            try:
                with connect(url, proxy=None, max_size=None) as ws:
                    while not self._stop.is_set():
                        try:
                            data = ws.recv(timeout=0.1)
                        except TimeoutError:
                            continue
                        assert isinstance(data, bytes)
                        with self._cond:
                            for event in events_of(data, self._now_us):
                                self.events.append(event)
                                self._times.append(event["time_us"])
                            self._cond.notify_all()
            except (OSError, ConnectionClosed):
                if not self._stop.wait(0.2):
                    url = f"{base}/xrpc/com.atproto.sync.subscribeRepos?cursor=" \
                          f"{self._last_seq()}"

    def _last_seq(self) -> int:
        with self._cond:
            seqs = [e[e["kind"]].get("seq", 0) for e in self.events if e["kind"] != "commit"]
        return max(seqs, default=0)

    def wait_for(self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 10.0) -> \
            dict[str, Any]:
        """The first buffered event matching ``predicate``, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        seen = 0
        with self._cond:
            while True:
                for event in self.events[seen:]:
                    if predicate(event):
                        return event
                seen = len(self.events)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("the Jetstream double did not see the event")
                self._cond.wait(left)

    def wait_for_uri(self, uri: str, timeout: float = 10.0) -> dict[str, Any]:
        """The commit event of the record at ``uri`` (at://did/collection/rkey)."""
        did, collection, rkey = uri.removeprefix("at://").split("/")
        return self.wait_for(lambda e: e["kind"] == "commit" and e["did"] == did
                             and e["commit"]["collection"] == collection
                             and e["commit"]["rkey"] == rkey, timeout)

    # -- faults ---------------------------------------------------------------------------
    def inject(self, kind: str, *, status: int = 503, after: int = 0,
               frames: list[bytes | str] | None = None) -> None:
        """Arm a fault for the next connection (see the module's docstring)."""
        with self._cond:
            self._faults.append(Fault(kind, status, after, list(frames or [])))

    # -- serving --------------------------------------------------------------------------
    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        self.requests.append(request.path)
        with self._cond:
            fault = self._faults.pop(0) if self._faults else None
        if fault is not None and fault.kind == "html":
            body = b"<!doctype html><html><body><h1>Welcome</h1></body></html>"
            return Response(200, "OK", Headers({"Content-Type": "text/html; charset=utf-8",
                                                "Content-Length": str(len(body))}), body)
        if fault is not None and fault.kind == "status":
            body = json.dumps({"error": HTTPStatus(fault.status).phrase}).encode()
            return Response(fault.status, HTTPStatus(fault.status).phrase, Headers(
                {"Content-Type": "application/json", "Content-Length": str(len(body))}), body)
        path = urllib.parse.urlsplit(request.path).path
        if fault is None and path != "/subscribe":
            return connection.respond(HTTPStatus.NOT_FOUND, "not found\n")
        if fault is not None:
            self._pending[id(connection)] = fault
        return None

    def _handle(self, connection: ServerConnection) -> None:
        fault = self._pending.pop(id(connection), None)
        assert connection.request is not None
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(connection.request.path).query)
        with contextlib.suppress(ConnectionClosed):
            if fault is not None and fault.kind == "frames":
                for frame in fault.frames:
                    connection.send(frame)
                connection.close()
                return
            if fault is not None and fault.kind == "garbage":
                connection.send("this is {not JSON")
            self._serve_events(connection, query, fault.after if fault and
                               fault.kind == "close" else None)

    def _serve_events(self, connection: ServerConnection, query: dict[str, list[str]],
                      close_after: int | None) -> None:
        wanted = set(query.get("wantedCollections", []))
        cursor = query.get("cursor")
        with self._cond:
            index = bisect.bisect_left(self._times, int(cursor[0])) if cursor else \
                len(self.events)
        sent = 0
        while not self._stop.is_set():
            if close_after is not None and sent >= close_after:
                connection.close(1011, "internal error")
                return
            with self._cond:
                batch = self.events[index:]
            if not batch:
                # nothing new: wait a little, and notice a client that went away
                with contextlib.suppress(TimeoutError):
                    connection.recv(timeout=0.02)
                continue
            for event in batch:
                index += 1
                if wanted and event["kind"] == "commit" and \
                        event["commit"]["collection"] not in wanted:
                    continue
                connection.send(json.dumps(event))
                sent += 1
                if close_after is not None and sent >= close_after:
                    break
