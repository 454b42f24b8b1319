"""Benchmarks of the pledges: a CSV import of 10,000 pledges, and the SMART check alone.

Run with ``python bench/bench_pledges.py`` (or ``make bench``); ``--pledges 2000`` for a quick
look (not the figure to quote), ``--only import`` or ``--only smart`` for one figure. Each figure
is printed next to a baseline measured in the same run: the machine is shared and absolute
times drift, the ratios are what to compare.

- import: ``import_pledges`` of a generated CSV (French, English and Spanish pledges made from
  the guide's suggestions, varied names, one or two indicators, handles on three to five
  networks) into a fresh SQLite file, with every check ``pledge add`` makes and the SMART check;
  the baseline inserts the same already-checked rows (pledges, handles, indicators, events) with
  bare ``sqlite3`` and ``executemany`` in one transaction. The breakdown times each stage alone
  (parse, form checks, SMART, store) so the ratio can be explained.
- smart: ``check_text`` over the guide's suggestions in three languages, on one core.
"""

# The imports below come after the sys.path line, on purpose:
# ruff: noqa: E402

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import random
import sqlite3
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

import figures  # beside this file: the --only option every benchmark has
import yaml

from campaign.atomic import atomic_open
from campaign.content.resources import builtin_schedule
from campaign.content.schedule import load_schedule
from campaign.pledges.form import FormRules, validate_form
from campaign.pledges.io import import_pledges, read_file
from campaign.pledges.io_csv import flatten, write_pledges
from campaign.pledges.store import NewPledge, PledgeStore, _row_values
from campaign.pledges.submission import prepare, smart_of
from campaign.pledges.words import CONTRIBUTION_MAX_WORDS, TITLE_MAX_WORDS, count_words
from campaign.queue.engine import utcnow

PLEDGES = 10_000
TODAY = date(2021, 3, 1)
LANGUAGES = ("fr", "en", "es")
SQLITE_PRAGMAS = ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON",
                  "busy_timeout=60000")
COUNTRIES = ("SN", "CI", "FR", "GH", "NG", "BR", "MX", "PE", "IN", "BD", "PH", "ES", "GB",
             "KE", "419", "002")
WHO = {"fr": ("Ministère du Travail", "Association", "Coopérative", "Syndicat", "Université"),
       "en": ("Ministry of Labour", "Foundation", "Cooperative", "Union", "University"),
       "es": ("Ministerio de Trabajo", "Fundación", "Cooperativa", "Sindicato", "Universidad")}
PLACES = ("Dakar", "Abidjan", "Lyon", "Accra", "Lagos", "Recife", "Puebla", "Cusco", "Pune",
          "Dhaka", "Cebu", "Sevilla", "Leeds", "Nairobi")
UNITS = {"fr": ("enfants", "écoles", "inspections"), "en": ("children", "schools", "inspections"),
         "es": ("niños", "escuelas", "inspecciones")}
TEXTS = {"fr": ("Un comité de pilotage suit le plan chaque mois avec les partenaires.",
                "Des publications chaque mois avec #EndChildLabour2021 et un rapport en juillet."),
         "en": ("A steering committee follows the plan every month with partners.",
                "Monthly posts with #EndChildLabour2021 and a report in July."),
         "es": ("Un comité de dirección sigue el plan cada mes con los socios.",
                "Publicaciones mensuales con #EndChildLabour2021 y un informe en julio.")}


def suggestions() -> dict[str, list[tuple[str, str]]]:
    """The guide's suggested pledges, by audience: (language, text)."""
    data = yaml.safe_load((ROOT / "schedules" / "pledges.yaml").read_text(encoding="utf-8"))
    out: dict[str, list[tuple[str, str]]] = {}
    for audience, block in data["audiences"].items():
        texts = [(lang, s[lang]) for s in block["suggestions"] for lang in LANGUAGES]
        example = block.get("smart_example") or {}
        texts += [(lang, example["smart"][lang]) for lang in LANGUAGES if example]
        out[audience] = texts
    return out


def _title(text: str, year_word: str) -> str:
    words = text.rstrip(".").split()
    if len(words) > TITLE_MAX_WORDS:
        words = [*words[:TITLE_MAX_WORDS - 2], year_word, "2021"]
    return " ".join(words)


