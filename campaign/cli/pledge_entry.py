"""``campaign pledge add|edit|show|list|accept|fulfil|withdraw``: one pledge at a time.

``add`` asks the form's questions one by one and checks each answer as it is typed (or reads
them all from ``--from FILE``, YAML or JSON); every command calls one function of
campaign.pledges (submission, the store) and formats what it returns.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from campaign.cli.options import (
    PledgeId,
    console,
    db_option,
    json_option,
    open_pledges,
    pledge_rules,
    print_json,
    resolve_options,
    schedule_option,
    today_option,
)
from campaign.text.lines import print_trimmed

if TYPE_CHECKING:
    from campaign.pledges.form import FormRules
    from campaign.pledges.store import Pledge
    from campaign.pledges.submission import Notice, Resolver

STATUS_STYLE = {"draft": "dim", "submitted": "cyan", "accepted": "green", "withdrawn": "dim",
                "fulfilled": "bold green"}
MARK = {True: "[green]✓[/]", False: "[red]✗[/]", None: "[yellow]?[/]"}
COLOUR = {True: "green", False: "red", None: "yellow"}
SMART_LETTERS = (("specific", "S"), ("measurable", "M"), ("achievable", "A"), ("realistic", "R"),
                 ("time_bound", "T"))


def _resolver(resolve_via: str | None, no_resolve: bool) -> Resolver | None:
    from campaign.pledges.submission import bluesky_resolver

    return None if no_resolve else bluesky_resolver(resolve_via)


def _read_answers(path: Path) -> Mapping[str, object]:
    """The answers in a YAML or JSON file (JSON is read as the YAML it also is), bounded."""
    from campaign.content.yamlsource import load_yaml
    from campaign.pledges.form import PledgeInvalid

    data = load_yaml(path).data
    if not isinstance(data, Mapping):
        raise PledgeInvalid(["holds no mapping of the form's fields: write one field per line, "
                             "e.g. `title: ...`"], where=str(path))
    cut = _cut_by_comments(path.read_text(encoding="utf-8-sig"))
    if cut:
        raise PledgeInvalid(cut, where=str(path))
    return data


_HASHTAG_COMMENT = re.compile(r"\s+(#\S.*)$")


def _cut_by_comments(text: str) -> list[str]:
    """The text fields an unquoted ``#`` cut short: YAML reads ``... avec #EndChildLabour2021``
    as ``... avec`` and a comment, so a hashtag or a «#1» would be lost without a word. Only a
    ``#`` directly followed by a character is taken for one (a comment is written ``# ...``).
    The text has been loaded (bounded, no aliases) before this reads it again."""
    import yaml

    lines = text.splitlines()
    problems: list[str] = []

    def walk(node: yaml.Node, name: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                walk(value, f"{name}.{key.value}" if name else str(key.value))
        elif isinstance(node, yaml.SequenceNode):
            for number, item in enumerate(node.value, 1):
                walk(item, f"{name}[{number}]")
        elif (isinstance(node, yaml.ScalarNode) and node.style is None
              and node.tag == "tag:yaml.org,2002:str" and node.end_mark.line < len(lines)):
            found = _HASHTAG_COMMENT.match(lines[node.end_mark.line][node.end_mark.column:])
            if found:
                problems.append(f"line {node.end_mark.line + 1}: '{name}' stops before "
                                f"{found.group(1)[:40]!r}, as YAML reads an unquoted ' #' as "
                                "the start of a comment: put the whole value in quotes")

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:  # load_yaml read it: only what it reads differently is skipped
        return []
    if root is not None:
        walk(root, "")
    return problems


def _print_notices(notices: list[Notice]) -> None:
    from campaign.text.escape import rich_literal

    out = console(stderr=True)
    for notice in notices:
        out.print(f"[yellow]Warning:[/] {rich_literal(notice.message)}")


# -- add ---------------------------------------------------------------------------------------
@click.command(short_help="Add a pledge: answer the form's questions, or give a file.")
@click.option("--from", "from_file", type=click.Path(path_type=Path, dir_okay=False),
              help="YAML or JSON file with the form's answers (see docs/pledges.md).")
@click.option("--draft", is_flag=True, help="Keep it as a draft rather than submit it.")
@schedule_option
@today_option
@resolve_options
@db_option
@json_option
def add(from_file: Path | None, draft: bool, schedule_path: Path | None, year: int | None,
        today: datetime | None, resolve_via: str | None, no_resolve: bool, db_url: str | None,
        as_json: bool) -> None:
    """Add an Action Pledge: answer the form's questions one by one (each answer is checked as
    it is typed: word limits, email, country, handles), or give them all with --from FILE.
    The pledge is checked SMART as it is stored."""
    from campaign.pledges.submission import submit

    rules = pledge_rules(schedule_path, year, today)
    data = _read_answers(from_file) if from_file else _ask(rules)
    store = open_pledges(db_url)
    pledge, notices = submit(store, data, rules, resolve=_resolver(resolve_via, no_resolve),
                             draft=draft, where=str(from_file) if from_file else "pledge")
    _print_notices(notices)
    if as_json:
        from campaign.pledges.records import pledge_record

        print_json(pledge_record(pledge))
        return
    _print_pledge(pledge, rules.year)
    click.echo(f"Pledge {pledge.id} stored ({pledge.status.value}).")


def _prompt(name: str, rules: FormRules, label: str, *, default: str | None = None) -> str:
    """One answer, asked again until it passes its check."""
    from campaign.pledges.form import answer_problem

    def check(value: str) -> str:
        problem = answer_problem(name, value, rules)
        if problem:
            raise click.BadParameter(problem)
        return value.strip()

    return str(click.prompt(label, default=default, value_proc=check, show_default=bool(default)))


def _ask(rules: FormRules) -> dict[str, object]:
    """The form's questions, one by one, each answer checked as it is typed."""
    from campaign.pledges.handles import NETWORK_LABELS, PLEDGE_NETWORKS
    from campaign.pledges.words import CONTRIBUTION_MAX_WORDS, TITLE_MAX_WORDS, count_words

    out = console()
    out.print("[bold]Stakeholder types:[/] " + ", ".join(sorted(rules.audiences)))
    data: dict[str, object] = {
        "audience": _prompt("audience", rules, "Stakeholder type"),
        "name": _prompt("name", rules, "Name of the organisation (or your name)"),
        "country": _prompt("country", rules, "Country or region (ISO code, e.g. SN, 002)"),
        "language": _prompt("language", rules, "Language of the pledge", default=rules.languages[0]),
        "focal_point": {"name": _prompt("focal_point.name", rules, "Focal point's name"),
                        "email": _prompt("focal_point.email", rules, "Focal point's email")},
    }
    title = _prompt("title", rules, f"Title of your Action Pledge (max {TITLE_MAX_WORDS} words)")
    out.print(f"  {count_words(title)}/{TITLE_MAX_WORDS} words")
    data["title"] = title
    data["implementation"] = _prompt("implementation", rules,
                                     f"How will you implement it in {rules.year}?")
    contribution = _prompt("contribution", rules, "How will it contribute to ending child labour "
                           f"by {rules.horizon.year}? (max {CONTRIBUTION_MAX_WORDS} words)")
    out.print(f"  {count_words(contribution)}/{CONTRIBUTION_MAX_WORDS} words")
    data["contribution"] = contribution
    data["communication"] = _prompt("communication", rules, "How will you communicate on it?")
    handles = {}
    for network in PLEDGE_NETWORKS:
        handle = _prompt(f"handles.{network}", rules, f"Your {NETWORK_LABELS[network]} handle "
                         "(empty: none)", default="")
        if handle:
            handles[network] = handle
    data["handles"] = handles
    data["indicators"] = _ask_indicators(rules)
    amount = _prompt("cost.amount", rules, "Estimated cost (empty: not given)", default="")
    if amount:
        data["cost"] = {"amount": amount,
                        "currency": _prompt("cost.currency", rules, "Currency (ISO 4217)")}
    return data


