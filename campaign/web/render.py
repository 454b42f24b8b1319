"""Pages: one sandboxed Jinja environment (the tool's one factory, ``content.sandbox``) over the
dashboard's templates, with gettext from :mod:`campaign.web.i18n` and Babel's dates and
numbers in the request's language. Every value lands HTML-escaped (autoescape)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import HTMLResponse

from campaign.errors import CampaignError
from campaign.web import i18n

# a page of 200 rows with its navigation takes well under this; a runaway loop stops here
MAX_STEPS = 2_000_000
MAX_OUTPUT = 20_000_000


def format_date(value: date | datetime | None, form: str = "medium") -> str:
    """A date in the request's language (``12 juin 2021``)."""
    from babel.dates import format_date as babel_date

    if value is None:
        return ""
    return str(babel_date(value, format=form, locale=i18n.language()))


def format_datetime(value: datetime | None, timezone: str = "UTC", form: str = "medium") -> str:
    """A moment on the clocks of ``timezone``, in the request's language."""
    from babel.dates import format_datetime as babel_datetime

    if value is None:
        return ""
    return str(babel_datetime(value, format=form, tzinfo=ZoneInfo(timezone),
                              locale=i18n.language()))


def format_number(value: float | int | None) -> str:
    """A number with the request's language's separators."""
    from babel.numbers import format_decimal

    return "" if value is None else str(format_decimal(value, locale=i18n.language()))


@cache
def environment() -> Any:
    """The dashboard's template environment (made once per process)."""
    import jinja2

    from campaign.content.sandbox import environment as sandboxed

    env = sandboxed(jinja2.PackageLoader("campaign.web", "templates"), autoescape=True,
                    trim_blocks=True, lstrip_blocks=True, max_steps=MAX_STEPS,
                    max_output=MAX_OUTPUT, extensions=["jinja2.ext.i18n"])
    env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the i18n extension
        i18n.gettext, i18n.ngettext, newstyle=True)
    from campaign.web import words

    env.globals.update(languages=i18n.LANGUAGES, language_names=i18n.NAMES,
                       status_name=words.status_name, role_name=words.role_name,
                       pledge_status_name=words.pledge_status_name, light_name=words.light_name)
    env.filters.update(date=format_date, datetime=format_datetime, number=format_number)
    return env


def render(request: Request, template: str, context: Mapping[str, Any] | None = None, *,
           status: int = 200, headers: Mapping[str, str] | None = None) -> HTMLResponse:
    """``template`` rendered for ``request``: the signed-in user, the CSRF token, the language
    and the current path are given to every page."""
    from campaign.web.auth import page_context

    values = page_context(request) | dict(context or {})
    env = environment()
    # the sandbox's total time budget is for one command's renders; a server's is per page
    env.reset_total()
    html = env.get_template(template).render(**values)
    return HTMLResponse(html, status_code=status, headers=dict(headers or {}))


def problem_status(exc: CampaignError) -> int:
    """The HTTP status of a library refusal: bad input 400, an operation that failed 409."""
    return 400 if exc.exit_code == 2 else 409
