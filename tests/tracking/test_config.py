"""The sources file of `campaign track run`: read as untrusted, checked, every problem one
sentence with its file, line and key; secrets only by reference."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from campaign.errors import CampaignError
from campaign.tracking.config import (
    SourcesError,
    SpecProblem,
    load_sources,
    make_spec,
    parse_every,
    schedule_tags,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "schedules" / "examples" / "tracking.yaml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tracking.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_file_is_valid_and_reads_public_endpoints() -> None:
    config = load_sources(EXAMPLE)
    assert config.tags == ("endchildlabour2021", "endchildlabour")
    assert [s.source_name for s in config.specs] == [
        "mastodon-tags:https://mastodon.social", "mastodon-tags:https://mastodon.online",
        "bluesky-jetstream:wss://jetstream2.us-east.bsky.network/subscribe"]
    assert all(s.secrets is None and s.every for s in config.specs)


def test_hashtags_default_to_the_schedules(tmp_path: Path) -> None:
    path = write(tmp_path, "sources:\n  - kind: mastodon-tags\n    base_url: https://a.example/\n")
    (spec,) = load_sources(path).specs
    assert spec.tags == schedule_tags() == ("endchildlabour2021", "endchildlabour", "labourday",
                                            "literacyday", "childrensday")
    assert spec.base_url == "https://a.example" and spec.every == timedelta(minutes=15)


def test_a_source_reads_its_values_and_credentials_by_reference(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACK_X_BEARER_TOKEN", "sekret-bearer-value")
    path = write(tmp_path, """\
hashtags: ["#EndChildLabour2021", "#ＥｎｄＣｈｉｌｄＬａｂｏｕｒ2021", "LabourDay"]
sources:
  - kind: x-search
    credentials: env:TRACK_X
    every: 1h
    max_posts: 500
    since: 2021-06-01
    options: {query: "#EndChildLabour2021 lang:fr"}
