"""Benchmark of the web dashboard: 50 clients on the calendar, the queue and the registry, and
the public pledge form at 20 submissions a second, on SQLite and PostgreSQL.

Run with ``python bench/bench_web.py`` (or ``make bench``); ``--seconds 5 --clients 10`` for a
quick look (not the figures to quote), ``--only calendar,form`` for some figures,
``--backends sqlite`` for one database. Needs ``wrk`` (Debian's package: ``make wrk`` installs it
where make runs as root).

- data: 100,000 queued posts (the built-in 2021 campaign planned on 56 account sets, a quarter
  of them drafts, what was due before 1 June 2021 missed with its reason) and 10,000 pledges,
  stored through the library (bench/web_seed.py). The SQLite file is cached in
  ``/tmp/campaign-bench-cache/`` under the schema head; PostgreSQL (a throwaway server, as the
  tests start it) is seeded from the same generator at each run.
- server: ``campaign serve`` as a real process (uvicorn), one worker on SQLite, two on
  PostgreSQL, ``--today 2021-06-01``; a user added with ``campaign users add --password-stdin``
  and signed in once by a Python client for its session cookie.
- pages: ``wrk -t2 -c50 -d30s --latency`` with that cookie against the calendar (June 2021, the
  busiest month), the queue's first page and the registry's first page; requests per second,
  p50 and p99 latency, errors (wrk's non-2xx/3xx responses and socket errors), each after a
  short warm-up that is not counted. Baseline, in the same run and on the same server:
  ``/healthz`` (no database); each page's figures are printed as ratios against it. Goal: p99
  under 250 ms and no error. With 50 clients each waiting for its answer before the next
  request, p99 is at least about 50 / (requests per second): the goal asks for some 200
  pages a second from one worker, 5 ms a page.
- form: distinct valid pledges posted to ``/pledge`` at 20 a second for 30 s by a thread pool
  paced on a clock (each submission a new visitor: the form's page for its token, then the
  post), the server started with ``--pledge-rate 100000`` so the spam guard does not refuse
  the benchmark's own address; then the pledges stored are counted: none lost, all accepted
  (and none stored while its pledger was shown an error); the post's latency p50 and p99. The
  server's logged failures are printed at the end of each backend.

A page that is not there yet (404), that fails (5xx) or that sends the signed-in user back to
the log-in page is reported as not measured, saying so, and the run goes on.
"""

# The imports below come after the sys.path line, on purpose:
# ruff: noqa: E402

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.pg: the PostgreSQL server the tests start

import argparse
import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import figures  # beside this file: the --only option and the closing table
import web_form
import web_seed

CAMPAIGN = str(Path(sys.executable).parent / "campaign")
PAGES = {"calendar": "/calendar?view=month&month=2021-06", "queue": "/queue",
         "registry": "/pledges"}
BASELINE = "/healthz"
FIGURES = ("calendar", "queue", "registry", "form")
GOAL_P99_MS = 250.0
GOAL = f"p99<{GOAL_P99_MS:.0f}ms, 0 err"
USER, ROLE = "bench", "admin"  # admin: the heaviest variant of each page (every button shown)
WORKERS = {"sqlite": 1, "postgresql": 2}
START_LIMIT = 60.0  # seconds for the server to answer /healthz
TABLE = figures.Table((20, 62, 16))


# -- the server -----------------------------------------------------------------------------------
def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerFailed(Exception):
    """``campaign serve`` ended or did not answer; the message ends with its log."""


@contextlib.contextmanager
def serving(url: str, workers: int, folder: Path, label: str) -> Iterator[str]:
    """``campaign serve`` on ``url`` in its own process until the block ends; its base URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAMPAIGN_")}
    env["CAMPAIGN_WEB_SECRET"] = secrets.token_urlsafe(32)  # one key for every worker
    log_path = folder / f"serve-{label}.log"
    command = [CAMPAIGN, "serve", "--port", str(port), "--workers", str(workers), "--db", url,
               "--today", web_seed.TODAY.isoformat(), "--pledge-rate", "100000"]
    with log_path.open("w") as log:
        # its own session: the workers uvicorn forks are stopped with it, never anything else
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env,
                                   start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process, log_path)
        yield base
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # as Ctrl-C: uvicorn stops its workers
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        _print_failures(log_path)


def _print_failures(log_path: Path, most: int = 5) -> None:
    """The server's logged failures (the dashboard logs each 500 as one line), each once."""
    seen: dict[str, int] = {}
    for line in log_path.read_text(errors="replace").splitlines():
        if " failed: " in line or "Traceback" in line or line.startswith("ERROR"):
            key = re.sub(r"\d+", "N", line)[:300]
            seen[key] = seen.get(key, 0) + 1
    for line, count in list(seen.items())[:most]:
        print(f"  server log ({count}x): {line}")


