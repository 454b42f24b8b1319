"""What every benchmark shares: ``--only`` a few of its figures, and the closing table."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass


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


@dataclass
class Row:
    """One line of a benchmark's closing table."""

    figure: str
    result: str
    goal: str
    met: bool | None  # None: not measured


class Table:
    """A benchmark's closing table: each figure with its result, goal and whether it is met."""

    def __init__(self, widths: tuple[int, int, int] = (22, 34, 14)) -> None:
        self.rows: list[Row] = []
        self.widths = widths

    def note(self, figure: str, result: str, goal: str, met: bool | None) -> None:
        """Add a figure."""
        self.rows.append(Row(figure, result, goal, met))

    def not_measured(self, figure: str, why: str, goal: str) -> None:
        """Say why a figure was not measured, now and in the table."""
        print(f"  not measured: {why}")
        self.note(figure, f"not measured: {why}", goal, None)

    def print(self) -> None:
        """The table, after the run's own lines."""
        a, b, c = self.widths
        print()
        print(f"{'figure':<{a}} {'result':<{b}} {'goal':<{c}} met")
        for row in self.rows:
            met = "-" if row.met is None else ("yes" if row.met else "NO")
            print(f"{row.figure:<{a}} {row.result[:b]:<{b}} {row.goal:<{c}} {met}")
