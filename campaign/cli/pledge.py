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


# each subcommand's short help, so `campaign pledge --help` imports none of them (a test keeps
# them equal to the commands' own)
SUMMARIES = {
    "accept": "Accept a submitted pledge into the registry.",
    "add": "Add a pledge: answer the form's questions, or give a file.",
    "check": "Check a pledge is SMART: why, and a fix, for each criterion.",
    "checkins": "Pledgers with no update this month, to send reminders.",
    "draft": "Send a submitted pledge back to its pledger as a draft.",
    "edit": "Change a pledge's answers (checked again, the history keeps both).",
    "export": "Export pledges as CSV or JSON (they import back as they were).",
    "fulfil": "Mark an accepted pledge as kept.",
    "import": "Import pledges from CSV or JSON files, every row checked.",
    "list": "List pledges, filtered by status, stakeholder type, country.",
    "posts": "Print, queue or share the posts that tell each pledge's story.",
    "progress": "Report a value of one of a pledge's indicators.",
    "report": "The Amplifier report: pledges, indicators, costs per currency.",
    "resolve": "Look up the DIDs of Bluesky handles stored without one.",
    "review": "The July review: every active pledge's lights, what to ask.",
    "show": "Show one pledge: its answers, indicators, SMART check and history.",
    "submit": "Submit a draft pledge to the secretariat.",
    "withdraw": "Withdraw a pledge; its posts not yet out are cancelled.",
}


@click.group(cls=LazyGroup, lazy_subcommands=SUBCOMMANDS, summaries=SUMMARIES,
             whole=frozenset(SUMMARIES),
             short_help="Collect Action Pledges, check them SMART, follow their progress.")
def pledge() -> None:
    """Collect Action Pledges, check them SMART, follow their progress.

    From the form to the December results: add or import pledges (each answer checked, and the
    pledge checked SMART in its language), follow their indicators through the year, tell their
    story in posts, and report on them for Amplifier."""
