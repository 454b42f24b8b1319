"""Failures that stop cleanly: an outbox or export on /dev/full, on a small full filesystem (a
tmpfs, as root), past a file-size limit (EFBIG) or on a failing disk (EIO). Each stops with one
sentence and the right exit code, leaves no cut line, no temporary file, no post in
``publishing``, and loses nothing: what did not go out goes out on the next run."""

from __future__ import annotations

import errno
import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import Result

from campaign.content.render import Renderer
from campaign.content.schedule import Schedule
from campaign.platforms import outbox as outbox_module
from campaign.platforms.base import DestinationFailed
from campaign.platforms.outbox import OutboxPublisher
from campaign.queue.store import Store
from tests.content.test_bad_input import assert_clean_failure
from tests.platforms.test_outbox import claimed
from tests.queue.test_honest_run import NOW, plan_world_day, snapshot


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KB tmpfs, mounted for the test and unmounted after it."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    folder = tmp_path / "small"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path, leave: int = 0) -> Path:
    """Fill the filesystem of ``folder``, then free ``leave`` bytes; returns the filler file."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
    if leave:
        os.truncate(filler, max(filler.stat().st_size - leave, 0))
    return filler


def assert_whole_lines(path: Path) -> list[dict[str, object]]:
    """The outbox ends with a newline and every line is a post record."""
    data = path.read_bytes()
    assert not data or data.endswith(b"\n")
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


# -- /dev/full ---------------------------------------------------------------------------------
def test_an_outbox_that_is_a_device_is_refused_before_it_is_read() -> None:
    outbox = OutboxPublisher(Path("/dev/full"))
    for call in (outbox.publish, outbox.lookup):
        with pytest.raises(DestinationFailed) as raised:
            call(claimed("k1"))
        assert raised.value.exit_code == 2
        assert raised.value.message == ("outbox /dev/full exists and is not a regular file: "
                                        "choose a file path")


def test_run_with_an_outbox_account_on_dev_full_exits_2_changing_nothing(
        db_cli: Callable[..., Result], store: Store, renderer: Renderer, schedule: Schedule) -> None:
    plan_world_day(store, renderer, schedule, {"x": "outbox:/dev/full"})
    before = snapshot(store)
    result = db_cli("run", "--once", "--now", NOW)
    assert_clean_failure(result, "account x demo-x: outbox /dev/full exists and is not a "
                                 "regular file")
    assert snapshot(store) == before


@pytest.mark.parametrize("dry_run", [False, True], ids=["run", "dry-run"])
def test_an_outbox_symlinked_to_dev_full_is_refused_by_the_dry_run_too(
        db_cli: Callable[..., Result], store: Store, renderer: Renderer, schedule: Schedule,
        tmp_path: Path, dry_run: bool) -> None:
    outbox = tmp_path / "outbox.jsonl"
    outbox.symlink_to("/dev/full")
    plan_world_day(store, renderer, schedule, {"x": f"outbox:{outbox}"})
    before = snapshot(store)
    result = db_cli("run", "--once", "--now", NOW, *(["--dry-run"] if dry_run else []))
    # the dry run says what the real run would: it refuses, rather than "would publish 10"
    assert_clean_failure(result, f"account x demo-x: outbox {outbox}",
                         "exists and is not a regular file")
    assert "would publish" not in result.output
    assert snapshot(store) == before and stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_export_onto_a_device_is_refused_and_the_device_stays(run: Callable[..., Result]) -> None:
    result = run("export", "--entry", "world-day-against-child-labour", "-f", "json",
                 "-o", "/dev/full")
    assert_clean_failure(result, "/dev/full exists and is not a regular file")
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


# -- a small full filesystem -------------------------------------------------------------------
def test_a_full_disk_stops_the_run_with_no_cut_line_and_nothing_left_publishing(
        db_cli: Callable[..., Result], store: Store, renderer: Renderer, schedule: Schedule,
        small_disk: Path) -> None:
    outbox = small_disk / "outbox.jsonl"
    refs = {n: f"outbox:{outbox}" for n in ("x", "bluesky", "mastodon")}
    total = plan_world_day(store, renderer, schedule, refs)
    filler = fill(small_disk, leave=8192)
    result = db_cli("run", "--once", "--now", NOW)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    error = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(error) == 1 and "No space left on device" in error[0], result.stderr
    assert "nothing of it was kept" in error[0]
    lines = assert_whole_lines(outbox)
    counts = store.counts()
    assert "publishing" not in counts
    assert counts.get("published", 0) == len(lines) < total
    assert counts["scheduled"] == total - len(lines)
    published = {p.idempotency_key for p in store.posts(statuses=["published"])}
    assert {r["idempotency_key"] for r in lines} == published
    assert all(p.attempts == 0 for p in store.posts(statuses=["scheduled"]))  # none was tried
    assert f"Published {len(lines)} ({len(lines)} to {outbox})" in result.stdout

    filler.unlink()  # space again: the rest goes out, each post once
    again = db_cli("run", "--once", "--now", NOW)
    assert again.exit_code == 0, again.output
    lines = assert_whole_lines(outbox)
    assert len(lines) == total == len({r["idempotency_key"] for r in lines})
    assert store.counts() == {"published": total}


def test_an_export_onto_a_full_disk_fails_in_one_sentence_keeping_the_old_file(
        run: Callable[..., Result], small_disk: Path) -> None:
    out = small_disk / "posts.json"
    out.write_text("the old export\n", encoding="utf-8")
    fill(small_disk)
    result = run("export", "-f", "json", "-o", out)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert f"Error: {out}: writing failed (No space left on device)" in result.output
    assert out.read_text(encoding="utf-8") == "the old export\n"
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler", "posts.json"]


# -- a file-size limit (EFBIG) and a failing disk (EIO) -----------------------------------------
# RLIMIT_FSIZE applies to every file a process writes, pytest's own report included when its
# output goes to a file: so the limit is set in a child process, which reports what it saw.
_EFBIG_CHILD = """
import json, resource, signal, sys
from pathlib import Path
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
def limit(size):
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
"""


def _child(code: str) -> dict[str, object]:
    proc = subprocess.run([sys.executable, "-c", _EFBIG_CHILD + textwrap.dedent(code)],
                          capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def test_efbig_leaves_the_outbox_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "o.jsonl"
    seen = _child(f"""
        from campaign.platforms.base import DestinationFailed
        from campaign.platforms.outbox import OutboxPublisher
        from tests.platforms.test_outbox import claimed
        path = Path({str(path)!r})
        outbox = OutboxPublisher(path)
        outbox.publish(claimed("k1"))
        size = path.stat().st_size
        limit(size + 40)  # the next line is longer
        try:
            outbox.publish(claimed("k2"))
        except DestinationFailed as exc:
            print(json.dumps({{"message": exc.message, "went_out": exc.went_out,
                              "exit_code": exc.exit_code, "size": size}}))
        else:
            print(json.dumps({{"message": "published"}}))
        """)
    assert "File too large" in str(seen["message"]) and seen["went_out"] is False
    assert seen["exit_code"] == 1
    assert path.stat().st_size == seen["size"]
    assert [r["idempotency_key"] for r in assert_whole_lines(path)] == ["k1"]


def test_efbig_during_an_export_removes_the_temporary_file(tmp_path: Path) -> None:
    out = tmp_path / "big.txt"
    out.write_text("old\n", encoding="utf-8")
    seen = _child(f"""
        from campaign.atomic import atomic_open
        from campaign.errors import ExportError
        limit(10_000)
        try:
            with atomic_open(Path({str(out)!r})) as handle:
                for _ in range(100):
                    handle.write("x" * 1000)
        except ExportError as exc:
            print(json.dumps({{"message": exc.message, "exit_code": exc.exit_code}}))
        else:
            print(json.dumps({{"message": "written"}}))
        """)
    assert "writing failed (File too large)" in str(seen["message"])
    assert seen["exit_code"] == 1
    assert out.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.txt"]


def test_an_io_error_is_cut_back_and_stops_with_one_sentence(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "o.jsonl"
    outbox = OutboxPublisher(path)
    outbox.publish(claimed("k1"))
    size = path.stat().st_size
    real_write = os.write

    def failing_disk(fd: int, data: bytes) -> int:
        real_write(fd, data[: len(data) // 2])  # half of it reaches the disk, then EIO
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    # EIO cannot be produced without a failing device; the half-written line is real
    monkeypatch.setattr(outbox_module.os, "write", failing_disk)
    with pytest.raises(DestinationFailed) as raised:
        outbox.publish(claimed("k2"))
    assert "Input/output error" in raised.value.message
    assert path.stat().st_size == size
    assert [r["idempotency_key"] for r in assert_whole_lines(path)] == ["k1"]


def test_an_overlong_line_is_skipped_with_bounded_reads(tmp_path: Path) -> None:
    path = tmp_path / "o.jsonl"
    record = json.dumps({"idempotency_key": "k9"}) + "\n"
    path.write_bytes(b"x" * (3 * outbox_module.MAX_LINE) + b"\n" + record.encode())
    assert OutboxPublisher(path).lookup(claimed("k9")) is not None
    assert OutboxPublisher(path).lookup(claimed("x")) is None


def test_an_outbox_in_a_missing_folder_is_refused() -> None:
    outbox = OutboxPublisher(Path("/nonexistent-folder/o.jsonl"),
                             clock=lambda: datetime(2021, 6, 12, 7, 30, tzinfo=UTC))
    with pytest.raises(DestinationFailed) as raised:
        outbox.publish(claimed("k1"))
    assert "folder /nonexistent-folder does not exist" in raised.value.message


def test_a_full_disk_stops_a_long_running_runner_too(store: Store, renderer: Renderer,
                                                     schedule: Schedule, small_disk: Path) -> None:
    from campaign.platforms.pool import PublisherPool
    from campaign.queue.runner import Dispatcher, RunHalted, Runner

    outbox = small_disk / "outbox.jsonl"
    total = plan_world_day(store, renderer, schedule, {"x": f"outbox:{outbox}"})
    fill(small_disk, leave=4096)
    pool = PublisherPool(clock=lambda: datetime(2021, 6, 12, 7, 30, tzinfo=UTC))
    dispatcher = Dispatcher(store, pool, worker="w", clock=lambda: datetime(2021, 6, 12, 7, 30, tzinfo=UTC))
    # a runner that retried every 10 s would fail every post again: it stops, saying why
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        with pytest.raises(RunHalted) as raised:
            Runner(dispatcher).run()
    finally:  # the runner installs its own: give pytest its handlers back
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    assert "No space left on device" in raised.value.message and raised.value.exit_code == 1
    lines = assert_whole_lines(outbox)
    assert "publishing" not in store.counts()
    assert store.counts().get("published", 0) == len(lines) < total
