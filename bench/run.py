"""Benchmarks for the campaign-as-data layer; every figure is a ratio to a baseline run alongside.

Run with ``make bench``. Absolute times drift on shared machines; the ratios are what to compare.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from campaign.content.render import Renderer
from campaign.content.resources import builtin_schedule
from campaign.content.schedule import load_schedule

TARGET_POSTS = 100_000
ROOT = Path(__file__).resolve().parents[1]


def bench_render() -> None:
    """Our render vs a bare loop over the same sandboxed templates; the sandbox's own cost."""
    import jinja2

    schedule = load_schedule(builtin_schedule())
    renderer = Renderer(schedule)
    combos = list(renderer.combinations(schedule.occurrences))
    rounds = -(-TARGET_POSTS // len(combos))
    # warm caches (compiled templates, localized dates) so every loop starts equal
    for combo in combos:
        renderer.render(*combo)
    names = [renderer.template_name(o.entry.template, lang) for o, _, lang, _ in combos]
    contexts = [renderer.context(*combo) for combo in combos]
    sandboxed = list(zip([renderer.template(n) for n in names], contexts, strict=True))
    # the same templates in Jinja's plain environment, with the renderer's options
    plain_env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(d))
                                    for d in renderer.search_path]),
        undefined=jinja2.StrictUndefined, autoescape=False, trim_blocks=True,
        lstrip_blocks=True)
    plain = list(zip([plain_env.get_template(n) for n in names], contexts, strict=True))

    def ours() -> None:
        for _ in range(rounds):
            for combo in combos:
                renderer.render(*combo)

    def bare(pairs: Sequence[tuple[jinja2.Template, dict[str, Any]]]) -> Callable[[], None]:
        def loop() -> None:
            for _ in range(rounds):
                for template, context in pairs:
                    template.render(context)
        return loop

    ours_s, sandbox_s, plain_s = _best_of(ours), _best_of(bare(sandboxed)), _best_of(bare(plain))
    total = rounds * len(combos)
    print(f"render: {len(combos):,} distinct posts x {rounds} rounds = {total:,} posts")
    print(f"  ours (sandboxed)      {total / ours_s:>12,.0f} posts/s")
    print(f"  bare loop, sandboxed  {total / sandbox_s:>12,.0f} posts/s")
    print(f"  bare loop, plain Jinja{total / plain_s:>12,.0f} posts/s")
    print(f"  ratio ours/bare sandboxed = {ours_s / sandbox_s:.2f}x  (goal <= 2.00x)")
    print(f"  sandbox's own cost: bare sandboxed/bare plain = {sandbox_s / plain_s:.2f}x  "
          "(informational)")


def bench_startup(repeat: int = 15) -> None:
    """``campaign --help`` start-up vs ``python -c 'import click'``."""
    exe = Path(sys.executable)
    campaign = exe.parent / "campaign"
    cmd_ours = [str(campaign), "--help"] if campaign.exists() else [
        str(exe), "-m", "campaign.cli", "--help"]
    cmd_base = [str(exe), "-c", "import click"]
    ours = _median_run(cmd_ours, repeat)
    base = _median_run(cmd_base, repeat)
    print("startup: median of", repeat, "runs")
    print(f"  campaign --help          {ours * 1000:7.1f} ms")
    print(f"  python -c 'import click' {base * 1000:7.1f} ms")
    print(f"  ratio = {ours / base:.2f}x  (goal <= 1.50x)")


def _median_run(cmd: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _best_of(func: Callable[[], None], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


if __name__ == "__main__":
    bench_render()
    bench_startup()
