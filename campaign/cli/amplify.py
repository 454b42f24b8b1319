"""``campaign amplify``: repost or quote someone else's post by hand (``repost``, ``quote``), or
those a policy chooses among the collected posts (``auto``), and read why (``log``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from campaign.cli.options import db_option, json_option, open_store, print_json, utc_text

if TYPE_CHECKING:
    from campaign.queue.amplify_auto import Decision, Decisions
    from campaign.queue.amplify_log import Logged

LANGS = ("fr", "en", "es")
SHOWN = 200  # decisions printed; --json lists them all


@click.group(short_help="Repost or quote others' posts: one by hand, or those a policy chooses.")
def amplify() -> None:
    """Repost or quote others' posts: one by hand, or those a policy chooses.

    Every amplification goes through the same queue as campaign posts: exactly once, retried,
    paused on rate limits. `auto` chooses among the collected posts under a policy file and
    records why each was queued or skipped; `log` reads that record."""


def _by_hand(how: str, target: str, account_name: str, text: str, when: str | None,
             language: str, review: bool, as_json: bool, db_url: str | None) -> None:
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


def _hand_options(func: click.decorators.FC) -> click.decorators.FC:
    for option in reversed((
            click.argument("target", metavar="POST_URL"),
            click.option("--account", "account_name", required=True, metavar="NETWORK[=HANDLE]",
                         help="The account that reposts or quotes, e.g. bluesky=@ilo.org."),
            click.option("--text", default="", help="The words of a quote post."),
            click.option("--at", "when", default=None, metavar="ISO",
                         help="When to send it (default: now), e.g. 2021-06-12T10:00+02:00."),
            click.option("--language", default="en", show_default=True,
                         help="Language of the quote text."),
            click.option("--review", is_flag=True, help="Queue it as a draft, to approve first."),
            json_option, db_option)):
        func = option(func)
    return func


@amplify.command(short_help="Queue a repost of someone else's post.")
@_hand_options
def repost(target: str, account_name: str, text: str, when: str | None, language: str,
           review: bool, as_json: bool, db_url: str | None) -> None:
    """Queue a repost of someone else's post."""
    _by_hand("repost", target, account_name, text, when, language, review, as_json, db_url)


@amplify.command(short_help="Queue a quote of someone else's post, with your words.")
@_hand_options
def quote(target: str, account_name: str, text: str, when: str | None, language: str,
          review: bool, as_json: bool, db_url: str | None) -> None:
    """Queue a quote of someone else's post, with your words (--text)."""
    _by_hand("quote", target, account_name, text, when, language, review, as_json, db_url)


@amplify.command(short_help="Queue the collected posts a policy file chooses; say why not the rest.")
@click.option("--policy", "policy_path", required=True,
              type=click.Path(path_type=Path, dir_okay=False),
              help="The policy (YAML): see schedules/examples/amplify-policy.yaml.")
@click.option("--dry-run", is_flag=True,
              help="Print the decisions; queue nothing and record nothing.")
@click.option("--now", "now_text", default=None, metavar="ISO",
              help="Decide as at this moment (default: now), e.g. 2021-06-12T10:00+02:00.")
@click.option("--lang", "-l", "lang", type=click.Choice(LANGS), default="en", show_default=True,
              help="Language of the printout and of the messages in --json.")
@click.option("--schedule", "schedule_path", type=click.Path(path_type=Path, dir_okay=False),
              default=None, help="The schedule whose timezone and hashtags are the policy's "
                                 "defaults (default: the built-in 2021 campaign).")
@json_option
@db_option
def auto(policy_path: Path, dry_run: bool, now_text: str | None, lang: str,
         schedule_path: Path | None, as_json: bool, db_url: str | None) -> None:
    """Queue the collected posts a policy file chooses; say why not the rest.

    Each recent collected post is decided for each of the policy's accounts: queued, or skipped
    with a reason (not-a-pledger, reply, too-young, daily-cap...). Every decision is recorded in
    the audit log (`campaign amplify log`); --dry-run records and queues nothing."""
    from campaign.queue.amplify_auto import decide
    from campaign.queue.amplify_policy import load_policy

    policy = load_policy(policy_path, schedule_path=schedule_path)
    store = open_store(db_url)
    # the printout shows SHOWN decisions: only those are held, every one is counted
    result = decide(store, policy, now=_moment(now_text), dry_run=dry_run,
                    keep=None if as_json else SHOWN)
    if as_json:
        print_json(result.as_dict(lang))
        return
    _print_decisions(result, lang)


@amplify.command(short_help="Read the audit log: what amplify auto queued or skipped, and why.")
@click.option("--since", "since_text", default=None, metavar="ISO",
              help="From this day or moment on (UTC unless an offset is given), e.g. 2021-06-12.")
@click.option("--limit", type=click.IntRange(1, 1_000_000), default=100, show_default=True,
              help="At most this many decisions, newest first.")
@click.option("--lang", "-l", "lang", type=click.Choice(LANGS), default="en", show_default=True,
              help="Language of the printout and of the messages in --json.")
