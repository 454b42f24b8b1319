"""Migration 0005 on a database holding the queue and pledges: they stay; down and up again."""

from __future__ import annotations

from datetime import date

from sqlalchemy import inspect

from campaign.content.schedule import Schedule
from campaign.tracking.store import TrackStore
from tests.queue.test_migrations import _to

TABLES = {"tracked_authors", "tracked_author_history", "tracked_posts", "tracked_post_tags",
          "track_checkpoints", "track_runs"}


def test_0005_adds_the_tracking_tables_and_keeps_the_pledges(database_url: str,
                                                             schedule: Schedule) -> None:
    from campaign.pledges.form import FormRules
    from campaign.pledges.store import PledgeStore
    from campaign.pledges.submission import prepare
    from tests.pledges.conftest import PLEDGE

    db = TrackStore(database_url)
    _to(db, "0004")
    pledges = PledgeStore(database_url)
    item, _ = prepare(PLEDGE, FormRules.from_schedule(schedule, today=date(2021, 3, 1)))
    pledge = pledges.add(item)
    assert db.upgrade() == ("0004", "0007")
    assert set(inspect(db.engine).get_table_names()) >= TABLES
    assert pledges.get(pledge.id).form.name == PLEDGE["name"]
    _to(db, "0004", down=True)
    assert not TABLES & set(inspect(db.engine).get_table_names())
    assert db.upgrade() == ("0004", "0007")
    db.close()
    pledges.close()

