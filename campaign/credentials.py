"""Where an account's secrets live, and how they are kept out of every log, message and export.

The database holds only a *reference* to a secret, never the secret itself:

- ``env:PREFIX`` reads environment variables ``PREFIX_<FIELD>`` (``CAMPAIGN_X_ILO_ACCESS_TOKEN``);
- ``file:PATH#SECTION`` reads the TOML table ``[SECTION]`` of a file only its owner may read.

Every secret value read is remembered by :func:`redact`, which the CLI applies to everything it
prints or logs, so a secret echoed back by a library in an error message is still masked.
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

# which fields each network needs; X takes either OAuth 1.0a user context or an OAuth 2 user token
FIELDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "x": (("consumer_key", "consumer_secret", "access_token", "access_token_secret"),
          ("oauth2_token",)),
    "bluesky": (("app_password",),),
    "mastodon": (("access_token",),),
}
_OPTIONAL = ("identifier",)  # Bluesky: sign in with another identifier than the handle
_KNOWN: set[str] = set()  # every secret value read in this process, for redact()
MASK = "***"


class CredentialsError(CampaignError):
    """A credentials reference that cannot be read: missing variables, an unsafe file."""


class Secrets(Mapping[str, str]):
    """The secret fields of one account; printing it never shows a value."""

    def __init__(self, values: dict[str, str]) -> None:
        self._values = values
        for value in values.values():
            if len(value) >= 4:
                # as written, and as a library may quote it in an error (escaped, in repr form)
                _KNOWN.update({value, repr(value)[1:-1]})

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
    raise CredentialsError(f"credentials reference '{ref}' is not understood: use env:PREFIX "
                           "(variables PREFIX_ACCESS_TOKEN, ...) or file:PATH#SECTION (a TOML file)")


def expected(network: str, ref: str) -> str:
    """Where the fields are looked for, for messages: variable names or TOML keys, each way of
    signing in on its own ("A, B, C, D or E")."""
    ref = check_ref(ref)
    return " or ".join(", ".join(_name(ref, f) for f in fields) for fields in FIELDS[network])


def load(network: str, ref: str) -> Secrets:
    """The secrets a reference points to; a missing field or unsafe file says what to do."""
    ref = check_ref(ref)
    raw = _read_env(ref[4:]) if ref.startswith("env:") else _read_file(ref)
    raw = {name: value.strip() for name, value in raw.items()}  # a file's final newline, say
    for name, value in raw.items():
        if any(c.isspace() or not c.isprintable() for c in value):
            raise CredentialsError(f"credential {_name(ref, name)} contains spaces or control "
                                   "characters: copy the value again, without them")
    for fields in FIELDS[network]:
        if all(raw.get(f) for f in fields):
            chosen = {f: raw[f] for f in (*fields, *_OPTIONAL) if raw.get(f)}
            return Secrets(chosen)
    raise CredentialsError(f"credentials for this {network} account are missing: set "
                           f"{expected(network, ref)}")


def _name(ref: str, field: str) -> str:
    return f"{ref[4:]}_{field.upper()}" if ref.startswith("env:") else \
        f"'{field}' in [{ref.split('#', 1)[1]}] of {ref[5:].split('#', 1)[0]}"


def _read_env(prefix: str) -> dict[str, str]:
    names = {f for sets in FIELDS.values() for fields in sets for f in fields} | set(_OPTIONAL)
    return {f: os.environ[f"{prefix}_{f.upper()}"] for f in names
            if os.environ.get(f"{prefix}_{f.upper()}")}


def _read_file(ref: str) -> dict[str, str]:
    path_text, section = ref[5:].split("#", 1)
    path = Path(path_text)
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise CredentialsError(f"credentials file {path} cannot be read ({exc.strerror}): "
                               "create it, or point the account elsewhere") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise CredentialsError(f"credentials file {path} can be read by other users (mode "
                               f"{stat.S_IMODE(mode):04o}): run `chmod 600 {path}` first")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CredentialsError(f"credentials file {path} cannot be read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        # the decoder's message names a line, never a value
        raise CredentialsError(f"credentials file {path} is not valid TOML: {exc}") from None
    table = data.get(section)
    if not isinstance(table, dict):
        raise CredentialsError(f"credentials file {path} has no table [{section}]: add it, with "
                               "the account's keys")
    return {str(k): str(v) for k, v in table.items() if isinstance(v, str | int)}


def redact(text: str) -> str:
    """``text`` with every secret this process has read replaced by ``***``."""
    for value in sorted(_KNOWN, key=len, reverse=True):
        if value in text:
            text = text.replace(value, MASK)
    return text


class RedactingFilter(logging.Filter):
    """Masks secrets in log records, whatever library wrote them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _KNOWN:
            record.msg = redact(record.getMessage())
            record.args = None
            if record.exc_info:  # a traceback may quote a secret too
                text = logging.Formatter().formatException(record.exc_info)
                record.exc_text, record.exc_info = redact(text), None
        return True
