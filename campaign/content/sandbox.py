"""The one way this tool makes a Jinja environment: sandboxed, for every template it renders.

Templates travel with shared schedules, so they are code from someone else. Every environment
(posts, share kit, and later reports, story and web pages) comes from :func:`environment`, an
immutable sandbox made stricter:

- no attribute that starts with an underscore, and on the objects a template is given only the
  attributes it has a use for: a schedule's fields and properties, a date's parts, the harmless
  methods of text and numbers; never a class, a module, a function's insides or a file path's
  methods, so no module, file or environment variable is within reach;
- no mutation of what it is given;
- bounded work: ``*``, ``**``, ``+`` and ``%``, the string methods and filters that can grow a
  text (``center``, ``replace``, ``join``, ``indent``…), format-string widths, ``range``, loop
  steps and calls, output size and time per render all have a limit, so a template cannot build
  a gigabyte string, spin for minutes or exhaust memory. Going over a limit is a
  :class:`SecurityError` that names what was refused.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import itertools
import operator
import os
import re
import stat
import string
import time
import types
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from datetime import date, datetime, tzinfo
from datetime import time as time_of_day
from pathlib import Path
from typing import Any, cast

import jinja2
from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Cycler, Joiner, Namespace
from jinja2.visitor import NodeTransformer

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
# globals a post has no use for and that only widen what a template can do
_DROPPED_GLOBALS = ("lipsum",)

_STR_METHODS = frozenset((
    "capitalize", "casefold", "center", "count", "endswith", "find", "format", "format_map",
    "index", "isalnum", "isalpha", "isascii", "isdecimal", "isdigit", "isidentifier", "islower",
    "isnumeric", "isprintable", "isspace", "istitle", "isupper", "join", "ljust", "lower",
    "lstrip", "partition", "removeprefix", "removesuffix", "replace", "rfind", "rindex", "rjust",
    "rpartition", "rsplit", "rstrip", "split", "splitlines", "startswith", "strip", "swapcase",
    "title", "upper", "zfill",
    # markupsafe.Markup's own
    "striptags", "unescape",
))
_NUMBER_ATTRS = frozenset(("real", "imag", "numerator", "denominator", "is_integer"))
_DATE_ATTRS = frozenset((
    "year", "month", "day", "hour", "minute", "second", "microsecond", "tzinfo", "fold",
    "weekday", "isoweekday", "isoformat", "isocalendar", "strftime", "date", "time", "tzname",
    "utcoffset", "dst", "toordinal",
))
_BY_TYPE: tuple[tuple[type | tuple[type, ...], frozenset[str]], ...] = (
    (str, _STR_METHODS),
    ((bool, int, float, complex), _NUMBER_ATTRS),
    ((bytes, bytearray, memoryview), frozenset()),
    ((list, tuple), frozenset(("count", "index"))),
    (dict, frozenset(("get", "items", "keys", "values"))),
    ((set, frozenset), frozenset(("isdisjoint", "issubset", "issuperset", "union",
                                  "intersection", "difference", "symmetric_difference"))),
    ((date, datetime, time_of_day), _DATE_ATTRS),
    (tzinfo, frozenset(("key",))),
)
# the objects whose public attributes Jinja's own sandbox rules are enough for
_JINJA_MODULES = ("jinja2.", "markupsafe")
_SCALARS = frozenset((int, float, bool, type(None)))
_CALLABLE_CLASSES = (dict, Cycler, Joiner, Namespace)
_SPEC_NUMBER = re.compile(r"\d+")
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?(.)?", re.DOTALL)


# -- limits of one render --------------------------------------------------------------------
@dataclasses.dataclass
class _Budget:
    steps: int
    output: int
    deadline: float


_BUDGET: ContextVar[_Budget | None] = ContextVar("campaign_template_budget", default=None)


def _budget() -> _Budget | None:
    budget = _BUDGET.get()
    if budget is not None and time.monotonic() > budget.deadline:
        raise SecurityError("the template took too long to render")
    return budget


def _step() -> None:
    budget = _budget()
    if budget is not None:
        budget.steps -= 1
        if budget.steps < 0:
            raise SecurityError("the template ran too many loop steps and calls")


def _charge(size: int) -> None:
    budget = _BUDGET.get()
    if budget is not None:
        budget.output -= size
        if budget.output < 0:
            raise SecurityError("the template produced too much text")


def _size(value: Any, limit: int = MAX_SIZE) -> int:
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
            elif kind in _SCALARS:
                total += 1
            else:
                total += measure(child, depth + 1)
            if total > limit:
                break
        seen[key] = total
        return total

    return measure(value, 0)


def _check(value: Any) -> None:
    """Refuse a value too large to print or hand to a filter or function."""
    if isinstance(value, str):
        if len(value) > MAX_SIZE:
            raise SecurityError(f"a template value is longer than {MAX_SIZE:,} characters")
    elif isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > MAX_INT_BITS:
            raise SecurityError(f"a template number is larger than {MAX_INT_BITS} bits")
    elif isinstance(value, list | tuple | dict | set | frozenset | Namespace) \
            and _size(value) > MAX_SIZE:
        raise SecurityError(f"a template value holds more than {MAX_SIZE:,} items and characters")


def _check_all(args: Iterable[Any]) -> None:
    for arg in args:
        _check(arg)


def _bounded(number: Any, what: str, limit: int = MAX_PRODUCT) -> None:
    if isinstance(number, int) and number > limit:
        raise SecurityError(f"{what} larger than {limit:,} in a template")


def _check_format(spec_text: str) -> tuple[int, int]:
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


def _check_percent(text: str) -> tuple[int, int]:
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
        return _size(value)
    return min(len(str(value)), MAX_SIZE + 1)


def _check_formatted(text: str, shape: tuple[int, int], values: Any, what: str) -> None:
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


def _check_str_call(method: Any, args: tuple[Any, ...],
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
        _check_formatted(value, _check_percent(value), kwargs or rest, "format")
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
            total += _size(item)
            if total > MAX_SIZE:
                raise SecurityError(f"{name} would build a value too large for a template")
        return (items, *rest)
    return args


def _guard_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` with its arguments checked first and its result charged to the render."""
    # a filter taking the context or environment gets it first: the value follows it
    skip = 1 if getattr(func, "jinja_pass_arg", None) is not None else 0

    @functools.wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        _budget()
        head, checked = args[:skip], args[skip:]
        _check_all(checked)
        _check_all(kwargs.values())
        result = func(*head, *_grow_check(name, checked, kwargs), **kwargs)
        if isinstance(result, str):
            _charge(len(result))
        return result

    return guarded