def generate(total: int, rules: FormRules) -> list[dict[str, Any]]:
    """``total`` realistic, valid and distinct pledges (form data)."""
    rng = random.Random(2021)
    ideas = suggestions()
    audiences = [a for a in ideas if a in rules.audiences]
    year_word = {"fr": "en", "en": "in", "es": "en"}
    pledges = []
    for number in range(total):
        audience = rng.choice(audiences)
        lang, text = rng.choice(ideas[audience])
        contribution = " ".join(text.split()[:CONTRIBUTION_MAX_WORDS])
        name = f"{rng.choice(WHO[lang])} {rng.choice(PLACES)} {number}"
        slug = f"org{number}"
        handles = {"x": f"@{slug}", "bluesky": f"{slug}.bsky.social",
                   "mastodon": f"@{slug}@mastodon.social"}
        if rng.random() < 0.5:
            handles["linkedin"] = f"company/{slug}"
        if rng.random() < 0.3:
            handles["instagram"] = slug
        indicators = [{"name": f"{rng.choice(UNITS[lang]).capitalize()} {k + 1}",
                       "unit": rng.choice(UNITS[lang]), "baseline": rng.randint(0, 10),
                       "target": rng.randint(20, 5000),
                       "deadline": (date(2021, 6, 30) + timedelta(days=rng.randint(0, 183)))
                       .isoformat()} for k in range(rng.choice((1, 2)))]
        pledges.append({
            "audience": audience, "name": name, "country": rng.choice(COUNTRIES),
            "language": lang, "focal_point": {"name": f"Focal {number}",
                                              "email": f"focal{number}@example.org"},
            "title": _title(text, year_word[lang]), "implementation": TEXTS[lang][0],
            "contribution": contribution, "communication": TEXTS[lang][1], "handles": handles,
            "indicators": indicators,
            "cost": {"amount": str(rng.randint(1000, 900_000)), "currency":
                     rng.choice(("EUR", "USD", "XOF"))},
            "submitted_on": (date(2021, 1, 1) + timedelta(days=rng.randint(0, 58))).isoformat(),
        })
    return pledges


def write_csv(pledges: Sequence[dict[str, Any]], path: Path) -> None:
    """The pledges as the import's CSV layout (what ``pledge export`` writes)."""
    rows = [flatten(p) | {"status": "submitted"} for p in pledges]
    with atomic_open(path, newline="") as handle:
        write_pledges(handle, rows, max(len(p["indicators"]) for p in pledges))


def _fresh(path: Path) -> PledgeStore:
    store = PledgeStore(f"sqlite:///{path}")
    store.upgrade()
    return store