def _ask_indicators(rules: FormRules) -> list[dict[str, object]]:
    """Indicators until an empty name: unit, baseline, target, deadline."""
    indicators: list[dict[str, object]] = []
    while True:
        name = click.prompt(f"Indicator {len(indicators) + 1} name (empty: done)", default="",
                            show_default=False).strip()
        if not name:
            return indicators
        indicators.append({
            "name": name,
            "unit": click.prompt("  unit", default="", show_default=False).strip(),
            "baseline": click.prompt("  baseline", type=float, default=0.0),
            "target": click.prompt("  target", type=float),
            "deadline": _prompt(f"indicators[{len(indicators) + 1}].deadline", rules,
                                "  deadline (YYYY-MM-DD)", default=f"{rules.year}-12-31"),
        })


# -- show and list -----------------------------------------------------------------------------
def _smart_marks(smart: Mapping[str, Any]) -> str:
    """The five letters, each coloured by its verdict (green met, red not, yellow unknown)."""
    criteria = smart.get("criteria", {})
    return "".join(f"[{COLOUR[criteria.get(name, {}).get('ok')]}]{letter}[/]"
                   for name, letter in SMART_LETTERS)


def _money(amount: Any, currency: str) -> str:
    """An amount with its currency as English writes it (Babel), with the currency's decimals
    and any more the amount has, never rounded: ``XOF 45,000,000``, ``EUR 12,500.50``."""
    from babel.numbers import format_currency, get_currency_precision

    digits = get_currency_precision(currency)
    decimals = "." + "0" * digits + "#" * (6 - digits) if digits < 6 else "." + "0" * digits
    return str(format_currency(amount, currency, locale="en", currency_digits=False,
                               format="¤¤ #,##0" + decimals))


