"""Commands for accounts (``accounts add|list|test|remove``) and amplification (``amplify``).

Secrets never pass through here: an account holds a reference (``env:PREFIX`` or
``file:PATH#SECTION``) and the publisher reads the secret when it signs in.
"""

from __future__ import annotations

from typing import Any

import click

from campaign.cli.queue import _echo_json, _store, db_option, timeout_option

NETWORKS = ("x", "bluesky", "mastodon")


@click.group()
def accounts() -> None:
    """Register the accounts posts go out from, and check they can sign in."""


@accounts.command("add")
@click.argument("network", type=click.Choice(NETWORKS))
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
    from campaign.platforms.credentials import check_ref, default_ref, expected

    ref = check_ref(credentials_ref or legacy_ref or default_ref(network, handle))
    _check_base_url(base_url)
    from campaign.platforms.outbox import OutboxError, is_outbox, outbox_path, path_problem

    store = _store(db_url)
    if is_outbox(ref):
        from campaign.cli.run import _database_files, _database_problem

        # a SQLite database (the queue's own, or any) or a file of the queue's database would
        # be corrupted by the lines appended to it
        path = outbox_path(ref)
        problem = _database_problem(path, _database_files(store), "outbox") or path_problem(path)
        if problem:
            raise OutboxError(problem)
    account = store.add_account(network, handle, ref, base_url.rstrip("/"))
    if visibility:
        store.save_account_settings(account.id, {"visibility": visibility})
    if is_outbox(ref):
        click.echo(f"Account #{account.id}: {account.network} {account.handle}, an outbox: "
                   f"published into {outbox_path(ref)}, one JSON line per post")
        return
    click.echo(f"Account #{account.id}: {account.network} {account.handle}, secrets from {ref}")
    click.echo(f"  expects {expected(network, ref)}")
    _warn_about_file(network, ref)
    if network == "mastodon" and not account.base_url and handle.lstrip("@").count("@") != 1:
        click.echo("  no instance yet: run this again with --base-url https://your.instance "
                   "before publishing (dry runs need none)")
    click.echo(f"  check it with: campaign accounts test {network}={handle}")


def _warn_about_file(network: str, ref: str) -> None:
    """Say at once what a file reference lacks (missing, readable by others, no such section),
    rather than at the first publication; the account is added all the same, so the file can
    be written after it."""
    from campaign.platforms.credentials import CredentialsError, load

    if not ref.startswith("file:"):
        return  # variables are usually set later, in the runner's environment
    try:
        load(network, ref)
    except CredentialsError as exc:
        click.echo(click.style("Warning: ", fg="yellow", bold=True) + exc.message, err=True)


def _check_base_url(url: str) -> None:
    from urllib.parse import urlparse

    from campaign.errors import CampaignError

    if not url:
        return
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise CampaignError(f"--base-url '{url}' is not an http(s) address: write e.g. "
                            "https://bsky.social or https://mastodon.social")


def _row(account: Any) -> dict[str, Any]:
    import json

    from campaign.platforms.credentials import CredentialsError, load

    short = "ready"
    try:
        load(account.network, account.credentials_ref)
        secrets = "ready"
    except CredentialsError as exc:
        secrets = exc.message if account.removed_at is None else "-"
        short = exc.short if account.removed_at is None else "-"
    return {"state": f"stopped: {account.disabled_reason}" if account.disabled_reason else short,
            "id": account.id, "network": account.network, "handle": account.handle,
            "credentials": account.credentials_ref, "secrets": secrets,
            "base_url": account.base_url or None, "settings": json.loads(account.settings_json),
            "disabled": account.disabled_reason,
            "removed_at": account.removed_at.isoformat() + "Z" if account.removed_at else None}


