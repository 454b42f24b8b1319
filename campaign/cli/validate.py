"""``campaign validate``: check a schedule and every post of it, reporting every problem at once."""

from __future__ import annotations

from pathlib import Path

import click

from campaign.cli.options import fail, json_option, print_json, schedule_option, template_options


@click.command()
@click.argument("schedule_arg", required=False, metavar="[SCHEDULE_PATH]",
                type=click.Path(path_type=Path))
@schedule_option
@template_options
@json_option
def validate(schedule_arg: Path | None, schedule_path: Path | None, year: int | None,
             template_dirs: tuple[Path, ...], profile_path: Path | None,
             variables: tuple[str, ...], as_json: bool) -> None:
    """Check a schedule and render every post of it, reporting every problem at once."""
    from campaign.content.validate import validate_schedule
    from campaign.errors import ScheduleProblems
    from campaign.text.escape import terminal

    schedule_path = schedule_arg or schedule_path  # the positional file wins over -s and the env
    report = validate_schedule(schedule_path, year=year, template_dirs=template_dirs,
                               profile_path=profile_path, variables=variables)
    if as_json:
        print_json(report.as_dict())
    elif report.ok:
        click.echo(click.style("✓ ", fg="green") + terminal(report.summary()))
    if not report.ok:
        if not as_json:
            # problems quote the schedule's own text: printed inert, never as escape sequences
            click.echo(click.style("✗ ", fg="red")
                       + terminal(ScheduleProblems(report.problems).message), err=True)
        fail(2)
