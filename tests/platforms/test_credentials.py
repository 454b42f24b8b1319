"""Credentials: references in the database, secrets only in the environment or a private file."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from campaign.platforms.credentials import (
    CredentialsError,
    RedactingFilter,
    check_ref,
    default_ref,
    load,
    redact,
)

SECRET = "s3cr3t-Known-Value-7f1c"


def test_an_env_reference_reads_prefixed_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ILO_ACCESS_TOKEN", SECRET)
    secrets = load("mastodon", "env:ILO")
    assert secrets["access_token"] == SECRET
    assert SECRET not in repr(secrets) and SECRET not in str(secrets)


def test_x_takes_oauth1_or_an_oauth2_user_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XA_OAUTH2_TOKEN", SECRET)
    assert set(load("x", "env:XA")) == {"oauth2_token"}
    for name in ("CONSUMER_KEY", "CONSUMER_SECRET", "ACCESS_TOKEN", "ACCESS_TOKEN_SECRET"):
        monkeypatch.setenv(f"XB_{name}", f"{name}-{SECRET}")
    assert set(load("x", "env:XB")) == {"consumer_key", "consumer_secret", "access_token",
                                        "access_token_secret"}


def test_a_final_newline_is_dropped_and_inner_spaces_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NL_ACCESS_TOKEN", f"{SECRET}\n")  # a secret mounted from a file
    assert load("mastodon", "env:NL")["access_token"] == SECRET
    monkeypatch.setenv("SP_ACCESS_TOKEN", f"{SECRET[:5]} {SECRET[5:]}")
    with pytest.raises(CredentialsError, match="SP_ACCESS_TOKEN contains spaces") as caught:
        load("mastodon", "env:SP")
    assert SECRET[5:] not in caught.value.message


def test_a_secret_quoted_escaped_by_a_library_is_masked_too(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESC_APP_PASSWORD", "pass\\word-1234")
    load("bluesky", "env:ESC")
    assert redact("header value 'Bearer pass\\\\word-1234' is invalid") == \
        "header value 'Bearer ***' is invalid"


def test_missing_variables_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOPE_APP_PASSWORD", raising=False)
    with pytest.raises(CredentialsError, match="set NOPE_APP_PASSWORD"):
        load("bluesky", "env:NOPE")
    with pytest.raises(CredentialsError, match="NOPE_CONSUMER_KEY, NOPE_CONSUMER_SECRET, "
                       "NOPE_ACCESS_TOKEN, NOPE_ACCESS_TOKEN_SECRET or NOPE_OAUTH2_TOKEN"):
        load("x", "env:NOPE")


def _file(tmp_path: Path, mode: int, body: str = f'[ilo]\naccess_token = "{SECRET}"\n') -> Path:
    path = tmp_path / "secrets.toml"
    path.write_text(body, encoding="utf-8")
    path.chmod(mode)
    return path


def test_a_private_file_is_read(tmp_path: Path) -> None:
    path = _file(tmp_path, 0o600)
    assert load("mastodon", f"file:{path}#ilo")["access_token"] == SECRET


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604], ids=oct)
def test_a_file_others_can_read_is_refused_saying_why(tmp_path: Path, mode: int) -> None:
    path = _file(tmp_path, mode)
    with pytest.raises(CredentialsError) as caught:
        load("mastodon", f"file:{path}#ilo")
    assert f"can be read by other users (mode {mode:04o})" in caught.value.message
    assert f"chmod 600 {path}" in caught.value.message


@pytest.mark.parametrize(("body", "needle"), [
    ('[other]\naccess_token = "x"\n', "has no table [ilo]"),
    ('[ilo\naccess_token = "x"\n', "is not valid TOML"),
    ('[ilo]\nuser = "x"\n', "'access_token' in [ilo]"),
], ids=["other-table", "not-toml", "missing-field"])
def test_a_bad_file_says_what_is_wrong(tmp_path: Path, body: str, needle: str) -> None:
    path = _file(tmp_path, 0o600, body)
    with pytest.raises(CredentialsError, match=None) as caught:
        load("mastodon", f"file:{path}#ilo")
    assert needle in caught.value.message


def test_references_are_checked_and_defaulted() -> None:
    assert default_ref("bluesky", "@ilo.bsky.social") == "env:CAMPAIGN_BLUESKY_ILO_BSKY_SOCIAL"
    with pytest.raises(CredentialsError, match="env:PREFIX"):
        check_ref("vault:secret/x")
    with pytest.raises(CredentialsError, match="file:PATH#SECTION"):
        check_ref("file:/tmp/x.toml")


def test_secrets_read_are_masked_in_text_and_logs(monkeypatch: pytest.MonkeyPatch,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("RED_ACCESS_TOKEN", SECRET)
    load("mastodon", "env:RED")
    assert redact(f"401 for token {SECRET}") == "401 for token ***"
    logger = logging.getLogger("test.redact")
    caplog.handler.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO, logger="test.redact"):
        logger.info("sent Authorization: Bearer %s", SECRET)
    assert SECRET not in caplog.text and "Bearer ***" in caplog.text


def test_accounts_store_only_the_reference(run: Callable[..., Result], tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    monkeypatch.setenv("CAMPAIGN_MASTODON_ILO_MASTODON_SOCIAL_ACCESS_TOKEN", SECRET)
    assert run("db", "upgrade", "--db", db).exit_code == 0
    added = run("accounts", "add", "mastodon", "@ilo@mastodon.social", "--db", db)
    assert "CAMPAIGN_MASTODON_ILO_MASTODON_SOCIAL_ACCESS_TOKEN" in added.output
    listed = run("accounts", "list", "--json", "--db", db)
    [row] = json.loads(listed.output)
    assert row["credentials"] == "env:CAMPAIGN_MASTODON_ILO_MASTODON_SOCIAL"
    assert row["secrets"] == "ready"
    assert SECRET not in listed.output + added.output
    assert SECRET.encode() not in (tmp_path / "c.db").read_bytes()


@pytest.mark.parametrize("secret", ['quo"te-and-back\\slash-1', "non-ascii-sécrét-ключ-9",
                                    "tab\\tlike-\\u00e9-literal", "sl/ash+plus=eq&amp"],
                         ids=["quote-and-backslash", "non-ascii", "escape-like-text",
                              "url-special-characters"])
def test_a_secret_is_masked_in_json_escaped_and_url_encoded_forms(
        monkeypatch: pytest.MonkeyPatch, secret: str) -> None:
    from urllib.parse import quote

    monkeypatch.setenv("JS_ACCESS_TOKEN", secret)
    load("mastodon", "env:JS")
    for form in (secret, json.dumps(secret), json.dumps(secret, ensure_ascii=False),
                 repr(secret), quote(secret, safe="")):
        masked = redact(f'{{"error": "bad token", "token": {form}}}')
        assert secret not in masked and form.strip("\"'") not in masked, form
        assert "***" in masked and '"error": "bad token"' in masked


def test_a_short_secret_is_masked_as_a_whole_word_only(monkeypatch: pytest.MonkeyPatch) -> None:
    # a 3-character secret masked inside every word would garble every message: whole words only
    monkeypatch.setenv("SH_ACCESS_TOKEN", "k9z")
    load("mastodon", "env:SH")
    assert redact("token=k9z rejected") == "token=*** rejected"
    assert redact('{"token": "k9z"}') == '{"token": "***"}'
    assert redact("Bearer k9z") == "Bearer ***"
    assert redact("k9zebra and ak9z stay") == "k9zebra and ak9z stay"



def test_a_credentials_file_that_is_a_pipe_is_refused_without_waiting(tmp_path: Path) -> None:
    import os

    path = tmp_path / "secrets.toml"
    os.mkfifo(path, 0o600)  # nothing ever writes to it: reading would wait for ever
    with pytest.raises(CredentialsError, match="is not a regular file") as caught:
        load("mastodon", f"file:{path}#ilo")
    assert caught.value.short == "not a file"