def _safe_range(*args: int) -> range:
    """``range`` for templates: at most ``MAX_PRODUCT`` numbers."""
    rng = range(*args)
    if len(rng) > MAX_PRODUCT:
        raise SecurityError(f"range() of more than {MAX_PRODUCT:,} numbers in a template")
    return rng


# -- the environment --------------------------------------------------------------------------
class CampaignTemplate(jinja2.Template):
    """A template whose every render runs within its environment's limits."""

    environment: CampaignSandbox

    def render_context(self, context: dict[str, Any]) -> str:
        """Render with ``context`` as the template's whole namespace (globals included).

        The fast path for thousands of small posts: :meth:`render` would copy and merge the
        context with the globals on every call (and a context manager costs a post's worth).
        """
        env = self.environment
        started = env.start_budget()
        try:
            return "".join(self.root_render_func(self.new_context(context, shared=True)))
        finally:
            env.end_budget(started)

    def render(self, *args: Any, **kwargs: Any) -> str:
        """Render within the limits (see :class:`CampaignSandbox`)."""
        env = self.environment
        started = env.start_budget()
        try:
            return super().render(*args, **kwargs)
        finally:
            env.end_budget(started)

    def generate(self, *args: Any, **kwargs: Any) -> Iterator[str]:
        """The rendered text in one piece: a lazy render would run outside the limits."""
        yield self.render(*args, **kwargs)


