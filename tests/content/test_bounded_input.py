"""Bounded, checked input: files from others cannot exhaust memory, hang the tool, reach outside
their folder or crash it; each refusal is one sentence, exit code 2, and nothing written."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from campaign.content.media import MediaError, resolve_image
from campaign.content.profile import load_profile
from campaign.content.schedule import load_schedule
from campaign.content.yamlsource import MAX_FILE_BYTES, read_bytes
from campaign.errors import CampaignError, ScheduleError, ScheduleProblems
from tests.conftest import MINIMAL
from tests.content.test_bad_input import assert_clean_failure

CAMPAIGN = Path(sys.executable).with_name("campaign")
PNG = Path(__file__).resolve().parents[2] / "schedules" / "media" / "world-day-2021.png"

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def run_process(*args: str | Path, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """The real command in its own process, so that a hang fails the test instead of freezing it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAMPAIGN_")}
    return subprocess.run([str(CAMPAIGN), *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=env, check=False)


def assert_clean_process_failure(done: subprocess.CompletedProcess[str], *needles: str) -> None:
    """Exit code 2, one message naming what it must, no traceback."""
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    for needle in needles:
        assert needle in done.stderr, f"{needle!r} not in {done.stderr!r}"


# -- size -------------------------------------------------------------------------------------
def test_a_50_mb_schedule_is_refused_at_once_unread(tmp_path: Path,
                                                    run: Callable[..., Result]) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.write(MINIMAL.encode())
        handle.truncate(50_000_000)  # sparse: stat says 50 MB, nothing need be read
    started = time.perf_counter()
    result = run("validate", path)
    assert time.perf_counter() - started < 1
    assert_clean_failure(result, "huge.yaml", "is 50,000,000 bytes",
                         f"over the limit of {MAX_FILE_BYTES:,} bytes", "CAMPAIGN_MAX_FILE_BYTES")


def test_the_limit_is_set_by_the_environment_or_a_parameter(
        tiny: Callable[..., Path], run: Callable[..., Result],
        monkeypatch: pytest.MonkeyPatch) -> None:
    path = tiny()
    size = path.stat().st_size
    monkeypatch.setenv("CAMPAIGN_MAX_FILE_BYTES", str(size - 1))
    assert_clean_failure(run("validate", path), f"is {size:,} bytes",
                         f"over the limit of {size - 1:,} bytes")
    assert_clean_failure(run("calendar", "-s", path), "over the limit")
    monkeypatch.setenv("CAMPAIGN_MAX_FILE_BYTES", str(size))
    assert run("validate", path).exit_code == 0
    with pytest.raises(ScheduleError, match="over the limit of 10 bytes"):
        load_schedule(path, max_bytes=10)
    monkeypatch.setenv("CAMPAIGN_MAX_FILE_BYTES", "lots")
    assert_clean_failure(run("validate", path), "CAMPAIGN_MAX_FILE_BYTES='lots' is not a number")


@pytest.mark.skipif(not Path("/proc/self/maps").is_file(), reason="needs Linux's /proc")
def test_a_file_larger_than_it_said_is_read_only_up_to_the_limit() -> None:
    # /proc files say they are empty and then hold more: like a file growing while it is read
    maps = Path("/proc/self/maps")
    assert maps.stat().st_size == 0
    with pytest.raises(ScheduleError, match="is over 100 bytes, over the limit of 100 bytes"):
        read_bytes(maps, limit=100)


@pytest.mark.parametrize(("special", "needle"), [
    ("fifo", "is a named pipe, not a regular file"),
    ("/dev/zero", "is a device, not a regular file"),
    ("folder", "is a folder, not a file"),
])
def test_a_schedule_that_is_not_a_regular_file_is_refused_without_blocking(
        tmp_path: Path, special: str, needle: str) -> None:
    if special == "fifo":
        path = tmp_path / "pipe.yaml"
        os.mkfifo(path)  # nothing ever writes to it: reading it would wait for ever
    elif special == "folder":
        path = tmp_path
    else:
        path = Path(special)
    for command in (("validate", path), ("calendar", "-s", path),
                    ("render", "--profile", path)):
        assert_clean_process_failure(run_process(*command), str(path), needle)


# -- YAML that expands or nests without bound --------------------------------------------------
def _validate_measured(run: Callable[..., Result], path: Path) -> tuple[Result, float, int]:
    """``campaign validate PATH``, its seconds and its peak of traced memory (bytes)."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = run("validate", path)
        return result, time.perf_counter() - started, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_an_alias_bomb_is_refused_in_under_a_second_and_100_mb(
        tmp_path: Path, run: Callable[..., Result]) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(BILLION_LAUGHS, encoding="utf-8")
    result, elapsed, peak = _validate_measured(run, path)
    assert elapsed < 1 and peak < 100_000_000
    assert_clean_failure(result, "bomb.yaml:2", "YAML aliases (*name) are not accepted")


def test_an_alias_or_merge_key_in_a_real_schedule_is_refused_with_its_line(
        tiny: Callable[..., Path], run: Callable[..., Result]) -> None:
    aliased = MINIMAL.replace("audiences: [person]\n    template: hello\n  - id: later",
                              "audiences: &who [person]\n    template: hello\n  - id: later", 1)
    aliased = aliased.replace("offset_days: 7\n    audiences: [person]",
                              "offset_days: 7\n    audiences: *who")
    assert_clean_failure(run("validate", tiny(aliased)), "tiny.yaml:26", "aliases")
    merged = MINIMAL.replace("  - id: later\n", "  - id: later\n    <<: {kind: message}\n")
    assert_clean_failure(run("validate", tiny(merged)), "tiny.yaml:23", "merge keys (<<)")


def test_the_built_in_schedule_uses_no_alias() -> None:
    from campaign.content.resources import builtin_schedule

    assert load_schedule(builtin_schedule()).entries  # loads, so it has none


@pytest.mark.parametrize(("text", "needles"), [
    pytest.param("a: " + "[" * 5000 + "]" * 5000, ["deep.yaml:1", "nested more than 64 levels"],
                 id="5000-nested-lists"),
    pytest.param("year: " + "9" * 5000, ["deep.yaml:1", "cannot be read", "Exceeds the limit"],
                 id="5000-digit-number"),
    pytest.param("? [a, b]\n: c\n", ["deep.yaml:1", "a mapping key must be a plain value"],
                 id="list-as-key"),
    pytest.param("a: !!python/object:os.system echo\n", ["deep.yaml:1", "invalid YAML syntax"],
                 id="python-object-tag"),
])
def test_deep_nesting_and_unreadable_values_are_refused(
        tmp_path: Path, run: Callable[..., Result], text: str, needles: list[str]) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(text, encoding="utf-8")
    assert_clean_failure(run("validate", path), *needles)


# -- control characters ------------------------------------------------------------------------
@pytest.mark.parametrize(("char", "code"), [
    ("\x00", "U+0000"), ("\x1b", "U+001B"), ("\x7f", "U+007F"), ("\x85", "U+0085"),
    ("\x0c", "U+000C"), ("\ufffe", "U+FFFE"),
], ids=["nul", "escape", "delete", "next-line", "form-feed", "noncharacter-fffe"])
def test_a_control_character_is_refused_with_its_line_and_column(
        tiny: Callable[..., Path], run: Callable[..., Result], char: str, code: str) -> None:
    text = MINIMAL.replace("Tiny campaign", f"Tiny{char} campaign")
    path = tiny(text)
    assert_clean_failure(run("validate", path), "tiny.yaml:5", "column 18",
                         f"control character {code} is not allowed")


@pytest.mark.parametrize(("escape", "code"), [
    ("\\x00", "U+0000"), ("\\e", "U+001B"), ("\\x9b", "U+009B"), ("\\u202e", None),
], ids=["hex-nul", "yaml-escape-e", "c1-csi", "bidi-override-is-accepted"])
def test_a_control_character_written_as_an_escape_is_refused(
        tiny: Callable[..., Path], run: Callable[..., Result], escape: str,
        code: str | None) -> None:
    text = MINIMAL.replace("Tiny campaign", f'"Tiny{escape} campaign"')
    result = run("validate", tiny(text))
    if code is None:  # not a control character: a bidi override is shown inert, not refused
        assert result.exit_code == 0, result.output
        return
    assert_clean_failure(result, "tiny.yaml:5",
                         f"the escape for control character {code} is not allowed")


def test_tabs_and_windows_line_ends_are_fine(tiny: Callable[..., Path],
                                            run: Callable[..., Result]) -> None:
    text = MINIMAL.replace("Tiny campaign", '"Tiny\tcampaign"').replace("\n", "\r\n")
    assert run("validate", tiny(text)).exit_code == 0


# -- numbers and dates -------------------------------------------------------------------------
@pytest.mark.parametrize(("old", "new", "needles"), [
    pytest.param("offset_days: 7", "offset_days: 100000000000000000000000000000",
                 ["entries[1].offset_days", "less than or equal to 36966"], id="offset-days-huge"),
    pytest.param("offset_days: 7", "offset_days: 36000",
                 ["entries[1].offset_days", "date 2128-", "outside the years 2000-2100"],
                 id="offset-days-past-2100"),
    pytest.param("offset_days: 7", "offset_days: -20000",
                 ["entries[1].offset_days", "date 1975-", "outside the years 2000-2100"],
                 id="offset-days-before-2000"),
    pytest.param("date: 2030-03-01", "date: 9999-12-31",
                 ["entries[0].date", "date 9999-12-31 is outside the years 2000-2100"],
                 id="date-year-9999"),
    pytest.param("year: 2030", "year: 99999999999999999999",
                 ["campaign.year", "less than or equal to 2100"], id="campaign-year-huge"),
    pytest.param("timezone: Europe/Paris", "timezone: Europe/Paris\n  day: 40",
                 ["campaign.day", "less than or equal to 28"], id="campaign-day-40"),
    pytest.param("timezone: Europe/Paris", "timezone: Europe/Paris\n  mastodon_characters: 1000000000",
                 ["campaign.mastodon_characters", "less than or equal to 100000"],
                 id="mastodon-characters-huge"),
    pytest.param("date: 2030-03-01", "month: 13", ["entries[0].month", "less than or equal to 12"],
                 id="month-13"),
    pytest.param("date: 2030-03-01", "month: 3\n    day: -1",
                 ["entries[0].day", "greater than or equal to 1"], id="day-negative"),
])
def test_numbers_are_range_checked(tiny: Callable[..., Path], run: Callable[..., Result],
                                   old: str, new: str, needles: list[str]) -> None:
    assert old in MINIMAL
    assert_clean_failure(run("validate", tiny(MINIMAL.replace(old, new, 1))), *needles)


# -- profiles ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("body", "needle"), [
    pytest.param(b"name: ILO\x00\n", "control character U+0000", id="control-character"),
    pytest.param(b'name: "IL\\x00O"\n', "the escape for control character U+0000",
                 id="control-character-escape"),
    pytest.param(b"a: &a x\nname: *a\n", "aliases", id="alias"),
    pytest.param(b"name: " + b"x" * 200, "over the limit of 100 bytes", id="over-the-size-limit"),
])
def test_a_profile_is_bounded_like_a_schedule(tmp_path: Path, run: Callable[..., Result],
                                              monkeypatch: pytest.MonkeyPatch, body: bytes,
                                              needle: str) -> None:
    path = tmp_path / "me.yaml"
    path.write_bytes(body)
    monkeypatch.setenv("CAMPAIGN_MAX_FILE_BYTES", "100")
    with pytest.raises(ScheduleError, match=None) as caught:
        load_profile(path)
    assert needle in caught.value.message
    monkeypatch.delenv("CAMPAIGN_MAX_FILE_BYTES")
    if needle.startswith("over"):
        assert load_profile(path, max_bytes=1000).name == "x" * 200
    else:
        assert_clean_failure(run("render", "--profile", path, "--entry", "world-day"), needle)


def test_a_var_with_a_control_character_is_refused(run: Callable[..., Result]) -> None:
    assert_clean_failure(run("render", "--var", "name=IL\x1bO"), "--var 'name'",
                         "control character U+001B")


# -- images ------------------------------------------------------------------------------------
def _with_image(tiny: Callable[..., Path], file: str) -> Path:
    return tiny(MINIMAL.replace("template: hello\n  - id: later",
                                f"template: hello\n    image: {{file: '{file}', alt: {{en: A, fr: B}}}}"
                                "\n  - id: later"))


@pytest.mark.parametrize(("file", "needles"), [
    pytest.param("../secret.png", ["goes out of the schedule's folder with '..'"], id="parent-folder"),
    pytest.param("media/../../secret.png", ["goes out of the schedule's folder"],
                 id="parent-folder-inside-a-path"),
    pytest.param("/etc/secret.png", ["is an absolute path"], id="absolute-path"),
    pytest.param("link.png", ["is a link to", "outside the schedule's folder"], id="link-to-outside"),
    pytest.param("pipe.png", ["is not a regular file"], id="named-pipe"),
    pytest.param("media", ["is not a regular file"], id="folder"),
    pytest.param("big.png", ["1,000,001 bytes", "make it smaller"], id="too-big"),
])
def test_an_image_outside_the_folder_or_not_a_file_is_refused(
        tmp_path: Path, tiny: Callable[..., Path], file: str, needles: list[str]) -> None:
    folder = tmp_path / "campaign"
    folder.mkdir()
    outside = tmp_path / "secret.png"
    shutil.copy(PNG, outside)
    (folder / "media").mkdir()
    os.symlink(outside, folder / "link.png")
    os.mkfifo(folder / "pipe.png")
    (folder / "big.png").write_bytes(PNG.read_bytes().ljust(1_000_001, b"\0"))
    path = _with_image(tiny, file)
    moved = folder / "tiny.yaml"
    path.rename(moved)
    shutil.move(str(tmp_path / "tpl"), folder / "tpl")
    done = run_process("validate", moved)  # a process: a named pipe must not hang it
    assert_clean_process_failure(done, "tiny.yaml:22", "entries[0].image.file", *needles)


def test_an_image_inside_the_folder_is_accepted_through_a_link(
        tmp_path: Path, tiny: Callable[..., Path]) -> None:
    (tmp_path / "media").mkdir()
    shutil.copy(PNG, tmp_path / "media" / "poster.png")
    os.symlink(tmp_path / "media" / "poster.png", tmp_path / "alias.png")
    schedule = load_schedule(_with_image(tiny, "alias.png"))
    assert schedule.entries[0].image is not None
    assert resolve_image(tmp_path, "alias.png") == (tmp_path / "media" / "poster.png").resolve()


def test_render_resolves_the_image_again(tmp_path: Path, tiny: Callable[..., Path]) -> None:
    from campaign.content.render import Renderer

    shutil.copy(PNG, tmp_path / "poster.png")
    schedule = load_schedule(_with_image(tiny, "poster.png"))
    [post, *_] = Renderer(schedule).posts(schedule.select(entries=["hello"]))
    assert post.media[0]["path"] == str((tmp_path / "poster.png").resolve())
    # swapped for a link outside after validation: the renderer refuses it too
    outside = tmp_path.parent / f"{tmp_path.name}-outside.png"
    shutil.copy(PNG, outside)
    (tmp_path / "poster.png").unlink()
    os.symlink(outside, tmp_path / "poster.png")
    with pytest.raises(MediaError, match="outside the schedule's folder"):
        list(Renderer(schedule).posts(schedule.select(entries=["hello"])))


def test_every_problem_is_a_campaign_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(MINIMAL.replace("date: 2030-03-01", "date: 9999-12-31"), encoding="utf-8")
    with pytest.raises(ScheduleProblems) as caught:
        load_schedule(path)
    assert all(isinstance(p, CampaignError) for p in caught.value.problems)


# -- images read again at publish time ---------------------------------------------------------
def test_an_image_is_read_again_only_while_it_is_the_regular_file_planned(
        tmp_path: Path) -> None:
    from campaign.content.media import MAX_BYTES, read_image

    folder = tmp_path / "campaign"
    folder.mkdir()
    planned = folder / "poster.png"
    shutil.copy(PNG, planned)
    stored = str(planned.resolve())  # what describe_image keeps in the queue
    assert read_image(stored) == PNG.read_bytes()
    private = tmp_path / "private.png"
    shutil.copy(PNG, private)
    cases: list[tuple[Callable[[], object], str]] = [
        (lambda: os.mkfifo(planned), "is no longer a regular file"),
        (lambda: os.symlink(private, planned), "is no longer the file that was planned"),
        (lambda: planned.mkdir(), "is no longer a regular file"),
        (lambda: planned.write_bytes(PNG.read_bytes().ljust(MAX_BYTES + 1, b"\0")),
         f"is no longer under {MAX_BYTES:,} bytes (it is {MAX_BYTES + 1:,})"),
        (lambda: None, "is no longer there"),
    ]
    for swap, needle in cases:
        if planned.is_dir() and not planned.is_symlink():
            planned.rmdir()
        elif planned.exists() or planned.is_symlink():
            planned.unlink()
        swap()
        started = time.perf_counter()
        with pytest.raises(MediaError) as caught:
            read_image(stored)
        assert time.perf_counter() - started < 1  # a named pipe never makes it wait
        assert needle in caught.value.message and "plan again" in caught.value.message
        assert caught.value.exit_code == 2
    # a folder above the image replaced by a link to another folder holding the same name
    shutil.rmtree(folder)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(PNG, elsewhere / "poster.png")
    os.symlink(elsewhere, folder)
    with pytest.raises(MediaError, match="is no longer the file that was planned"):
        read_image(stored)


# -- timezones ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("old", "new", "key"), [
    pytest.param("timezone: Europe/Paris", "timezone: " + "a" * 5000, "campaign.timezone",
                 id="campaign-timezone-too-long"),
    pytest.param("    date: 2030-03-01", "    date: 2030-03-01\n    timezone: " + "Europe/" * 700,
                 "entries[0].timezone", id="entry-timezone-too-long"),
    pytest.param("timezone: Europe/Paris", "timezone: ../../../etc/passwd", "campaign.timezone",
                 id="campaign-timezone-a-path"),
])
def test_a_timezone_name_too_long_or_not_a_name_is_unknown(
        tiny: Callable[..., Path], run: Callable[..., Result], old: str, new: str,
        key: str) -> None:
    path = tiny(MINIMAL.replace(old, new, 1))
    for command in (("validate", path), ("calendar", "-s", path), ("render", "-s", path)):
        result = run(*command)
        assert_clean_failure(result, "tiny.yaml:", key, "unknown timezone",
                             "use an IANA name such as Europe/Zurich")
        assert len(result.output) < 1000, "a 5,000-character name is not printed whole"


# -- text that no output can hold --------------------------------------------------------------
@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "\\ud83d"],
                         ids=["high-surrogate-d800", "low-surrogate-dfff", "high-surrogate-d83d"])
def test_a_lone_surrogate_escape_is_refused_with_its_line(
        tiny: Callable[..., Path], run: Callable[..., Result], escape: str) -> None:
    path = tiny(MINIMAL.replace("title: {en: Hello, fr: Bonjour}",
                                f'title: {{en: "{escape}", fr: Bonjour}}'))
    for command in (("validate", path), ("calendar", "-s", path), ("render", "-s", path)):
        assert_clean_failure(run(*command), "tiny.yaml:18", f"U+{escape[2:].upper()}",
                             "half of a surrogate pair) is not a character")


def test_a_surrogate_pair_escape_is_one_character(tiny: Callable[..., Path]) -> None:
    path = tiny(MINIMAL.replace("title: {en: Hello, fr: Bonjour}",
                                'title: {en: "Hi \\ud83c\\udf0d \\U0001F30D", fr: Bonjour}'))
    assert load_schedule(path).entries[0].title["en"] == "Hi 🌍 🌍"


@pytest.mark.parametrize("key", ['"x\\nfake line ✓ ok"', '"a\\tb"', '"a\\rb"', '"a\\u2028b"',
                                 '"a\\Lb"', '? |\n  two\n  lines\n'],
                         ids=["newline-escape", "tab-escape", "carriage-return-escape",
                              "line-separator-escape", "yaml-line-separator-escape", "block-key"])
def test_a_key_of_more_than_one_line_is_refused(tiny: Callable[..., Path],
                                                run: Callable[..., Result], key: str) -> None:
    entry = f"{key}: 1" if not key.startswith("?") else key + ": 1"
    path = tiny(MINIMAL.replace("schema: 1\n", f"schema: 1\n{entry}\n", 1))
    result = run("validate", path)
    assert_clean_failure(result, "tiny.yaml:2", "is not one line: remove its line breaks")
    # the key is shown escaped, on the problem's own line: it prints no line of its own
    assert not any(line.startswith(("fake", "two", "b")) for line in result.output.splitlines())


# -- how many values ---------------------------------------------------------------------------
@pytest.mark.parametrize(("limit", "values"), [(None, 100_000), (1_000_000, 25_000)],
                         ids=["default", "small-limit"])
def test_a_file_of_millions_of_values_is_refused_in_seconds(
        tmp_path: Path, run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch,
        limit: int | None, values: int) -> None:
    from campaign.content.yamlsource import max_values

    if limit is not None:
        monkeypatch.setenv("CAMPAIGN_MAX_FILE_BYTES", str(limit))
    assert max_values() == values  # the limit on values follows the limit on bytes
    path = tmp_path / "many.yaml"
    path.write_text("schema: 1\nentries:\n" + "- x\n" * ((limit or MAX_FILE_BYTES) // 4 - 10),
                    encoding="utf-8")
    assert path.stat().st_size < (limit or MAX_FILE_BYTES)  # under the size limit: the count
    started = time.perf_counter()
    result = run("validate", path)
    # far from the minute of composing it all; a bound this loose holds on a loaded shared
    # machine (4 s failed there at 4.3 s): the speed itself is the benchmark's business
    assert time.perf_counter() - started < 20
    assert_clean_failure(result, f"many.yaml:{values - 2}",  # the first value over
                         f"more than {values:,} values", "split the file",
                         "raise CAMPAIGN_MAX_FILE_BYTES")
    if limit is not None:
        _, _, peak = _validate_measured(run, path)
        assert peak < 100_000_000


def test_the_built_in_schedule_is_far_below_the_value_limit() -> None:
    from campaign.content.resources import builtin_schedule
    from campaign.content.yamlsource import MAX_NODES, _PlainLoader

    loader = _PlainLoader(builtin_schedule().read_text(encoding="utf-8"))
    try:
        loader.get_single_node()
        assert loader._nodes * 10 < MAX_NODES, loader._nodes
    finally:
        loader.dispose()


# -- the templates folder ----------------------------------------------------------------------
@pytest.mark.parametrize(("folder", "needle"), [
    ("/", "is /, outside the schedule's folder"),
    ("../../..", "outside the schedule's folder"),
    ("..", "outside the schedule's folder"),
    ("tpl/../..", "outside the schedule's folder"),
    ("outside-link", "outside the schedule's folder"),
    ("missing", "does not exist"),
])
def test_the_templates_folder_is_confined_to_the_schedule_folder(
        tmp_path: Path, tiny: Callable[..., Path], run: Callable[..., Result], folder: str,
        needle: str) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-templates"
    (outside / "en").mkdir(parents=True)
    os.symlink(outside, tmp_path / "outside-link")
    path = tiny(MINIMAL.replace("templates: tpl", f"templates: '{folder}'"))
    for command in (("validate", path), ("render", "-s", path), ("calendar", "-s", path)):
        assert_clean_failure(run(*command), "tiny.yaml:2", "'templates'",
                             f"template folder '{folder}'", needle)


def test_a_templates_folder_inside_is_accepted_through_a_link(
        tmp_path: Path, tiny: Callable[..., Path], run: Callable[..., Result]) -> None:
    path = tiny()
    os.symlink(tmp_path / "tpl", tmp_path / "linked")
    assert run("validate", tiny(MINIMAL.replace("templates: tpl", "templates: linked"))
               ).exit_code == 0
    assert run("validate", path).exit_code == 0
    example = Path(__file__).resolve().parents[2] / "schedules" / "examples" / "cleanair2030.yaml"
    assert run("validate", example).exit_code == 0


# -- profile handles ---------------------------------------------------------------------------
@pytest.mark.parametrize(("key", "value", "needle"), [
    ("handle_x", "@this_is_far_too_long_for_x", "X handle '@this_is_far_too_long_for_x' is not"),
    ("handle_bluesky", "ilo bsky social", "Bluesky handle 'ilo bsky social' is not valid"),
    ("handle_bluesky", "ilo.localhost", "ends in .localhost"),
    ("handle_mastodon", "@ilo@@mastodon.social", "Mastodon handle '@ilo@@mastodon.social'"),
    ("handle_mastodon", "@ilo\u2028@mastodon.social", "control character U+2028"),
])
def test_profile_handles_are_checked_per_network(tmp_path: Path, run: Callable[..., Result],
                                                 key: str, value: str, needle: str) -> None:
    path = tmp_path / "me.yaml"
    path.write_text(f'name: ILO\n{key}: "{value}"\n', encoding="utf-8")
    with pytest.raises(CampaignError) as caught:
        load_profile(path)
    assert f"me.yaml:2: profile key '{key}'" in caught.value.message
    assert needle in caught.value.message and caught.value.exit_code == 2
    out = tmp_path / "out.json"
    assert_clean_failure(run("render", "--profile", path, "--entry", "world-day"),
                         f"profile key '{key}'", needle)
    assert_clean_failure(run("render", "--var", f"{key}={value}"), f"--var: profile key '{key}'")
    assert_clean_failure(run("export", "--profile", path, "--format", "json", "--out", out),
                         f"profile key '{key}'")
    assert not out.exists()


def test_valid_and_empty_profile_handles_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "me.yaml"
    path.write_text("handle: '@ILO'\nhandle_x: '@ILO_fr'\nhandle_bluesky: ilo.bsky.social\n"
                    "handle_mastodon: '@ilo@mastodon.social'\n", encoding="utf-8")
    profile = load_profile(path, ["handle_x="])
    assert profile.for_network("x").handle == "@ILO"  # empty: the general handle
    assert profile.for_network("bluesky").handle == "ilo.bsky.social"
    assert profile.for_network("mastodon").handle == "@ilo@mastodon.social"
