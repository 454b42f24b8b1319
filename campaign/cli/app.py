"""The ``campaign`` group: finds each command in its own module when it is used, and turns a
library error into one sentence on stderr with its exit code, never a traceback.

Commands are loaded with click's documented lazy-loading pattern (a map of command names to
``module:attribute``), so ``campaign --help`` imports none of them: the command list shows each
one's summary from ``SUMMARIES``, which a test keeps equal to the command's own help.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping
from typing import Any

import click

from campaign import __version__

# command name -> where it lives
COMMANDS = {
    "accounts": "campaign.cli.accounts:accounts",
    "amplify": "campaign.cli.amplify:amplify",
    "calendar": "campaign.cli.calendar:calendar",
    "db": "campaign.cli.db:db",
    "export": "campaign.cli.export:export",
    "kit": "campaign.cli.kit:kit",
    "pledge": "campaign.cli.pledge:pledge",
    "queue": "campaign.cli.queue:queue",
    "render": "campaign.cli.render:render",
    "report": "campaign.cli.report:report",
    "run": "campaign.cli.run:run",
    "serve": "campaign.cli.serve:serve",
    "story": "campaign.cli.story:story",
    "track": "campaign.cli.track:track",
    "users": "campaign.cli.users:users",
    "validate": "campaign.cli.validate:validate",
}
# the first line of each command's help, for the command list of `campaign --help`
SUMMARIES = {
    "accounts": "Register the accounts posts go out from, and check they can sign in.",
    "amplify": "Repost or quote others' posts: one by hand, or those a policy chooses.",
    "calendar": "Show the year at a glance: each entry's date, time, audiences and title.",
    "db": "Create or upgrade the queue database.",
    "export": "Write posts as ICS, CSV (posts, Buffer, Hootsuite), JSON, JSONL, Markdown or HTML.",
    "kit": "Write a kit into a folder: share-kit pages, calendar, CSVs (Buffer, Hootsuite), JSON, "
           "Markdown.",
    "pledge": "Collect Action Pledges, check them SMART, follow their progress.",
    "queue": "Plan, review and edit the queue of posts.",
    "render": "Print ready-to-share posts for a day, a month or an entry, with each post's length.",
    "report": "Report how the hashtags were used: over time, by whom, where, with what reach.",
    "run": "Publish due posts: exactly once each, retrying what fails for a passing reason.",
    "serve": "Serve the web dashboard: calendar, review, queue, pledges, tracking.",
    "story": "Write the December story of the year: one page, month by month, offline.",
    "track": "Track who uses the campaign's hashtags, and which are pledgers.",
    "users": "Who may sign in to the web dashboard, and with which role.",
    "validate": "Check a schedule and render every post of it, reporting every problem at once.",
}
# the commands that give their summary as ``short_help``: shown whole (wrapped), not shortened
WHOLE = frozenset({"accounts", "amplify", "db", "pledge", "queue", "run", "serve", "track",
                   "users"})


class LazyGroup(click.Group):
    """A group whose commands are imported the first time one is used (or its help shown)."""

    def __init__(self, *args: Any, lazy_subcommands: Mapping[str, str] | None = None,
                 summaries: Mapping[str, str] | None = None,
                 whole: frozenset[str] = frozenset(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_subcommands = dict(lazy_subcommands or {})
        self.summaries = dict(summaries or {})
        self.whole = whole

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command, the ones not yet imported included."""
        return sorted({*super().list_commands(ctx), *self.lazy_subcommands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """A command, importing its module the first time."""
        if cmd_name in self.lazy_subcommands and cmd_name not in self.commands:
            self.add_command(self._lazy_load(cmd_name), cmd_name)
        return super().get_command(ctx, cmd_name)

    def _lazy_load(self, cmd_name: str) -> click.Command:
        module_name, attribute = self.lazy_subcommands[cmd_name].split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{module_name}:{attribute} is not a click command")
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``--help``, without importing the commands not yet used."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = []
        for name in names:
            if name in self.summaries and name not in self.commands:
                rows.append((name, self.summary_line(name, limit)))
                continue
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def summary_line(self, name: str, limit: int) -> str:
        """A command's line in the list, as click would make it from the command's own help:
        shortened to ``limit`` unless the command gives its ``short_help`` whole."""
        summary = self.summaries[name]
        if name in self.whole:
            return summary
        # click's own shortening, on a stand-in that has the command's help
        return click.Command(name, help=summary).get_short_help_str(limit)


class CampaignGroup(LazyGroup):
    """The root group: a library error becomes one message on stderr and its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a CampaignError or Ctrl-C ends it with a sentence, not a traceback."""
        from campaign.errors import CampaignError

        try:
            return super().invoke(ctx)
        except CampaignError as exc:
            from campaign.text.escape import terminal

            # messages quote schedule keys, titles and paths: no escape sequence reaches the tty
            message = terminal(exc.message)
            if "campaign.platforms.credentials" in sys.modules:  # a secret was read: never echo it
                message = sys.modules["campaign.platforms.credentials"].redact(message)
            click.echo(click.style("Error: ", fg="red", bold=True) + message, err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)


@click.group(cls=CampaignGroup, lazy_subcommands=COMMANDS, summaries=SUMMARIES, whole=WHOLE,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="campaign")
def cli() -> None:
    """Plan, render and export the posts of a social media campaign (#EndChildLabour2021)."""


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="campaign")