""")
    (spec,) = load_sources(path).specs
    assert spec.tags == ("endchildlabour2021", "labourday")
    assert spec.base_url == "https://api.x.com" and spec.secrets is not None
    assert dict(spec.secrets) == {"bearer_token": "sekret-bearer-value"}
    assert spec.since == datetime(2021, 6, 1, tzinfo=UTC)
    assert (spec.every, spec.max_posts, spec.options) == (
        timedelta(hours=1), 500, {"query": "#EndChildLabour2021 lang:fr"})


BAD = [
    pytest.param("sources:\n  - kind: mastodon-tags\n    base_url: https://a.example\n"
                 "    evry: 15m\n", 4, "sources[0].evry", "not a known key", id="unknown-key"),
    pytest.param("sources:\n  - kind: mastodon-tags\n    base_url: https://a.example\n"
                 "    every: often\n", 4, "every", "not an interval", id="bad-interval"),
    pytest.param("sources:\n  - kind: mastodon-tags\n    base_url: https://a.example\n"
                 "    every: 1s\n", 4, "every", "outside 10s to 7d", id="interval-too-short"),
    pytest.param("sources:\n  - kind: mastodon-tags\n    base_url: ftp://a.example\n",
                 3, "base_url", "not a http/https address", id="bad-url"),
    pytest.param("sources:\n  - kind: bluesky-jetstream\n    base_url: ftp://j.example\n",
                 3, "base_url", "not a wss/ws/https/http address", id="stream-needs-ws"),
    pytest.param("sources:\n  - kind: x-search\n    max_posts: 10\n", 2, "credentials",
                 "needs credentials", id="x-needs-credentials"),
    pytest.param("sources:\n  - kind: mastodon-tags\n    instances:\n      - https://a.example\n"
                 "      - https://u:p@b.example\n", 5, "instances[1]", "user or password",
                 id="password-in-url"),
    pytest.param("sources:\n  - kind: mastodon-tags\n    base_url: https://a.example\n"
                 "    access_token: abc\n", 4, "sources[0].access_token", "secrets never go",
                 id="token-in-file"),
    pytest.param("sources:\n  - kind: bluesky-search\n    options:\n      password: x\n",
                 4, "sources[0].options.password", "secrets never go", id="password-in-options"),
    pytest.param("sources:\n  - kind: telegram\n", 2, "kind", "not a kind of source",
                 id="unknown-kind"),
    pytest.param("sources:\n  - base_url: https://a.example\n", 2, "sources[0].kind",
                 "is missing", id="missing-kind"),
    pytest.param("sources: []\n", 1, "sources", "lists no source", id="no-source"),
    pytest.param("sources:\n  - kind: mastodon-tags\n", 2, "base_url",
                 "needs the instance's address", id="instance-needed"),
    pytest.param("hashtags: ['#']\nsources:\n  - kind: mastodon-tags\n", 1, "hashtags",
                 "not a hashtag", id="bad-hashtag"),
    pytest.param("sources:\n  - kind: bluesky-jetstream\n    since: June\n", 3, "since",
                 "not a day or moment", id="bad-since"),
    pytest.param("sources:\n  - kind: x-search\n    credentials: env:NOT_SET_ANYWHERE\n", 3,
                 "credentials", "NOT_SET_ANYWHERE_BEARER_TOKEN", id="credentials-missing"),
    pytest.param("sources:\n  - kind: bluesky-firehose\n    credentials: env:X\n", 3,
                 "credentials", "public stream", id="stream-takes-no-credentials"),
    pytest.param("sources:\n  - kind: mastodon-tags\n    base_url: https://a.example\n"
                 "  - kind: mastodon-tags\n    base_url: https://a.example/\n", 4, "base_url",
                 "listed twice (also line 2)", id="listed-twice"),
    pytest.param("- kind: x-search\n", 1, "", "a sources file is a mapping", id="not-a-mapping"),
    pytest.param("sources:\n  - kind: mastodon-tags\n    base_url: https://a.example/"
                 + "p" * 200 + "\n", 3, "base_url", "may have at most 200",
                 id="address-too-long-for-a-name"),
    pytest.param("sources:\n  - kind: mastodon-tags\n    base_url: https://a.example\n"
                 "    name: " + "n" * 201 + "\n", 4, "name", "shorten it", id="name-too-long"),
    pytest.param("sources:\n  - kind: bluesky-search\n    handle: a.bsky.social\n", 2,
                 "credentials", "needs a signed-in account", id="search-needs-credentials"),
    pytest.param("sources:\n  - kind: bluesky-jetstream\n    options:\n      from_strat: true\n",
                 4, "options.from_strat", "has no option 'from_strat': use from_start",
                 id="misspelt-option"),
    pytest.param("sources:\n  - kind: mastodon-tags\n    base_url: https://a.example\n"
                 "    options: {limit: 80}\n", 4, "options.limit", "remove it (it takes none)",
                 id="option-of-a-kind-without-options"),
    pytest.param("sources:\n  - kind: bluesky-jetstream\n    options:\n"
                 "      rewind_seconds: soon\n", 4, "options.rewind_seconds",
                 "'soon' is not a number from 0 to 3600", id="option-not-a-number"),
    pytest.param("sources:\n  - kind: bluesky-firehose\n    options:\n"
                 "      batch_events: [1]\n", 4, "options.batch_events", "not a whole number",
                 id="option-a-list"),
    pytest.param("sources:\n  - kind: bluesky-firehose\n    options:\n"
                 "      from_start: 'yes'\n", 4, "options.from_start", "not true or false",
                 id="flag-not-a-flag"),
    pytest.param("sources:\n  - kind: x-search\n    credentials: env:TRACK_X\n    options:\n"
                 "      price_per_read: free\n", 5, "options.price_per_read", "not a number",
                 id="price-not-a-number"),
]


@pytest.mark.parametrize(("text", "line", "key", "said"), BAD)
def test_a_bad_file_names_its_line_and_key(tmp_path: Path, text: str, line: int, key: str,
                                           said: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(SourcesError) as caught:
        load_sources(path)
    error = caught.value
    assert error.exit_code == 2
    assert (error.line, error.key) == (line, key), error.message
    assert said in error.message
    assert error.message.startswith(f"{path}, line {line}: ")
    assert "abc" not in error.message


def test_yaml_aliases_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "a: &x [1]\nsources: *x\n")
    with pytest.raises(CampaignError, match="aliases"):
        load_sources(path)


def test_make_spec_names_the_value_that_is_wrong() -> None:
    with pytest.raises(SpecProblem) as caught:
        make_spec("bluesky-search", None, ["x"], credentials="env:A")
    assert caught.value.key == "handle"
    with pytest.raises(SpecProblem, match="between 1 and"):
        make_spec("bluesky-jetstream", None, ["x"], max_posts=0)


@pytest.mark.parametrize(("text", "seconds"), [
    pytest.param("15m", 900, id="minutes"), pytest.param("1h", 3600, id="hours"),
    pytest.param("90s", 90, id="seconds"), pytest.param(600, 600, id="bare-number"),
    pytest.param("1d", 86400, id="day"),
])
def test_intervals(text: str | int, seconds: int) -> None:
    assert parse_every(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("tag", [
    pytest.param("#बालश्रम", id="devanagari-with-virama"),
    pytest.param("#শিশুশ্রম", id="bengali"),
    pytest.param("#แรงงานเด็ก", id="thai-with-marks"),
    pytest.param("#TrabajoInfantil", id="latin"),
])
def test_hashtags_in_every_script_are_accepted(tmp_path: Path, tag: str) -> None:
    path = write(tmp_path, f'hashtags: ["{tag}"]\nsources:\n  - kind: mastodon-tags\n'
                 "    base_url: https://a.example/\n")
    assert load_sources(path).tags == (tag[1:].casefold(),)