def _timed(func: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = func()
    return time.perf_counter() - start, value


def _bare_insert(path: Path, items: Sequence[NewPledge]) -> float:
    """The same rows as the store writes, by bare sqlite3 executemany in one transaction."""
    _fresh(path).close()  # the same schema, made by our migration
    now = utcnow()
    pledges, handles, indicators, events = [], [], [], []
    for pledge_id, item in enumerate(items, 1):
        row = _row_values(item, now) | {"id": pledge_id}
        row["submitted_on"] = row["submitted_on"].isoformat()
        row["created_at"] = row["updated_at"] = now.isoformat(" ")
        pledges.append(row)
        handles += [(pledge_id, n, h, item.dids.get(n)) for n, h in item.form.handles.items()]
        indicators += [(pledge_id, k, i.name, i.unit, i.baseline, i.target,
                        i.deadline.isoformat()) for k, i in enumerate(item.form.indicators)]
        events.append((pledge_id, now.isoformat(" "), "created", None, item.status.value,
                       "bench", ""))
    columns = list(pledges[0])
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in SQLITE_PRAGMAS:
        conn.execute(f"PRAGMA {pragma}")
    try:
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(f"INSERT INTO pledges ({', '.join(columns)}) VALUES "
                         f"({', '.join(':' + c for c in columns)})", pledges)
        conn.executemany("INSERT INTO pledge_handles (pledge_id, network, handle, did) "
                         "VALUES (?, ?, ?, ?)", handles)
        conn.executemany("INSERT INTO pledge_indicators (pledge_id, position, name, unit, "
                         "baseline, target, deadline) VALUES (?, ?, ?, ?, ?, ?, ?)", indicators)
        conn.executemany("INSERT INTO pledge_events (pledge_id, at, action, from_status, "
                         "to_status, actor, detail) VALUES (?, ?, ?, ?, ?, ?, ?)", events)
        conn.execute("COMMIT")
        return time.perf_counter() - start
    finally:
        conn.close()


def bench_import(folder: Path, total: int) -> None:
    """``import_pledges`` of ``total`` CSV rows vs bare sqlite3 inserts of the same rows."""
    schedule = load_schedule(builtin_schedule())
    rules = FormRules.from_schedule(schedule, today=TODAY)
    data = generate(total, rules)
    csv_path = folder / "pledges.csv"
    write_csv(data, csv_path)
    # warm the caches every run fills once (Babel's locales and territories, each language's
    # lexicon and patterns) so the import and the stages timed after it start equal
    for sample in data[:200]:
        prepare(sample, rules)

    store = _fresh(folder / "import.db")
    ours_s, report = _timed(lambda: import_pledges(store, [csv_path], rules))
    store.close()
    assert report.exit_code == 0 and report.count("pledge") == total, report.rejected[:3]

    parse_s, (records, _) = _timed(lambda: read_file(csv_path))
    validate_s, forms = _timed(lambda: [validate_form(r.data, rules) for r in records])
    smart_s, checks = _timed(lambda: [smart_of(f, rules) for f in forms])
    items = [NewPledge(form=f, kind=rules.audiences[f.audience], smart=s)
             for f, s in zip(forms, checks, strict=True)]
    store = _fresh(folder / "insert.db")
    insert_s, _ = _timed(lambda: store.add_many(items))
    store.close()
    bare_s = min(_bare_insert(folder / f"bare{n}.db", items) for n in range(3))
    handles = sum(len(f.handles) for f in forms)
    indicators = sum(len(f.indicators) for f in forms)
    size = csv_path.stat().st_size
    print(f"import: {total:,} pledges from a {size / 1e6:.1f} MB CSV ({handles:,} handles, "
          f"{indicators:,} indicators), full checks and SMART, into a fresh SQLite file")
    print(f"  import_pledges            {total / ours_s:>9,.0f} pledges/s {ours_s:7.2f} s")
    print(f"  bare sqlite3 executemany  {total / bare_s:>9,.0f} pledges/s {bare_s:7.2f} s  "
          "(the same checked rows, one transaction)")
    print(f"  ratio import/bare = {ours_s / bare_s:.1f}x  (goal <= 3.00x)")
    print("  where the time goes (each stage timed alone):")
    stages = (("parse (read, decode, CSV)", parse_s), ("form checks (pydantic, email, "
              "handles, Babel)", validate_s), ("SMART check", smart_s),
              ("store.add_many", insert_s))
    for label, seconds in stages:
        print(f"    {label:<46} {seconds:6.2f} s  {seconds / ours_s:5.0%}  "
              f"{seconds / total * 1e6:7.0f} µs/pledge")
    print(f"  ratio store.add_many/bare = {insert_s / bare_s:.2f}x  (the store's own cost)")
    rest = ours_s - validate_s - smart_s
    print(f"  import less the checks' time vs bare = {rest / bare_s:.2f}x; the form and SMART "
          f"checks are {(validate_s + smart_s) / ours_s:.0%} of the import")


def bench_smart(seconds: float = 3.0) -> None:
    """``check_text`` over the guide's suggestions in fr, en, es, on one core."""
    from campaign.pledges.smart import check_text
    from campaign.pledges.smart_text import fold

    texts = [(lang, text) for items in suggestions().values() for lang, text in items]
    for lang, text in texts:  # warm the lexicons and patterns
        check_text(text, lang=lang, year=2021)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for lang, text in texts:
            check_text(text, lang=lang, year=2021)
        done += len(texts)
    elapsed = time.perf_counter() - start
    fold_s, _ = _timed(lambda: [fold(t) for _ in range(20) for _, t in texts])
    words_s, _ = _timed(lambda: [count_words(t) for _ in range(20) for _, t in texts])
    rate = done / elapsed
    print(f"smart: check_text over the guide's {len(texts)} suggestions (fr, en, es), one core")
    print(f"  check_text      {rate:>9,.0f} texts/s  (goal >= 2,000/s)")
    print(f"  fold only       {20 * len(texts) / fold_s:>9,.0f} texts/s  "
          f"(ratio check/fold = {fold_s and (20 * len(texts) / fold_s) / rate:.1f}x)")
    print(f"  count_words     {20 * len(texts) / words_s:>9,.0f} texts/s  (the cheapest pass)")


FIGURES = ("import", "smart")


def main(argv: Sequence[str] | None = None) -> None:
    """Every figure (or those asked for), in one temporary folder."""
    parser = figures.parser(__doc__, FIGURES)
    parser.add_argument("--pledges", type=int, default=PLEDGES,
                        help="pledges imported (default 10,000)")
    args = parser.parse_args(argv)
    wanted = figures.wanted(parser, args, FIGURES)
    with tempfile.TemporaryDirectory(prefix="campaign-bench-") as tmp:
        if "import" in wanted:
            bench_import(Path(tmp), args.pledges)
        if "smart" in wanted:
            bench_smart()


if __name__ == "__main__":
    main()
