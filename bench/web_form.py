"""The web benchmark's pledgers: distinct valid pledges posted to the public form ``/pledge``,
paced on a clock by a pool of threads, each submission a new visitor (the form's page for its
session and token, then the post).

The form's field names are read from the page itself and matched to the pledge's fields by
their words (``focal_point_email``, ``focal_point.email`` and ``focal-point-email`` are one
field; ``indicators-0-name`` is the first indicator's name; a name given on several rows, such
as ``indicator_name``, takes one value a row), so the benchmark follows the form as it is built.
"""

from __future__ import annotations

import re
import statistics
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

FORM_PATH = "/pledge"
FORM_TYPE = {"content-type": "application/x-www-form-urlencoded"}
POOL = 64  # threads: more than 20 a second times a slow answer, so the pace is the clock's
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_TAGS = re.compile(r"<[^>]+>")


def csrf_of(page: str) -> str | None:
    """The CSRF token a page carries in its forms."""
    match = _CSRF.search(page)
    return match.group(1) if match else None


@dataclass
class Field:
    """One named control of the form: its name, type, and a hidden one's value."""

    name: str
    kind: str
    value: str = ""


class _Controls(HTMLParser):
    """The named inputs, selects and text areas of the form posting to ``FORM_PATH``."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[Field] = []
        self.inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = values.get("action", FORM_PATH).split("?")[0] in (FORM_PATH, "")
        elif self.inside and tag in ("input", "select", "textarea") and values.get("name"):
            self.fields.append(Field(values["name"], values.get("type", tag).lower(),
                                     values.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False


def controls(page: str) -> list[Field]:
    """The form's named controls, in page order."""
    parser = _Controls()
    parser.feed(page)
    return parser.fields


