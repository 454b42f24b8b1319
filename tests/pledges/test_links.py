"""Private progress links: only the hash is stored, a new link revokes the old, a wrong or
revoked secret opens nothing (on SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select

from campaign.pledges.form import FormRules
from campaign.pledges.links import PLEDGE_LINKS, new_link, pledge_for, revoke_links, token_hash
from campaign.pledges.store import PledgeNotFound, PledgeStore
from campaign.pledges.submission import submit
from campaign.users.store import UserStore


@pytest.fixture
def store(database_url: str) -> Iterator[PledgeStore]:
    pledges = PledgeStore(database_url)
    pledges.upgrade()
    yield pledges
    pledges.close()


def _pledge(store: PledgeStore, rules: FormRules, data: dict[str, Any]) -> int:
    return submit(store, data, rules, actor="test")[0].id


def test_a_link_opens_its_pledge_and_only_its_hash_is_stored(
        store: PledgeStore, rules: FormRules, pledge_data: Callable[..., dict[str, Any]]) -> None:
    pledge_id = _pledge(store, rules, pledge_data())
    token = new_link(store, pledge_id, actor="amina")
    assert len(token) >= 43 and pledge_for(store, token) == pledge_id
    with store.engine.connect() as conn:
        stored = conn.execute(select(PLEDGE_LINKS.c.token_hash)).scalars().all()
    assert stored == [token_hash(token)] and token not in stored[0]
    assert [e.action for e in store.events(pledge_id)][-1] == "link"
    assert store.events(pledge_id)[-1].actor == "amina"
    entries = UserStore(store.url).audit_entries(object_kind="pledge", object_id=pledge_id)
    assert [(e.actor, e.action) for e in entries] == [("amina", "pledge.link")]
    assert token not in str(entries[0].after)


def test_a_new_link_revokes_the_old_one(store: PledgeStore, rules: FormRules,
                                         pledge_data: Callable[..., dict[str, Any]]) -> None:
    pledge_id = _pledge(store, rules, pledge_data())
    other = _pledge(store, rules, pledge_data(title="Former 200 inspecteurs du travail en 2021"))
    old = new_link(store, pledge_id, actor="web")
    kept = new_link(store, other, actor="web")
    new = new_link(store, pledge_id, actor="amina")
    assert pledge_for(store, old) is None
    assert pledge_for(store, new) == pledge_id and pledge_for(store, kept) == other
    assert revoke_links(store, pledge_id, actor="amina") == 1
    assert pledge_for(store, new) is None and pledge_for(store, kept) == other


@pytest.mark.parametrize("token", ["", "x", "a" * 43, "a" * 101, "../../etc/passwd",
                                   "abc def ghi jkl mno pqr stu", "é" * 43])
def test_a_wrong_secret_opens_nothing(store: PledgeStore, rules: FormRules, token: str,
                                      pledge_data: Callable[..., dict[str, Any]]) -> None:
    new_link(store, _pledge(store, rules, pledge_data()), actor="web")
    assert pledge_for(store, token) is None


def test_no_link_for_an_unknown_pledge(store: PledgeStore) -> None:
    with pytest.raises(PledgeNotFound):
        new_link(store, 999, actor="web")
