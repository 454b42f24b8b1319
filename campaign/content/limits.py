"""Bounds on the work one template may do: steps, output, time, sizes built by ``*``/``+``/``%``,
format widths, and the text-growing filters, checked before they run.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import re
import string
import time
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from typing import Any

from jinja2.exceptions import SecurityError
from jinja2.utils import Namespace

# the longest string or sequence one ``*`` may build; a post is a few hundred characters
MAX_PRODUCT = 100_000
# the largest text or container (strings' characters plus items, counted through nesting) any
# one template value may be; a share kit page is a few megabytes made of many small pieces
MAX_SIZE = 1_000_000
# the largest integer a template may compute, in bits
MAX_INT_BITS = 4096
# the longest template file read (a post template is a few hundred bytes, the kit's page 8 KB)
MAX_TEMPLATE_BYTES = 1_000_000
# how deep a template's expressions may nest or chain; the built-in ones reach about 12, and
# Python's compiler fails on generated code from about 70 on
MAX_NESTING = 50
# per render, unless the environment is made with other limits
MAX_STEPS = 1_000_000
MAX_OUTPUT = 50_000_000
MAX_SECONDS = 10.0
# and every render of one environment (one command) together: a per-post limit alone lets a
# small schedule of many audiences and entries multiply it into hours
MAX_TOTAL_SECONDS = 60.0
_SPEC_NUMBER = re.compile(r"\d+")
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?(.)?", re.DOTALL)
# values of a fixed, small size: nothing to count inside them
SCALARS = frozenset((int, float, bool, type(None)))


# -- limits of one render --------------------------------------------------------------------
@dataclasses.dataclass
class Budget:
    steps: int
    output: int
    deadline: float


BUDGET: ContextVar[Budget | None] = ContextVar("campaign_template_budget", default=None)


def current_budget() -> Budget | None:
    budget = BUDGET.get()
    if budget is not None and time.monotonic() > budget.deadline:
        raise SecurityError("the template took too long to render")
    return budget


def step() -> None:
    budget = current_budget()
    if budget is not None:
        budget.steps -= 1
        if budget.steps < 0:
            raise SecurityError("the template ran too many loop steps and calls")


def charge(size: int) -> None:
    budget = BUDGET.get()
    if budget is not None:
        budget.output -= size
        if budget.output < 0:
            raise SecurityError("the template produced too much text")


def size_of(value: Any, limit: int = MAX_SIZE) -> int:
    """Characters plus items of ``value`` through its nesting, counted up to just over ``limit``.

    A list that holds the same big list many times is small in memory but huge once printed, so
    a shared item counts each time it appears (measured once, remembered by identity).
    """
    if isinstance(value, str | bytes):
        return len(value)
    seen: dict[int, int] = {}

    def measure(item: Any, depth: int) -> int:
        if isinstance(item, Mapping):
            children: Iterable[Any] = itertools.chain(item.keys(), item.values())
        elif isinstance(item, Namespace):
            children = object.__getattribute__(item, "_Namespace__attrs").values()
        elif isinstance(item, list | tuple | set | frozenset):
            if len(item) > limit:
                return len(item)
            children = item
        else:
            return len(item) if isinstance(item, str | bytes) else 1
        key = id(item)
        if key in seen:
            return seen[key]
        if depth > 100:
            raise SecurityError("a template value is nested more than 100 deep")
        total = 1
        for child in children:
            kind = type(child)
            if kind is str:
                total += len(child)
            elif kind in SCALARS:
                total += 1
            else:
                total += measure(child, depth + 1)
            if total > limit:
                break
        seen[key] = total
        return total

    return measure(value, 0)


def check_value(value: Any) -> None:
    """Refuse a value too large to print or hand to a filter or function."""
    if isinstance(value, str):
        if len(value) > MAX_SIZE:
            raise SecurityError(f"a template value is longer than {MAX_SIZE:,} characters")
    elif isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > MAX_INT_BITS:
            raise SecurityError(f"a template number is larger than {MAX_INT_BITS} bits")
    elif isinstance(value, list | tuple | dict | set | frozenset | Namespace) \
            and size_of(value) > MAX_SIZE:
        raise SecurityError(f"a template value holds more than {MAX_SIZE:,} items and characters")


def check_all(args: Iterable[Any]) -> None:
    for arg in args:
        check_value(arg)


def _bounded(number: Any, what: str, limit: int = MAX_PRODUCT) -> None:
    if isinstance(number, int) and number > limit:
        raise SecurityError(f"{what} larger than {limit:,} in a template")


def check_format(spec_text: str) -> tuple[int, int]:
    """Refuse a ``str.format`` string whose widths are huge or come from arguments; return its
    number of fields and its widest width, to bound the result before it is built."""
    try:
        fields = list(string.Formatter().parse(spec_text))
    except ValueError:
        return 0, 0  # str.format raises its own error
    count = widest = 0
    for _literal, field, spec, _conversion in fields:
        if field is None:
            continue
        count += 1
        if not spec:
            continue
        if "{" in spec:
            raise SecurityError("a format width taken from an argument is not allowed in "
                                "a template")
        for number in _SPEC_NUMBER.findall(spec):
            _bounded(int(number), "a format width")
            widest = max(widest, int(number))
    return count, widest


def check_percent(text: str) -> tuple[int, int]:
    """Refuse a ``%`` format string whose widths are huge or come from arguments; return its
    number of fields and its widest width."""
    count = widest = 0
    for match in _PERCENT_SPEC.finditer(text):
        count += 1
        for number in match.group(1, 2):
            if number == "*":
                raise SecurityError("a % width taken from an argument is not allowed in a "
                                    "template")
            if number:
                _bounded(int(number), "a % width")
                widest = max(widest, int(number))
    return count, widest


def _printed(value: Any) -> int:
    """About how many characters ``value`` prints as: containers counted through their items,
    anything else (a campaign, an entry, a date) by its text, at most just over MAX_SIZE."""
    if isinstance(value, str | bytes | list | tuple | dict | set | frozenset | Namespace):
        return size_of(value)
    return min(len(str(value)), MAX_SIZE + 1)


def check_formatted(text: str, shape: tuple[int, int], values: Any, what: str) -> None:
    """Refuse a format whose result would be too long: every field may print the largest value
    (or its widest width), so ``'{0}' * 30000`` of a long text is refused before it is built."""
    if isinstance(values, Mapping):
        items: list[Any] = list(values.values())
    elif isinstance(values, tuple | list):
        items = list(values)
    else:
        items = [values]
    fields, widest = shape
    biggest = max((_printed(v) for v in items), default=0)
    if len(text) + fields * max(biggest, widest) > MAX_SIZE:
        raise SecurityError(f"{what} would build a text too long for a template")


def _check_replace(text: str, old: Any, new: Any, what: str) -> None:
    """Refuse a replace whose result would be too long, before it runs."""
    if isinstance(old, str) and isinstance(new, str):
        count = text.count(old) if old else len(text) + 1
        if len(text) + count * len(new) > MAX_SIZE:
            raise SecurityError(f"{what} would build a text too long for a template")


def check_str_call(method: Any, args: tuple[Any, ...],
                    kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """Refuse a str method call whose result would be too large, before it runs.

    Returns the arguments to call it with: ``join``'s items are gathered first to be counted.
    """
    target, name = method.__self__, method.__name__
    if name in ("center", "ljust", "rjust", "zfill"):
        _bounded(args[0] if args else kwargs.get("width"), f"a {name}() width")
    elif name == "replace" and len(args) >= 2:
        _check_replace(target, args[0], args[1], "replace()")
    elif name == "join" and len(args) == 1:
        items = args[0] if isinstance(args[0], str) else list(args[0])
        total = len(target) * max(len(items) - 1, 0)
        for item in items:
            total += len(item) if isinstance(item, str) else 1
            if total > MAX_SIZE:
                raise SecurityError("join() would build a text too long for a template")
        return (items,)
    return args


# -- filters that can grow a text, checked before they run ------------------------------------
def _grow_check(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """Refuse a filter call whose result would be too large, before it runs.

    ``args`` starts with the filtered value; returns the arguments to call the filter with
    (``join`` and ``sum`` get their items gathered first, to be counted).
    """
    value, rest = args[0] if args else None, args[1:]

    def arg(index: int, key: str, default: Any = None) -> Any:
        return rest[index] if len(rest) > index else kwargs.get(key, default)

    if name == "center":
        _bounded(arg(0, "width", 80), "a center width")
    elif name == "batch":
        _bounded(arg(0, "linecount"), "a batch size")
    elif name == "slice":
        _bounded(arg(0, "slices"), "a slice count")
    elif name == "tojson":
        indent = arg(0, "indent")
        width = len(indent) if isinstance(indent, str) else indent
        if isinstance(width, int) and width > 16:
            raise SecurityError("a tojson indent larger than 16 in a template")
    elif name == "format" and isinstance(value, str):
        check_formatted(value, check_percent(value), kwargs or rest, "format")
    elif name == "indent" and isinstance(value, str):
        width = arg(0, "width", 4)
        pad = width if isinstance(width, int) else len(str(width))
        if (value.count("\n") + 1) * pad + len(value) > MAX_SIZE:
            raise SecurityError("indent would build a text too long for a template")
    elif name == "wordwrap" and isinstance(value, str):
        wrap = arg(2, "wrapstring")
        if isinstance(wrap, str) and len(value) * (len(wrap) + 1) > MAX_SIZE:
            raise SecurityError("wordwrap would build a text too long for a template")
    elif name == "replace" and isinstance(value, str):
        _check_replace(value, arg(0, "old"), arg(1, "new"), "replace")
    elif name in ("join", "sum") and value is not None and not isinstance(value, str):
        items = list(value)
        total = len(items) * len(str(arg(0, "d", ""))) if name == "join" else 0
        for item in items:
            total += size_of(item)
            if total > MAX_SIZE:
                raise SecurityError(f"{name} would build a value too large for a template")
        return (items, *rest)
    return args


def guard_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` with its arguments checked first and its result charged to the render."""
    # a filter taking the context or environment gets it first: the value follows it
    skip = 1 if getattr(func, "jinja_pass_arg", None) is not None else 0

    @functools.wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        current_budget()
        head, checked = args[:skip], args[skip:]
        check_all(checked)
        check_all(kwargs.values())
        result = func(*head, *_grow_check(name, checked, kwargs), **kwargs)
        if isinstance(result, str):
            charge(len(result))
        return result

    return guarded


def safe_range(*args: int) -> range:
    """``range`` for templates: at most ``MAX_PRODUCT`` numbers."""
    rng = range(*args)
    if len(rng) > MAX_PRODUCT:
        raise SecurityError(f"range() of more than {MAX_PRODUCT:,} numbers in a template")
    return rng
