"""``campaign pledge check``: is a pledge SMART? One line per criterion, in the pledge's language."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from campaign.cli.options import console, fail, json_option, print_json

if TYPE_CHECKING:
    from campaign.pledges.smart import SmartResult

MARKS = {True: ("✓", "green"), False: ("✗", "red"), None: ("?", "yellow")}
WIDTH = 80  # the lines fit 80 columns whatever the terminal's width


@click.command(short_help="Check a pledge is SMART, with the reason and a fix for each criterion.")
@click.argument("text", metavar="TEXT")
@click.option("--lang", "-l", "lang", required=True, metavar="LANG",
              help="The pledge's language: fr, en or es.")
@click.option("--year", type=int, default=2021, show_default=True, metavar="YYYY",
              help="The campaign's year: the pledge's deadline falls within it.")
@click.option("--strict", is_flag=True,
              help="Exit with 1 when a criterion is not met (a '?' does not count).")
@json_option
def check(text: str, lang: str, year: int, strict: bool, as_json: bool) -> None:
    """Check a pledge is SMART, with the reason and a fix for each criterion.

    TEXT is the pledge (its title and how it will be carried out), or - to read it from
    standard input. Each criterion is met (✓), not met (✗) or cannot be told from the text
    alone (?), when the guide's own question is asked instead.
    """
    from campaign.pledges.smart import check_text

    if text == "-":
        text = sys.stdin.read()
    result = check_text(text, lang, year=year)
    if as_json:
        print_json(result.to_json())
    else:
        print_result(result)
    if strict and result.failed():
        fail(1)


def print_result(result: SmartResult) -> None:
    """The verdicts, one criterion a line with its reason, and its fix under it, wrapped within
    80 columns; the pledge's quoted words printed as they are, never as markup."""
    import textwrap

    from rich.text import Text

    from campaign.pledges.lexicon import lexicon
    from campaign.pledges.smart import CRITERIA
    from campaign.text.escape import terminal

    out = console()
    labels = lexicon(result.lang).labels
    width = max(len(labels[name]) for name in CRITERIA)
    indent = " " * (width + 3)
    counts = [sum(v.ok is state for v in result.criteria.values()) for state in (True, False, None)]
    out.print(Text(f"SMART check ({result.lang}, {result.words} words): {counts[0]} met, "
                   f"{counts[1]} not met, {counts[2]} to answer", style="bold"))
    for name in CRITERIA:
        verdict = result.criteria[name]
        mark, colour = MARKS[verdict.ok]
        why = textwrap.wrap(terminal(verdict.why), WIDTH - len(indent)) or [""]
        line = Text(f"{mark} ", style=f"bold {colour}")
        line.append(labels[name].ljust(width), style=colour)
        line.append(" " + why[0])
        for more in why[1:]:
            line.append(f"\n{indent}{more}")
        if verdict.suggestion:
            fix = textwrap.wrap("→ " + terminal(verdict.suggestion), WIDTH - len(indent))
            line.append("".join(f"\n{indent}{part}" for part in fix), style="dim")
        out.print(line, soft_wrap=True)
