"""Property test of the schedule loader: whatever the file holds, a clear CampaignError or a
valid schedule, never another exception and never a hang."""

from __future__ import annotations

import copy
import json
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaign.content.schedule import Schedule, load_schedule
from campaign.errors import CampaignError, ScheduleProblems
from tests.conftest import MINIMAL

# derandomized: the same examples on every run, so CI never fails on a new draw by chance
CHECK = settings(max_examples=120, deadline=timedelta(seconds=2), derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow], database=None)
FOLDER = Path(tempfile.mkdtemp(prefix="campaign-property-"))
(FOLDER / "tpl").mkdir()
BASE: dict[str, Any] = yaml.safe_load(MINIMAL)

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-10**40, max_value=10**40),
    st.floats(allow_nan=True), st.text(max_size=30),
    st.sampled_from(["2030-03-01", "2030-02-30", "9999-12-31", "10:00", "25:61", "#Tag", "x",
                     "Europe/Paris", "Mars/Olympus", "en", "fr", "hello", "later", "person",
                     "agir", "observance", "bluesky", "../x.png", "/etc/passwd", ""]),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5),
                            st.dictionaries(st.one_of(st.text(max_size=12), st.integers()),
                                            inner, max_size=5)),
    max_leaves=30,
)
KEYS = ["schema", "templates", "campaign", "audiences", "groups", "entries", "id", "name", "year",
        "hashtag", "hashtags", "site", "contact", "languages", "timezone", "time", "day", "month",
        "date", "relative_to", "offset_days", "networks", "mastodon_characters", "title",
        "image", "file", "alt", "kind", "part", "thread", "day_bound", "card", "template", "en"]


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Fail an example that runs for ``seconds`` instead of hanging the suite."""

    def stop(_signum: int, _frame: object) -> None:
        raise TimeoutError(f"the loader ran for more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def load(content: bytes) -> Schedule | None:
    """Load ``content`` as a schedule: the schedule, or None after a clear CampaignError."""
    path = FOLDER / "schedule.yaml"
    path.write_bytes(content)
    with time_limit(10):
        try:
            schedule = load_schedule(path)
        except CampaignError as exc:
            assert exc.exit_code == 2
            assert exc.message.strip() and "Traceback" not in exc.message
            if isinstance(exc, ScheduleProblems):
                assert exc.problems and all(isinstance(p, CampaignError) for p in exc.problems)
            return None
    assert schedule.occurrences and len(schedule.occurrences) == len(schedule.entries)
    # what loads must be printable and writable: every text encodes, every key is one line
    data = [schedule.campaign.model_dump(), [a.model_dump() for a in schedule.audiences],
            schedule.groups, [e.model_dump() for e in schedule.entries]]
    for text in _texts(data):
        text.encode("utf-8")
    for key in _keys(data):
        assert "\n" not in key and "\r" not in key, key
    return schedule


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(key)
            yield from _texts(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _texts(item)


def _keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _keys(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _keys(item)


def _mutate(data: Any, path: list[int], value: Any, action: int) -> Any:
    """``data`` with the node chosen by ``path`` replaced, removed or given a new key."""
    data = copy.deepcopy(data)
    node, parent, key = data, None, None
    for step in path:
        if isinstance(node, dict) and node:
            parent, key = node, list(node)[step % len(node)]
        elif isinstance(node, list) and node:
            parent, key = node, step % len(node)
        else:
            break
        node = parent[key]
    if parent is None:
        return value
    if action == 0:
        parent[key] = value
    elif action == 1:
        del parent[key]
    elif isinstance(node, dict):
        node[KEYS[len(path) % len(KEYS)]] = value
    elif isinstance(node, list):
        node.append(value)
    else:
        parent[key] = value
    return data


def test_the_minimal_schedule_loads() -> None:
    assert load(MINIMAL.encode()) is not None


@CHECK
@given(st.binary(max_size=3000))
def test_random_bytes(content: bytes) -> None:
    load(content)


@CHECK
@given(documents)
def test_random_yaml_documents(document: Any) -> None:
    load(yaml.safe_dump(document, allow_unicode=True).encode())


@CHECK
@given(st.lists(st.integers(min_value=0, max_value=50), max_size=5),
       st.one_of(documents, st.sampled_from(KEYS)), st.integers(min_value=0, max_value=2))
def test_mutations_of_the_minimal_schedule(path: list[int], value: Any, action: int) -> None:
    load(yaml.safe_dump(_mutate(BASE, path, value, action), allow_unicode=True).encode())


@CHECK
@given(st.lists(st.integers(min_value=0, max_value=50), max_size=5),
       st.text(st.characters(codec=None, exclude_categories=()), max_size=12),
       st.integers(min_value=0, max_value=2))
def test_mutations_with_any_code_point_written_as_escapes(path: list[int], value: str,
                                                          action: int) -> None:
    # not allow_unicode: every non-ASCII character, surrogates included, is a \u escape
    mutated = _mutate(BASE, path, {value: value} if action == 2 else value, action)
    load(yaml.safe_dump(mutated, allow_unicode=False).encode())


@CHECK
@given(st.text(st.characters(codec=None, exclude_categories=()), max_size=12))
def test_any_text_written_as_escapes_in_a_title_and_a_key(value: str) -> None:
    escaped = json.dumps(value)  # ASCII, every other character a \u escape as YAML reads them
    load(MINIMAL.replace("{en: Hello, fr: Bonjour}",
                         f"{{en: {escaped}, fr: Bonjour}}").encode())
    load(MINIMAL.replace("{en: Hello, fr: Bonjour}",
                         f"{{en: Hello, fr: Bonjour, {escaped}: x}}").encode())


@CHECK
@given(st.integers(min_value=0, max_value=len(MINIMAL)), st.integers(min_value=0, max_value=20),
       st.text(max_size=12))
def test_text_edits_of_the_minimal_schedule(at: int, cut: int, insert: str) -> None:
    load((MINIMAL[:at] + insert + MINIMAL[at + cut:]).encode("utf-8", "surrogatepass"))


@pytest.mark.parametrize("text", [
    "*a", "&a [*a]", "a: &a [*a, *a]", "- !!binary AAAA", "!!set {a, b}", "? - a\n: b",
    "=: x", "a: !!float nan", "<<: {a: 1}", "%YAML 1.1\n---\na: 1", "---\n...\n---\n", "'",
    "a: " + "- " * 200 + "x", "schema: 1\ncampaign: {year: 1e400}",
    'a: "\\ud800"', '"\\ud800": 1', '"a\\nb": 1', "[" + "x, " * 30000 + "]",
], ids=[
    "alias-without-anchor", "self-referencing-anchor", "repeated-alias", "binary-tag", "set-tag",
    "list-as-key", "equals-sign-key", "float-nan", "merge-key", "yaml-directive", "empty-documents",
    "lone-quote", "200-nested-lists", "overflowing-year", "lone-surrogate-value", "lone-surrogate-key",
    "multi-line-key", "30000-item-list",
])
def test_edge_cases(text: str) -> None:
    load(text.encode())
