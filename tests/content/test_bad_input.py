"""Every kind of bad input gets one clear message naming file, line and key, exit code 2."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.conftest import MINIMAL


def assert_clean_failure(result: Result, *needles: str) -> None:
    """Exit code 2, the message names what it must, and no traceback leaks out."""
    output = result.output
    assert result.exit_code == 2, output
    assert "Traceback" not in output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    for needle in needles:
        assert needle in output, f"{needle!r} not in {output!r}"


@pytest.mark.parametrize(
    ("edit", "needles"),
    [
        pytest.param(lambda t: t.replace("year: 2030", "year: [2030"), ["tiny.yaml:", "invalid YAML"],
                     id="malformed-syntax"),
        pytest.param(lambda t: t.replace("  year: 2030", "  year: 2030\n  colour: blue"),
                     ["tiny.yaml:7", "campaign.colour", "unknown key 'colour'"], id="unknown-key"),
        pytest.param(lambda t: t.replace("date: 2030-03-01", "date: 2030-02-30"),
                     ["tiny.yaml:19", "entries[0].date", "2030-02-30"], id="impossible-date"),
        pytest.param(lambda t: t.replace("timezone: Europe/Paris", "timezone: Mars/Olympus"),
                     ["tiny.yaml:11", "campaign.timezone", "Mars/Olympus"], id="unknown-timezone"),
        pytest.param(lambda t: t.replace("- id: later", "- id: hello"),
                     ["tiny.yaml:22", "duplicate entry id 'hello'", "line 17"], id="duplicate-id"),
        pytest.param(lambda t: t.replace("template: hello\n  - id: later", "template: nope\n  - id: later"),
                     ["en/nope.j2", "not found", "hello"], id="missing-template"),
        pytest.param(lambda t: t.replace("relative_to: hello", "relative_to: nowhere"),
                     ["entries[1].relative_to", "unknown entry 'nowhere'"], id="unknown-relative"),
        pytest.param(lambda t: t.replace("audiences: [person]", "audiences: [robots]", 1),
                     ["entries[0].audiences[0]", "unknown audience 'robots'"], id="unknown-audience"),
        pytest.param(lambda t: t.replace("timezone: Europe/Paris", "timezone: Europe/Paris\n  time: 25:00"),
                     ["campaign.time", "HH:MM"], id="bad-time"),
        pytest.param(lambda t: t.replace("template: hello\n  - id: later",
                                         "template: hello\n    image: {file: gone.png, alt: {en: A, fr: B}}"
                                         "\n  - id: later"),
                     ["entries[0].image.file", "image 'gone.png' does not exist"], id="image-missing"),
        pytest.param(lambda t: t.replace("template: hello\n  - id: later",
                                         "template: hello\n    image: {file: tiny.yaml, alt: {en: A}}"
                                         "\n  - id: later"),
                     ["entries[0].image.alt", "no text for language fr",
                      "'tiny.yaml' is not a PNG, JPEG, GIF or WebP"], id="image-bad"),
    ],
)
def test_bad_schedule(tiny: Callable[..., Path], run: Callable[..., Result],
                      edit: Callable[[str], str], needles: list[str]) -> None:
    path = tiny(edit(MINIMAL))
    assert_clean_failure(run("validate", path), *needles)


def test_several_problems_reported_at_once(tiny: Callable[..., Path],
                                           run: Callable[..., Result]) -> None:
    text = MINIMAL.replace("date: 2030-03-01", "date: 2030-02-30").replace(
        "timezone: Europe/Paris", "timezone: Nowhere/Land")
    result = run("validate", tiny(text))
    assert_clean_failure(result, "2 problems", "2030-02-30", "Nowhere/Land")


def test_undefined_variable_in_template(tiny: Callable[..., Path], run: Callable[..., Result]) -> None:
    path = tiny(templates={"en": "Hi\n{{ campaign.hashtag }} {{ sponsor }}", "fr": "Salut"})
    assert_clean_failure(run("validate", path), "en/hello.j2", "line 2", "'sponsor' is undefined",
                         "entry 'hello'")


def test_template_syntax_error(tiny: Callable[..., Path], run: Callable[..., Result]) -> None:
    path = tiny(templates={"en": "Hi {% if %}", "fr": "Salut"})
    assert_clean_failure(run("validate", path), "en/hello.j2", "syntax error")


@pytest.mark.parametrize(("body", "expected"), [
    pytest.param("Hi \x1b[2J there", "control character U+001B", id="escape-in-the-file"),
    pytest.param('Hi {{ "\\x1b]0;title\\x07" }}', "control character U+001B", id="escape-written"),
    pytest.param("Hi\x00", "control character U+0000", id="nul"),
    pytest.param('Hi {{ "\\ud800" }}', "U+D800, half of a surrogate pair", id="lone-surrogate"),
])
def test_a_template_that_writes_what_no_post_may_hold_is_refused(
        tiny: Callable[..., Path], run: Callable[..., Result], body: str, expected: str) -> None:
    # a shared template must not post terminal escapes or NUL to a network or into an export, nor
    # pass `validate` and then crash `render` and `export` on text no output can encode
    path = tiny(templates={"en": body, "fr": "Salut"})
    assert_clean_failure(run("validate", path), "en/hello.j2", "entry 'hello'", expected)
    assert_clean_failure(run("render", "-s", path, "-l", "en"), "en/hello.j2", expected)


def test_template_not_utf8(tiny: Callable[..., Path], run: Callable[..., Result]) -> None:
    path = tiny()
    (path.parent / "tpl" / "fr" / "hello.j2").write_bytes("Journée".encode("latin-1"))
    assert_clean_failure(run("validate", path), "fr/hello.j2", "not UTF-8")


def test_schedule_not_utf8(tmp_path: Path, run: Callable[..., Result]) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(MINIMAL.replace("Petite", "Très petite").encode("latin-1"))
    assert_clean_failure(run("validate", path), "latin1.yaml:5", "not UTF-8")


def test_missing_file(tmp_path: Path, run: Callable[..., Result]) -> None:
    assert_clean_failure(run("validate", tmp_path / "absent.yaml"), "absent.yaml", "not found")


def test_duplicate_yaml_key(tiny: Callable[..., Path], run: Callable[..., Result]) -> None:
    text = MINIMAL.replace("  year: 2030", "  year: 2030\n  year: 2031")
    assert_clean_failure(run("validate", tiny(text)), "tiny.yaml:7", "appears twice")


def test_post_too_long_names_entry_language_network(tiny: Callable[..., Path],
                                                    run: Callable[..., Result]) -> None:
    path = tiny(templates={"en": "word " * 70, "fr": "Salut"})
    assert_clean_failure(run("validate", path), "entry 'hello'", "(en, x", "over the limit of 280")


def test_unknown_filter_values_name_the_choices(run: Callable[..., Result]) -> None:
    assert_clean_failure(run("render", "--audience", "martians"), "unknown audience 'martians'",
                         "individual")
    assert_clean_failure(run("render", "--lang", "de"), "unknown language 'de'", "fr")
    assert_clean_failure(run("render", "--month", "smarch"), "unknown month 'smarch'")
    assert_clean_failure(run("render", "--var", "colour=blue"), "unknown profile key 'colour'")


def test_validate_takes_the_schedule_like_every_command(
        tiny: Callable[..., Path], run: Callable[..., Result], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    good = tiny()
    bad = tmp_path / "bad.yaml"
    bad.write_text(MINIMAL.replace("date: 2030-03-01", "date: 2030-02-30"), encoding="utf-8")
    for args in (("-s", good), ("--schedule", good)):
        result = run("validate", *args)
        assert result.exit_code == 0 and f"{good}: 2 entries" in result.output
    assert_clean_failure(run("validate", "-s", bad), "bad.yaml:19", "2030-02-30")
    monkeypatch.setenv("CAMPAIGN_SCHEDULE", str(bad))
    assert_clean_failure(run("validate"), "bad.yaml:19")  # like calendar, render and export
    assert_clean_failure(run("calendar"), "bad.yaml:19")
    # the file named on the command line wins over the option and the environment
    assert run("validate", good).exit_code == 0
    assert run("validate", good, "-s", bad).exit_code == 0
    monkeypatch.delenv("CAMPAIGN_SCHEDULE")
    assert "endchildlabour2021.yaml" in run("validate").output
