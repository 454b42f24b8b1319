"""``campaign validate``: check a schedule and render every post it defines, collecting problems."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from campaign.content.schedule import Schedule
from campaign.errors import CampaignError, ScheduleProblems


@dataclass
class Report:
    """What validation found: the schedule (when it loaded), posts rendered, and problems."""

    path: Path
    schedule: Schedule | None = None
    rendered: int = 0
    problems: list[CampaignError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems

    def summary(self) -> str:
        """One line for a person."""
        if self.schedule is None:
            return f"{self.path}: could not be loaded"
        s = self.schedule
        return (f"{self.path}: {len(s.entries)} entries, {len(s.audiences)} audiences, "
                f"{len(s.campaign.languages)} languages, {len(s.campaign.networks)} networks; "
                f"{self.rendered:,} posts rendered, no problem found")

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {"schedule": str(self.path), "ok": self.ok, "posts_rendered": self.rendered,
                "entries": len(self.schedule.entries) if self.schedule else 0,
                "problems": [p.message for p in self.problems]}


def validate_schedule(path: Path | None, *, year: int | None = None,
                      template_dirs: Sequence[Path] = (), profile_path: Path | None = None,
                      variables: Sequence[str] = ()) -> Report:
    """Load the schedule (run in ``year`` if given) and render every entry for every audience,
    language and network."""
    from campaign.content.profile import load_profile
    from campaign.content.render import Renderer
    from campaign.content.resources import builtin_schedule
    from campaign.content.schedule import load_schedule

    report = Report(path=path or builtin_schedule())
    try:
        report.schedule = load_schedule(report.path, year=year)
    except ScheduleProblems as exc:
        report.problems.extend(exc.problems)
        return report
    except CampaignError as exc:
        report.problems.append(exc)
        return report
    renderer = Renderer(report.schedule, template_dirs=template_dirs,
                        profile=load_profile(profile_path, variables))
    combos = list(renderer.combinations(report.schedule.occurrences))
    report.problems.extend(renderer.check(report.schedule.occurrences))
    report.rendered = len(combos)
    return report