# a template name is a relative path of plain parts: no backslash (one file name on Linux, a
# separator in our own checks), no '..', no control or other unusual character
_TEMPLATE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*(?:/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$")


def template_parts(template: str) -> list[str]:
    """The parts of a template name, or SecurityError for a name that could leave its folder."""
    parts = template.split("/")
    if not _TEMPLATE_NAME.match(template) or any(p in ("", ".", "..") for p in parts):
        raise SecurityError(f"template name '{template}' is not allowed: use letters, digits, "
                            "'_', '-', '.' and '/' between folder names")
    return parts


class FolderLoader(jinja2.BaseLoader):
    """Templates read from folders, the first folder first, never from outside them.

    The file a name leads to must be a regular file (not a pipe or a device, which would block
    or never end) whose real path, links followed, lies inside the real path of the folder it was
    found in, and it is read with a size cap: checked before a byte is read.
    """

    def __init__(self, folders: Iterable[Path | str]) -> None:
        self.folders = [Path(f) for f in folders]

    def get_source(self, environment: jinja2.Environment,
                   template: str) -> tuple[str, str | None, Callable[[], bool] | None]:
        """The template's source from the first folder that has it."""
        parts = template_parts(template)
        for folder in self.folders:
            candidate = folder.joinpath(*parts)
            if not os.path.exists(candidate):  # a dangling link counts as absent
                continue
            return _read_template(folder, candidate, template)
        raise jinja2.TemplateNotFound(template)

    def list_templates(self) -> list[str]:
        """Every ``.j2`` file name of every folder."""
        found: set[str] = set()
        for folder in self.folders:
            if folder.is_dir():
                found.update(p.relative_to(folder).as_posix() for p in folder.rglob("*.j2"))
        return sorted(found)


def _read_template(folder: Path, path: Path,
                   template: str) -> tuple[str, str, Callable[[], bool]]:
    real = path.resolve()
    if not real.is_relative_to(folder.resolve()):
        raise SecurityError(f"template '{template}' is a link to {real}, outside its folder")
    fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)  # before fdopen, which refuses a folder with an error of its own
        if not stat.S_ISREG(info.st_mode):
            raise SecurityError(f"template '{template}' is not a regular file")
        if info.st_size > MAX_TEMPLATE_BYTES:
            raise SecurityError(f"template '{template}' is larger than "
                                f"{MAX_TEMPLATE_BYTES:,} bytes")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(MAX_TEMPLATE_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_TEMPLATE_BYTES:  # it grew while being read
        raise SecurityError(f"template '{template}' is larger than {MAX_TEMPLATE_BYTES:,} bytes")
    mtime = info.st_mtime_ns

    def uptodate() -> bool:
        try:
            return os.stat(real).st_mtime_ns == mtime
        except OSError:
            return False

    return data.decode("utf-8"), str(path), uptodate


class _BoundedLoader(jinja2.BaseLoader):
    """A loader that refuses unsafe names and template sources that are too large.

    User folders go through :class:`FolderLoader`, which checks files before reading them;
    other loaders (the package's own templates) are only bounded once read.
    """

    def __init__(self, inner: jinja2.BaseLoader) -> None:
        self.inner = inner
        self.has_source_access = inner.has_source_access

    def get_source(self, environment: jinja2.Environment,
                   template: str) -> tuple[str, str | None, Callable[[], bool] | None]:
        """The template's source, checked for its name and size."""
        template_parts(template)
        source, filename, uptodate = self.inner.get_source(environment, template)
        if len(source) > MAX_TEMPLATE_BYTES:
            raise SecurityError(f"template '{template}' is longer than {MAX_TEMPLATE_BYTES:,} "
                                "characters")
        return source, filename, uptodate

    def list_templates(self) -> list[str]:
        """The inner loader's templates."""
        return self.inner.list_templates()


class CampaignSandbox(ImmutableSandboxedEnvironment):
    """An immutable sandbox that also bounds what a template can reach, build and run."""

    template_class = CampaignTemplate
    intercepted_binops = frozenset(("*", "**", "+", "%"))

    def __init__(self, *args: Any, max_steps: int = MAX_STEPS, max_output: int = MAX_OUTPUT,
                 max_seconds: float = MAX_SECONDS, **kwargs: Any) -> None:
        super().__init__(*args, finalize=_finalize, **kwargs)
        self.max_steps, self.max_output, self.max_seconds = max_steps, max_output, max_seconds
        self.spent = 0.0  # seconds of rendering so far, against MAX_TOTAL_SECONDS
        self.globals["range"] = _safe_range
        for name in _DROPPED_GLOBALS:
            self.globals.pop(name, None)
        self.filters = {name: _guard_filter(name, func) for name, func in self.filters.items()}
        self.loop_guard = _loop_guard  # reached by the compiled templates, never by their text

    def reset_total(self) -> None:
        """Start the total time budget again: a long-lived process (a web app) calls it once
        per request, a command never needs to."""
        self.spent = 0.0

    def start_budget(self) -> tuple[Any, float] | None:
        """Give one render its own limits, unless it runs inside another (an include, a macro):
        returns what :meth:`end_budget` needs, None for a nested render."""
        if _BUDGET.get() is not None:
            return None
        if self.spent > MAX_TOTAL_SECONDS:
            raise SecurityError(f"the templates took more than {MAX_TOTAL_SECONDS:.0f} s in all: "
                                "make them simpler")
        now = time.monotonic()
        return _BUDGET.set(_Budget(self.max_steps, self.max_output, now + self.max_seconds)), now

    def end_budget(self, started: tuple[Any, float] | None) -> None:
        """Close a render's limits and add its time to the environment's total."""
        if started is not None:
            token, start = started
            self.spent += time.monotonic() - start
            _BUDGET.reset(token)

    # -- what a template can reach ---------------------------------------------------------
    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """Jinja's immutable sandbox rules, then only the attributes ``obj``'s kind allows."""
        if not super().is_safe_attribute(obj, attr, value):
            return False
        allowed = _allowed(type(obj))
        return allowed is None or attr in allowed

    def getattr(self, obj: Any, attribute: str) -> Any:
        """``obj.attribute`` from a template; one it may not read is never even evaluated."""
        kind = type(obj)
        allowed = _ALLOWED[kind] if kind in _ALLOWED else _allowed(kind)
        if allowed is None:
            return super().getattr(obj, attribute)
        if attribute in allowed:
            # every name of these lists is known safe: no need for Jinja's slower checks
            try:
                value = getattr(obj, attribute)
            except AttributeError:
                pass
            else:
                if attribute in ("format", "format_map"):
                    return self.wrap_str_format(value) or value
                return value
        try:
            return obj[attribute]  # a mapping's key, as Jinja looks it up after the attribute
        except (TypeError, LookupError):
            pass
        try:
            inspect.getattr_static(obj, attribute)
        except AttributeError:
            return self.undefined(obj=obj, name=attribute)
        return self.unsafe_undefined(obj, attribute)

    def unsafe_undefined(self, obj: Any, attribute: str) -> jinja2.Undefined:
        """Refuse at once: Jinja's undefined would let ``x.__class__.__init__`` name the last step."""
        raise SecurityError(f"access to attribute {attribute!r} of {type(obj).__name__!r} "
                            "object is unsafe")

    def is_safe_callable(self, obj: Any) -> bool:
        """No class (but the globals ``dict``, ``cycler``, ``joiner``, ``namespace``), module
        or code object is callable from a template."""
        if isinstance(obj, type):
            return obj in _CALLABLE_CLASSES
        if isinstance(obj, types.ModuleType | types.CodeType):
            return False
        return super().is_safe_callable(obj)

    def call(__self, __context: jinja2.runtime.Context, __obj: Any,
             *args: Any, **kwargs: Any) -> Any:
        """Call ``__obj`` from a template: counted, its arguments and result checked."""
        _step()
        _check_all(args)
        _check_all(kwargs.values())
        if isinstance(__obj, types.BuiltinMethodType) and isinstance(
                getattr(__obj, "__self__", None), str):
            args = _check_str_call(__obj, args, kwargs)
        result = super().call(__context, __obj, *args, **kwargs)
        if isinstance(result, str):
            _charge(len(result))
        return result

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """Jinja's sandboxed ``str.format``, refusing huge or argument-given widths."""
        wrapper = super().wrap_str_format(value)
        if wrapper is None:
            return None
        text: str = value.__self__
        shape, name = _check_format(text), value.__name__
        call = wrapper

        def bounded(*args: Any, **kwargs: Any) -> str:
            given = args[0] if name == "format_map" and args else [*args, *kwargs.values()]
            _check_formatted(text, shape, given, f"{name}()")
            return call(*args, **kwargs)

        return bounded

    def call_binop(self, context: jinja2.runtime.Context, operator_name: str,
                   left: Any, right: Any) -> Any:
        """Apply a binary operator, refusing one whose result would be too large."""
        if operator_name == "**":
            if isinstance(right, int | float) and abs(right) > 64:
                raise SecurityError("exponent too large in a template")
            if isinstance(left, int) and isinstance(right, int) \
                    and left.bit_length() * max(right, 0) > MAX_INT_BITS:
                raise SecurityError(f"a template number is larger than {MAX_INT_BITS} bits")
            return operator.pow(left, right)
        if operator_name == "*":
            for seq, count in ((left, right), (right, left)):
                # a list's items through its nesting: [big_list] * n is n times big_list
                if isinstance(seq, str | list | tuple) and isinstance(count, int) and count > 0 \
                        and (len(seq) if isinstance(seq, str) else _size(seq) - 1) * count \
                        > MAX_PRODUCT:
                    raise SecurityError("a template tried to build a string or list of more "
                                        f"than {MAX_PRODUCT:,} items")
            if isinstance(left, int) and isinstance(right, int) \
                    and left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise SecurityError(f"a template number is larger than {MAX_INT_BITS} bits")
            return operator.mul(left, right)
        if operator_name == "%":
            if isinstance(left, str):
                _check(right)
                _check_formatted(left, _check_percent(left), right, "%")
            return operator.mod(left, right)
        result = operator.add(left, right)
        if isinstance(result, str | list | tuple) and len(result) > MAX_SIZE:
            raise SecurityError("a template built a string or list that is too long")
        return result

    # -- how templates are compiled ----------------------------------------------------------
    def compile(self, source: Any, name: str | None = None, filename: str | None = None,
                raw: bool = False, defer_init: bool = False) -> Any:
        """Jinja's compile, with the ways a long chain breaks it made a syntax error.

        ``a.upper().upper()…`` a hundred times, ``x + x + …`` or ``|lower|lower…`` a few hundred
        times pass Jinja's parser but not its code generator or Python's own compiler.
        """
        try:
            return super().compile(source, name, filename, raw, defer_init)  # type: ignore[call-overload]
        except (RecursionError, SyntaxError, MemoryError):
            raise jinja2.TemplateSyntaxError("expressions are nested or chained too deeply", 1,
                                             name, filename) from None

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        """Parse, then route loops, concatenations and built lists through the guards."""
        try:
            tree = super()._parse(source, name, filename)
            if _deepest(tree) > MAX_NESTING:
                # refused here, in microseconds, rather than by the code generator or Python's
                # compiler after a second of work (or a RecursionError)
                raise RecursionError
            guarded = _Guards(name, filename).visit(tree)
        except RecursionError:
            # Jinja's parser recurses once per bracket: a few hundred would end in a traceback
            raise jinja2.TemplateSyntaxError("expressions are nested or chained too deeply", 1,
                                             name, filename) from None
        assert isinstance(guarded, nodes.Template)
        return guarded


def _deepest(tree: nodes.Node) -> int:
    """How deep the parsed template nests (a chain ``a.b().c()`` nests once per link)."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth <= MAX_NESTING:
            stack.extend((child, depth + 1) for child in node.iter_child_nodes())
    return deepest


def _guarded(node: nodes.Node, literal: int) -> nodes.Call:
    """``environment.loop_guard(node, literal)``: a call the template's text cannot make."""
    return nodes.Call(nodes.EnvironmentAttribute("loop_guard"),
                      [cast(nodes.Expr, node), nodes.Const(literal)],
                      [], None, None, lineno=node.lineno)


class _Guards(NodeTransformer):
    """Rewrites a parsed template so its loops are counted and what it builds is measured.

    Each loop step is counted (with the literal text its body writes); each operand of ``~`` and
    each list, tuple or mapping built from variables is measured, so shared items cannot make
    a value that is small in memory but enormous to print, compare or sort.
    """

    def __init__(self, name: str | None, filename: str | None) -> None:
        self.name, self.filename = name, filename

    def visit_For(self, node: nodes.For) -> nodes.Node:
        """Count the loop's steps."""
        if node.recursive:
            raise jinja2.TemplateSyntaxError("recursive loops are not allowed in templates",
                                             node.lineno, self.name, self.filename)
        self.generic_visit(node)
        literal = sum(len(d.data) for d in node.find_all(nodes.TemplateData))
        node.iter = _guarded(node.iter, literal)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        """Measure each operand of ``~``."""
        self.generic_visit(node)
        node.nodes = [n if isinstance(n, nodes.Const) else _guarded(n, -1) for n in node.nodes]
        return node

    def _built(self, node: nodes.Expr, items: Iterable[nodes.Node]) -> nodes.Node:
        self.generic_visit(node)
        if all(isinstance(i, nodes.Const) for i in items):
            return node
        return _guarded(node, -1)

    def visit_List(self, node: nodes.List) -> nodes.Node:
        """Measure a list built from variables."""
        return self._built(node, node.items)

    def visit_Tuple(self, node: nodes.Tuple) -> nodes.Node:
        """Measure a tuple built from variables (not a target of ``for`` or ``set``)."""
        if node.ctx != "load":
            return node
        return self._built(node, node.items)

    def visit_Dict(self, node: nodes.Dict) -> nodes.Node:
        """Measure a mapping built from variables."""
        return self._built(node, [part for pair in node.items for part in (pair.key, pair.value)])


def _loop_guard(value: Any, literal: int) -> Any:
    """Count each step of a loop (and the text it writes); or (``literal`` -1) measure a value."""
    if literal < 0:
        _check(value)
        return value
    return _counted(value, literal)


def _counted(iterable: Iterable[Any], literal: int) -> Iterator[Any]:
    for item in iterable:
        _step()
        if literal:
            _charge(literal)
        yield item


def _finalize(value: Any) -> Any:
    """Every ``{{ value }}`` a template writes: checked for size and charged to the render."""
    if isinstance(value, str):
        _charge(len(value))
    elif not isinstance(value, int | float | bool | type(None)):
        _check(value)
        _budget()
        _charge(_size(value) if isinstance(value, list | tuple | dict | set | frozenset) else 1)
    return value


_ALLOWED: dict[type, frozenset[str] | None] = {}


def _allowed(kind: type) -> frozenset[str] | None:
    """``_allowed_attributes``, remembered per type."""
    try:
        return _ALLOWED[kind]
    except KeyError:
        allowed = _ALLOWED[kind] = _allowed_attributes(kind)
        return allowed


def _allowed_attributes(cls: type) -> frozenset[str] | None:
    """The attributes a template may read on instances of ``cls``; None for Jinja's default."""
    for kinds, allowed in _BY_TYPE:
        if issubclass(cls, kinds) and not _is_ours(cls):
            return allowed
    module = getattr(cls, "__module__", "") or ""
    if module.startswith(_JINJA_MODULES):
        return None
    if _is_ours(cls):
        return _own_attributes(cls)
    # anything else (paths, pydantic's field infos, functions, classes): nothing
    return frozenset()


def _is_ours(cls: type) -> bool:
    return (getattr(cls, "__module__", "") or "").startswith("campaign.")


def _own_attributes(cls: type) -> frozenset[str]:
    """A schedule or profile object's data: its fields and properties, none of its methods.

    Pydantic models would otherwise hand a template ``model_validate``, ``parse_file`` and the
    classes of their fields; a dataclass or named tuple its class's constructor.
    """
    names: set[str] = set()
    model_fields = getattr(cls, "model_fields", None)
    if isinstance(model_fields, dict):
        names.update(model_fields)
    if dataclasses.is_dataclass(cls):
        names.update(f.name for f in dataclasses.fields(cls))
    names.update(getattr(cls, "_fields", ()))
    for klass in cls.__mro__:
        if not _is_ours(klass):
            continue
        for name, member in vars(klass).items():
            if isinstance(member, property | functools.cached_property):
                names.add(name)
    return frozenset(n for n in names if not n.startswith("_"))


def environment(loader: jinja2.BaseLoader, *, autoescape: bool, **options: Any) -> CampaignSandbox:
    """A sandboxed environment over ``loader``; undefined variables are errors.

    ``max_steps``, ``max_output`` and ``max_seconds`` bound one render (loop steps and calls,
    characters written, seconds); the defaults suit a share-kit page.
    """
    return CampaignSandbox(loader=_BoundedLoader(loader), autoescape=autoescape,
                           undefined=jinja2.StrictUndefined, **options)


__all__ = ["MAX_PRODUCT", "MAX_SIZE", "CampaignSandbox", "CampaignTemplate", "FolderLoader",
           "SecurityError", "environment", "template_parts"]
