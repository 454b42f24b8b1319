"""Roles and what each may do: one table, asked by the dashboard before it shows a button and
again before it does the action (a hidden button is a courtesy; the refusal is the rule).

A viewer reads. An editor also prepares posts (writes, edits, reschedules, cancels, retries).
An approver also approves and sends back, but never a post they edited themselves (the review
functions check that against the post's history). An admin also manages users and pledges.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final

from campaign.errors import UsageError


class Role(StrEnum):
    """A user's role; stored as its value."""

    VIEWER = "viewer"
    EDITOR = "editor"
    APPROVER = "approver"
    ADMIN = "admin"


class Action(StrEnum):
    """Something a user may be allowed to do."""

    READ = "read"                # every page of the dashboard
    EDIT = "edit"                # write, edit, reschedule, cancel and retry posts
    APPROVE = "approve"          # approve posts, or send them back with a comment
    MANAGE_PLEDGES = "pledges"   # accept, send back or withdraw pledges; new progress links
    MANAGE_USERS = "users"       # add, remove users and reset their passwords


R, A = Role, Action
PERMISSIONS: Final[Mapping[Role, frozenset[Action]]] = {
    R.VIEWER: frozenset({A.READ}),
    R.EDITOR: frozenset({A.READ, A.EDIT}),
    R.APPROVER: frozenset({A.READ, A.EDIT, A.APPROVE, A.MANAGE_PLEDGES}),
    R.ADMIN: frozenset(Action),
}
del R, A
ROLES: Final = tuple(Role)


def role(value: str) -> Role:
    """The role named ``value``; an unknown name names the choices."""
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise UsageError("role", value, ROLES) from None


def may(who: Role | str, action: Action) -> bool:
    """Whether a user of role ``who`` may do ``action``."""
    return action in PERMISSIONS[Role(who)]
