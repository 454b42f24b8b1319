"""``campaign amplify repost|quote``: queue a repost or a quote of someone else's post."""

from __future__ import annotations

import click

from campaign.cli.options import db_option, json_option, open_store, print_json, utc_text


@click.command(short_help="Queue a repost or a quote of someone else's post.")
@click.argument("how", type=click.Choice(("repost", "quote")))
@click.argument("target", metavar="POST_URL")
@click.option("--account", "account_name", required=True, metavar="NETWORK[=HANDLE]",
              help="The account that reposts or quotes, e.g. bluesky=@ilo.org.")
@click.option("--text", default="", help="The words of a quote post.")
@click.option("--at", "when", default=None, metavar="ISO",
              help="When to send it (default: now), e.g. 2021-06-12T10:00+02:00.")
@click.option("--language", default="en", show_default=True, help="Language of the quote text.")
@click.option("--review", is_flag=True, help="Queue it as a draft, to approve first.")
@json_option
@db_option
def amplify(how: str, target: str, account_name: str, text: str, when: str | None,
            language: str, review: bool, as_json: bool, db_url: str | None) -> None:
    """Queue a repost or a quote of someone else's post.

    It goes through the same queue as campaign posts: exactly once, retried, paused on rate limits.
    """
    from campaign.queue.amplify import parse_when, queue_amplification

    store = open_store(db_url)
    account = store.named_account(account_name)
    post = queue_amplification(store, account, how, target, text=text, when=parse_when(when),
                               language=language, review=review)
    if as_json:
        print_json({"id": post.id, "status": str(post.status), "kind": post.kind,
                    "target": post.target, "due_at": utc_text(post.due_at)})
        return
    click.echo(f"Queued {how} #{post.id} of {target} on {account.network} {account.handle}, "
               f"due {post.due_at:%Y-%m-%d %H:%M} UTC ({post.status}).")