def _words(name: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """A field name's words (singular, without filler) and its row numbers: ``ind1_name`` is
    (("ind", "name"), (1,)), ``focal_point.email`` (("focal", "email"), ())."""
    tokens = re.findall(r"[a-z]+|[0-9]+", name.lower())
    words = tuple(t[:-1] if t.endswith("s") and len(t) > 3 else t for t in tokens
                  if not t.isdigit() and t not in ("point", "pledge"))
    return words, tuple(int(t) for t in tokens if t.isdigit())


def _same(control: tuple[str, ...], key: tuple[str, ...]) -> bool:
    """Whether a control's words name a key's: each the key's word or its start (``ind`` for
    ``indicator``)."""
    return len(control) == len(key) and all(k.startswith(c) for c, k in zip(control, key,
                                                                             strict=True))


def flatten(form: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """A pledge's form data as dotted keys: ``focal_point.email``, ``indicators.0.name``."""
    out: list[tuple[str, str]] = []
    for key, value in form.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out += flatten(value, name + ".")
        elif isinstance(value, list | tuple):
            for i, item in enumerate(value):
                out += (flatten(item, f"{name}.{i}.") if isinstance(item, Mapping)
                        else [(f"{name}.{i}", str(item))])
        elif value is not None:
            out.append((name, str(value)))
    return out


def fill(fields: Sequence[Field], form: Mapping[str, Any]) -> tuple[list[tuple[str, str]],
                                                                    list[str]]:
    """The body to post for ``form`` through these controls, and the pledge's keys no control
    took (a form that does not ask for them).

    Rows are matched in order, whatever their numbering: the page's first indicator row (``ind1_``
    or ``indicators-0-``) takes the pledge's first indicator; a name without a number given on
    several rows takes one value a row.
    """
    keys = [(key, *_words(key), value) for key, value in flatten(form)]
    # each group of numbered controls (same words), its numbers in order: row k is the k-th
    numbered: dict[tuple[str, ...], list[int]] = {}
    for control in fields:
        words, numbers = _words(control.name)
        if numbers and numbers[0] not in numbered.setdefault(words, []):
            numbered[words].append(numbers[0])
    body: list[tuple[str, str]] = []
    used: set[str] = set()
    repeats: dict[str, int] = {}
    for control in fields:
        if control.kind == "hidden":
            body.append((control.name, control.value))
            continue
        words, numbers = _words(control.name)
        if numbers:
            rows: tuple[int, ...] = (sorted(numbered[words]).index(numbers[0]), *numbers[1:])
        else:
            rows = ()
        for key, key_words, key_rows, value in keys:
            if key in used or not _same(words, key_words):
                continue
            if not rows and key_rows:  # a repeated name: the next row not yet given
                repeats[control.name] = repeats.get(control.name, -1) + 1
                rows = (repeats[control.name],)
            if key_rows == rows:
                used.add(key)
                body.append((control.name, value))
                break
    return body, [key for key, *_ in keys if key not in used]


def unavailable(base: str) -> str | None:
    """Why the form cannot be benchmarked (absent, failing, no token), or None."""
    import httpx2

    try:
        page = httpx2.get(base + FORM_PATH, timeout=30)
    except httpx2.HTTPError as exc:
        return f"{FORM_PATH}: {type(exc).__name__}"
    if page.status_code == 404:
        return f"{FORM_PATH}: 404 (not built yet)"
    if page.status_code != 200:
        return f"{FORM_PATH}: answers {page.status_code}"
    if csrf_of(page.text) is None:
        return f"{FORM_PATH}: no form with a CSRF token"
    return None


@dataclass
class Submitted:
    """What the paced submissions came to."""

    sent: int = 0
    accepted: int = 0
    refused: int = 0
    first_refusal: str = ""
    seconds: float = 0.0
    late_ms: float = 0.0  # how far the latest submission started behind its time
    latencies: list[float] = field(default_factory=list)  # the posts', in ms

    @property
    def p50_ms(self) -> float:
        """The posts' median latency."""
        return statistics.median(self.latencies) if self.latencies else 0.0

    @property
    def p99_ms(self) -> float:
        """The posts' 99th percentile latency."""
        if len(self.latencies) < 2:
            return self.p50_ms
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[98]


def pledges(count: int, first: int) -> list[dict[str, Any]]:
    """``count`` valid pledges none of the seeded ``first`` ones repeats (numbered after them)."""
    from bench_pledges import generate  # beside this file
    from web_seed import form_rules

    return generate(first + count, form_rules())[first:]


def _refusal(status: int, page: str) -> str:
    match = re.search(r'class="[^"]*(?:problem|error)[^"]*"[^>]*>(.*?)</', page, re.S)
    said = " ".join(_TAGS.sub(" ", match.group(1)).split()) if match else ""
    return f"{status}{': ' + said[:200] if said else ''}"


def submit_paced(base: str, total: int, rate: float, *, first: int) -> Submitted:
    """Post ``total`` distinct pledges at ``rate`` a second (submission ``i`` starts at
    ``i / rate`` s, whatever the answers' times: the pace is the clock's, not the server's)."""
    import httpx2

    forms = pledges(total, first)
    result = Submitted()
    lock = threading.Lock()
    # the form's controls are the same for every visitor: read once, so that the client's
    # own parsing does not take the CPU the server is measured on (only the token differs)
    fields = controls(httpx2.get(base + FORM_PATH, timeout=60).text)
    bodies = [fill(fields, form)[0] for form in forms]

    def one(body: list[tuple[str, str]], due: float) -> None:
        late = time.perf_counter() - due
        try:
            with httpx2.Client(base_url=base, timeout=60) as client:
                page = client.get(FORM_PATH)
                token = csrf_of(page.text) if page.status_code == 200 else None
                if token is None:  # no form to fill: refused before it could be sent
                    with lock:
                        result.refused += 1
                        result.first_refusal = (result.first_refusal or
                                                f"the form's page answered {page.status_code}")
                    return
                body = [(name, token if name == "csrf" else value) for name, value in body]
                started = time.perf_counter()
                # repeated names (one per indicator row) as the browser sends them
                answer = client.post(FORM_PATH, content=urlencode(body), headers=FORM_TYPE)
                took = (time.perf_counter() - started) * 1000
        except httpx2.HTTPError as exc:  # counted as refused, never lost from the count
            with lock:
                result.refused += 1
                result.first_refusal = result.first_refusal or type(exc).__name__
            return
        with lock:
            result.latencies.append(took)
            result.late_ms = max(result.late_ms, late * 1000)
            if answer.status_code == 303:
                result.accepted += 1
            else:
                result.refused += 1
                result.first_refusal = result.first_refusal or _refusal(answer.status_code,
                                                                         answer.text)

    started = time.perf_counter()
    with ThreadPoolExecutor(POOL) as pool:
        for i, body in enumerate(bodies):
            due = started + i / rate
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)  # the pacing clock: the benchmark's own schedule
            pool.submit(one, body, due)
            result.sent += 1
        result.seconds = time.perf_counter() - started  # the sending's span, not the tail
    return result


def unmatched(base: str, first: int) -> list[str]:
    """The pledge's keys the form's controls do not take (to check the matching by hand)."""
    import httpx2

    page = httpx2.get(base + FORM_PATH, timeout=30).text
    return fill(controls(page), pledges(1, first)[0])[1]
