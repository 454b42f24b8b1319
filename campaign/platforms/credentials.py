"""Where an account's secrets live, and how they are kept out of every log, message and export.

The database holds only a *reference* to a secret, never the secret itself:

- ``env:PREFIX`` reads environment variables ``PREFIX_<FIELD>`` (``CAMPAIGN_X_ILO_ACCESS_TOKEN``);
- ``file:PATH#SECTION`` reads the TOML table ``[SECTION]`` of a file only its owner may read.

Every secret value read is remembered by :func:`redact`, which the CLI applies to everything it
prints or logs, so a secret echoed back by a library in an error message is still masked: as
written, JSON-escaped (with and without ``\\uXXXX`` for non-ASCII), in ``repr`` form and URL-encoded.
Secrets of 4 characters or more are masked wherever they appear; shorter ones (no real token is
that short, but masking must not depend on it) only as a whole word, between characters that are
not letters or digits, since masking "ab" inside every word would garble every message.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import tomllib
from collections.abc import Mapping
from pathlib import Path

from campaign.errors import CampaignError

# which fields each built-in network needs; X takes either OAuth 1.0a user context or an OAuth 2
# user token. A plugin network's fields are added by the registry when it loads the plugin (this
# module never imports the registry: the registry imports it).
BUILTIN_FIELDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "x": (("consumer_key", "consumer_secret", "access_token", "access_token_secret"),
          ("oauth2_token",)),
    "bluesky": (("app_password",),),
    "mastodon": (("access_token",),),
}
_FIELDS = dict(BUILTIN_FIELDS)
_OPTIONAL = ("identifier",)  # Bluesky: sign in with another identifier than the handle
_KNOWN: set[str] = set()  # every form of every secret read in this process, for redact()
_SHORT: set[str] = set()  # the forms of secrets under SHORT characters, masked as whole words
SHORT = 4
MAX_FILE_BYTES = 1_000_000
MASK = "***"


def remember(value: str) -> None:
    """Mask ``value`` (a secret) in everything :func:`redact` sees from now on."""
    import json
    from urllib.parse import quote

    if not value:
        return
    forms = {value, repr(value)[1:-1], json.dumps(value)[1:-1],
             json.dumps(value, ensure_ascii=False)[1:-1], quote(value, safe=""), quote(value)}
    (_KNOWN if len(value) >= SHORT else _SHORT).update(f for f in forms if f)


class CredentialsError(CampaignError):
    """A credentials reference that cannot be read: missing variables, an unsafe file.

    ``short`` is the state in a few words, for a table column; the message says what to do.
    """

    def __init__(self, message: str, short: str = "not ready") -> None:
        super().__init__(message)
        self.short = short


class Secrets(Mapping[str, str]):
    """The secret fields of one account; printing it never shows a value."""

    def __init__(self, values: dict[str, str]) -> None:
        self._values = values
        for value in values.values():
            remember(value)

    def __getitem__(self, key: str) -> str:
        return self._values[key]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Secrets({', '.join(f'{k}={MASK}' for k in self._values)})"

    __str__ = __repr__


def default_ref(network: str, handle: str) -> str:
    """``env:CAMPAIGN_<NETWORK>_<HANDLE>``, the handle reduced to letters, digits and '_'."""
    slug = re.sub(r"[^A-Za-z0-9]+", "_", handle).strip("_").upper()
    return f"env:CAMPAIGN_{network.upper()}_{slug}"


def check_ref(ref: str) -> str:
    """A reference in a known form, or a message saying which forms exist."""
    if ref.startswith("env:") and re.fullmatch(r"env:[A-Za-z_][A-Za-z0-9_]*", ref):
        return ref
    if ref.startswith("file:") and "#" in ref and ref.split("#", 1)[1]:
        path = Path(ref[5:].split("#", 1)[0]).expanduser()
        return f"file:{path.resolve()}#{ref.split('#', 1)[1]}"
    if ref.startswith("outbox:") and ref[7:].strip():
        # not a secret: the account publishes into this file (campaign/publishers/outbox.py)
        return f"outbox:{Path(ref[7:]).expanduser().resolve()}"
    raise CredentialsError(f"credentials reference '{ref}' is not understood: use env:PREFIX "
                           "(variables PREFIX_ACCESS_TOKEN, ...), file:PATH#SECTION (a TOML file) "
                           "or outbox:PATH (posts written to a file)")


def add_fields(network: str, fields: tuple[tuple[str, ...], ...]) -> None:
    """Know the ways of signing in on a plugin network, each the secret fields it needs."""
    _FIELDS[network] = fields


def credential_fields(network: str) -> tuple[tuple[str, ...], ...]:
    """The ways of signing in on ``network``; CredentialsError for a network never loaded."""
    found = _FIELDS.get(network)
    if found is None:
        raise CredentialsError(f"no credentials are known for network '{network}': is its plugin "
                               "installed?", "unknown network")
    return found


def builtin_field_names() -> tuple[str, ...]:
    """Every secret field a built-in network reads."""
    return tuple(dict.fromkeys(f for ways in BUILTIN_FIELDS.values() for way in ways for f in way))


Ways = tuple[tuple[str, ...], ...]  # sets of fields, each of which suffices to sign in


def expected(network: str, ref: str, ways: Ways | None = None) -> str:
    """Where the fields are looked for, for messages: variable names or TOML keys, each way of
    signing in on its own ("A, B, C, D or E")."""
    ref = check_ref(ref)
    if ref.startswith("outbox:"):
        return f"no secrets: posts are written to {ref[7:]}"
    return " or ".join(", ".join(_name(ref, f) for f in fields)
                       for fields in ways or credential_fields(network))



def load(network: str, ref: str, ways: Ways | None = None) -> Secrets:
    """The secrets a reference points to; a missing field or unsafe file says what to do.

    ``ways`` are the sets of fields that each suffice, when they are not the network's own for
    publishing (a collector reading X's search with an app's bearer token, say)."""
    ref = check_ref(ref)
    if ref.startswith("outbox:"):
        return Secrets({})  # an outbox account needs none
    ways = ways or credential_fields(network)
    raw = _read_env(ref[4:], network, ways) if ref.startswith("env:") else _read_file(ref)
    raw = {name: value.strip() for name, value in raw.items()}  # a file's final newline, say
    for name, value in raw.items():
        if any(c.isspace() or not c.isprintable() for c in value):
            raise CredentialsError(f"credential {_name(ref, name)} contains spaces or control "
                                   "characters: copy the value again, without them",
                                   "secret has spaces")
    for fields in ways:
        if all(raw.get(f) for f in fields):
            chosen = {f: raw[f] for f in (*fields, *_OPTIONAL) if raw.get(f)}
            return Secrets(chosen)
    raise CredentialsError(f"credentials for this {network} account are missing: set "
                           f"{expected(network, ref, ways)}", "secrets missing")


def _name(ref: str, field: str) -> str:
    return f"{ref[4:]}_{field.upper()}" if ref.startswith("env:") else \
        f"'{field}' in [{ref.split('#', 1)[1]}] of {ref[5:].split('#', 1)[0]}"


def _read_env(prefix: str, network: str, ways: Ways) -> dict[str, str]:
    names = set(builtin_field_names()) | {f for fields in ways for f in fields} \
        | set(_OPTIONAL)
    return {f: os.environ[f"{prefix}_{f.upper()}"] for f in names
            if os.environ.get(f"{prefix}_{f.upper()}")}


def _read_file(ref: str) -> dict[str, str]:
    path_text, section = ref[5:].split("#", 1)
    path = Path(path_text)
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise CredentialsError(f"credentials file {path} cannot be read ({exc.strerror}): "
                               "create it, or point the account elsewhere",
                               "no file" if isinstance(exc, FileNotFoundError)
                               else "file unreadable") from None
    if not stat.S_ISREG(mode):
        raise CredentialsError(f"credentials file {path} is not a regular file: point the "
                               "account to a TOML file", "not a file")
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise CredentialsError(f"credentials file {path} can be read by other users (mode "
                               f"{stat.S_IMODE(mode):04o}): run `chmod 600 {path}` first",
                               "file open to others")
    try:
        data = tomllib.loads(_read_capped(path).decode("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CredentialsError(f"credentials file {path} cannot be read: {exc}",
                               "file unreadable") from None
    except tomllib.TOMLDecodeError as exc:
        # the decoder's message names a line, never a value
        raise CredentialsError(f"credentials file {path} is not valid TOML: {exc}",
                               "file not TOML") from None
    table = data.get(section)
    if not isinstance(table, dict):
        raise CredentialsError(f"credentials file {path} has no table [{section}]: add it, with "
                               "the account's keys", f"no [{section}] in file")
    return {str(k): str(v) for k, v in table.items() if isinstance(v, str | int)}


def _read_capped(path: Path) -> bytes:
    # never block on a pipe swapped in since stat(), never read more than a secrets file holds
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path} is not a regular file")
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise OSError(f"it is over {MAX_FILE_BYTES:,} bytes, far more than secrets take")
    return data


def redact(text: str) -> str:
    """``text`` with every secret this process has read replaced by ``***``."""
    for value in sorted(_KNOWN, key=len, reverse=True):
        if value in text:
            text = text.replace(value, MASK)
    for value in sorted(_SHORT, key=len, reverse=True):
        if value in text:
            text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(value)}(?![A-Za-z0-9])", MASK, text)
    return text


class RedactingFilter(logging.Filter):
    """Masks secrets in log records, whatever library wrote them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _KNOWN or _SHORT:
            record.msg = redact(record.getMessage())
            record.args = None
            if record.exc_info:  # a traceback may quote a secret too
                text = logging.Formatter().formatException(record.exc_info)
                record.exc_text, record.exc_info = redact(text), None
        return True
