"""Passwords: hashed with argon2id by argon2-cffi (the library the Password Hashing Competition's
winner ships with), never stored or printed as typed.

A password is refused before it is hashed when it is too short to resist guessing (NIST SP
800-63B asks for at least 8 characters; we ask for 10, since the accounts can publish in the
campaign's name) or too long to hash cheaply (a megabyte password would make log-in a denial of
service).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from campaign.errors import CampaignError

if TYPE_CHECKING:
    from argon2 import PasswordHasher

MIN_LENGTH = 10
MAX_LENGTH = 256


class PasswordRefused(CampaignError):
    """A new password that does not meet the rules; the message says which."""


@cache
def hasher() -> PasswordHasher:
    """argon2id with the library's defaults (RFC 9106's second recommended option)."""
    from argon2 import PasswordHasher

    return PasswordHasher()


def check_new(password: str, name: str) -> None:
    """Refuse a password too short, too long, or the user's own name."""
    if len(password) < MIN_LENGTH:
        raise PasswordRefused(f"the password of {name} is too short: give at least {MIN_LENGTH} "
                              "characters (a few words make a good one)")
    if len(password) > MAX_LENGTH:
        raise PasswordRefused(f"the password of {name} is too long: give at most {MAX_LENGTH} "
                              "characters")
    if password.strip().casefold() == name.strip().casefold():
        raise PasswordRefused(f"the password of {name} is the user's name: choose another")


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (salted; the parameters are in the text)."""
    return hasher().hash(password)


def verify(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``; a damaged hash does not match."""
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    if len(password) > MAX_LENGTH:
        return False
    try:
        return hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether a stored hash was made with weaker parameters than today's."""
    return hasher().check_needs_rehash(password_hash)


@cache
def dummy_hash() -> str:
    """A hash to verify against when the user is unknown, so a log-in takes as long whether
    the name exists or not (no one learns the names by timing)."""
    return hash_password("not-a-password-of-anyone")
