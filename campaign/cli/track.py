"""``campaign track``: who uses the campaign's hashtags, on X, Bluesky and Mastodon.

The group only names where each subcommand lives; each is imported when used, like the root's.
"""

from __future__ import annotations

import click

from campaign.cli.app import LazyGroup

SUBCOMMANDS = {
    "authors": "campaign.cli.track_view:authors",
    "bluesky": "campaign.cli.track_collect:bluesky",
    "import": "campaign.cli.track_import:import_",
    "mastodon": "campaign.cli.track_collect:mastodon",
    "run": "campaign.cli.track_collect:run",
    "status": "campaign.cli.track_view:status",
    "x": "campaign.cli.track_collect:x",
}

# each subcommand's short help, so `campaign track --help` imports none of them (a test keeps
# them equal to the commands' own)
SUMMARIES = {
    "authors": "Authors of the collected posts, matched to pledgers.",
    "bluesky": "Collect Bluesky posts: an appview's search, or a firehose or Jetstream.",
    "import": "Import archived posts: twarc2 JSONL, or CSV/JSONL of Bluesky and Mastodon.",
    "mastodon": "Collect the tag timelines of one or more Mastodon instances.",
    "run": "Run every configured source on its own interval (or once, for cron).",
    "status": "Posts stored per network and source, checkpoints, the last runs.",
    "x": "Collect X posts with the campaign's hashtags (recent search).",
}


@click.group(cls=LazyGroup, lazy_subcommands=SUBCOMMANDS, summaries=SUMMARIES,
             whole=frozenset(SUMMARIES),
             short_help="Track who uses the campaign's hashtags, and which are pledgers.")
def track() -> None:
    """Track who uses the campaign's hashtags, and which are pledgers.

    Collect posts from X's search, Bluesky (search, firehose, Jetstream) and Mastodon instances'
    tag timelines, or import archives; every source resumes where it stopped, and a post seen
    twice is stored once. Authors are matched to pledgers by the handles their pledges declare."""
