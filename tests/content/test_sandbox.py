"""Templates that cannot act: every known sandbox escape is a validation error, never a command run.

Templates travel with shared schedules, so each escape is tried the two ways one arrives: in the
schedule's own ``templates:`` folder and in a folder given with ``--templates``. Each must fail
``campaign validate`` with exit code 2, a message naming the template and its line, in under a
second and bounded memory, without running the command it tries (a marker file that ``touch``
would create stays absent) and without a secret from the environment reaching the output.
"""

from __future__ import annotations

import json
import re
import resource
import time
from collections.abc import Callable
from pathlib import Path

import jinja2
import pytest
from click.testing import CliRunner, Result

from campaign.cli import cli
from campaign.content.render import Renderer, clean_text
from campaign.content.schedule import Schedule, load_schedule
from campaign.exporters.markdown import link
from tests.conftest import MINIMAL

SECRET_VAR, SECRET = "CAMPAIGN_X_TEST_ACCESS_TOKEN", "sekrit-6f1c"
MARKER = "{marker}"  # replaced by the test's own marker path

# (id, template text, what the message says)
ESCAPES = [
    ("cycler-globals-popen",
     f"{{{{ cycler.__init__.__globals__.os.popen('touch {MARKER}').read() }}}}",
     "not allowed in a template: access to attribute '__init__'"),
    ("joiner-globals-environ",
     f"{{{{ joiner.__init__.__globals__.os.environ['{SECRET_VAR}'] }}}}",
     "not allowed in a template: access to attribute '__init__'"),
    ("namespace-globals-popen",
     f"{{{{ namespace.__init__.__globals__.os.popen('touch {MARKER}').read() }}}}",
     "not allowed in a template: access to attribute '__init__'"),
    ("lipsum-globals", f"{{{{ lipsum.__globals__['os'].popen('touch {MARKER}') }}}}",
     "'lipsum' is undefined"),
    ("class-mro-subclasses", "{{ ''.__class__.__mro__[1].__subclasses__() }}",
     "not allowed in a template: access to attribute '__class__' of 'str'"),
    ("template-reference-context", "{{ self._TemplateReference__context }}",
     "not allowed in a template: access to attribute '_TemplateReference__context'"),
    ("format-attribute", "{{ '{0.__class__}'.format(campaign) }}",
     "not allowed in a template: access to attribute '__class__'"),
    ("format-map-globals",
     f"{{{{ '{{x.__init__.__globals__[os].environ[{SECRET_VAR}]}}'.format_map({{'x': cycler}}) }}}}",
     "not allowed in a template: access to attribute '__init__'"),
    ("campaign-class", "{{ campaign.__class__.__init__.__globals__ }}",
     "not allowed in a template: access to attribute '__class__' of 'Campaign'"),
    ("pydantic-parse-file", "{{ campaign.parse_file('/etc/passwd') }}",
     "not allowed in a template: access to attribute 'parse_file' of 'Campaign'"),
    ("pydantic-model-fields", "{{ entry.model_fields['image'].annotation }}",
     "not allowed in a template: access to attribute 'model_fields' of 'Entry'"),
    ("zoneinfo-from-file", "{{ due.tzinfo.from_file }}",
     "not allowed in a template: access to attribute 'from_file' of 'ZoneInfo'"),
    ("profile-class", "{{ profile.__class__ }}",
     "not allowed in a template: access to attribute '__class__' of 'NetworkProfile'"),
    ("config", "{{ config.items() }}", "'config' is undefined"),
    ("request", "{{ request.environ }}", "'request' is undefined"),
    ("huge-string", "{{ 'x' * 10**9 }}", "more than 100,000 items"),
    ("huge-range", "{% for i in range(10**9) %}x{% endfor %}", "range() of more than 100,000"),
    ("nested-loops", "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}"
     "{% endfor %}", "too many loop steps and calls"),
    ("exponential-macro", "{% macro f(n) %}{% if n %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}"
     "{% endmacro %}{{ f(60) }}", "too many loop steps and calls"),
    ("text-in-a-loop", "{% set s %}{% for i in range(100000) %}{{ 'x' * 100000 }}{% endfor %}"
     "{% endset %}", "produced too much text"),
    ("shared-list", "{% set a = [0] * 100000 %}{{ [a] * 100000 }}", "more than 100,000 items"),
    ("shared-literals", "{% set a = [0] * 50000 %}{% set b = [a, a, a, a, a, a, a, a, a, a] %}"
     "{% set c = [b, b, b, b, b, b, b, b, b, b] %}{{ c == c|list }}",
     "holds more than 1,000,000 items and characters"),
    ("percent-width", "{{ '%1000000000d' % 1 }}", "a % width larger than 100,000"),
    ("format-width", "{{ '{:>{}}'.format(1, 10**9) }}", "format width taken from an argument"),
    ("center-width", "{{ 'x'|center(1000000000) }}", "a center width larger than 100,000"),
    ("replace-growth", "{{ ('x' * 100000).replace('x', 'x' * 100000) }}",
     "replace() would build a text too long"),
    ("big-number", "{% set a = 10**60 %}{{ a * a * a * a * a * a * a * a * a * a * a * a * a * a * "
     "a * a * a * a * a * a * a * a * a }}", "larger than 4096 bits"),
    ("format-many-fields", "{{ ('{0}' * 33000).format('x' * 100000) }}",
     "format() would build a text too long"),
    ("format-filter-many-fields", "{{ ('%(a)s' * 20000)|format(a='x' * 100000) }}",
     "format would build a text too long"),
    ("percent-many-fields", "{{ ('%(a)s' * 20000) % {'a': 'x' * 100000} }}",
     "% would build a text too long"),
    ("deep-nesting", "{{ " + "(" * 200 + "1" + ")" * 200 + " }}", "nested or chained too deeply"),
    ("long-method-chain", "{{ title" + ".upper()" * 120 + " }}", "nested or chained too deeply"),
    ("long-sum-chain", "{{ 1" + " + 1" * 200 + " }}", "nested or chained too deeply"),
    ("long-filter-chain", "{{ title" + "|string" * 400 + " }}", "nested or chained too deeply"),
    ("format-an-object-many-times", "{{ ('{0}' * 5000).format(campaign) }}",
     "format() would build a text too long"),
    ("include-backslash-name", "{% include 'en/a\\\\b.j2' %}", "template name 'en/a\\b.j2' is not allowed"),
    ("include-parent", "{% include '../../secret.j2' %}", "is not allowed"),
    ("int-to-bytes", "{{ (1).to_bytes(1000000000, 'big') }}",
     "not allowed in a template: access to attribute 'to_bytes' of 'int'"),
]


