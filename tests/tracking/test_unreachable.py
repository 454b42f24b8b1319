"""A host that does not answer: each collector's run fails after its retries with one sentence
naming the host (not a library's chain of pools and resolvers), and exit code 1."""

from __future__ import annotations

import socket

import pytest

from campaign.platforms.credentials import Secrets
from campaign.tracking.collect import collect
from campaign.tracking.sources import SourceSpec, build
from campaign.tracking.store import RunStatus, TrackStore
from tests.conftest import SQLITE_ONLY


def closed_port() -> int:
    """A port on 127.0.0.1 nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@SQLITE_ONLY
@pytest.mark.parametrize(("kind", "secrets", "said"), [
    pytest.param("x-search", {"bearer_token": "t0ken-never-shown"}, "X at 127.0.0.1:", id="x"),
    pytest.param("mastodon-tags", None, "Mastodon instance http://127.0.0.1:", id="mastodon"),
])
def test_an_unreachable_host_is_named(tracks: TrackStore, kind: str,
                                      secrets: dict[str, str] | None, said: str) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    spec = SourceSpec(kind, url, ("endchildlabour2021",),
                      secrets=Secrets(secrets) if secrets else None, timeout=2)
    outcome = collect(tracks, build(spec), sleep=lambda seconds: None)
    assert (outcome.exit_code, outcome.run.status) == (1, RunStatus.FAILED)
    assert said in outcome.run.message and "could not be reached" in outcome.run.message
    assert "Pool" not in outcome.run.message and "t0ken" not in outcome.run.message