@json_option
@db_option
def log(since_text: str | None, limit: int, lang: str, as_json: bool, db_url: str | None) -> None:
    """Read the audit log: what amplify auto queued or skipped, and why."""
    from campaign.queue.amplify_log import decision_log

    since = _moment(since_text, "--since") if since_text else None
    found = decision_log(open_store(db_url), since=since, limit=limit)
    if as_json:
        print_json([d.as_dict(lang) for d in found])
        return
    _print_log(found, lang)


def _moment(text: str | None, option: str = "--now") -> datetime:
    """A day or moment given on the command line, in UTC (now when not given)."""
    from campaign.queue.amplify import parse_when

    return parse_when(text, option)


# -- printing -----------------------------------------------------------------------------------
WIDTH = 80
GAP = "  "
# the narrowest the author and the account columns get when the line must fit WIDTH (every
# other column is short: a post number or a time, a decision, a reason of at most 26 cells)
_NARROWEST = 10


def _cut(text: str, width: int) -> str:
    """``text`` within ``width`` cells, an ellipsis at the end when it is cut."""
    from rich.cells import cell_len, set_cell_size

    return text if cell_len(text) <= width else set_cell_size(text, max(width - 1, 0)) + "…"


def _pad(text: str, width: int) -> str:
    from rich.cells import cell_len

    return text + " " * max(width - cell_len(text), 0)


def _table_lines(lang: str, first: str, rows: Sequence[list[str]]) -> list[str]:
    """The rows under their headers, aligned, within WIDTH columns, no trailing space."""
    from rich.cells import cell_len

    from campaign.queue import amplify_labels as labels

    head = labels.headers(lang)
    keys = (first, "author", "account", "decision", "reason")
    table = [[head[k] for k in keys], *rows]
    widths = [max(cell_len(r[i]) for r in table) for i in range(len(keys))]
    over = sum(widths) + len(GAP) * (len(keys) - 1) - WIDTH
    while over > 0 and max(widths[1], widths[2]) > _NARROWEST:
        i = 1 if widths[1] >= widths[2] else 2  # the author and the account give way
        widths[i] -= 1
        over -= 1
    return [GAP.join(_pad(_cut(cell, w), w) for cell, w in zip(r, widths, strict=True)).rstrip()
            for r in table]


def _row(item: Decision | Logged, first: str, lang: str) -> list[str]:
    from campaign.queue import amplify_labels as labels
    from campaign.text.escape import terminal

    return [terminal(first), terminal(item.author), terminal(item.account),
            labels.decision(lang, item.decision), labels.reason(lang, item.reason)]


def _wrap(text: str) -> list[str]:
    """A sentence within WIDTH columns, cut between words only."""
    import textwrap

    return textwrap.wrap(text, WIDTH, break_long_words=False, break_on_hyphens=False) or [""]


def _wrap_items(head: str, items: Sequence[str]) -> list[str]:
    """``head item, item, ...`` within WIDTH columns, cut between items only (the next lines
    indented by two spaces)."""
    from rich.cells import cell_len

    lines, line = [], head
    for n, item in enumerate(items):
        piece = item + ("," if n < len(items) - 1 else "")
        if cell_len(line) + 1 + cell_len(piece) > WIDTH and line.strip():
            lines.append(line)
            line = "  " + piece
        else:
            line = f"{line} {piece}" if line else piece
    lines.append(line)
    return lines


def _echo(lines: Sequence[str]) -> None:
    for line in lines:
        click.echo(line.rstrip())


def _print_decisions(result: Decisions, lang: str) -> None:
    from babel.dates import format_datetime
    from babel.numbers import format_decimal

    from campaign.queue import amplify_labels as labels
    from campaign.text.escape import terminal

    at = format_datetime(result.at, "short", tzinfo=result.at.tzinfo, locale=lang) + " UTC"
    _echo(_wrap(terminal(labels.text(lang, "policy", policy=result.policy.split(" sha256:")[0],
                                     run=result.run, at=at))))
    if not result.total:
        _echo([labels.text(lang, "none")])
    else:
        _echo(_table_lines(lang, "post", [_row(item, f"#{item.post_ref}", lang)
                                          for item in result.items[:SHOWN]]))
        if result.total > len(result.items[:SHOWN]):
            _echo(_wrap(labels.text(lang, "more", n=format_decimal(
                result.total - len(result.items[:SHOWN]), locale=lang))))
    skipped = result.skipped
    counts = {"queued": format_decimal(result.queued, locale=lang),
              "skipped": format_decimal(sum(skipped.values()), locale=lang)}
    line = labels.text(lang, "summary", **counts)
    _echo(_wrap(labels.text(lang, "dry") + line if result.dry_run
                else line[:1].upper() + line[1:]))
    if skipped:
        _echo(_wrap_items(labels.text(lang, "by_reason"), [
            f"{labels.reason(lang, code)} {format_decimal(n, locale=lang)}"
            for code, n in sorted(skipped.items(), key=lambda kv: (-kv[1], kv[0]))]))


def _print_log(found: Sequence[Logged], lang: str) -> None:
    from campaign.queue import amplify_labels as labels

    if not found:
        _echo([labels.text(lang, "empty_log")])
        return
    _echo(_table_lines(lang, "at", [_row(item, f"{item.at:%m-%d %H:%M}", lang)
                                    for item in found]))
