"""``campaign users add|list|remove|reset-password|role|log``: who may sign in to the dashboard,
with which role, and what they did."""

from __future__ import annotations

import getpass
import sys
from datetime import datetime
from typing import TYPE_CHECKING

import click

from campaign.cli.options import console, db_option, json_option, print_json, utc_text

if TYPE_CHECKING:
    from campaign.users.store import UserStore

ROLE_HELP = ("viewer reads; editor also prepares posts; approver also approves (never their "
             "own edits) and manages pledges; admin also manages users.")


def _store(db_url: str | None) -> UserStore:
    from campaign.users.store import UserStore

    store = UserStore(db_url)
    store.check_migrated()
    return store


def _actor() -> str:
    """Who ran the command, as the audit log names them."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _password(name: str, from_stdin: bool) -> str:
    """The new password: one line of stdin, or typed twice at a hidden prompt."""
    if from_stdin:
        line = sys.stdin.readline(1024)
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        from campaign.errors import CampaignError

        raise CampaignError(f"no terminal to type the password of {name} in: pipe it with "
                            "--password-stdin")
    return str(click.prompt(f"Password for {name}", hide_input=True, confirmation_prompt=True))


@click.group(short_help="Who may sign in to the web dashboard, and with which role.")
def users() -> None:
    """Who may sign in to the web dashboard, and with which role.

    The dashboard is ``campaign serve``; every change is in the audit log (``users log``)."""


@users.command("add")
@click.argument("name")
@click.option("--role", "role_name", required=True, metavar="ROLE",
              help="viewer, editor, approver or admin. " + ROLE_HELP)
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin (one line).")
@db_option
def users_add(name: str, role_name: str, password_stdin: bool, db_url: str | None) -> None:
    """Add a user; the password is asked twice (hidden), or read with --password-stdin."""
    from campaign.users.roles import role

    wanted = role(role_name)  # before the password is asked
    store = _store(db_url)
    user = store.add(name, wanted, _password(name, password_stdin), actor=_actor())
    click.echo(f"Added {user.name} ({user.role.value}).")


@users.command("list")
@json_option
@db_option
def users_list(as_json: bool, db_url: str | None) -> None:
    """List the users: name, role, last sign-in."""
    found = _store(db_url).users()
    if as_json:
        print_json([{"name": u.name, "role": u.role.value, "created_at": utc_text(u.created_at),
                     "last_login_at": utc_text(u.last_login_at)} for u in found])
        return
    if not found:
        click.echo("No users yet: add one with `campaign users add NAME --role admin`.")
        return
    from rich.table import Table

    from campaign.text.lines import print_trimmed

    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("name", "role", "last sign-in (UTC)"):
        table.add_column(column)
    for u in found:
        table.add_row(u.name, u.role.value, _minute(u.last_login_at) or "never")
    print_trimmed(console(), table, width=80)


def _minute(moment: datetime | None) -> str:
    """A moment as a person reads it in a list: to the minute, UTC."""
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


@users.command("remove")
@click.argument("name")
@db_option
def users_remove(name: str, db_url: str | None) -> None:
    """Remove a user: they can no longer sign in, and their sessions end."""
    user = _store(db_url).remove(name, actor=_actor())
    click.echo(f"Removed {user.name}.")


@users.command("reset-password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin (one line).")
@db_option
def users_reset(name: str, password_stdin: bool, db_url: str | None) -> None:
    """Give a user a new password; their open sessions end."""
    store = _store(db_url)
    user = store.named(name)
    store.reset_password(user.name, _password(user.name, password_stdin), actor=_actor())
    click.echo(f"New password set for {user.name}; their sessions have ended.")


@users.command("role")
@click.argument("name")
@click.argument("role_name", metavar="ROLE")
@db_option
def users_role(name: str, role_name: str, db_url: str | None) -> None:
    """Give a user another role (viewer, editor, approver, admin)."""
    user = _store(db_url).set_role(name, role_name, actor=_actor())
    click.echo(f"{user.name} is now {user.role.value}.")


@users.command("log")
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
@click.option("--user", "actor", default=None, help="Only what this user did.")
@json_option
@db_option
def users_log(limit: int, actor: str | None, as_json: bool, db_url: str | None) -> None:
    """Show the audit log, newest first: who did what, when, before and after."""
    entries = _store(db_url).audit_entries(actor=actor, limit=limit)
    if as_json:
        print_json([{"at": utc_text(e.at), "by": e.actor, "action": e.action,
                     "object": f"{e.object_kind}:{e.object_id}", "before": e.before,
                     "after": e.after, "detail": e.detail} for e in entries])
        return
    if not entries:
        click.echo("Nothing in the audit log yet.")
        return
    from rich.table import Table

    from campaign.text.lines import print_trimmed

    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("when (UTC)", "by", "action", "what", "detail"):
        table.add_column(column, overflow="fold")
    from rich.text import Text

    from campaign.text.escape import terminal

    for e in entries:  # Text: no rich markup read from names; terminal(): no escape sequence
        table.add_row(_minute(e.at), Text(terminal(e.actor)), e.action,
                      Text(terminal(f"{e.object_kind}:{e.object_id}")), Text(terminal(e.detail)))
    print_trimmed(console(), table, width=80)
