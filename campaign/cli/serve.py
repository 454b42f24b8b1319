"""``campaign serve``: the web dashboard, served by uvicorn. Publishing stays with ``campaign
run`` (its own process), so restarting the web server never sends a post twice."""

from __future__ import annotations

import os
import secrets
from datetime import datetime
from pathlib import Path

import click

from campaign.cli.options import db_option, today_option


@click.command(short_help="Serve the web dashboard: calendar, review, queue, pledges, tracking.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (keep 127.0.0.1 behind a reverse proxy).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes (on PostgreSQL; SQLite takes one writer at a time).")
@click.option("--schedule", "schedule_path", type=click.Path(exists=True, dir_okay=False,
              path_type=Path), default=None, help="Schedule file (default: the built-in 2021 "
              "campaign).")
@click.option("--secure", is_flag=True, help="Served over HTTPS (behind a TLS proxy): cookies are "
              "sent only over HTTPS, and browsers are told to keep to HTTPS.")
@click.option("--proxy", "proxy_ips", metavar="ADDRESSES", default=None,
              help="Trust X-Forwarded-For and -Proto from these proxy addresses (e.g. "
                   "127.0.0.1): rate limits then count the real client.")
@click.option("--pledge-rate", type=click.IntRange(1, 100_000), default=5, show_default=True,
              help="Pledge submissions accepted per client address per minute.")
@today_option
@db_option
def serve(host: str, port: int, workers: int, schedule_path: Path | None, secure: bool,
          proxy_ips: str | None, pledge_rate: int, today: datetime | None,
          db_url: str | None) -> None:
    """Serve the web dashboard: calendar, review, queue, pledges, tracking.

    It runs until Ctrl-C.
    Sessions are signed with CAMPAIGN_WEB_SECRET (at least 32 random characters); without it a
    key is made for this run, and everyone signs in again after a restart.
    """
    import uvicorn

    from campaign.cli.options import open_store
    from campaign.users.store import UserStore
    from campaign.web import config

    store = open_store(db_url)  # at the newest schema, or a sentence saying how
    users = UserStore(store.url).users()
    env = {config.ENV_DB: store.url, config.ENV_PLEDGE_RATE: str(pledge_rate)}
    if schedule_path:
        env[config.ENV_SCHEDULE] = str(schedule_path.resolve())
    if secure:
        env[config.ENV_SECURE] = "1"
    if today:
        env[config.ENV_TODAY] = today.date().isoformat()
    if not os.environ.get(config.ENV_SECRET):
        # every worker must sign with one key: made here, handed to them by the environment
        env[config.ENV_SECRET] = secrets.token_urlsafe(32)
    os.environ.update(env)
    config.WebConfig.from_env()  # a bad setting is refused here, in one sentence
    if store.dialect.name == "sqlite" and workers > 1:
        click.echo("Note: several workers share one SQLite file; writes wait for each other. "
                   "Use PostgreSQL for a team.", err=True)
    if not users:
        click.echo("No users yet: the public pledge form works; add a user to sign in with "
                   "`campaign users add NAME --role admin`.", err=True)
    click.echo(f"Dashboard on http://{host}:{port}/ (Ctrl-C to stop).", err=True)
    uvicorn.run("campaign.web.app:factory", factory=True, host=host, port=port,
                workers=workers, proxy_headers=bool(proxy_ips),
                forwarded_allow_ips=proxy_ips or None, log_level="warning",
                server_header=False, date_header=True)
