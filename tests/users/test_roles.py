"""The roles table: what each role may do."""

from __future__ import annotations

from campaign.users.roles import Action, may


def test_roles_table() -> None:
    assert may("viewer", Action.READ) and not may("viewer", Action.EDIT)
    assert may("editor", Action.EDIT) and not may("editor", Action.APPROVE)
    assert may("approver", Action.APPROVE) and not may("approver", Action.MANAGE_USERS)
    assert all(may("admin", a) for a in Action)
