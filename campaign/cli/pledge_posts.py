"""``campaign pledge posts``: each pledge's story in posts, printed, queued or in a share kit."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from campaign.cli.options import (
    NetworkChoice,
    PledgeId,
    console,
    db_option,
    json_option,
    print_json,
    schedule_option,
)

if TYPE_CHECKING:
    from campaign.pledges.posts import KitPage, PledgePlan


@click.command(short_help="Print, queue or share the posts that tell each pledge's story.")
@click.argument("ids", nargs=-1, type=PledgeId())
@click.option("--queue", "queue", is_flag=True,
              help="Queue the posts on the pledgers' own accounts registered in the queue.")
@click.option("--kit", "kit_dir", type=click.Path(path_type=Path, file_okay=False),
              metavar="DIR", help="Write one share-kit page per pledger into DIR (with --queue: "
                                  "for the pledgers without an account in the queue).")
@click.option("--review", is_flag=True, help="With --queue: queue the posts as drafts to approve.")
@click.option("--lang", "-l", "languages", multiple=True,
              help="Render in this language instead of the pledge's own.")
@click.option("--network", "-n", "networks", multiple=True, type=NetworkChoice(),
              help="Network (default: the campaign's).")
@schedule_option
@db_option
@json_option
def posts(ids: tuple[int, ...], queue: bool, kit_dir: Path | None, review: bool,
          languages: tuple[str, ...], networks: tuple[str, ...], schedule_path: Path | None,
          year: int | None, db_url: str | None, as_json: bool) -> None:
    """Print, queue or share the posts that tell each pledge's story (every pledge when no ID):
    announced in February, progress in June and July, results and costs in December."""
    from campaign.cli.options import open_pledges, open_store
    from campaign.content.selection import load
    from campaign.pledges import posts as told

    schedule = load(schedule_path, year)
    pledges = open_pledges(db_url)
    if not queue and kit_dir is None:
        from campaign.cli.views import print_posts
        from campaign.exporters.jsonout import post_record

        rendered = told.render_pledges(pledges, schedule, ids, languages=languages,
                                       networks=networks)
        if as_json:
            print_json([post_record(p, schedule.path.parent) for p in rendered])
        else:
            print_posts(console(), rendered, schedule.campaign.timezone)
        return
    plan = None
    if queue:
        plan = told.plan_pledge_posts(open_store(db_url), pledges, schedule, ids,
                                      networks=networks, review=review)
    pages: list[KitPage] = []
    if kit_dir is not None:
        wanted = list(plan.without_account) if plan is not None else list(ids)
        if plan is None or wanted:
            pages = told.write_pledge_kits(schedule, told.chosen(pledges, wanted), kit_dir,
                                           languages=languages, networks=networks)
    if as_json:
        print_json({**(plan.as_dict() if plan is not None else {}),
                    "kits": [p.as_dict() for p in pages]})
        return
    _print_outcome(plan, pages)


def _print_outcome(plan: PledgePlan | None, pages: list[KitPage]) -> None:
    from campaign.text.escape import terminal

    if plan is not None:
        for item in plan.planned:
            click.echo(f"pledge {item.pledge_id}: {item.posts} posts on "
                       f"{terminal(', '.join(item.accounts))}: {item.added} added, "
                       f"{item.updated} updated, {item.unchanged} unchanged"
                       + (f", {item.cancelled} cancelled (an old account or language)"
                          if item.cancelled else ""))
        cancelled = dict(plan.cancelled)
        for pledge_id, status in plan.not_told:
            gone = cancelled.get(pledge_id, 0)
            click.echo(f"pledge {pledge_id}: {status}, no posts"
                       + (f" ({gone} queued before cancelled)" if gone else ""))
        if plan.without_account:
            click.echo("no account in the queue (their posts go to their share kit): pledge"
                       f"{'s' if len(plan.without_account) > 1 else ''} "
                       + ", ".join(str(i) for i in plan.without_account))
        for pledge_id in plan.without_account:
            if cancelled.get(pledge_id):
                click.echo(f"pledge {pledge_id}: {cancelled[pledge_id]} posts queued before on an "
                           "account no longer the pledger's, cancelled")
        if not plan.planned and not plan.without_account and not plan.not_told:
            click.echo("no pledge to tell.")
    for page in pages:
        click.echo(f"{terminal(str(page.path))}: share kit of pledge {page.pledge_id}, "
                   f"{page.posts} post{'s' if page.posts != 1 else ''}")