def _wait_until_up(base: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    import httpx2

    deadline = time.monotonic() + START_LIMIT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerFailed(f"campaign serve ended (exit {process.returncode}): "
                               f"{_tail(log_path)}")
        with contextlib.suppress(httpx2.HTTPError):
            if httpx2.get(base + BASELINE, timeout=2).status_code == 200:
                return
        time.sleep(0.2)  # a benchmark's start-up poll, not a test's wait
    raise ServerFailed(f"campaign serve did not answer {BASELINE} within {START_LIMIT:.0f} s: "
                       f"{_tail(log_path)}")


def _tail(path: Path, lines: int = 5) -> str:
    return " | ".join(path.read_text(errors="replace").splitlines()[-lines:]) or "(empty log)"


def add_user(url: str, password: str) -> None:
    """The benchmark's user, through the CLI as an admin would add one."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAMPAIGN_")}
    done = subprocess.run([CAMPAIGN, "users", "add", USER, "--role", ROLE, "--password-stdin",
                           "--db", url], input=password + "\n", text=True, capture_output=True,
                          env=env)
    if done.returncode != 0:
        raise ServerFailed(f"campaign users add failed: {done.stderr.strip()}")


def session_cookie(base: str, password: str) -> str:
    """Sign in once through the log-in form; the ``Cookie`` header's value."""
    import httpx2

    with httpx2.Client(base_url=base, timeout=30) as client:
        page = client.get("/login")
        token = web_form.csrf_of(page.text)
        if page.status_code != 200 or token is None:
            raise ServerFailed(f"/login answered {page.status_code} without a CSRF token")
        answer = client.post("/login", data={"name": USER, "password": password, "next": "/",
                                             "csrf": token})
        if answer.status_code != 303:
            raise ServerFailed(f"signing in answered {answer.status_code}, not 303")
        return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


def probe(base: str, path: str, cookie: str) -> str | None:
    """Why ``path`` cannot be measured (absent, failing, not signed in), or None."""
    import httpx2

    shown = path.split("?")[0]
    try:
        answer = httpx2.get(base + path, headers={"Cookie": cookie}, timeout=60)
    except httpx2.HTTPError as exc:
        return f"{shown}: {type(exc).__name__}"
    if answer.status_code == 404:
        return f"{shown}: 404 (not built yet)"
    if answer.is_redirect and "/login" in answer.headers.get("location", ""):
        return f"{shown}: sent to /login though signed in"
    if answer.status_code != 200:
        return f"{shown}: answers {answer.status_code}"
    return None


# -- wrk ------------------------------------------------------------------------------------------
@dataclass
class Load:
    """What wrk measured on one address."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx/3xx responses and socket errors
    detail: str  # which errors


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def parse_wrk(out: str) -> Load:
    """wrk's --latency report as figures."""
    def find(pattern: str, default: str = "0") -> str:
        match = re.search(pattern, out)
        return match.group(1) if match else default

    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                        out)
    socket_errors = [int(n) for n in sockets.groups()] if sockets else [0, 0, 0, 0]
    bad = int(find(r"Non-2xx or 3xx responses: (\d+)"))
    parts = [f"{bad} non-2xx/3xx"] if bad else []
    parts += [f"{n} {kind}" for n, kind in zip(socket_errors, ("connect", "read", "write",
                                                                 "timeout"), strict=True) if n]
    return Load(rps=float(find(r"Requests/sec:\s+([\d.]+)")),
                p50_ms=_ms(find(r"\n\s+50%\s+(\S+)", "0us")),
                p99_ms=_ms(find(r"\n\s+99%\s+(\S+)", "0us")),
                requests=int(find(r"(\d+) requests in")), errors=bad + sum(socket_errors),
                detail=", ".join(parts) or "none")