def _invoke(args: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[Result, float, int]:
    """Run the CLI with a secret in the environment; return result, seconds, extra memory (KB)."""
    monkeypatch.setenv(SECRET_VAR, SECRET)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    elapsed = time.perf_counter() - start
    return result, elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before


def _assert_refused(result: Result, elapsed: float, grown_kb: int, marker: Path, template: str,
                    expected: str) -> None:
    output = result.output
    assert result.exit_code == 2, output
    assert "✗" in output and "✓" not in output
    assert f"template '{template}' line 1" in output
    assert expected in output
    assert not marker.exists(), "the template ran a command"
    assert SECRET not in output
    assert "Traceback" not in output
    assert elapsed < 5.0, f"took {elapsed:.2f} s"  # a bound, not a benchmark: the machine may be busy
    assert grown_kb < 100_000, f"grew by {grown_kb / 1024:.0f} MB"


@pytest.mark.parametrize(("body", "expected"), [e[1:] for e in ESCAPES],
                         ids=[e[0] for e in ESCAPES])
def test_escape_in_the_schedules_own_templates_folder_is_refused(
        tiny: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        body: str, expected: str) -> None:
    marker = tmp_path / "PWNED"
    path = tiny(templates={"en": body.replace(MARKER, str(marker)), "fr": "Bonjour"})
    result, elapsed, grown = _invoke(["validate", str(path)], monkeypatch)
    _assert_refused(result, elapsed, grown, marker, "en/hello.j2", expected)


@pytest.mark.parametrize(("body", "expected"), [e[1:] for e in ESCAPES],
                         ids=[e[0] for e in ESCAPES])
def test_escape_in_a_templates_option_folder_is_refused(
        tiny: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        body: str, expected: str) -> None:
    marker = tmp_path / "PWNED"
    path = tiny()
    mine = tmp_path / "mine" / "fr"
    mine.mkdir(parents=True)
    (mine / "hello.j2").write_text(body.replace(MARKER, str(marker)), encoding="utf-8")
    result, elapsed, grown = _invoke(["validate", str(path), "--templates", str(mine.parent)],
                                     monkeypatch)
    _assert_refused(result, elapsed, grown, marker, "fr/hello.j2", expected)


def test_the_escape_is_real_outside_the_sandbox(tmp_path: Path) -> None:
    """The payload the tests above refuse does run a command in plain Jinja: they test something."""
    marker = tmp_path / "PWNED"
    body = ESCAPES[0][1].replace(MARKER, str(marker))
    jinja2.Environment().from_string(body).render()
    assert marker.exists()


def test_refusal_names_the_line(tiny: Callable[..., Path], tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = tiny(templates={"en": "Hello\n\n{{ cycler.__init__.__globals__.os }}", "fr": "Salut"})
    result, _, _ = _invoke(["validate", str(path)], monkeypatch)
    assert result.exit_code == 2
    assert "template 'en/hello.j2' line 3 (entry 'hello'): not allowed in a template" \
        in result.output


def test_render_and_export_refuse_too(tiny: Callable[..., Path], tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    marker = tmp_path / "PWNED"
    path = tiny(templates={"en": f"{{{{ cycler.__init__.__globals__.os.popen('touch {marker}') }}}}",
                           "fr": "Salut"})
    out = tmp_path / "posts.json"
    for args in (["render", "-s", str(path)],
                 ["export", "-s", str(path), "-f", "json", "-o", str(out)]):
        result, _, _ = _invoke(args, monkeypatch)
        assert result.exit_code == 2, result.output
        assert result.output.startswith("Error: template 'en/hello.j2' line 1")
    assert not marker.exists() and not out.exists()


def test_a_link_out_of_the_templates_folder_is_refused(tiny: Callable[..., Path],
                                                      tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    private = tmp_path / "private.txt"
    private.write_text(f"my token {SECRET}", encoding="utf-8")
    path = tiny()
    (tmp_path / "tpl" / "en" / "hello.j2").unlink()
    (tmp_path / "tpl" / "en" / "hello.j2").symlink_to(private)
    result, _, _ = _invoke(["validate", str(path)], monkeypatch)
    assert result.exit_code == 2
    assert "template 'en/hello.j2'" in result.output and "outside its folder" in result.output
    assert SECRET not in result.output


def test_a_backslash_name_cannot_reach_a_link_out_of_the_folder(
        tiny: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On Linux 'a\\b' is one file name: a link of that name must not pass for a deeper file."""
    path = tiny(templates={"en": "{% include 'en/a\\\\b\\\\c\\\\d\\\\e\\\\f.j2' %}",
                           "fr": "Salut"})
    (tmp_path / "tpl" / "en" / "a\\b\\c\\d\\e\\f.j2").symlink_to("/proc/self/environ")
    monkeypatch.chdir("/")
    result, _, _ = _invoke(["validate", str(path)], monkeypatch)
    assert result.exit_code == 2, result.output
    assert "is not allowed" in result.output and SECRET not in result.output


@pytest.mark.parametrize("kind", ["huge-link", "huge-file", "fifo"])
def test_a_template_file_is_checked_before_it_is_read(
        tiny: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        kind: str) -> None:
    import os

    path = tiny()
    target = tmp_path / "tpl" / "en" / "hello.j2"
    target.unlink()
    if kind == "fifo":
        os.mkfifo(target)
    else:
        big = (tmp_path / "big") if kind == "huge-link" else target
        with open(big, "wb") as handle:
            handle.truncate(2 * 1024**3)  # sparse: 2 GB that would be read whole
        if kind == "huge-link":
            target.symlink_to(big)
    result, elapsed, grown = _invoke(["validate", str(path)], monkeypatch)
    assert result.exit_code == 2, result.output
    assert {"huge-link": "outside its folder", "huge-file": "larger than 1,000,000 bytes",
            "fifo": "not a regular file"}[kind] in result.output
    assert elapsed < 1.0 and grown < 100_000


def test_templates_share_one_time_budget_per_command(tiny: Callable[..., Path],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from campaign.content import sandbox as templating

    monkeypatch.setattr(templating, "MAX_TOTAL_SECONDS", 0.0)
    path = tiny()
    result, _, _ = _invoke(["validate", str(path)], monkeypatch)
    assert result.exit_code == 2, result.output
    assert "the templates took more than" in result.output


# -- what templates may still do -------------------------------------------------------------
def test_builtin_posts_render_as_in_plain_jinja(schedule: Schedule) -> None:
    """The sandbox changes nothing for the built-in templates: every post is the same text."""
    renderer = Renderer(schedule)
    plain = jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(d)) for d in renderer.search_path]),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    count = 0
    for occ, audience, lang, network in renderer.combinations(schedule.occurrences):
        post = renderer.render(occ, audience, lang, network)
        context = renderer.context(occ, audience, lang, network)
        expected = plain.get_template(renderer.template_name(occ.entry.template, lang))
        assert post.text == clean_text(expected.render(context)), post.key
        count += 1
    assert count == 1890  # 57 entries x 3 languages x 3 networks, by audience


def test_documented_variables_and_harmless_methods_work(tiny: Callable[..., Path]) -> None:
    body = ("{{ campaign.hashtag }} {{ campaign.site_domain }} {{ campaign.year }} "
            "{{ title|upper }} {{ entry.id }} {{ audience.kind }} {{ audience_name }} "
            "{{ profile.name or 'nobody' }} {{ network }} {{ lang }} {{ due.year }} "
            "{{ due.strftime('%d/%m') }} {{ {'a': 'b'}.get('a') }} {{ 'x,y'.split(',')|join('+') }} "
            "{% set ns = namespace(n=0) %}{% for i in range(3) %}{% set ns.n = ns.n + i %}"
            "{% endfor %}{{ ns.n }} {{ '{:>3}'.format(7) }} {{ '%02d' % 5 }}")
    schedule = load_schedule(tiny(templates={"en": body, "fr": "Salut"}))
    occ = schedule.occurrence_by_id["hello"]
    text = Renderer(schedule).render(occ, "person", "en", "mastodon").text
    assert text == ("#Tiny2030 tiny.example.org 2030 HELLO hello individual Person nobody "
                    "mastodon en 2030 01/03 b x+y 3   7 05")


# -- an empty post ---------------------------------------------------------------------------
@pytest.mark.parametrize("body", ["", "   \n\t\n", "{{ '' }}\n  {% if false %}x{% endif %}  ",
                                  "\u200b\u00a0\ufeff\u2060 \u200d"],
                         ids=["empty", "whitespace", "renders-nothing", "invisible"])
def test_an_empty_post_is_a_validation_error(tiny: Callable[..., Path], run: Callable[..., Result],
                                             body: str) -> None:
    path = tiny(templates={"en": body, "fr": "Bonjour"})
    result = run("validate", path)
    assert result.exit_code == 2
    assert "✗" in result.output and "✓" not in result.output
    assert ("entry 'hello' (en, x, audience 'person') renders to an empty post: template "
            "'en/hello.j2' writes only whitespace or invisible characters") in result.output
    result = run("render", "-s", path)
    assert result.exit_code == 2
    assert result.output.startswith("Error: entry 'hello' (en, x, audience 'person') renders to "
                                    "an empty post")


def test_an_empty_post_is_never_planned(tiny: Callable[..., Path], tmp_path: Path,
                                        run: Callable[..., Result]) -> None:
    path = tiny(templates={"en": "  \n", "fr": "Bonjour"})
    db = f"sqlite:///{tmp_path / 'queue.db'}"
    assert run("db", "upgrade", "--db", db).exit_code == 0
    assert run("accounts", "add", "x", "demo_x", "--db", db).exit_code == 0
    result = run("queue", "plan", "-s", path, "--account", "x", "--db", db)
    assert result.exit_code == 2
    assert "renders to an empty post" in result.output
    status = run("db", "status", "--db", db, "--json")
    assert json.loads(status.output)["counts"] == {}


# -- values from users, escaped for where they land ------------------------------------------
HOSTILE = "[bold red]x[/] \x1b[31m red <script>alert(1)</script> *em* [link](javascript:alert(1))"


def _hostile_schedule(tiny: Callable[..., Path], extra: str = "") -> Path:
    # an escape sequence written as a YAML escape is refused by the loader (test_bounded_input):
    # what is left of the hostile text must still land inert
    yaml_title = HOSTILE.replace("\x1b", "")
    text = MINIMAL.replace("title: {en: Hello, fr: Bonjour}",
                           f'title: {{en: "{yaml_title}", fr: Bonjour}}' + extra)
    text = text.replace("name: {en: Tiny campaign,", f'name: {{en: "Tiny {yaml_title}",')
    return tiny(text)


def test_markdown_export_shows_user_values_inert(tiny: Callable[..., Path], tmp_path: Path,
                                                 run: Callable[..., Result]) -> None:
    path = _hostile_schedule(tiny)
    out = tmp_path / "c.md"
    result = run("export", "-s", path, "-f", "markdown", "-o", out)
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "\x1b" not in text
    assert "<script>" not in text and "\\<script\\>" in text
    assert "*em*" not in text and "\\*em\\*" in text
    assert "[bold red]" not in text and "\\[bold red\\]x\\[/\\]" in text
    assert not re.search(r"(?<!\\)\]\(javascript:", text)
    assert "\\[link\\](javascript:alert(1))" in text
    assert text.startswith("# #Tiny2030 — Tiny \\[bold red\\]")
    assert "[https://tiny.example.org](https://tiny.example.org)" in text


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<b>x</b>",
                                 "java\nscript:alert(1)", "vbscript:x"])
def test_markdown_links_only_for_web_addresses(url: str) -> None:
    assert "](" not in link("site", url)
    assert link("a [b]", "https://x.example/a(b)") == "[a \\[b\\]](https://x.example/a%28b%29)"


def test_validate_prints_user_text_without_escape_sequences(tiny: Callable[..., Path],
                                                           run: Callable[..., Result]) -> None:
    escaped = _hostile_schedule(tiny, extra='\n    "bad \\e[2J\\e]52;c;SGk=\\a": 1')
    result = run("validate", escaped)
    assert result.exit_code == 2 and "the escape for control character U+001B" in result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    path = _hostile_schedule(tiny, extra='\n    "bad [red]key[/]": 1')
    result = run("validate", path)
    assert result.exit_code == 2
    assert "[red]key[/]" in result.output  # printed literally, never as markup
    result = run("render", "-s", path)
    assert result.exit_code == 2
    assert result.output.startswith("Error: ")
    assert "\x1b" not in result.output and "[red]key[/]" in result.output



@pytest.mark.parametrize("command", ["render", "validate"])
def test_error_messages_print_escape_sequences_inert(run: Callable[..., Result], tmp_path: Path,
                                                     command: str) -> None:
    missing = tmp_path / "\x1b[2J\x1b]52;c;SGk=\x07[red]s[/]\x9b31m.yaml"
    result = run(command, "-s", missing)
    assert result.exit_code == 2
    assert "/[red]s[/].yaml: file not found" in result.output  # markup literal, CSI gone
    assert not any(c in result.output for c in "\x1b\x07\x9b")
