"""What every benchmark's command line shares: ``--only`` a few of its figures."""

from __future__ import annotations

import argparse
from collections.abc import Sequence


def parser(doc: str | None, figures: Sequence[str]) -> argparse.ArgumentParser:
    """An argument parser with ``--only`` (a comma-separated choice of ``figures``)."""
    made = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    made.add_argument("--only", default=",".join(figures),
                      help=f"comma-separated figures to run, of {', '.join(figures)}")
    return made


def wanted(made: argparse.ArgumentParser, args: argparse.Namespace,
           figures: Sequence[str]) -> list[str]:
    """The figures ``--only`` asked for; an unknown one ends the run naming the choices."""
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(figures))
    if unknown:
        made.error(f"unknown figure {', '.join(unknown)}: choose among {', '.join(figures)}")
    return chosen
