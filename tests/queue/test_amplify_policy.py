"""The amplify policy file: every key read with its default, and every bad value refused with
the file, line and key (exit 2), never a traceback."""

from __future__ import annotations

import textwrap
from datetime import time, timedelta
from pathlib import Path

import pytest

from campaign.queue.amplify_policy import PolicyError, QuietHours, load_policy

EXAMPLE = Path(__file__).resolve().parents[2] / "schedules" / "examples" / "amplify-policy.yaml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_the_example_reads_and_the_defaults_are_the_campaigns(tmp_path: Path) -> None:
    example = load_policy(EXAMPLE)
    assert example.name == "secretariat-2021" and len(example.accounts) == 2
    assert example.accounts[1].max_per_day == 3 and example.accounts[0].max_per_day == 5
    policy = load_policy(write(tmp_path, "accounts: [x=@ILO_fr]\n"))
    assert policy.name == "policy" and policy.action == "repost" and policy.pledgers_only
    assert policy.statuses == ("submitted", "accepted", "fulfilled")
    assert not policy.allow_replies and not policy.allow_quotes
    assert policy.accounts[0].timezone == "Europe/Zurich"  # the built-in campaign's
    assert policy.hashtags[0] == "endchildlabour2021" and "endchildlabour" in policy.hashtags
    assert (policy.min_age, policy.max_age) == (timedelta(minutes=30), timedelta(days=3))
    assert len(policy.digest) == 64 and policy.label.startswith("policy sha256:")


def test_quiet_hours_across_midnight() -> None:
    night = QuietHours(time(22), time(7))
    assert night.contains(time(23, 59)) and night.contains(time(0, 0)) and night.contains(time(6, 59))
    assert not night.contains(time(7, 0)) and not night.contains(time(21, 59))
    lunch = QuietHours(time(12), time(14))
    assert lunch.contains(time(13)) and not lunch.contains(time(14))