def run_wrk(url: str, cookie: str, seconds: int, clients: int) -> Load:
    """``wrk -t2 -cN -dS --latency`` on ``url`` with the session cookie."""
    threads = min(2, clients)
    # --timeout past the run's length: a slow answer counts in the latency, not as a timeout
    command = ["wrk", f"-t{threads}", f"-c{clients}", f"-d{seconds}s", "--latency",
               f"--timeout={max(10, seconds)}s", "-H", f"Cookie: {cookie}", url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    if done.returncode != 0:
        raise ServerFailed(f"wrk failed: {done.stderr.strip() or done.stdout.strip()}")
    return parse_wrk(done.stdout)


# -- the figures ----------------------------------------------------------------------------------
def bench_pages(backend: str, base: str, cookie: str, wanted: Sequence[str], seconds: int,
                clients: int) -> None:
    """The baseline and each page asked for, under ``clients`` connections."""
    pages = [name for name in PAGES if name in wanted]
    if not pages:
        return
    workers = WORKERS[backend]
    print(f"pages ({backend}, {workers} worker{'s' if workers > 1 else ''}, {clients} clients, "
          f"{seconds} s each)")
    # a warm-up, not measured: every worker up (the first answer came from one), caches filled
    run_wrk(base + BASELINE, cookie, 3, clients)
    base_load = run_wrk(base + BASELINE, cookie, seconds, clients)
    print(f"  {'page':<10} {'req/s':>8} {'p50':>9} {'p99':>9} {'errors':<22} vs healthz")
    _line("healthz", base_load, None)
    for name in pages:
        figure, path = f"{name} {backend}", PAGES[name]
        why = probe(base, path, cookie)
        if why:
            TABLE.not_measured(figure, why, GOAL)
            continue
        run_wrk(base + path, cookie, 2, min(clients, 4))  # warm-up, not measured
        load = run_wrk(base + path, cookie, seconds, clients)
        _line(name, load, base_load)
        met = load.p99_ms < GOAL_P99_MS and load.errors == 0 and load.requests > 0
        TABLE.note(figure, f"{load.rps:,.0f} req/s ({load.rps / base_load.rps:.2f}x healthz), "
                   f"p50 {load.p50_ms:.0f} ms, p99 {load.p99_ms:.0f} ms, {load.errors} err",
                   GOAL, met)
    TABLE.note(f"healthz {backend}", f"{base_load.rps:,.0f} req/s, p99 {base_load.p99_ms:.1f} ms,"
               f" {base_load.errors} err", "baseline", None)


def _line(name: str, load: Load, baseline: Load | None) -> None:
    ratio = ""
    if baseline is not None and baseline.rps and baseline.p99_ms:
        ratio = (f"req/s {load.rps / baseline.rps:.2f}x, p99 "
                 f"{load.p99_ms / baseline.p99_ms:.1f}x")
    print(f"  {name:<10} {load.rps:>8,.0f} {load.p50_ms:>6.1f} ms {load.p99_ms:>6.1f} ms "
          f"{load.detail:<22} {ratio}", flush=True)


def bench_form(backend: str, base: str, url: str, seconds: int, rate: float) -> None:
    """The public form at ``rate`` submissions a second; every accepted pledge stored."""
    figure, goal = f"form {backend}", "none lost"
    print(f"form ({backend}, {rate:g} submissions/s for {seconds} s)")
    why = web_form.unavailable(base)
    if why:
        TABLE.not_measured(figure, why, goal)
        return
    before = web_seed.count_pledges(url)
    result = web_form.submit_paced(base, round(rate * seconds), rate, first=web_seed.PLEDGES)
    stored = web_seed.count_pledges(url) - before
    lost = max(0, result.accepted - stored)
    # stored, yet the pledger was answered with an error (and may send it again)
    unanswered = max(0, stored - result.accepted)
    print(f"  sent {result.sent:,} in {result.seconds:.1f} s ({result.sent / result.seconds:.1f}/s;"
          f" latest start {result.late_ms:.0f} ms behind its time)")
    print(f"  accepted {result.accepted:,}, refused {result.refused:,}"
          f"{' (first: ' + result.first_refusal + ')' if result.first_refusal else ''}, "
          f"stored {stored:,}, lost {lost:,}, stored though refused {unanswered:,}")
    print(f"  post latency p50 {result.p50_ms:.0f} ms, p99 {result.p99_ms:.0f} ms")
    met = lost == 0 and result.accepted == result.sent == stored
    TABLE.note(figure, f"{result.accepted}/{result.sent} accepted, {stored} stored, p50 "
               f"{result.p50_ms:.0f} ms, p99 {result.p99_ms:.0f} ms", goal, met)


def run_backend(backend: str, url: str, wanted: Sequence[str], args: argparse.Namespace,
                folder: Path) -> None:
    """Serve ``url`` and measure every figure asked for on it."""
    password = secrets.token_urlsafe(16)
    try:
        add_user(url, password)
        with serving(url, WORKERS[backend], folder, backend) as base:
            cookie = session_cookie(base, password)
            bench_pages(backend, base, cookie, wanted, args.seconds, args.clients)
            if "form" in wanted:
                bench_form(backend, base, url, args.seconds, args.form_rate)
    except ServerFailed as exc:
        TABLE.not_measured(f"pages {backend}", str(exc), GOAL)


def main(argv: Sequence[str] | None = None) -> None:
    """Every figure (or those asked for), on SQLite then PostgreSQL."""
    parser = figures.parser(__doc__, FIGURES)
    parser.add_argument("--seconds", type=int, default=30, help="seconds of each load (default 30)")
    parser.add_argument("--clients", type=int, default=50,
                        help="concurrent connections on each page (default 50)")
    parser.add_argument("--form-rate", type=float, default=20.0,
                        help="pledge submissions a second (default 20)")
    parser.add_argument("--posts", type=int, default=web_seed.POSTS,
                        help="queued posts (default 100,000)")
    parser.add_argument("--pledges", type=int, default=web_seed.PLEDGES,
                        help="pledges (default 10,000)")
    parser.add_argument("--backends", default="sqlite,postgresql",
                        help="comma-separated: sqlite, postgresql (default both)")
    parser.add_argument("--path", action="append", default=[], metavar="PAGE=PATH",
                        help="measure PAGE (calendar, queue, registry) at another path, e.g. "
                             "queue=/queue?status=failed")
    args = parser.parse_args(argv)
    wanted = figures.wanted(parser, args, FIGURES)
    for given in args.path:
        page, _, path = given.partition("=")
        if page not in PAGES or not path.startswith("/"):
            parser.error(f"--path {given}: give PAGE=/path with PAGE one of {', '.join(PAGES)}")
        PAGES[page] = path
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if shutil.which("wrk") is None and any(page in wanted for page in PAGES):
        print("wrk is not installed (Debian: apt-get install wrk, or `make wrk` as root): "
              "the pages are not measured", file=sys.stderr)
        wanted = [name for name in wanted if name not in PAGES]
    started = time.perf_counter()
    print(f"data: {args.posts:,} queued posts, {args.pledges:,} pledges")
    folder = Path(tempfile.mkdtemp(prefix="campaign-bench-web-"))
    try:
        if "sqlite" in backends:
            url = web_seed.working_copy(web_seed.cached_sqlite(args.posts, args.pledges), folder)
            run_backend("sqlite", url, wanted, args, folder)
        if "postgresql" in backends:
            run_postgresql(wanted, args, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    TABLE.print()
    print(f"(the whole run took {time.perf_counter() - started:.0f} s)")


def run_postgresql(wanted: Sequence[str], args: argparse.Namespace, folder: Path) -> None:
    """A throwaway PostgreSQL server, seeded, then measured with two workers."""
    from tests.pg import find_bin_dir, postgres_server

    if find_bin_dir() is None:
        TABLE.not_measured("pages postgresql", "PostgreSQL binaries not found", GOAL)
        return
    with postgres_server() as url:
        web_seed.seed(url, args.posts, args.pledges, "postgresql")
        from sqlalchemy import create_engine, text

        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("VACUUM ANALYZE"))
        engine.dispose()
        run_backend("postgresql", url, wanted, args, folder)


if __name__ == "__main__":
    main()
