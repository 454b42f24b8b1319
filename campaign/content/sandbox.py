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
import operator
import time
import types
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, tzinfo
from datetime import time as time_of_day
from typing import Any, cast

import jinja2
from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Cycler, Joiner, Namespace
from jinja2.visitor import NodeTransformer

from campaign.content.limits import (
    BUDGET,
    MAX_INT_BITS,
    MAX_NESTING,
    MAX_OUTPUT,
    MAX_PRODUCT,
    MAX_SECONDS,
    MAX_SIZE,
    MAX_STEPS,
    MAX_TOTAL_SECONDS,
    Budget,
    charge,
    check_all,
    check_format,
    check_formatted,
    check_percent,
    check_str_call,
    check_value,
    current_budget,
    guard_filter,
    safe_range,
    size_of,
    step,
)
from campaign.content.loaders import BoundedLoader

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
_CALLABLE_CLASSES = (dict, Cycler, Joiner, Namespace)


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


class CampaignSandbox(ImmutableSandboxedEnvironment):
    """An immutable sandbox that also bounds what a template can reach, build and run."""

    template_class = CampaignTemplate
    intercepted_binops = frozenset(("*", "**", "+", "%"))

    def __init__(self, *args: Any, max_steps: int = MAX_STEPS, max_output: int = MAX_OUTPUT,
                 max_seconds: float = MAX_SECONDS, **kwargs: Any) -> None:
        super().__init__(*args, finalize=_finalize, **kwargs)
        self.max_steps, self.max_output, self.max_seconds = max_steps, max_output, max_seconds
        self.spent = 0.0  # seconds of rendering so far, against MAX_TOTAL_SECONDS
        self.globals["range"] = safe_range
        for name in _DROPPED_GLOBALS:
            self.globals.pop(name, None)
        self.filters = {name: guard_filter(name, func) for name, func in self.filters.items()}
        self.loop_guard = _loop_guard  # reached by the compiled templates, never by their text

    def reset_total(self) -> None:
        """Start the total time budget again: a long-lived process (a web app) calls it once
        per request, a command never needs to."""
        self.spent = 0.0

    def start_budget(self) -> tuple[Any, float] | None:
        """Give one render its own limits, unless it runs inside another (an include, a macro):
        returns what :meth:`end_budget` needs, None for a nested render."""
        if BUDGET.get() is not None:
            return None
        if self.spent > MAX_TOTAL_SECONDS:
            raise SecurityError(f"the templates took more than {MAX_TOTAL_SECONDS:.0f} s in all: "
                                "make them simpler")
        now = time.monotonic()
        return BUDGET.set(Budget(self.max_steps, self.max_output, now + self.max_seconds)), now

    def end_budget(self, started: tuple[Any, float] | None) -> None:
        """Close a render's limits and add its time to the environment's total."""
        if started is not None:
            token, start = started
            self.spent += time.monotonic() - start
            BUDGET.reset(token)

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
        step()
        check_all(args)
        check_all(kwargs.values())
        if isinstance(__obj, types.BuiltinMethodType) and isinstance(
                getattr(__obj, "__self__", None), str):
            args = check_str_call(__obj, args, kwargs)
        result = super().call(__context, __obj, *args, **kwargs)
        if isinstance(result, str):
            charge(len(result))
        return result

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """Jinja's sandboxed ``str.format``, refusing huge or argument-given widths."""
        wrapper = super().wrap_str_format(value)
        if wrapper is None:
            return None
        text: str = value.__self__
        shape, name = check_format(text), value.__name__
        call = wrapper

        def bounded(*args: Any, **kwargs: Any) -> str:
            given = args[0] if name == "format_map" and args else [*args, *kwargs.values()]
            check_formatted(text, shape, given, f"{name}()")
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
                        and (len(seq) if isinstance(seq, str) else size_of(seq) - 1) * count \
                        > MAX_PRODUCT:
                    raise SecurityError("a template tried to build a string or list of more "
                                        f"than {MAX_PRODUCT:,} items")
            if isinstance(left, int) and isinstance(right, int) \
                    and left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise SecurityError(f"a template number is larger than {MAX_INT_BITS} bits")
            return operator.mul(left, right)
        if operator_name == "%":
            if isinstance(left, str):
                check_value(right)
                check_formatted(left, check_percent(left), right, "%")
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
        check_value(value)
        return value
    return _counted(value, literal)


def _counted(iterable: Iterable[Any], literal: int) -> Iterator[Any]:
    for item in iterable:
        step()
        if literal:
            charge(literal)
        yield item


def _finalize(value: Any) -> Any:
    """Every ``{{ value }}`` a template writes: checked for size and charged to the render."""
    if isinstance(value, str):
        charge(len(value))
    elif not isinstance(value, int | float | bool | type(None)):
        check_value(value)
        current_budget()
        charge(size_of(value) if isinstance(value, list | tuple | dict | set | frozenset) else 1)
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
    # a SQLAlchemy row class (a queued post, an account): its mapped columns, read detached
    table = getattr(cls, "__table__", None)
    if table is not None and hasattr(table, "columns"):
        names.update(c.key for c in table.columns)
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
    return CampaignSandbox(loader=BoundedLoader(loader), autoescape=autoescape,
                           undefined=jinja2.StrictUndefined, **options)


__all__ = ["MAX_PRODUCT", "MAX_SIZE", "CampaignSandbox", "CampaignTemplate",
           "SecurityError", "environment"]