def _print_pledge(pledge: Pledge, year: int) -> None:
    """A pledge's answers, handles, indicators and SMART check, aligned, fitting 80 columns."""
    from rich.table import Table

    from campaign.pledges.form import country_name
    from campaign.text.escape import rich_literal as lit

    form = pledge.form
    out = console()
    style = STATUS_STYLE.get(pledge.status.value, "")
    out.print(f"[bold]Pledge {pledge.id}[/] [{style}]{pledge.status.value}[/]  "
              f"{_smart_marks(pledge.smart)}")
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    rows: list[tuple[str, str]] = [
        ("Title", form.title), ("Who", f"{form.name} ({form.audience})"),
        ("Country", f"{country_name(form.country, 'en')} ({form.country})"),
        ("Language", form.language),
        ("Focal point", f"{form.focal_point.name} <{form.focal_point.email}>"),
        ("Submitted", form.submitted_on.isoformat() if form.submitted_on else ""),
        (f"In {year}", form.implementation), ("By 2025", form.contribution),
        ("Communication", form.communication)]
    for network, handle in form.handles.items():
        did = pledge.dids.get(network)
        rows.append((f"{network}", handle + (f"  {did}" if did else "")))
    for state in pledge.indicators:
        ind = state.indicator
        latest = state.latest
        now = f", {latest.value:g} on {latest.on}" if latest else ", no report yet"
        rows.append(("Indicator", f"{ind.name}: {ind.baseline:g} → {ind.target:g} {ind.unit} "
                                  f"by {ind.deadline}{now}"))
    if form.cost:
        rows.append(("Cost", _money(form.cost.amount, form.cost.currency)))
    plan = form.amplification
    if plan and plan.cost:
        rows.append(("2022–2025", _money(plan.cost.amount, plan.cost.currency)))
    if form.amplification and form.amplification.strategy:
        rows.append(("Scaling up", form.amplification.strategy))
    for label, value in rows:
        table.add_row(label, lit(value))
    print_trimmed(out, table)
    from campaign.cli.views import print_smart

    print_smart(out, pledge.smart)


