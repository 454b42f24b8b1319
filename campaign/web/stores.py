"""The library objects a web worker uses, made once per process and shared by its requests:
the queue, pledge, tracking and user stores (all on one database URL) and the schedule."""

from __future__ import annotations

from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING

from campaign.web.config import WebConfig

if TYPE_CHECKING:
    from campaign.content.schedule import Schedule
    from campaign.pledges.form import FormRules
    from campaign.pledges.store import PledgeStore
    from campaign.queue.store import Store
    from campaign.tracking.store import TrackStore
    from campaign.users.store import UserStore


class Stores:
    """One worker's stores and schedule; each made the first time it is asked for."""

    def __init__(self, config: WebConfig) -> None:
        self.config = config

    @cached_property
    def queue(self) -> Store:
        """The publication queue."""
        from campaign.queue.store import Store

        return Store(self.config.db_url)

    @cached_property
    def pledges(self) -> PledgeStore:
        """The pledges."""
        from campaign.pledges.store import PledgeStore

        return PledgeStore(self.config.db_url)

    @cached_property
    def tracking(self) -> TrackStore:
        """The tracked posts and their summaries."""
        from campaign.tracking.store import TrackStore

        return TrackStore(self.config.db_url)

    @cached_property
    def users(self) -> UserStore:
        """The dashboard's users and the audit log."""
        from campaign.users.store import UserStore

        return UserStore(self.config.db_url)

    @cached_property
    def schedule(self) -> Schedule:
        """The campaign's schedule (the built-in 2021 campaign unless one was given)."""
        from campaign.content.selection import load

        return load(self.config.schedule_path)

    def today(self) -> date:
        """The day the dashboard counts from."""
        return self.config.today or date.today()

    def form_rules(self) -> FormRules:
        """What a pledge is checked against, today."""
        from campaign.pledges.form import FormRules

        return FormRules.from_schedule(self.schedule, today=self.today())

    def check(self) -> None:
        """Refuse to serve a database that is not at the newest schema (saying how to fix it)."""
        self.queue.check_migrated()

    def close(self) -> None:
        """Release every connection of the stores made."""
        for name in ("queue", "pledges", "tracking", "users"):
            if name in self.__dict__:
                self.__dict__[name].close()
