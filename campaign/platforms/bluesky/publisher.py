"""Bluesky through the ``atproto`` SDK, exactly once by construction.

Each part of a post gets a record key derived from the post's idempotency key (a valid TID, as
``app.bsky.feed.post`` requires), and a record frozen before the first attempt (its ``createdAt``
is the post's first claim time, which the store keeps). The record is created with
``com.atproto.repo.putRecord`` and ``swapRecord: null``, which means "only if there is no record
there yet": a retry after a crash either creates it or finds it, never a second copy. The SDK
drops ``None`` fields from its models, so that call's JSON body is written here.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from atproto_client import exceptions as atx
from atproto_client.models.dot_dict import DotDict

from campaign.platforms.base import (
    Claimed,
    Identity,
    Published,
    Refused,
    Transient,
    card,
    image_bytes,
    images,
)
from campaign.platforms.bluesky.client import (
    DEFAULT_BASE_URL,
    close,
    connect,
    error_name,
    mapped_errors,
    sign_in,
)
from campaign.platforms.credentials import Secrets

POST = "app.bsky.feed.post"
REPOST = "app.bsky.feed.repost"
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_WEB_POST = re.compile(r"^https://bsky\.app/profile/([^/]+)/post/([^/?#]+)")
_AT_URI = re.compile(r"^at://([^/]+)/([^/]+)/([^/?#]+)$")


def tid(key: str, moment: datetime) -> str:
    """A TID for ``key``: the second of ``moment`` plus microseconds and clock id from the key.

    TIDs are 53 bits of microseconds and 10 bits of clock id, in base32-sortable; taking the
    sub-second part from a hash keeps the keys of one batch (claimed in the same second) apart.
    """
    digest = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
    seconds = int(moment.timestamp())  # aware: the queue hands out aware UTC
    value = ((seconds * 1_000_000 + digest % 1_000_000) << 10) | ((digest >> 32) & 0x3FF)
    return "".join(_TID_ALPHABET[(value >> shift) & 31] for shift in range(60, -1, -5))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class BlueskyPublisher:
    """Publishes to one Bluesky account on its PDS."""

    def __init__(self, handle: str, secrets: Secrets, base_url: str = "",
                 timeout: float = 30.0) -> None:
        self.handle = handle.lstrip("@")
        self._secrets = secrets
        self.client, self.base_url = connect(base_url or DEFAULT_BASE_URL, timeout)
        self.did = ""
        self._dids: dict[str, str | None] = {}

    # -- session ---------------------------------------------------------------------------
    def whoami(self) -> Identity:
        """Sign in with the app password (``createSession``); no appview needed."""
        if not self.did:
            self.did, self.handle = sign_in(self.client, self._secrets, self.handle)
        return Identity(handle=f"@{self.handle}", user_id=self.did,
                        url=f"https://bsky.app/profile/{self.handle}",
                        settings={"did": self.did, "pds": self.base_url})

    def _call(self, nsid: str, body: dict[str, Any] | None = None, *,
              params: dict[str, Any] | None = None) -> dict[str, Any]:
        """One XRPC call with a JSON body written by us (None fields kept)."""
        self.whoami()
        if body is None:
            # a DotDict is the one params type the SDK passes through as it is
            response = self.client.invoke_query(nsid, params=DotDict(params or {}))
        else:
            response = self.client.invoke_procedure(
                nsid, content=json.dumps(body, ensure_ascii=False).encode(),
                headers={"Content-Type": "application/json"})
        content = response.content
        return content if isinstance(content, dict) else {}

    # -- records ---------------------------------------------------------------------------
    def _rkey(self, post: Claimed, index: int) -> str:
        return tid(f"{post.idempotency_key}:{index}", self._frozen_at(post))

    @staticmethod
    def _frozen_at(post: Claimed) -> datetime:
        return post.first_attempt_at or post.created_at

    def _get(self, collection: str, rkey: str, repo: str | None = None) -> dict[str, Any] | None:
        try:
            return self._call("com.atproto.repo.getRecord", params={
                "repo": repo or self.did, "collection": collection, "rkey": rkey})
        except atx.BadRequestError as exc:
            if error_name(exc) in ("RecordNotFound", "InvalidRequest"):
                return None
            raise

    def _put_once(self, collection: str, rkey: str, record: dict[str, Any]) -> dict[str, str]:
        """Create the record unless it is there; either way return its uri and cid."""
        try:
            return self._call("com.atproto.repo.putRecord", {
                "repo": self.did, "collection": collection, "rkey": rkey, "validate": True,
                "record": record, "swapRecord": None})
        except atx.BadRequestError as exc:
            if error_name(exc) != "InvalidSwap":
                raise
        found = self._get(collection, rkey)  # already created by an earlier attempt
        if found is None:
            raise Transient(f"Bluesky reported record {rkey} as existing but it cannot be read")
        return {"uri": found["uri"], "cid": found["cid"]}

    # -- publishing ------------------------------------------------------------------------
    def publish(self, post: Claimed) -> Published:
        """Put each part of the post (or the repost) under its own derived record key."""
        with mapped_errors():
            self.whoami()
            if post.kind == "repost":
                subject = self._resolve(post.target or "")
                made = self._put_once(REPOST, self._rkey(post, 0), {
                    "$type": REPOST, "subject": subject, "createdAt": _iso(self._frozen_at(post))})
                return Published(made["uri"], self._web_url(subject["uri"]))
            root: dict[str, str] | None = None
            parent: dict[str, str] | None = None
            for index, _ in enumerate(post.parts):
                record = self._record(post, index, root, parent)
                parent = self._put_once(POST, self._rkey(post, index), record)
                parent = {"uri": parent["uri"], "cid": parent["cid"]}
                root = root or parent
        assert root is not None
        return Published(root["uri"], self._web_url(root["uri"]))

    def _record(self, post: Claimed, index: int, root: dict[str, str] | None,
                parent: dict[str, str] | None) -> dict[str, Any]:
        created = self._frozen_at(post) + timedelta(milliseconds=index)  # parts in order
        record: dict[str, Any] = {"$type": POST, "text": post.parts[index],
                                  "createdAt": _iso(created), "langs": [post.language]}
        facets = self._facets(post.facets[index] if index < len(post.facets) else [])
        if facets:
            record["facets"] = facets
        if root and parent:
            record["reply"] = {"root": root, "parent": parent}
        if index == 0:
            embed = self._embed(post)
            if embed:
                record["embed"] = embed
        return record

    def _facets(self, facets: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The planned facets, mentions given their DIDs (a mention that does not resolve is
        left as plain text rather than pointing at nobody)."""
        ready = []
        for facet in facets:
            feature = dict(facet["features"][0])
            if feature["$type"].endswith("#mention"):
                did = self._did_of(feature.get("handle", ""))
                if did is None:
                    continue
                feature = {"$type": feature["$type"], "did": did}
            ready.append({"index": facet["index"], "features": [feature]})
        return ready

    def _did_of(self, handle: str) -> str | None:
        handle = handle.lstrip("@")
        if handle not in self._dids:
            try:
                self._dids[handle] = self._call("com.atproto.identity.resolveHandle",
                                                params={"handle": handle})["did"]
            except (atx.BadRequestError, KeyError):
                self._dids[handle] = None
        return self._dids[handle]

    def _embed(self, post: Claimed) -> dict[str, Any] | None:
        media: dict[str, Any] | None = None
        link = card(post)
        if images(post):
            # every image read before any is uploaded: one no longer fit to post uploads none
            bodies = [(m, image_bytes(m)) for m in images(post)[:4]]
            media = {"$type": "app.bsky.embed.images",
                     "images": [self._image(m, data) for m, data in bodies]}
        elif link:
            media = {"$type": "app.bsky.embed.external", "external": {
                "uri": link["uri"], "title": link.get("title", ""),
                "description": link.get("description", "")}}
        if post.kind != "quote":
            return media
        quoted = {"$type": "app.bsky.embed.record", "record": self._resolve(post.target or "")}
        if media is None or media["$type"] == "app.bsky.embed.external":
            return quoted
        return {"$type": "app.bsky.embed.recordWithMedia", "record": quoted, "media": media}

    def _image(self, media: dict[str, Any], data: bytes) -> dict[str, Any]:
        # blobs are addressed by their hash, so uploading again on a retry stores nothing new
        uploaded = self.client.invoke_procedure(
            "com.atproto.repo.uploadBlob", content=data,
            headers={"Content-Type": media.get("mime") or "image/png"}).content
        blob = uploaded["blob"] if isinstance(uploaded, dict) else None
        image: dict[str, Any] = {"alt": media.get("alt", ""), "image": blob}
        if media.get("width") and media.get("height"):
            image["aspectRatio"] = {"width": media["width"], "height": media["height"]}
        return image

    def _resolve(self, target: str) -> dict[str, str]:
        """The uri and cid of a post given as an at:// URI or a bsky.app address."""
        web, at = _WEB_POST.match(target), _AT_URI.match(target)
        if web:
            actor, collection, rkey = web.group(1), POST, web.group(2)
        elif at:
            actor, collection, rkey = at.groups()
        else:
            raise Refused(f"'{target}' is not a Bluesky post: give its at:// URI or its "
                          "https://bsky.app/profile/.../post/... address")
        repo = actor if actor.startswith("did:") else self._did_of(actor)
        found = self._get(collection, rkey, repo) if repo else None
        if found is None:
            raise Refused(f"Bluesky post {target} was not found")
        return {"uri": found["uri"], "cid": found["cid"]}

    def lookup(self, post: Claimed) -> Published | None:
        """The post if every part of it is on the PDS under its derived record key."""
        with mapped_errors():
            self.whoami()
            collection = REPOST if post.kind == "repost" else POST
            count = 1 if post.kind == "repost" else len(post.parts)
            found = [self._get(collection, self._rkey(post, i)) for i in range(count)]
        if not found or any(f is None for f in found):
            return None
        uri = str(found[0]["uri"])  # type: ignore[index]
        return Published(uri, self._web_url(uri))

    def delete(self, post: Claimed, remote_id: str) -> None:
        """Delete every part (their record keys are known without asking)."""
        with mapped_errors():
            self.whoami()
            collection = REPOST if post.kind == "repost" else POST
            count = 1 if post.kind == "repost" else len(post.parts)
            for index in reversed(range(count)):
                self._call("com.atproto.repo.deleteRecord", {
                    "repo": self.did, "collection": collection, "rkey": self._rkey(post, index)})

    def _web_url(self, uri: str) -> str:
        match = _AT_URI.match(uri)
        if not match:
            return ""
        actor = self.handle if match.group(1) == self.did else match.group(1)
        return f"https://bsky.app/profile/{actor}/post/{match.group(3)}"

    def close(self) -> None:
        """Release the HTTP connections."""
        close(self.client)