@click.command(short_help="Show one pledge: its answers, indicators, SMART check and history.")
@click.argument("pledge_id", type=PledgeId())
@schedule_option
@db_option
@json_option
def show(pledge_id: int, schedule_path: Path | None, year: int | None, db_url: str | None,
         as_json: bool) -> None:
    """Show one pledge: its answers, handles, indicators with their last report, its SMART check
    and every change made to it."""
    from campaign.pledges.records import pledge_record

    store = open_pledges(db_url)
    pledge = store.get(pledge_id)
    events = store.events(pledge_id)
    if as_json:
        print_json(pledge_record(pledge) | {"events": [
            {"at": e.at.isoformat(), "action": e.action, "from": e.from_status,
             "to": e.to_status, "actor": e.actor, "detail": dict(e.detail)} for e in events]})
        return
    _print_pledge(pledge, pledge.form.submitted_on.year if pledge.form.submitted_on else 2021)
    out = console()
    out.print("[bold]History[/]")
    from campaign.text.escape import rich_literal as lit

    for event in events:
        out.print(f"  {event.at:%Y-%m-%d %H:%M}  {event.action:<8} {lit(_event_text(event))}",
                  soft_wrap=False, overflow="ellipsis", no_wrap=True)


def _event_text(event: Any) -> str:
    """What one change was, in a few words: the status, the fields edited, the value reported."""
    detail = event.detail
    if event.action in {"created", "status"}:
        change = f"{event.from_status + ' ' if event.from_status else ''}→ {event.to_status}"
        return change + (f" ({detail['note']})" if detail.get("note") else "")
    if event.action == "edited":
        return ", ".join(sorted(detail))
    if event.action == "progress":
        return f"{detail.get('indicator')}: {detail.get('value'):g} on {detail.get('on')}"
    if event.action == "did":
        return f"{detail.get('network')} {detail.get('did')}"
    return ""


@click.command("list", short_help="List pledges, filtered by status, stakeholder type, country.")
@click.option("--status", "statuses", multiple=True, help="draft, submitted, accepted, ...")
@click.option("--audience", "-a", "audiences", multiple=True, help="Stakeholder type.")
@click.option("--country", "countries", multiple=True, help="ISO code, e.g. SN.")
@click.option("--lang", "-l", "languages", multiple=True, help="Language, e.g. fr.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many.")
@db_option
@json_option
def list_(statuses: tuple[str, ...], audiences: tuple[str, ...], countries: tuple[str, ...],
          languages: tuple[str, ...], limit: int | None, db_url: str | None,
          as_json: bool) -> None:
    """List pledges with their status, who made them and their SMART marks."""
    from rich.table import Table

    from campaign.text.escape import rich_literal as lit

    pledges = open_pledges(db_url).pledges(statuses=statuses, audiences=audiences,
                                           countries=countries, languages=languages, limit=limit)
    if as_json:
        from campaign.pledges.records import pledge_record

        print_json([pledge_record(p) for p in pledges])
        return
    if not pledges:
        click.echo("No pledges match.")
        return
    table = Table(box=None, padding=(0, 1), header_style="bold")
    # the short columns at fixed widths; the pledge (who, then its title, wrapped) takes the
    # rest, so nothing is cut and every row fits 80 columns
    widths = {"id": max(2, len(str(pledges[-1].id))), "status": 9, "SMART": 5, "ctry": 4}
    for column, size in widths.items():
        table.add_column(column, no_wrap=True, min_width=size, max_width=size,
                         justify="right" if column == "id" else "left")
    width = min(80, console().width)
    # rich hides a column it cannot fit rather than narrow another: give the last one the rest
    rest = max(20, width - sum(widths.values()) - 2 * (len(widths) + 1))
    table.add_column("pledge", overflow="fold", min_width=rest, max_width=rest)
    for p in pledges:
        style = STATUS_STYLE.get(p.status.value, "")
        table.add_row(str(p.id), f"[{style}]{p.status.value}[/]", _smart_marks(p.smart),
                      p.form.country, f"[bold]{lit(p.form.name)}[/] · {lit(p.form.audience)}\n"
                                      f"{lit(p.form.title)}")
    print_trimmed(console(), table, width=width)


# -- edit and status ---------------------------------------------------------------------------
# what --set FIELD= (empty) leaves of a whole part of the form: it removes it
_REMOVED: dict[str, Any] = {"cost": None, "amplification": None, "handles": {}, "indicators": []}


