"""``campaign accounts add|list|test|remove``: the accounts posts go out from.

Secrets never pass through here: an account holds a reference (``env:PREFIX`` or
``file:PATH#SECTION``) and the publisher reads the secret when it signs in.
"""

from __future__ import annotations

import click

from campaign.cli.options import (
    NetworkChoice,
    console,
    db_option,
    fail,
    json_option,
    open_store,
    print_json,
    timeout_option,
)
from campaign.text.lines import print_trimmed


@click.group(short_help="Register the accounts posts go out from, and check they can sign in.")
def accounts() -> None:
    """Register the accounts posts go out from, and check they can sign in."""


@accounts.command("add")
@click.argument("network", type=NetworkChoice())
@click.argument("handle")
@click.option("--credentials", "credentials_ref", default="", metavar="REF",
              help="Where the secrets live: env:PREFIX (variables PREFIX_ACCESS_TOKEN, ...) or "
                   "file:PATH#SECTION (a TOML file only you can read); outbox:PATH publishes "
                   "into a file instead of the network. Default: "
                   "env:CAMPAIGN_<NETWORK>_<HANDLE>.")
@click.option("--credentials-ref", "legacy_ref", default="", hidden=True)
@click.option("--base-url", default="",
              help="API base URL: your Bluesky PDS, your Mastodon instance, or a proxy for X.")
@click.option("--visibility", type=click.Choice(("public", "unlisted", "private")), default=None,
              help="Mastodon: visibility of the account's posts (default public).")
@db_option
def accounts_add(network: str, handle: str, credentials_ref: str, legacy_ref: str,
                 base_url: str, visibility: str | None, db_url: str | None) -> None:
    """Add an account, or change where its secrets live (idempotent)."""
    from campaign.platforms.checks import add_account
    from campaign.platforms.credentials import expected
    from campaign.platforms.outbox import outbox_path

    added = add_account(open_store(db_url), network, handle, credentials_ref or legacy_ref,
                        base_url, visibility)
    account = added.account
    ref = account.credentials_ref
    if added.outbox:
        click.echo(f"Account #{account.id}: {account.network} {account.handle}, an outbox: "
                   f"published into {outbox_path(ref)}, one JSON line per post")
        return
    click.echo(f"Account #{account.id}: {account.network} {account.handle}, secrets from {ref}")
    click.echo(f"  expects {expected(network, ref)}")
    if added.warning:
        click.echo(click.style("Warning: ", fg="yellow", bold=True) + added.warning, err=True)
    if network == "mastodon" and not account.base_url and handle.lstrip("@").count("@") != 1:
        click.echo("  no instance yet: run this again with --base-url https://your.instance "
                   "before publishing (dry runs need none)")
    click.echo(f"  check it with: campaign accounts test {network}={handle}")


@accounts.command("list")
@db_option
@click.option("--all", "include_removed", is_flag=True, help="Include removed accounts.")
@json_option
def accounts_list(db_url: str | None, include_removed: bool, as_json: bool) -> None:
    """List the accounts, where their secrets live and whether they are there."""
    from rich.table import Table

    from campaign.platforms.checks import account_states

    rows = [s.as_dict() for s in account_states(open_store(db_url), include_removed)]
    if as_json:
        print_json(rows)
        return
    if not rows:
        click.echo("No accounts yet: add one with `campaign accounts add NETWORK HANDLE`.")
        return
    from campaign.text.escape import rich_literal

    # the state in a few words, on one line, so the table fits in 80 columns whatever the
    # reason; `--json` has the whole sentence (what to do) in "secrets" and "disabled"
    out = console()
    widths = [max(len(h), *(len(str(r[k])) for r in rows)) for h, k in
              (("#", "id"), ("network", "network"), ("handle", "handle"),
               ("secrets from", "credentials"))]
    room = out.width - widths[0] - widths[1] - 2 * 4 - min(22, max(len(r["state"])
                                                                for r in rows))
    if widths[2] + widths[3] > room:  # fold long handles and references onto more lines
        handle = min(widths[2], max(8, room // 2))
        widths[2:] = [handle, max(12, room - handle)]
    state_width = max(12, out.width - sum(widths) - 2 * len(widths))
    table = Table(box=None, pad_edge=False)
    for header, width in zip(("#", "network", "handle", "secrets from"), widths, strict=True):
        table.add_column(header, min_width=width, max_width=width, overflow="fold")
    table.add_column("state", no_wrap=True, overflow="ellipsis", max_width=state_width)
    for r in rows:
        colour = "red" if r["disabled"] else "green" if r["state"] == "ready" else "yellow"
        table.add_row(str(r["id"]), r["network"], rich_literal(r["handle"]),
                      rich_literal(r["credentials"]), f"[{colour}]{rich_literal(r['state'])}[/]")
    print_trimmed(out, table)
    if any(r["state"] not in ("ready", "-") for r in rows):
        out.print("What to do: `campaign accounts list --json` (or `accounts test`) says it.")


@accounts.command("test")
@click.argument("account_names", nargs=-1, metavar="[NETWORK[=HANDLE]]...")
@timeout_option(20.0)
@json_option
@db_option
def accounts_test(account_names: tuple[str, ...], timeout: float, as_json: bool,
                  db_url: str | None) -> None:
    """Sign in with each account (all by default) and show who it is on its network."""
    from campaign.platforms.checks import sign_in

    results = sign_in(open_store(db_url), account_names, timeout=timeout)
    if as_json:
        print_json([r.as_dict() for r in results])
    else:
        width = max(len(r.account) for r in results)
        for r in results:
            if not r.ok:
                click.echo(f"{click.style('FAIL', fg='red')} {r.account:<{width}}  {r.error}")
                continue
            extra = ", ".join(f"{k} {v}" for k, v in r.settings.items()
                              if k in ("max_characters", "characters_reserved_per_url"))
            click.echo(f"{click.style('ok  ', fg='green')} {r.account:<{width}}  signed in as "
                       f"{r.handle} (id {r.user_id}){'; ' + extra if extra else ''}")
    if not all(r.ok for r in results):
        fail(1)


@accounts.command("remove")
@click.argument("account_name", metavar="NETWORK[=HANDLE]")
@click.option("--cancel-open", is_flag=True, help="Cancel the account's posts not yet out.")
@db_option
def accounts_remove(account_name: str, cancel_open: bool, db_url: str | None) -> None:
    """Take an account out of service; its published posts and their history are kept."""
    store = open_store(db_url)
    account = store.named_account(account_name)
    cancelled = store.remove_account(account.id, cancel_open=cancel_open)
    click.echo(f"Removed {account.network} {account.handle}"
               + (f"; cancelled {cancelled} posts not yet out." if cancelled else "."))
