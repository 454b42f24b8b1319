"""The outbox publisher: one line per post, its own idempotency check, safe after a cut line."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from campaign.platforms.base import Claimed
from campaign.platforms.outbox import OutboxPublisher


def claimed(key: str) -> Claimed:
    when = datetime(2021, 6, 12, 7, 0, tzinfo=UTC)
    return Claimed(id=1, idempotency_key=key, post_key=f"c/e/a/fr/x#{key}", network="x",
                   account_id=1, handle="@demo", credentials_ref="", base_url="", language="fr",
                   text="Bonjour", parts=("Bonjour",), facets=[], due_at=when,
                   timezone="Europe/Zurich", day_bound=True, deadline_at=None, attempts=1,
                   created_at=when)


def test_publishing_the_same_key_twice_writes_one_line(tmp_path: Path) -> None:
    outbox = OutboxPublisher(tmp_path / "o.jsonl")
    first = outbox.publish(claimed("k1"))
    again = OutboxPublisher(tmp_path / "o.jsonl").publish(claimed("k1"))
    assert first == again
    assert len((tmp_path / "o.jsonl").read_text(encoding="utf-8").splitlines()) == 1


def test_a_line_cut_by_a_crash_is_not_counted_and_does_not_swallow_the_next(tmp_path: Path) -> None:
    path = tmp_path / "o.jsonl"
    OutboxPublisher(path).publish(claimed("k1"))
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"idempotency_key": "k2", "parts": ["cut')
    outbox = OutboxPublisher(path)
    assert outbox.lookup(claimed("k2")) is None
    outbox.publish(claimed("k3"))
    lines = path.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[-1])["idempotency_key"] == "k3"
    assert OutboxPublisher(path).lookup(claimed("k3")) is not None
    assert OutboxPublisher(path).lookup(claimed("k1")) is not None