def _parse_sets(pairs: tuple[str, ...], current: Mapping[str, Any]) -> dict[str, object]:
    """``field=value`` pairs applied to the pledge's ``current`` form data, as the changed
    top-level fields: dotted names reach into any part (``focal_point.email``,
    ``amplification.cost.amount``, ``indicators.2.target``, counted from 1 as the CSV columns,
    the next number adding an indicator); an empty value removes what it names."""
    import copy

    from campaign.errors import CampaignError

    changes: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        parts = [part.strip() for part in name.strip().split(".")]
        if not sep or not all(parts):
            raise CampaignError(f"--set {pair!r} is not FIELD=VALUE: write e.g. "
                                "--set title=\"...\" or --set handles.x=@ilo")
        head = parts[0]
        if len(parts) == 1:
            changes[head] = _REMOVED[head] if head in _REMOVED and not value.strip() else value
            continue
        base = changes[head] if head in changes else copy.deepcopy(current.get(head))
        if head == "indicators":
            base = list(base or [])
        elif not isinstance(base, dict):
            base = {}
        changes[head] = _set_in(base, parts[1:], value, name.strip())
    return changes


def _set_in(container: Any, parts: list[str], value: str, name: str) -> Any:
    """``container`` with the field at ``parts`` set to ``value`` (removed when empty)."""
    from campaign.errors import CampaignError

    part, rest = parts[0], parts[1:]
    if isinstance(container, list):
        count = len(container)
        if (not part.isdigit() or not 1 <= int(part) <= count + 1
                or (not rest and int(part) == count + 1)):
            known = "no indicator yet" if not count else (
                "indicator 1" if count == 1 else f"indicators 1 to {count}")
            raise CampaignError(f"--set {name}: {part!r} is not the number of one of its "
                                f"indicators: it has {known}; {count + 1} adds one, e.g. "
                                f"--set indicators.{count + 1}.name=...")
        index = int(part) - 1
        if index == len(container):
            container.append({})
        if not rest:
            if value.strip():
                raise CampaignError(f"--set {name}: name a field of the indicator, e.g. "
                                    f"--set {name}.target=500 (--set {name}= removes it)")
            del container[index]
            return container
        if not isinstance(container[index], dict):
            container[index] = {}
        container[index] = _set_in(container[index], rest, value, name)
        return container
    if not rest:
        if value.strip():
            container[part] = value
        else:
            container.pop(part, None)
        return container
    child = container.get(part)
    container[part] = _set_in(child if isinstance(child, dict) else {}, rest, value, name)
    return container


@click.command(short_help="Change a pledge's answers (checked again, the history keeps both).")
@click.argument("pledge_id", type=PledgeId())
@click.option("--from", "from_file", type=click.Path(path_type=Path, dir_okay=False),
              help="YAML or JSON file with the fields to change.")
@click.option("--set", "sets", multiple=True, metavar="FIELD=VALUE",
              help="A field to change, e.g. --set title=\"...\" or --set handles.x=@ilo "
                   "(--set handles.x= removes the handle).")
@schedule_option
@today_option
@resolve_options
@db_option
@json_option
def edit(pledge_id: int, from_file: Path | None, sets: tuple[str, ...],
         schedule_path: Path | None, year: int | None, today: datetime | None,
         resolve_via: str | None, no_resolve: bool, db_url: str | None, as_json: bool) -> None:
    """Change a pledge's answers: the whole form is checked again (and SMART), and the
    pledge's history keeps each changed field before and after."""
    from campaign.errors import CampaignError
    from campaign.pledges.submission import edit as edit_pledge

    if not from_file and not sets:
        raise CampaignError("nothing to change: give --from FILE or --set FIELD=VALUE")
    changes: dict[str, Any] = dict(_read_answers(from_file)) if from_file else {}
    from campaign.pledges.submission import form_data

    store = open_pledges(db_url)
    before = store.get(pledge_id)
    # --set handles.x= removes the handle (and its DID); --set over --from's fields
    changes |= _parse_sets(sets, form_data(before.form) | changes)
    rules = pledge_rules(schedule_path, year, today)
    pledge, notices = edit_pledge(store, pledge_id, changes, rules,
                                  resolve=_resolver(resolve_via, no_resolve))
    _print_notices(notices)
    if as_json:
        from campaign.pledges.records import pledge_record

        print_json(pledge_record(pledge))
        return
    if pledge.updated_at == before.updated_at:  # the store wrote nothing
        click.echo(f"Pledge {pledge.id} unchanged: {', '.join(sorted(changes))} already "
                   "had the values given.")
        return
    click.echo(f"Pledge {pledge.id} changed: {', '.join(sorted(changes))}.")