@accounts.command("list")
@db_option
@click.option("--all", "include_removed", is_flag=True, help="Include removed accounts.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def accounts_list(db_url: str | None, include_removed: bool, as_json: bool) -> None:
    """List the accounts, where their secrets live and whether they are there."""
    from rich.console import Console
    from rich.table import Table

    rows = [_row(a) for a in _store(db_url).accounts(include_removed)]
    if as_json:
        _echo_json(rows)
        return
    if not rows:
        click.echo("No accounts yet: add one with `campaign accounts add NETWORK HANDLE`.")
        return
    from campaign.text.escape import rich_literal

    # the state in a few words, on one line, so the table fits in 80 columns whatever the
    # reason; `--json` has the whole sentence (what to do) in "secrets" and "disabled"
    console = Console(highlight=False)
    widths = [max(len(h), *(len(str(r[k])) for r in rows)) for h, k in
              (("#", "id"), ("network", "network"), ("handle", "handle"),
               ("secrets from", "credentials"))]
    room = console.width - widths[0] - widths[1] - 2 * 4 - min(22, max(len(r["state"])
                                                                    for r in rows))
    if widths[2] + widths[3] > room:  # fold long handles and references onto more lines
        handle = min(widths[2], max(8, room // 2))
        widths[2:] = [handle, max(12, room - handle)]
    state_width = max(12, console.width - sum(widths) - 2 * len(widths))
    table = Table(box=None, pad_edge=False)
    for header, width in zip(("#", "network", "handle", "secrets from"), widths, strict=True):
        table.add_column(header, min_width=width, max_width=width, overflow="fold")
    table.add_column("state", no_wrap=True, overflow="ellipsis", max_width=state_width)
    for r in rows:
        colour = "red" if r["disabled"] else "green" if r["state"] == "ready" else "yellow"
        table.add_row(str(r["id"]), r["network"], rich_literal(r["handle"]),
                      rich_literal(r["credentials"]), f"[{colour}]{rich_literal(r['state'])}[/]")
    console.print(table)
    if any(r["state"] not in ("ready", "-") for r in rows):
        console.print("What to do: `campaign accounts list --json` (or `accounts test`) says it.")


@accounts.command("test")
@click.argument("account_names", nargs=-1, metavar="[NETWORK[=HANDLE]]...")
@timeout_option(20.0)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@db_option
def accounts_test(account_names: tuple[str, ...], timeout: float, as_json: bool,
                  db_url: str | None) -> None:
    """Sign in with each account (all by default) and show who it is on its network."""
    from campaign.errors import CampaignError
    from campaign.platforms.base import PublishError
    from campaign.platforms.credentials import CredentialsError
    from campaign.platforms.registry import open_publisher

    store = _store(db_url)
    chosen = [store.named_account(n) for n in account_names] or store.accounts()
    if not chosen:
        raise CampaignError("no accounts to test: add one with `campaign accounts add`")
    results, failed = [], 0
    for account in chosen:
        result: dict[str, Any] = {"account": f"{account.network}={account.handle}"}
        try:
            publisher = open_publisher(account.network, account.handle, account.credentials_ref,
                                       account.base_url, None, timeout)
            try:
                identity = publisher.whoami()
            finally:
                publisher.close()
        except (CredentialsError, PublishError) as exc:
            failed += 1
            result.update(ok=False, error=exc.message)
        else:
            store.save_account_settings(account.id, {"user_id": identity.user_id,
                                                     **identity.settings})
            if account.disabled_reason and account.removed_at is None:
                store.enable_account(account.id)  # signing in works again
            result.update(ok=True, handle=identity.handle, user_id=identity.user_id,
                          name=identity.display_name, url=identity.url,
                          settings=identity.settings)
        results.append(result)
    _report_tests(results, as_json)
    if failed:
        raise click.exceptions.Exit(1)


def _report_tests(results: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        _echo_json(results)
        return
    width = max(len(r["account"]) for r in results)
    for r in results:
        if r["ok"]:
            extra = ", ".join(f"{k} {v}" for k, v in r["settings"].items()
                              if k in ("max_characters", "characters_reserved_per_url"))
            click.echo(f"{click.style('ok  ', fg='green')} {r['account']:<{width}}  signed in as "
                       f"{r['handle']} (id {r['user_id']}){'; ' + extra if extra else ''}")
        else:
            click.echo(f"{click.style('FAIL', fg='red')} {r['account']:<{width}}  {r['error']}")


@accounts.command("remove")
@click.argument("account_name", metavar="NETWORK[=HANDLE]")
@click.option("--cancel-open", is_flag=True, help="Cancel the account's posts not yet out.")
@db_option
def accounts_remove(account_name: str, cancel_open: bool, db_url: str | None) -> None:
    """Take an account out of service; its published posts and their history are kept."""
    store = _store(db_url)
    account = store.named_account(account_name)
    cancelled = store.remove_account(account.id, cancel_open=cancel_open)
    click.echo(f"Removed {account.network} {account.handle}"
               + (f"; cancelled {cancelled} posts not yet out." if cancelled else "."))


# -- amplify -------------------------------------------------------------------------------
@click.command()
@click.argument("how", type=click.Choice(("repost", "quote")))
@click.argument("target", metavar="POST_URL")
@click.option("--account", "account_name", required=True, metavar="NETWORK[=HANDLE]",
              help="The account that reposts or quotes, e.g. bluesky=@ilo.org.")
@click.option("--text", default="", help="The words of a quote post.")
@click.option("--at", "when", default=None, metavar="ISO",
              help="When to send it (default: now), e.g. 2021-06-12T10:00+02:00.")
@click.option("--language", default="en", show_default=True, help="Language of the quote text.")
@click.option("--review", is_flag=True, help="Queue it as a draft, to approve first.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@db_option
def amplify(how: str, target: str, account_name: str, text: str, when: str | None,
            language: str, review: bool, as_json: bool, db_url: str | None) -> None:
    """Queue a repost or a quote of someone else's post.

    It goes through the same queue as campaign posts: exactly once, retried, paused on rate limits.
    """
    from campaign.queue.amplify import parse_when, queue_amplification

    store = _store(db_url)
    account = store.named_account(account_name)
    post = queue_amplification(store, account, how, target, text=text, when=parse_when(when),
                               language=language, review=review)
    if as_json:
        _echo_json({"id": post.id, "status": post.status, "kind": post.kind,
                    "target": post.target, "due_at": post.due_at.isoformat() + "Z"})
        return
    click.echo(f"Queued {how} #{post.id} of {target} on {account.network} {account.handle}, "
               f"due {post.due_at:%Y-%m-%d %H:%M} UTC ({post.status}).")
