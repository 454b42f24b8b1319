"""``campaign serve`` as people start it: a real uvicorn process on 127.0.0.1, stopped by
Ctrl-C; a database not ready is refused in one sentence before anything listens."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from campaign.queue.store import Store
from tests.web.conftest import free_port

CAMPAIGN = [sys.executable, "-m", "campaign.cli"]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("CAMPAIGN_DATABASE_URL", "CAMPAIGN_WEB_SECRET", "CAMPAIGN_WEB_TODAY"):
        env.pop(name, None)
    return env


def _wait_for(url: str, process: subprocess.Popen[str], seconds: float = 30) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve ended early: {process.communicate()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                return str(answer.read().decode())
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {seconds} s")


@pytest.mark.parametrize("workers", ["1", "2"])
def test_serve_answers_and_stops_on_ctrl_c(tmp_path: Path, workers: str) -> None:
    url = f"sqlite:///{tmp_path / 'campaign.db'}"
    Store(url).upgrade()
    port = free_port()
    process = subprocess.Popen([*CAMPAIGN, "serve", "--port", str(port), "--db", url,
                                "--workers", workers], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=_env())
    try:
        assert _wait_for(f"http://127.0.0.1:{port}/healthz", process) == "ok"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as page:
            assert "content-security-policy" in {k.lower() for k in page.headers}
            assert "server" not in {k.lower() for k in page.headers}
    finally:
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "No users yet" in err and f"http://127.0.0.1:{port}/" in err
    assert "Traceback" not in err


def test_a_database_not_upgraded_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'missing.db'}"
    result = subprocess.run([*CAMPAIGN, "serve", "--port", str(free_port()), "--db", url],
                            capture_output=True, text=True, env=_env(), timeout=60)
    assert result.returncode == 2
    assert "campaign db upgrade" in result.stderr and "Traceback" not in result.stderr


def test_a_short_secret_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'campaign.db'}"
    Store(url).upgrade()
    result = subprocess.run([*CAMPAIGN, "serve", "--port", str(free_port()), "--db", url],
                            capture_output=True, text=True, timeout=60,
                            env=_env() | {"CAMPAIGN_WEB_SECRET": "short"})
    assert result.returncode == 2
    assert "CAMPAIGN_WEB_SECRET is too short" in result.stderr
