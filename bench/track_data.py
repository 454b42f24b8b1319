"""The data the tracking benchmark (bench_track.py) generates: a twarc2 JSONL archive of any size,
made by repeating the reference pages of twarc2 with new ids, and the posts it makes on the local
PDS for the firehose."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = Path(os.environ.get("CAMPAIGN_REFERENCE", ROOT.parent / "shared" / "reference"))
TWARC = REFERENCE / "twarc2"
TEMPLATES = ("kpop.jsonl", "brexit.jsonl")
AUTHOR_POOLS = 500  # per template page: ~145,000 distinct authors for 1,000,000 posts


# -- the archive ----------------------------------------------------------------------------
_QUOTED_ID = re.compile(r'"(\d{6,20})"')


def _user_ids(page: dict[str, Any]) -> set[str]:
    """Every user id a page names: authors, users of includes, replied-to users, mentions."""
    ids = {str(u["id"]) for u in page.get("includes", {}).get("users", [])}
    for tweet in [*page.get("data", []), *page.get("includes", {}).get("tweets", [])]:
        ids.update(str(tweet[k]) for k in ("author_id", "in_reply_to_user_id") if tweet.get(k))
        ids.update(str(m["id"]) for m in tweet.get("entities", {}).get("mentions", [])
                   if m.get("id"))
    return ids


class Template:
    """A reference page cut at every quoted id, so a copy with new ids is one ``join``."""

    def __init__(self, line: str, number: int) -> None:
        users = _user_ids(json.loads(line))
        self.pieces: list[str] = []
        self.slots: list[tuple[bool, int]] = []  # (is a user id, index of that id)
        index: dict[str, int] = {}
        last = 0
        for match in _QUOTED_ID.finditer(line):
            self.pieces.append(line[last:match.start(1)])
            value = match.group(1)
            self.slots.append((value in users, index.setdefault(value, len(index))))
            last = match.end(1)
        self.pieces.append(line[last:].rstrip("\n") + "\n")
        self.number = number
        self.posts = len(json.loads(line)["data"])

    def copy(self, serial: int) -> str:
        """The page with every tweet id made unique to this copy, and its users taken from one
        of the pools (the same people post again on another page, ids stay consistent)."""
        pool = serial % AUTHOR_POOLS
        ids = [f"7{self.number}{pool:04d}{i:05d}" if user else f"1{self.number}{serial:08d}{i:05d}"
               for user, i in self.slots]
        out = [self.pieces[0]]
        for value, piece in zip(ids, self.pieces[1:], strict=True):
            out.append(value)
            out.append(piece)
        return "".join(out)


def write_archive(path: Path, posts: int) -> int:
    """A twarc2 JSONL file of at least ``posts`` posts (whole pages of 100), written line by line;
    the number of posts it holds."""
    templates = [Template((TWARC / name).read_text(encoding="utf-8").splitlines()[0], k + 1)
                 for k, name in enumerate(TEMPLATES)]
    written = serial = 0
    with path.open("w", encoding="utf-8") as out:
        while written < posts:
            template = templates[serial % len(templates)]
            out.write(template.copy(serial))
            written += template.posts
            serial += 1
    return written



# -- the firehose's posts ---------------------------------------------------------------------
POST_TEXT = ("Journée mondiale contre le travail des enfants, message n° {i} : l’école, pas "
             "l’usine ! #EndChildLabour2021 #ÉducationPourTous")


def post_record(i: int, now: datetime) -> dict[str, Any]:
    """An app.bsky.feed.post with its two hashtags as facets (UTF-8 byte offsets)."""
    text = POST_TEXT.format(i=i)
    raw = text.encode()
    facets = []
    for tag in ("EndChildLabour2021", "ÉducationPourTous"):
        start = raw.index(f"#{tag}".encode())
        facets.append({"index": {"byteStart": start, "byteEnd": start + len(f"#{tag}".encode())},
                       "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag}]})
    return {"$type": "app.bsky.feed.post", "text": text, "langs": ["fr"],
            "createdAt": now.isoformat().replace("+00:00", "Z"), "facets": facets}


def seed_pds(pds: Any, posts: int, batch: int, accounts: int = 10) -> int:
    """``posts`` posts over ``accounts`` accounts, ``batch`` creates per applyWrites (one
    commit, one firehose event each); the commits made."""
    people = [pds.create_account(f"bench{k}") for k in range(accounts)]
    now = datetime.now(UTC)
    made = commits = 0
    while made < posts:
        account = people[commits % len(people)]
        size = min(batch, posts - made)
        pds.xrpc("com.atproto.repo.applyWrites", token=account.access_jwt, timeout=60, body={
            "repo": account.did, "writes": [
                {"$type": "com.atproto.repo.applyWrites#create",
                 "collection": "app.bsky.feed.post", "value": post_record(made + j, now)}
                for j in range(size)]})
        made += size
        commits += 1
    return commits