def _status_command(name: str, status: str, summary: str) -> click.Command:
    @click.command(name, short_help=summary, help=summary)
    @click.argument("pledge_id", type=PledgeId())
    @click.option("--note", default="", help="Why, kept in the pledge's history.")
    @db_option
    @json_option
    def command(pledge_id: int, note: str, db_url: str | None, as_json: bool) -> None:
        pledge = open_pledges(db_url).set_status(pledge_id, status, note=note)
        if as_json:
            print_json({"id": pledge.id, "status": pledge.status.value})
            return
        now = "a draft again" if pledge.status.value == "draft" else pledge.status.value
        click.echo(f"Pledge {pledge.id} is now {now}.")

    return command


accept = _status_command("accept", "accepted", "Accept a submitted pledge into the registry.")
submit = _status_command("submit", "submitted", "Submit a draft pledge to the secretariat.")
draft = _status_command("draft", "draft", "Send a submitted pledge back to its pledger as a draft.")
fulfil = _status_command("fulfil", "fulfilled", "Mark an accepted pledge as kept.")


@click.command(short_help="Withdraw a pledge; its posts not yet out are cancelled.")
@click.argument("pledge_id", type=PledgeId())
@click.option("--note", default="", help="Why, kept in the pledge's history.")
@schedule_option
@db_option
@json_option
def withdraw(pledge_id: int, note: str, schedule_path: Path | None, year: int | None,
             db_url: str | None, as_json: bool) -> None:
    """Withdraw a pledge: it stays in the record of the year, and its posts still queued are
    cancelled (a withdrawn pledge is no longer told)."""
    from campaign.cli.options import open_store
    from campaign.content.selection import load
    from campaign.pledges.posts import withdraw as withdraw_pledge

    schedule = load(schedule_path, year)
    pledge, cancelled = withdraw_pledge(open_store(db_url), open_pledges(db_url), schedule,
                                        pledge_id, note=note)
    if as_json:
        print_json({"id": pledge.id, "status": pledge.status.value, "posts_cancelled": cancelled})
        return
    posts = f"; {cancelled} queued post{'s' if cancelled != 1 else ''} cancelled" if cancelled else ""
    click.echo(f"Pledge {pledge.id} is now {pledge.status.value}{posts}.")


@click.command(short_help="Look up the DIDs of Bluesky handles stored without one.")
@click.argument("pledge_ids", nargs=-1, type=PledgeId())
@resolve_options
@db_option
@json_option
def resolve(pledge_ids: tuple[int, ...], resolve_via: str | None, no_resolve: bool,
            db_url: str | None, as_json: bool) -> None:
    """Look up the DID of each Bluesky handle stored without one (or of the pledges given):
    handles change, DIDs do not, so the secretariat finds a pledger's posts by DID."""
    from campaign.errors import CampaignError
    from campaign.pledges.submission import resolve_missing
    from campaign.text.escape import rich_literal as lit

    resolver = _resolver(resolve_via, no_resolve)
    if resolver is None:
        raise CampaignError("resolution is off (--no-resolve or CAMPAIGN_BLUESKY_RESOLVER=off): "
                            "give --resolve-via URL of a PDS or appview")
    results = resolve_missing(open_pledges(db_url), resolver, ids=pledge_ids)
    if as_json:
        print_json([{"id": r.pledge_id, "handle": r.handle, "did": r.did, "problem": r.problem}
                    for r in results])
    else:
        out = console()
        import textwrap

        for r in results:
            out.print(f"{r.pledge_id:>5}  {lit(r.handle)}" + (f"  [green]{r.did}[/]" if r.did else ""))
            if not r.did:
                out.print("[yellow]" + lit(textwrap.fill(r.problem, 80, initial_indent=" " * 7,
                                                         subsequent_indent=" " * 7)) + "[/]")
        click.echo(f"{sum(1 for r in results if r.did)} of {len(results)} handles resolved.")
    if any(r.did is None for r in results):
        raise click.exceptions.Exit(1)
