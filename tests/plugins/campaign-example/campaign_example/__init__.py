"""An example plugin: the LinkedIn-like network "example" and the "tsv" export format.

The network's posts go to a JSON-lines file (environment variable CAMPAIGN_EXAMPLE_SINK names
it), one line per post with its text, so a test can read what was published. Everything a
plugin uses from the campaign tool is imported here from its documented places
(docs/plugins.md).
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from campaign.atomic import atomic_open
from campaign.exporters import ExportFormat
from campaign.platforms.base import Claimed, DestinationFailed, Identity, Published
from campaign.platforms.credentials import Secrets
from campaign.platforms.registry import Platform, character_rule

NAME = "example"
_HANDLE = re.compile(r"[a-z0-9][a-z0-9-]{2,99}")


def check_handle(handle: str) -> None:
    """A vanity name as LinkedIn has them: 3 to 100 lowercase letters, digits or hyphens."""
    if not _HANDLE.fullmatch(handle):
        raise ValueError("is not valid: an Example handle is 3 to 100 lowercase letters, "
                         "digits or hyphens")


def _sink() -> Path:
    if not os.environ.get("CAMPAIGN_EXAMPLE_SINK"):
        raise DestinationFailed("set CAMPAIGN_EXAMPLE_SINK to the file Example posts go to")
    return Path(os.environ["CAMPAIGN_EXAMPLE_SINK"])


class ExamplePublisher:
    """Publishes by appending a JSON line per post to the sink file."""

    def __init__(self, handle: str, secrets: Secrets, base_url: str, timeout: float,
                 settings: dict[str, Any]) -> None:
        self.handle = handle
        self.token = secrets["token"]  # a real network would sign in with it
        self.sink = _sink()

    def _lines(self) -> list[dict[str, Any]]:
        try:
            text = self.sink.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def publish(self, post: Claimed) -> Published:
        """Append the post (all its parts as one text: the network takes long posts)."""
        record = {"id": f"ex-{post.id}", "key": post.idempotency_key, "handle": self.handle,
                  "language": post.language, "text": "\n\n".join(post.parts)}
        try:
            with self.sink.open("a", encoding="utf-8") as out:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        except OSError as exc:
            raise DestinationFailed(f"the Example sink {self.sink} cannot be written: "
                                    f"{exc.strerror}") from None
        return Published(record["id"], f"https://example.invalid/posts/{record['id']}")

    def lookup(self, post: Claimed) -> Published | None:
        """The post, if a line of the sink has its idempotency key."""
        found = next((r for r in self._lines() if r.get("key") == post.idempotency_key), None)
        return Published(found["id"]) if found else None

    def whoami(self) -> Identity:
        """The account as the handle says."""
        return Identity(handle=self.handle, user_id=self.handle, display_name=self.handle)

    def delete(self, post: Claimed, remote_id: str) -> None:
        """Append a line saying the post was deleted."""
        with self.sink.open("a", encoding="utf-8") as out:
            out.write(json.dumps({"deleted": remote_id}) + "\n")

    def close(self) -> None:
        """Nothing held open."""


platform = Platform(
    name=NAME, display_name="Example", measure=character_rule(NAME, 3000),
    publisher=ExamplePublisher, check_handle=check_handle, handle_example="ilo-geneva",
    credential_fields=(("token",),))


def write_tsv(posts: Sequence[Any], schedule: Any, out: Path, **options: Any) -> None:
    """One row per post: due, network, language, audience, entry, text (tabs and line breaks as
    \\t and \\n, so each post stays on its line)."""
    with atomic_open(out, newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(("due", "network", "language", "audience", "entry", "text"))
        for post in posts:
            text = post.text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            writer.writerow((post.due.isoformat(), post.network, post.language, post.audience,
                             post.entry_id, text))


tsv = ExportFormat(name="tsv", suffix=".tsv", write=write_tsv)