BAD = [
    pytest.param("accounts: [x=@a]\nrepost_everything: true\n", 2, "repost_everything",
                 "is not a known key", id="unknown-key"),
    pytest.param("accounts:\n  - account: x=@a\n    colour: red\n", 3, "accounts[0].colour",
                 "is not a known key: use account, timezone", id="unknown-account-key"),
    pytest.param("accounts: [x=@a]\nblock:\n  people: [x:@b]\n", 3, "block.people",
                 "use handles, words, domains", id="unknown-block-key"),
    pytest.param("accounts: [x=@a]\nquiet_hours: 22h-7h\n", 2, "quiet_hours",
                 "is not a span of hours", id="bad-time"),
    pytest.param("accounts: [x=@a]\nquiet_hours: \"25:00-07:00\"\n", 2, "quiet_hours",
                 "HH:MM-HH:MM", id="hour-25"),
    pytest.param("accounts:\n  - account: x=@a\n    quiet_hours: 07:00-07:00\n", 3,
                 "accounts[0].quiet_hours", "same time", id="empty-span"),
    pytest.param("accounts: [x=@a]\ntimezone: Europe/Atlantis\n", 2, "timezone",
                 "is not an IANA timezone", id="bad-zone"),
    pytest.param("accounts:\n  - account: x=@a\n    timezone: Mars/Olympus\n", 3,
                 "accounts[0].timezone", "is not an IANA timezone", id="bad-account-zone"),
    pytest.param("accounts: [x=@a]\nmin_age: soon\n", 2, "min_age", "is not a duration",
                 id="bad-duration"),
    pytest.param("accounts: [x=@a]\nmax_age: 3\n", 2, "max_age", "is not a duration",
                 id="duration-without-unit"),
    pytest.param("accounts: [x=@a]\nmin_age: 2d\nmax_age: 1d\n", 3, "max_age",
                 "is not more than min_age", id="ages-crossed"),
    pytest.param("accounts: [x=@a]\nmax_age: 400d\n", 2, "max_age", "more than 366 days",
                 id="age-too-long"),
    pytest.param("accounts: []\n", 1, "accounts", "lists no account", id="no-account"),
    pytest.param("action: repost\n", 1, "accounts", "is missing", id="accounts-missing"),
    pytest.param("accounts: [ILO_fr]\n", 1, "accounts[0]", "is not NETWORK=HANDLE",
                 id="account-without-network"),
    pytest.param("accounts: [myspace=@tom]\n", 1, "accounts[0]", "x, bluesky or mastodon",
                 id="account-unknown-network"),
    pytest.param("accounts: [x=@a, x=@A]\n", 1, "accounts[1]", "is listed twice",
                 id="account-twice"),
    pytest.param("accounts: [x=@a]\naction: boost\n", 2, "action", "use repost or quote",
                 id="bad-action"),
    pytest.param("accounts: [x=@a]\naction: quote\n", 2, "action", "a quote needs its words",
                 id="quote-without-text"),
    pytest.param("accounts: [x=@a]\nquote_text: {en: hi}\n", 2, "quote_text",
                 "a repost has no words", id="repost-with-text"),
    pytest.param("accounts: [x=@a]\naction: quote\nquote_text:\n  en: " + "word " * 70 + "\n",
                 4, "quote_text.en", "more than one x post", id="quote-too-long"),
    pytest.param("accounts: [x=@a]\nwho: everyone\n", 2, "who", "pledgers, or a list",
                 id="bad-who"),
    pytest.param("accounts: [x=@a]\nwho: [TravailSN]\n", 2, "who[0]", "is not network:handle",
                 id="who-without-network"),
    pytest.param("accounts: [x=@a]\npledge_statuses: [accepted, withdrawn]\n", 2,
                 "pledge_statuses[1]", "a withdrawn pledger is never amplified",
                 id="withdrawn"),
    pytest.param("accounts: [x=@a]\nmax_per_day: -1\n", 2, "max_per_day", "greater than or equal",
                 id="negative-cap"),
    pytest.param("accounts: [x=@a]\nlanguages: [French]\n", 2, "languages[0]",
                 "is not a language code", id="bad-language"),
    pytest.param("accounts: [x=@a]\nhashtags: [\"#no space\"]\n", 2, "hashtags",
                 "is not a hashtag", id="bad-hashtag"),
    pytest.param("accounts: [x=@a]\nblock:\n  domains: [https://bit.ly/x]\n", 3,
                 "block.domains[0]", "is not a domain", id="bad-domain"),
    pytest.param("accounts: [x=@a]\nblock:\n  handles: [spam]\n", 3, "block.handles[0]",
                 "is not network:handle", id="bad-block-handle"),
    pytest.param("accounts: [x=@a]\naccess_token: abc\n", 2, "access_token",
                 "secrets never go in a policy", id="secret-key"),
    pytest.param("accounts: [x=@a]\naction: quote\nquote_text:\n  en: \"Bearer "
                 "AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid\"\n", 4, "quote_text.en",
                 "looks like a secret", id="secret-value"),
    pytest.param("- x=@a\n", 1, "", "a policy is a mapping", id="not-a-mapping"),
]


@pytest.mark.parametrize(("text", "line", "key", "needle"), BAD)
def test_a_bad_policy_names_file_line_and_key(tmp_path: Path, text: str, line: int, key: str,
                                              needle: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    error = caught.value
    assert error.exit_code == 2
    assert (error.line, error.key) == (line, key), error.message
    assert needle in error.message
    assert error.message.startswith(f"{path}, line {line}: " + (f"key {key}: " if key else ""))


def test_a_file_that_is_not_yaml_or_too_big_is_refused(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from campaign.errors import CampaignError

    with pytest.raises(CampaignError, match=r"policy.yaml:2: invalid YAML"):
        load_policy(write(tmp_path, "accounts: [x=@a]\n  bad: [\n"))
    monkeypatch.setenv("CAMPAIGN_MAX_FILE_BYTES", "10")
    with pytest.raises(CampaignError, match="over the limit of 10 bytes"):
        load_policy(write(tmp_path, "accounts: [x=@a]\n"))
