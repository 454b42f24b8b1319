"""``campaign db upgrade|status``: create or migrate the queue database, and report on it."""

from __future__ import annotations

import click

from campaign.cli.options import db_option, json_option, open_store, print_json


@click.group(short_help="Create or upgrade the queue database.")
def db() -> None:
    """Create or upgrade the queue database."""


@db.command("upgrade")
@db_option
def db_upgrade(db_url: str | None) -> None:
    """Create the database or bring it to the newest schema."""
    from campaign.queue.engine import safe_url

    store = open_store(db_url, migrated=False)
    before, after = store.upgrade()
    verb = "already at" if before == after else f"upgraded from {before or 'empty'} to"
    click.echo(f"Database {safe_url(store.url)}: {verb} schema {after}.")


@db.command("status")
@db_option
@json_option
def db_status(db_url: str | None, as_json: bool) -> None:
    """Show the schema revision and how many posts are in each status."""
    from campaign.queue.engine import safe_url

    store = open_store(db_url, migrated=False)
    store.require_existing()  # a status never creates the database it reports on
    current, head = store.revision(), store.head()
    counts = dict(sorted(store.counts().items())) if current == head else None
    if as_json:
        print_json({"database": safe_url(store.url), "revision": current, "newest": head,
                    "up_to_date": current == head, "counts": counts})
        return
    click.echo(f"Database {safe_url(store.url)}: schema {current or 'none'} (newest {head}).")
    for status, count in (counts or {}).items():
        click.echo(f"  {status:<11} {count:>7,}")
