"""The one way this tool makes a Jinja environment: sandboxed, for every template it renders.

Templates travel with shared schedules, so they are code from someone else. Every environment
(posts, share kit, and later reports, story and web pages) comes from :func:`environment`, an
immutable sandbox: no attribute that starts with an underscore, no mutation of what it is given,
no module, file or environment variable within reach, and bounded arithmetic so a template cannot
build a gigabyte string.
"""

from __future__ import annotations

import operator
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

# the longest string or sequence one template operation may build; a post is a few hundred
# characters, a share kit page a few megabytes made of many small pieces
MAX_PRODUCT = 100_000
# globals a post has no use for and that only widen what a template can do
_DROPPED_GLOBALS = ("lipsum",)


class CampaignSandbox(ImmutableSandboxedEnvironment):
    """An immutable sandbox that also bounds ``*``, ``**`` and ``+`` results."""

    intercepted_binops = frozenset(("*", "**", "+"))

    def call_binop(self, context: jinja2.runtime.Context, operator_name: str,
                   left: Any, right: Any) -> Any:
        """Apply a binary operator, refusing one whose result would be too large."""
        if operator_name == "**":
            if isinstance(right, int | float) and abs(right) > 64:
                raise SecurityError("exponent too large in a template")
            return operator.pow(left, right)
        if operator_name == "*":
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(count, int) \
                        and len(seq) * count > MAX_PRODUCT:
                    raise SecurityError("a template tried to build a string or list of more "
                                        f"than {MAX_PRODUCT:,} items")
            return operator.mul(left, right)
        result = operator.add(left, right)
        if isinstance(result, str | list | tuple) and len(result) > 100 * MAX_PRODUCT:
            raise SecurityError("a template built a string or list that is too long")
        return result


def environment(loader: jinja2.BaseLoader, *, autoescape: bool, **options: Any) -> CampaignSandbox:
    """A sandboxed environment over ``loader``; undefined variables are errors."""
    env = CampaignSandbox(loader=loader, autoescape=autoescape, undefined=jinja2.StrictUndefined,
                          **options)
    for name in _DROPPED_GLOBALS:
        env.globals.pop(name, None)
    return env


__all__ = ["MAX_PRODUCT", "CampaignSandbox", "SecurityError", "environment"]
