"""``campaign pledge``: the Action Pledges, from the form to the December results.

The group only names where each subcommand lives; each is imported when used, like the root's.
"""

from __future__ import annotations

import click

from campaign.cli.app import LazyGroup

SUBCOMMANDS = {
    "accept": "campaign.cli.pledge_entry:accept",
    "add": "campaign.cli.pledge_entry:add",
    "check": "campaign.cli.pledge_check:check",
    "checkins": "campaign.cli.pledge_progress:checkins",
    "draft": "campaign.cli.pledge_entry:draft",
    "edit": "campaign.cli.pledge_entry:edit",
    "export": "campaign.cli.pledge_io:export",
    "fulfil": "campaign.cli.pledge_entry:fulfil",
    "import": "campaign.cli.pledge_io:import_",
    "list": "campaign.cli.pledge_entry:list_",
    "posts": "campaign.cli.pledge_posts:posts",
    "progress": "campaign.cli.pledge_progress:progress",
    "report": "campaign.cli.pledge_progress:report",
    "resolve": "campaign.cli.pledge_entry:resolve",
    "review": "campaign.cli.pledge_progress:review",
    "show": "campaign.cli.pledge_entry:show",
    "submit": "campaign.cli.pledge_entry:submit",
    "withdraw": "campaign.cli.pledge_entry:withdraw",
}


@click.group(cls=LazyGroup, lazy_subcommands=SUBCOMMANDS,
             short_help="Collect Action Pledges, check them SMART, follow their progress.")
def pledge() -> None:
    """Collect Action Pledges, check them SMART, follow their progress.

    From the form to the December results: add or import pledges (each answer checked, and the
    pledge checked SMART in its language), follow their indicators through the year, tell their
    story in posts, and report on them for Amplifier."""
