"""``campaign pledge check``: is a pledge SMART? One line per criterion, in the pledge's language."""

from __future__ import annotations

import sys

import click

from campaign.cli.options import console, fail, json_option, print_json


@click.command(short_help="Check a pledge is SMART: why, and a fix, for each criterion.")
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
        from campaign.cli.views import print_smart

        print_smart(console(), result.to_json())
    if strict and result.failed():
        fail(1)
