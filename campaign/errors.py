"""Every error the library raises for a user's mistake, each carrying its own message."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class CampaignError(Exception):
    """Base of every error meant for the user; ``exit_code`` 2 is bad input, 1 a failed operation."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def _where(path: Path | str | None, line: int | None) -> str:
    if path is None:
        return ""
    return f"{path}:{line}" if line else f"{path}"


class ScheduleError(CampaignError):
    """A schedule file cannot be read or does not follow the schema."""

    def __init__(
        self, path: Path | str | None, problem: str, *, line: int | None = None, key: str = ""
    ) -> None:
        self.path, self.line, self.key, self.problem = path, line, key, problem
        where = _where(path, line)
        field = f" at '{key}'" if key else ""
        super().__init__(f"{where}{field}: {problem}" if where else f"{key}: {problem}")


class ScheduleProblems(CampaignError):
    """Several problems found at once, reported together so the user fixes them in one pass."""

    def __init__(self, problems: Sequence[CampaignError]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        lines = "\n".join(f"  - {p.message}" for p in self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} found:\n{lines}")


class TemplateError(CampaignError):
    """A post template is missing, malformed or uses a variable that is not defined."""

    def __init__(self, template: str, problem: str, *, entry: str = "", line: int | None = None):
        self.template, self.entry, self.problem = template, entry, problem
        where = f"template '{template}'" + (f" line {line}" if line else "")
        for_entry = f" (entry '{entry}')" if entry else ""
        super().__init__(f"{where}{for_entry}: {problem}")


class TooLongError(CampaignError):
    """A rendered post does not fit its network's limit and its entry does not allow a thread."""

    def __init__(
        self, entry: str, language: str, network: str, length: int, limit: int, audience: str = ""
    ) -> None:
        self.entry, self.language, self.network = entry, language, network
        self.length, self.limit = length, limit
        who = f", audience '{audience}'" if audience else ""
        super().__init__(
            f"entry '{entry}' ({language}, {network}{who}) is {length} long, over the limit of "
            f"{limit}: shorten its template or set 'thread: true' on the entry"
        )


class UsageError(CampaignError):
    """An option or argument the user gave is not one of the accepted values."""

    def __init__(self, what: str, given: str, choices: Sequence[str]) -> None:
        self.what, self.given, self.choices = what, given, list(choices)
        super().__init__(
            f"unknown {what} '{given}': choose one of {', '.join(sorted(self.choices))}"
        )


class ExportError(CampaignError):
    """An export could not be written; nothing was left half-written."""

    exit_code = 1


class EmptyPostError(TemplateError):
    """A template rendered to nothing but whitespace: such a post must never be published."""

    def __init__(self, template: str, entry: str, language: str, network: str,
                 audience: str = "") -> None:
        who = f", audience '{audience}'" if audience else ""
        CampaignError.__init__(
            self, f"entry '{entry}' ({language}, {network}{who}) renders to an empty post: "
            f"template '{template}' writes only whitespace or invisible characters; give it some text")
        self.template, self.entry, self.problem = template, entry, "renders to an empty post"
        self.language, self.network = language, network
